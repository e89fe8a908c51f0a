//! The database flags every command that reads or writes the index shares.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use emtoken_store::Store;

use super::socket;
use crate::args;

/// Which database holds the index: a PostgreSQL server, or the embedded one in a folder.
#[derive(Debug, Clone, Args)]
pub(crate) struct DatabaseArgs {
    /// PostgreSQL server holding the index, e.g. `postgres://emtoken:secret@localhost:5432/emtoken`.
    /// When given (or set in DATABASE_URL) it is used instead of the embedded database of --data-dir.
    #[arg(long, env = "DATABASE_URL", value_name = "URL", value_parser = args::database_url, hide_env_values = true)]
    database_url: Option<String>,

    /// Folder of the embedded database, used when no database URL is given.
    #[arg(long, value_name = "DIR", default_value = ".emtoken/db")]
    data_dir: PathBuf,
}

/// Whether opening may create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// `emtoken index`: create the embedded database's folder when missing.
    Create,
    /// Readers: the index must exist already.
    Existing,
}

impl DatabaseArgs {
    /// Opens the store, bringing its schema up to date.
    pub(crate) async fn open(&self, how: Open) -> anyhow::Result<Store> {
        match &self.database_url {
            Some(url) => Store::connect(url).await.with_context(|| {
                format!(
                    "cannot open the database at --database-url {}",
                    redacted(url)
                )
            }),
            None => {
                let dir = &self.data_dir;
                if how == Open::Existing && !dir.is_dir() {
                    bail!(
                        "no index in {}: run `emtoken index` first, or pass --data-dir or --database-url",
                        dir.display()
                    );
                }
                // The embedded database serves one process: while serve holds it, say so.
                let socket = dir.join(socket::SOCKET);
                if socket::answers(&socket).await {
                    bail!(held_by_serve(dir));
                }
                match Store::open_embedded(dir).await {
                    Ok(store) => Ok(store),
                    Err(_) if socket::answers(&socket).await => bail!(held_by_serve(dir)),
                    Err(error) => Err(error).with_context(|| {
                        format!(
                            "cannot open the embedded database in --data-dir {}",
                            dir.display()
                        )
                    }),
                }
            }
        }
    }

    /// The socket on which a serve holding the embedded database answers reads
    /// (`<--data-dir>/serve.sock`); None with a PostgreSQL server, which every process connects to.
    pub(crate) fn serve_socket(&self) -> Option<PathBuf> {
        self.database_url
            .is_none()
            .then(|| self.data_dir.join(socket::SOCKET))
    }
}

/// Why a command that writes (or reads what serve does not answer) cannot open the embedded database.
fn held_by_serve(dir: &std::path::Path) -> String {
    format!(
        "serve holds the embedded database in {}: stop it, or use the HTTP API / a PostgreSQL server \
         (--database-url)",
        dir.display()
    )
}

/// The URL with its password, if any, replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redacted("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redacted("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redacted("postgres:///db"), "postgres:///db");
    }
}
