//! The embedded PostgreSQL used when no database URL is given: `pglite-oxide`, PostgreSQL 17
//! compiled to WebAssembly and run inside this process.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pglite_oxide::PgliteServer;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::{Error, Result};

/// How long a caller waits for the pool's one connection, and [`EmbeddedPostgres::shutdown`]
/// for it to come back.
const WAIT: Duration = Duration::from_secs(30);

/// An embedded PostgreSQL keeping its data under a folder; stopped when dropped (or by
/// [`shutdown`](Self::shutdown)).
///
/// It is PostgreSQL 17.5 (`pglite-oxide`), served on a loopback TCP port by a thread of this
/// process, database `postgres`, user `postgres`, no password. The first start on a machine
/// unpacks its runtime (~100 MB) under the user's cache folder (`$XDG_CACHE_HOME/pglite-oxide`,
/// else `~/.cache/pglite-oxide` on Linux); every data folder then shares it.
///
/// **One connection at a time.** The server runs a single PostgreSQL backend and serves its
/// clients one after the other: a second client is not refused, it waits until the first one
/// disconnects. So [`pool`](Self::pool) always hands out the same pool, of one connection;
/// tasks using it concurrently take turns, which is safe. A task must never ask the pool for
/// a connection while it holds one (e.g. inside a transaction): that cannot succeed, and fails
/// with `PoolTimedOut` after 30 s.
///
/// **Several instances.** Instances on different folders run side by side in one process. A
/// folder serves one instance at a time, across processes too: a second start on a folder in
/// use fails with [`Error::Embedded`] and touches nothing.
///
/// **Durability.** A commit reaches the folder's files before it returns, so it survives a
/// crash or kill of this process. The engine never asks the disk to flush (fsync) on its own,
/// though: [`shutdown`](Self::shutdown) does it, but after an operating-system crash or power
/// loss the last commits may be lost. Keep only data that can be rebuilt from the chain here.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    dir: PathBuf,
    url: String,
    pool: PgPool,
    server: Option<StopOnDrop>,
}

impl EmbeddedPostgres {
    /// Starts (creating the data folder and cluster the first time) the embedded server with its
    /// data in `dir`.
    ///
    /// The cluster lives in `dir/tmp/pglite/base`; `dir/.pglite-oxide.lock` keeps a second
    /// server, in this process or another, off the same data.
    pub async fn start(dir: &Path) -> Result<Self> {
        let begun = Instant::now();
        std::fs::create_dir_all(dir).map_err(|err| {
            embedded(
                dir,
                format!(
                    "cannot create the folder ({err}); check its permissions or choose another one"
                ),
            )
        })?;
        let builder = PgliteServer::builder().path(dir).database("postgres");
        let server = tokio::task::spawn_blocking(move || builder.start())
            .await
            .map_err(|err| embedded(dir, format!("the starting thread failed: {err}")))?
            .map_err(|err| embedded(dir, start_failure(&err)))?;
        let url = server.database_url();
        let server = StopOnDrop(Some(server));
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(WAIT)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect(&url)
            .await
            .map_err(|err| {
                embedded(
                    dir,
                    format!("started but refused a connection ({err}); start it again"),
                )
            })?;
        tracing::info!(dir = %dir.display(), elapsed = ?begun.elapsed(), "embedded postgresql started");
        Ok(Self {
            dir: dir.to_path_buf(),
            url,
            pool,
            server: Some(server),
        })
    }

    /// A sqlx pool connected to it: always the same pool, of **one** connection (the server
    /// serves no more), which concurrent callers share by taking turns. Never acquire a second
    /// connection while holding one: that fails after 30 s.
    pub async fn pool(&self) -> Result<PgPool> {
        if self.pool.is_closed() {
            return Err(embedded(
                &self.dir,
                "its pool was closed; start the server again",
            ));
        }
        Ok(self.pool.clone())
    }

    /// Its connection URL, e.g. `postgresql://postgres@127.0.0.1:40189/postgres?sslmode=disable`.
    ///
    /// The pool's connection stays open until [`shutdown`](Self::shutdown), and another client
    /// connecting there waits until then: use [`pool`](Self::pool) instead while it runs.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The folder holding its data.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops it cleanly, flushing data: waits up to 30 s for a connection borrowed from the pool
    /// to come back, closes the pool, stops the server, then flushes the folder's files to disk.
    pub async fn shutdown(mut self) -> Result<()> {
        let Some(mut stop) = self.server.take() else {
            return Ok(());
        };
        if tokio::time::timeout(WAIT, self.pool.close()).await.is_err() {
            // `stop` stops the server in the background once that connection closes.
            return Err(embedded(
                &self.dir,
                "a connection was still borrowed 30 s after shutdown began; finish open \
                 transactions and drop connections before shutting down",
            ));
        }
        let Some(server) = stop.0.take() else {
            return Ok(());
        };
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            server.shutdown().map_err(|err| {
                format!("stopped with an error ({err:#}); start it again to check the data")
            })?;
            sync_tree(&dir).map_err(|err| {
                format!("stopped, but flushing its files to disk failed ({err}); check the disk")
            })
        })
        .await
        .map_err(|err| embedded(&self.dir, format!("the stopping thread failed: {err}")))?
        .map_err(|message| embedded(&self.dir, message))?;
        tracing::info!(dir = %self.dir.display(), "embedded postgresql stopped");
        Ok(())
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        // The server stops once the pool's connection is closed, which takes the runtime.
        let pool = self.pool.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    pool.close().await;
                    drop(server);
                });
            }
            Err(_) => drop((pool, server)),
        }
    }
}

/// Owns the server and stops it on a thread of its own when dropped: stopping waits for its
/// last client to disconnect, and a drop must not block.
#[derive(Debug)]
struct StopOnDrop(Option<PgliteServer>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(server) = self.0.take() {
            std::thread::spawn(move || {
                if let Err(err) = server.shutdown() {
                    tracing::warn!("embedded postgresql stopped with an error: {err:#}");
                }
            });
        }
    }
}

/// Flushes every file under `path` to disk (the engine writes through the OS but never fsyncs).
fn sync_tree(path: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_tree(&entry.path())?;
        } else if kind.is_file() {
            // Windows flushes only files opened for writing.
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(cfg!(windows))
                .open(entry.path())?;
            file.sync_all()?;
        }
    }
    #[cfg(unix)]
    std::fs::File::open(path)?.sync_all()?; // the folder's entries
    Ok(())
}

fn embedded(dir: &Path, message: impl Into<String>) -> Error {
    Error::Embedded {
        dir: dir.display().to_string(),
        message: message.into(),
    }
}

/// What to tell the user when the server would not start.
fn start_failure(err: &dyn std::fmt::Display) -> String {
    let detail = format!("{err:#}");
    if detail.contains("already in use") {
        "the folder is in use by another embedded postgresql (in this or another process); \
         stop that one first or choose another folder"
            .to_owned()
    } else {
        format!(
            "cannot start ({detail}); check free disk space and that the folder holds only an \
             emtoken database"
        )
    }
}
