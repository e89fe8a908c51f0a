//! Envio HyperIndex on the same chain: `envio start` of the app in `bench/envio/` (installed by
//! scripts/bench) over plain RPC into a PostgreSQL database. Its config ends at the chain's head, so it
//! exits once caught up: timed from start to exit, as `emtoken index --until-head` is.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use sqlx::{Connection, PgConnection};
use tokio::process::Command;

use crate::{
    chain::ChainInfo,
    child::Timed,
    indexer::{Backfill, finish, show, tail},
    ponder::{app_node, package_version},
};

/// How the Envio run is set up.
#[derive(Debug, Clone)]
pub(crate) struct EnvioSetup<'a> {
    /// `bench/envio`, with `node_modules` installed.
    pub(crate) app: &'a Path,
    /// Node HTTP endpoint.
    pub(crate) rpc: &'a str,
    /// A fresh database (Envio writes its tables into its `public` schema).
    pub(crate) database_url: &'a str,
    /// HTTP port for the indexer's own server (metrics, health).
    pub(crate) port: u16,
    /// Give up after this long.
    pub(crate) timeout: Duration,
}

/// The Envio version installed in `app` (`node_modules/envio/package.json`).
pub(crate) fn version(app: &Path) -> anyhow::Result<String> {
    package_version(app, "envio")
}

/// Runs Envio from the deployment block to the head (it exits there); counts its event and movement rows.
pub(crate) async fn backfill(
    setup: &EnvioSetup<'_>,
    chain: &ChainInfo,
    expected_events: u64,
    logs: &Path,
) -> anyhow::Result<Backfill> {
    let envio = setup.app.join("node_modules/.bin/envio");
    if !envio.exists() {
        bail!(
            "{} is missing: scripts/bench installs Envio (npm install in bench/envio), or pass --skip-envio",
            envio.display()
        );
    }
    let node = app_node(setup.app)?;
    let version = version(setup.app)?;
    let mut command = Command::new(&node);
    // `-r`: a fresh start even if the database somehow held an earlier run's progress.
    command
        .current_dir(setup.app)
        .arg(&envio)
        .args(["start", "-r"])
        .env("ENVIO_EMTOKEN_RPC", setup.rpc)
        .env("ENVIO_EMTOKEN_CHAIN_ID", chain.chain_id.to_string())
        .env("ENVIO_EMTOKEN_CONTRACT", format!("{:#x}", chain.contract))
        .env("ENVIO_EMTOKEN_START_BLOCK", chain.deploy_block.to_string())
        .env("ENVIO_EMTOKEN_END_BLOCK", chain.head.to_string())
        .env("ENVIO_INDEXER_PORT", setup.port.to_string())
        // No Hasura (its GraphQL layer is a separate server, not part of indexing), no terminal UI.
        .env("ENVIO_HASURA", "false")
        .env("ENVIO_TUI", "false");
    for (key, value) in pg_env(setup.database_url)? {
        command.env(key, value);
    }
    let shown = show(&command);
    let stdout_path = logs.join("envio.out");
    let stderr_path = logs.join("envio.err");
    let started = Instant::now();
    let child = Timed::spawn(
        command,
        Stdio::from(std::fs::File::create(&stdout_path)?),
        Stdio::from(std::fs::File::create(&stderr_path)?),
    )?;
    // Dropping the child on a timeout kills it.
    let Ok(exited) = tokio::time::timeout(setup.timeout, child.wait()).await else {
        bail!(
            "envio did not reach block {} within {:?} (see {})",
            chain.head,
            setup.timeout,
            stdout_path.display()
        );
    };
    let (status, peak) = exited?;
    let elapsed = started.elapsed();
    if !status.success() {
        let out = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        bail!(
            "envio exited with {status}: {}\n{}",
            tail(&out, 15),
            tail(&err, 15)
        );
    }
    tracing::info!(
        ms = elapsed.as_millis() as u64,
        peak_kib = peak,
        "envio caught up"
    );
    let mut conn = PgConnection::connect(setup.database_url).await?;
    let events: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM public."ChainEvent""#)
        .fetch_one(&mut conn)
        .await
        .context("counting Envio's events")?;
    let movements: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM public."Movement""#)
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    let events = u64::try_from(events).unwrap_or(0);
    if events != expected_events {
        tracing::warn!(
            events,
            expected_events,
            "envio stored another number of events"
        );
    }
    let mut run = finish(
        format!("Envio HyperIndex {version} → PostgreSQL server (plain RPC)"),
        shown,
        elapsed,
        chain.blocks(),
        events,
        peak,
        None,
    );
    run.movements = u64::try_from(movements).ok();
    Ok(run)
}

/// Envio's `ENVIO_PG_*` variables for a `postgres://user[:password]@host[:port]/database` URL (Envio
/// takes no connection string).
fn pg_env(url: &str) -> anyhow::Result<Vec<(&'static str, String)>> {
    let bad = || format!("'{url}' is not a postgres://user@host:port/database URL");
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .with_context(bad)?;
    let rest = rest.split('?').next().unwrap_or(rest);
    let (user_info, location) = rest.rsplit_once('@').with_context(bad)?;
    let (user, password) = user_info.split_once(':').unwrap_or((user_info, ""));
    let (host_port, database) = location.split_once('/').with_context(bad)?;
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    if user.is_empty() || host.is_empty() || database.is_empty() {
        bail!(bad());
    }
    Ok(vec![
        ("ENVIO_PG_HOST", host.to_owned()),
        ("ENVIO_PG_PORT", port.to_owned()),
        ("ENVIO_PG_USER", user.to_owned()),
        ("ENVIO_PG_PASSWORD", password.to_owned()),
        ("ENVIO_PG_DATABASE", database.to_owned()),
        ("ENVIO_PG_SSL_MODE", "false".to_owned()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_become_envio_variables() {
        let env = pg_env("postgres://postgres@127.0.0.1:44651/bench_envio").unwrap();
        assert_eq!(
            env,
            vec![
                ("ENVIO_PG_HOST", "127.0.0.1".to_owned()),
                ("ENVIO_PG_PORT", "44651".to_owned()),
                ("ENVIO_PG_USER", "postgres".to_owned()),
                ("ENVIO_PG_PASSWORD", String::new()),
                ("ENVIO_PG_DATABASE", "bench_envio".to_owned()),
                ("ENVIO_PG_SSL_MODE", "false".to_owned()),
            ]
        );
        let env = pg_env("postgresql://me:secret@db/x?sslmode=disable").unwrap();
        assert_eq!(env[1], ("ENVIO_PG_PORT", "5432".to_owned()));
        assert_eq!(env[3], ("ENVIO_PG_PASSWORD", "secret".to_owned()));
        assert_eq!(env[4], ("ENVIO_PG_DATABASE", "x".to_owned()));
        assert!(pg_env("mysql://a@b/c").is_err());
        assert!(pg_env("postgres://host/db").is_err());
    }
}
