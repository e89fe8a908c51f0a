//! EmToken's indexer, timed as a child process of the release `emtoken` binary: `emtoken --json index
//! --until-head` from start to exit (caught up), its own summary line, and its peak memory.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use anyhow::bail;
use serde::{Deserialize, Serialize};
use tokio::process::Command;

use crate::{chain::ChainInfo, child::Timed, limits::millis, stats::per_second};

/// Where the indexer keeps its data.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A PostgreSQL server database.
    Server(String),
    /// The embedded PostgreSQL in a folder.
    Embedded(PathBuf),
}

impl Target {
    fn label(&self) -> &'static str {
        match self {
            Self::Server(_) => "EmToken indexer → PostgreSQL server",
            Self::Embedded(_) => "EmToken indexer → embedded PostgreSQL",
        }
    }

    /// The `emtoken` flags choosing this database.
    pub(crate) fn args(&self) -> Vec<String> {
        match self {
            Self::Server(url) => vec!["--database-url".to_owned(), url.clone()],
            Self::Embedded(dir) => vec!["--data-dir".to_owned(), dir.display().to_string()],
        }
    }
}

/// One backfill.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Backfill {
    /// Which system and database.
    pub(crate) system: String,
    /// The command run.
    pub(crate) command: String,
    /// Start → exit (caught up), in milliseconds: what the comparison uses.
    pub(crate) wall_ms: u64,
    /// Events the chain has (its whole history).
    pub(crate) events: u64,
    /// Blocks from the deployment to the head.
    pub(crate) blocks: u64,
    /// Events per second of wall time.
    pub(crate) events_per_second: u64,
    /// Blocks per second of wall time.
    pub(crate) blocks_per_second: u64,
    /// Peak resident memory of the process tree (VmHWM), in KiB.
    pub(crate) peak_rss_kib: u64,
    /// The indexer's own summary (`--json` stdout), when it printed one.
    pub(crate) summary: Option<IndexSummary>,
    /// Movement rows written (counted afterwards), when known.
    pub(crate) movements: Option<u64>,
}

/// `emtoken --json index` summary, as printed at exit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IndexSummary {
    /// Events indexed.
    pub(crate) events: u64,
    /// Blocks indexed.
    pub(crate) blocks: u64,
    /// Its own timing (after start-up), in seconds.
    pub(crate) seconds: f64,
    /// Its own events/s.
    pub(crate) events_per_second: u64,
    /// Why it stopped.
    pub(crate) stopped: String,
    /// The other tokens registered on the chain, each indexed under its own ledger in the same run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) other_tokens: Vec<OtherToken>,
}

/// One of `otherTokens` in the `emtoken --json index` summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OtherToken {
    /// The token, 0x and 40 hex digits (lower case).
    pub(crate) contract: String,
    /// Its ledger (None when it could not start).
    pub(crate) ledger: Option<i64>,
    /// Events indexed.
    pub(crate) events: u64,
    /// Why it stopped, or why it could not start.
    pub(crate) stopped: String,
}

/// The `emtoken index` command line for `chain` into `target` (`until_head`: stop once caught up).
pub(crate) fn command(
    emtoken: &Path,
    rpc: &str,
    ws: Option<&str>,
    chain: &ChainInfo,
    target: &Target,
    until_head: bool,
) -> Command {
    command_for(emtoken, rpc, ws, chain.contract, target, until_head)
}

/// As [`command`], for the token at `contract`.
pub(crate) fn command_for(
    emtoken: &Path,
    rpc: &str,
    ws: Option<&str>,
    contract: Address,
    target: &Target,
    until_head: bool,
) -> Command {
    let mut command = Command::new(emtoken);
    command.args([
        "--json",
        "index",
        "--rpc",
        rpc,
        "--contract",
        &format!("{contract:#x}"),
    ]);
    if let Some(ws) = ws {
        command.args(["--ws", ws]);
    }
    if until_head {
        command.arg("--until-head");
    }
    command.args(target.args());
    // The database is chosen by the flags alone: DATABASE_URL (set by scripts/bench) would override --data-dir.
    command.env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    command
}

/// Runs a backfill from scratch to the head and times it.
pub(crate) async fn backfill(
    emtoken: &Path,
    rpc: &str,
    chain: &ChainInfo,
    expected_events: u64,
    target: &Target,
    logs: &Path,
) -> anyhow::Result<Backfill> {
    let run = Run {
        system: target.label().to_owned(),
        log_stem: format!("index-{}", target_slug(target)),
        blocks: chain.blocks(),
        expected_events,
    };
    timed(command(emtoken, rpc, None, chain, target, true), &run, logs).await
}

/// One `emtoken --json index --until-head` to time.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Which system and database, as the results name it.
    pub(crate) system: String,
    /// The child's logs: `<logs>/<log_stem>.out` and `.err`.
    pub(crate) log_stem: String,
    /// Blocks from the (first) token's deployment to the head.
    pub(crate) blocks: u64,
    /// Events of the token given as `--contract` (the others are the summary's `otherTokens`).
    pub(crate) expected_events: u64,
}

/// Runs `command` (an `emtoken --json index --until-head`) to its exit and times it: wall time, peak
/// RSS and its own summary.
pub(crate) async fn timed(command: Command, run: &Run, logs: &Path) -> anyhow::Result<Backfill> {
    let shown = show(&command);
    let stdout_path = logs.join(format!("{}.out", run.log_stem));
    let stderr_path = logs.join(format!("{}.err", run.log_stem));
    let started = Instant::now();
    let child = Timed::spawn(
        command,
        Stdio::from(std::fs::File::create(&stdout_path)?),
        Stdio::from(std::fs::File::create(&stderr_path)?),
    )?;
    let (status, peak) = child.wait().await?;
    let elapsed = started.elapsed();
    if !status.success() {
        let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        bail!("{shown} failed ({status}): {}", tail(&err, 20));
    }
    let stdout = std::fs::read_to_string(&stdout_path)?;
    let summary: Option<IndexSummary> = serde_json::from_str(&stdout).ok();
    if let Some(s) = &summary
        && s.events != run.expected_events
    {
        tracing::warn!(
            indexed = s.events,
            expected_events = run.expected_events,
            "the indexer saw another number of events"
        );
    }
    tracing::info!(
        system = run.system,
        ms = elapsed.as_millis() as u64,
        peak_kib = peak,
        "backfill done"
    );
    Ok(finish(
        run.system.clone(),
        shown,
        elapsed,
        run.blocks,
        run.expected_events,
        peak,
        summary,
    ))
}

pub(crate) fn finish(
    system: String,
    command: String,
    elapsed: Duration,
    blocks: u64,
    expected_events: u64,
    peak: u64,
    summary: Option<IndexSummary>,
) -> Backfill {
    let events = summary.as_ref().map_or(expected_events, |s| s.events);
    Backfill {
        system,
        command,
        wall_ms: millis(elapsed),
        events,
        blocks,
        events_per_second: per_second(events, elapsed),
        blocks_per_second: per_second(blocks, elapsed),
        peak_rss_kib: peak,
        summary,
        movements: None,
    }
}

fn target_slug(target: &Target) -> &'static str {
    match target {
        Target::Server(_) => "server",
        Target::Embedded(_) => "embedded",
    }
}

/// A command as a shell line.
pub(crate) fn show(command: &Command) -> String {
    let std = command.as_std();
    let mut line = String::new();
    let envs: Vec<_> = std.get_envs().collect();
    for (key, value) in &envs {
        if value.is_none() {
            line.push_str(&format!("env -u {} ", key.to_string_lossy()));
        }
    }
    for (key, value) in &envs {
        if let Some(value) = value {
            let key = key.to_string_lossy();
            // Private keys (the dev mnemonic's, but still keys) are named, not printed.
            let value = if key.ends_with("_KEY") {
                "<the role's dev key>".into()
            } else {
                value.to_string_lossy()
            };
            line.push_str(&format!("{key}={value} "));
        }
    }
    line.push_str(&std.get_program().to_string_lossy());
    for arg in std.get_args() {
        let arg = arg.to_string_lossy();
        if arg.contains(' ') {
            line.push_str(&format!(" '{arg}'"))
        } else {
            line.push_str(&format!(" {arg}"))
        }
    }
    line
}

/// The last `n` lines of `text`.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Waits until `check` is true, polling every `every`, for at most `limit`.
pub(crate) async fn wait_until<F, Fut>(
    limit: Duration,
    every: Duration,
    mut check: F,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await? {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out after {limit:?}");
        }
        tokio::time::sleep(every).await;
    }
}
