//! Live lag: with the index caught up and following the head, one-cent transfers at a steady rate to fresh
//! wallets, on the mining a run asks for ([`LagMining`]): the dev profile's automine (one block per
//! transaction at once), or a block every few seconds holding every transfer sent meanwhile. For each
//! transfer, the time from the moment the node announced its block (newHeads, seen by the bench) to its
//! movement being visible, plus submit → visible and receipt → visible, through each probe:
//!
//! - through the HTTP API: `emtoken serve` (indexer and API in one process) follows the chain; the fresh
//!   wallets are attached to a bench client's users (`POST /api/v1/public/wallets`, no transaction: they
//!   are registered on chain already; the users onboarded first, before the measurement: phone codes
//!   from the development outbox, their own first wallets registered) and
//!   `GET …/wallets/{walletId}/movements` is polled with its API key, from the first block announced
//!   after the transfer's submission (earlier polls could not find it, and at 100 transfers/s on 1 s
//!   blocks they would load the API with thousands of requests a second), for the first few transfers
//!   sent after each announced block only ([`API_SAMPLE_PER_BLOCK`]: the rest share their block);
//! - in the database: the same index's `movements` table, polled.
//!
//! With `--lag-indexer-only` the follower is `emtoken index --ws` and only the database probe runs.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::{
    primitives::Address,
    providers::{Provider, ProviderBuilder, WsConnect},
};
use anyhow::{Context, bail};
use emtoken_sdk::EmTokenClient;
use futures::{StreamExt, stream::FuturesUnordered};
use serde::Serialize;
use sqlx::{Connection, PgConnection};
use tokio::{
    process::Command,
    sync::{mpsc, watch},
};

mod probe;

use probe::{api_probe, attach_wallets, database_probe};

use crate::{
    accounts::one_cent,
    chain::Chain,
    child::Timed,
    indexer::{Target, command, show, tail, wait_until},
    stats::percentile,
};

/// What follows the chain during the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follower {
    /// `emtoken serve`: the indexer and the HTTP API; both probes.
    Serve,
    /// `emtoken index --ws`: the indexer alone; the database probe only.
    Index,
}

/// How the node mines during a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LagMining {
    /// The dev profile's automine: each transfer in its own block at once.
    Automine,
    /// A block every this many seconds with whatever the pool holds (automine off).
    Interval(u64),
}

impl LagMining {
    /// Sets the node mining this way.
    async fn apply(self, chain: &Chain) -> anyhow::Result<()> {
        match self {
            Self::Automine => chain.automine().await,
            Self::Interval(seconds) => chain.interval_mining(seconds).await,
        }
    }

    /// As the summary names it.
    fn describe(self) -> String {
        match self {
            Self::Automine => "automine: a block per transfer (dev profile)".to_owned(),
            Self::Interval(seconds) => {
                format!("a block every {seconds} s (evm_setIntervalMining {seconds})")
            }
        }
    }
}

/// Polling period of the database probe.
const DB_POLL: Duration = Duration::from_millis(2);
/// Polling period of the API probe, per pending transfer.
const API_POLL: Duration = Duration::from_millis(2);
/// Transfers the API probe polls among those sent after the same announced block (they land in the same
/// block and commit together): polling all of 100 transfers a block every 2 ms would load the API, and the
/// indexer sharing its process and cores, with up to 50,000 requests a second.
const API_SAMPLE_PER_BLOCK: usize = 3;

/// Percentiles of one latency, in microseconds.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Latency {
    /// Samples.
    pub(crate) samples: usize,
    /// Median.
    pub(crate) p50_us: Option<i64>,
    /// 99th percentile.
    pub(crate) p99_us: Option<i64>,
    /// Largest.
    pub(crate) max_us: Option<i64>,
}

impl Latency {
    pub(crate) fn of(values: &[i64]) -> Self {
        Self {
            samples: values.len(),
            p50_us: percentile(values, 50),
            p99_us: percentile(values, 99),
            max_us: values.iter().copied().max(),
        }
    }
}

/// The lag through one probe.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProbeLag {
    /// `api` or `database`.
    pub(crate) probe: &'static str,
    /// How it decides "visible".
    pub(crate) how: String,
    /// Transfers seen visible before the deadline.
    pub(crate) visible: usize,
    /// Block announced (newHeads at the bench) → visible.
    pub(crate) head_to_visible: Latency,
    /// Transfer submitted → visible (includes signing and the node's mining).
    pub(crate) submit_to_visible: Latency,
    /// Receipt returned to the SDK → visible (negative when the index was faster than the SDK's
    /// receipt polling).
    pub(crate) receipt_to_visible: Latency,
    /// `(ms since the first submit, head → visible in µs)` per transfer, in submit order.
    pub(crate) series: Vec<(u64, i64)>,
}

/// A live-lag run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LagRun {
    /// The follower's command line.
    pub(crate) follower_command: String,
    /// How the node mined.
    pub(crate) mining: String,
    /// Transfers per second sent.
    pub(crate) rate_per_second: u64,
    /// Transfers sent.
    pub(crate) transactions: usize,
    /// Blocks the mined transfers landed in.
    pub(crate) blocks: usize,
    /// One entry per probe, the API's first when it ran.
    pub(crate) probes: Vec<ProbeLag>,
}

impl LagRun {
    /// The probe the target is checked on: the API's when it ran, else the database's.
    pub(crate) fn main_probe(&self) -> Option<&ProbeLag> {
        self.probes.first()
    }

    /// The run in a few words: its rate and mining.
    pub(crate) fn label(&self) -> String {
        format!("{}/s, {}", self.rate_per_second, self.mining)
    }
}

struct Sample {
    to: Address,
    submitted: Instant,
    receipt: Option<(Instant, u64)>,
}

/// A run's settings.
#[derive(Debug)]
pub(crate) struct LagSetup<'a> {
    /// Names the run's child logs (`<name>-follower.err`, …).
    pub(crate) name: &'a str,
    /// The release `emtoken` binary.
    pub(crate) emtoken: &'a Path,
    /// The indexer's database, already caught up by the backfill.
    pub(crate) database_url: &'a str,
    /// What follows the chain.
    pub(crate) follower: Follower,
    /// How the node mines meanwhile (set by the run; left so after it).
    pub(crate) mining: LagMining,
    /// Transfers per second.
    pub(crate) rate: u64,
    /// For how long.
    pub(crate) duration: Duration,
    /// Where child logs go.
    pub(crate) logs: &'a Path,
}

type Seen = Arc<Mutex<HashMap<Address, Instant>>>;

/// Runs one measurement with a follower of its own: `sender` funded, `recipients` fresh and registered
/// (at least `rate × duration` of them). The node mines as `setup.mining` says from here.
pub(crate) async fn run(
    chain: &Chain,
    sender: &EmTokenClient,
    recipients: &[Address],
    setup: &LagSetup<'_>,
) -> anyhow::Result<LagRun> {
    let info = &chain.info;
    let rpc = chain.node.endpoint_url().to_string();
    let ws = chain.node.ws_endpoint_url().to_string();
    let target = Target::Server(setup.database_url.to_owned());
    setup.mining.apply(chain).await?;
    let (cmd, api) = match setup.follower {
        Follower::Index => (
            command(setup.emtoken, &rpc, Some(&ws), info, &target, false),
            None,
        ),
        Follower::Serve => {
            let key = api_key(setup.emtoken, &target).await?;
            let bank = bank_key(setup.emtoken, &target).await?;
            let port = crate::http::free_port()?;
            let sms = setup.logs.join(format!("{}-sms-outbox.jsonl", setup.name));
            let cmd = serve_command(setup.emtoken, chain, &target, port, &sms)?;
            (
                cmd,
                Some((format!("http://127.0.0.1:{port}"), key, (bank, sms))),
            )
        }
    };
    // The follower's metrics (node calls and batch writes by duration) are kept with its logs.
    let metrics_port = crate::http::free_port()?;
    let mut cmd = cmd;
    cmd.args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")]);
    let follower_command = show(&cmd);
    let (out, err) = (
        setup.logs.join(format!("{}-follower.out", setup.name)),
        setup.logs.join(format!("{}-follower.err", setup.name)),
    );
    let follower = Timed::spawn(
        cmd,
        Stdio::from(std::fs::File::create(&out)?),
        Stdio::from(std::fs::File::create(&err)?),
    )?;
    let result = measure(chain, sender, recipients, setup, api, follower_command).await;
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    match crate::http::get(&metrics_url, None).await {
        Ok(text) => std::fs::write(
            setup
                .logs
                .join(format!("{}-follower-metrics.txt", setup.name)),
            text,
        )?,
        Err(error) => tracing::warn!(%error, "cannot read the follower's metrics"),
    }
    follower.stop(Duration::from_secs(10)).await?;
    result.with_context(|| {
        format!(
            "the follower's log ends: {}",
            tail(&std::fs::read_to_string(&err).unwrap_or_default(), 10)
        )
    })
}

/// `emtoken --json api-key create --client bench-<random>` on the index's database: the key.
pub(crate) async fn api_key(emtoken: &Path, target: &Target) -> anyhow::Result<String> {
    new_key(emtoken, target, false).await
}

/// `emtoken --json api-key create --client bench-bank-<random> --bank`: the bank side's key (the bench
/// raises its users' KYC level with it).
pub(crate) async fn bank_key(emtoken: &Path, target: &Target) -> anyhow::Result<String> {
    new_key(emtoken, target, true).await
}

async fn new_key(emtoken: &Path, target: &Target, bank: bool) -> anyhow::Result<String> {
    let client = format!(
        "bench-{}{}",
        if bank { "bank-" } else { "" },
        uuid::Uuid::new_v4().simple()
    );
    let output = Command::new(emtoken)
        .args(["--json", "api-key", "create", "--client", &client])
        .args(if bank { &["--bank"][..] } else { &[] })
        .args(target.args())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .await
        .context("running emtoken api-key create")?;
    if !output.status.success() {
        bail!(
            "emtoken api-key create failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let created: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading the api key")?;
    created["apiKey"]
        .as_str()
        .map(str::to_owned)
        .context("emtoken api-key create printed no apiKey")
}

/// The hex private key of a dev role (anvil's well-known test mnemonic).
/// `emtoken serve` following `chain` with --ws into `target`, listening on `port`, signing with the dev
/// role keys, SMS to the development outbox and the file `sms` (quiet logs, the caller's DATABASE_URL
/// ignored).
pub(crate) fn serve_command(
    emtoken: &Path,
    chain: &Chain,
    target: &Target,
    port: u16,
    sms: &Path,
) -> anyhow::Result<Command> {
    let rpc = chain.node.endpoint_url().to_string();
    let ws = chain.node.ws_endpoint_url().to_string();
    let mut cmd = Command::new(emtoken);
    cmd.args(["--json", "serve", "--rpc", &rpc, "--ws", &ws])
        .args(["--contract", &format!("{:#x}", chain.info.contract)])
        .args(target.args())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(crate::onboard::serve_args(sms))
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env(
            "EMTOKEN_OPERATOR_KEY",
            role_key(chain, emtoken_test_utils::Role::Operator)?,
        )
        .env(
            "EMTOKEN_COMPLIANCE_KEY",
            role_key(chain, emtoken_test_utils::Role::Compliance)?,
        );
    Ok(cmd)
}

pub(crate) fn role_key(chain: &Chain, role: emtoken_test_utils::Role) -> anyhow::Result<String> {
    Ok(format!("{}", chain.node.signer(role)?.to_bytes()))
}

async fn measure(
    chain: &Chain,
    sender: &EmTokenClient,
    recipients: &[Address],
    setup: &LagSetup<'_>,
    api: Option<(String, String, (String, PathBuf))>,
    follower_command: String,
) -> anyhow::Result<LagRun> {
    let chain_id = i64::try_from(chain.info.chain_id)?;
    let head = chain.provider().get_block_number().await?;
    let mut db = PgConnection::connect(setup.database_url).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let indexed: Option<i64> =
            sqlx::query_scalar("SELECT block_number FROM checkpoints WHERE chain_id = $1")
                .bind(chain_id)
                .fetch_optional(&mut db)
                .await?;
        if indexed.is_some_and(|b| u64::try_from(b).unwrap_or(0) >= head) {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the follower did not reach the head (block {head}) within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    db.close().await?;
    let count = usize::try_from(setup.rate * setup.duration.as_secs())
        .unwrap_or(0)
        .min(recipients.len())
        .max(1);
    let recipients = &recipients[..count];
    if let Some((base, key, (bank, sms))) = &api {
        attach_wallets(base, (key, bank), sms, recipients).await?;
    }

    // newHeads as the bench sees them: when each block was announced, and the latest.
    let heads: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let (latest, latest_head) = watch::channel(head);
    let ws = ProviderBuilder::new()
        .connect_ws(WsConnect::new(chain.node.ws_endpoint_url().to_string()))
        .await?;
    let mut blocks = ws.subscribe_blocks().await?.into_stream();
    let heads_task = {
        let heads = heads.clone();
        tokio::spawn(async move {
            while let Some(header) = blocks.next().await {
                heads
                    .lock()
                    .expect("heads lock")
                    .entry(header.number)
                    .or_insert_with(Instant::now);
                latest.send_if_modified(|n| {
                    let newer = header.number > *n;
                    *n = (*n).max(header.number);
                    newer
                });
            }
        })
    };

    // The probes.
    let (stop, stopped) = watch::channel(false);
    let db_seen: Seen = Arc::default();
    let db_task = tokio::spawn(database_probe(
        setup.database_url.to_owned(),
        chain_id,
        head,
        db_seen.clone(),
        stopped.clone(),
    ));
    let (announce, announced) = mpsc::unbounded_channel::<(Address, u64)>();
    let api_probe = api.as_ref().map(|(base, key, _)| {
        let seen: Seen = Arc::default();
        let task = tokio::spawn(api_probe(
            base.clone(),
            key.clone(),
            chain_id,
            seen.clone(),
            (announced, latest_head.clone()),
            stopped.clone(),
        ));
        (seen, task)
    });

    // The load.
    let amount = one_cent()?;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / setup.rate.max(1)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut pending = FuturesUnordered::new();
    let mut samples = Vec::with_capacity(count);
    let mut next = 0;
    // The transfers the API probe polls, and how many it polls after each announced block.
    let mut api_polled = std::collections::HashSet::new();
    let mut polled_after: HashMap<u64, usize> = HashMap::new();
    loop {
        tokio::select! {
            _ = ticker.tick(), if next < count => {
                let to = recipients[next];
                next += 1;
                let before = *latest_head.borrow();
                let polled = polled_after.entry(before).or_default();
                if *polled < API_SAMPLE_PER_BLOCK {
                    *polled += 1;
                    api_polled.insert(to);
                    let _ = announce.send((to, before));
                }
                pending.push(async move {
                    let submitted = Instant::now();
                    let outcome = sender.transfer(to, amount).await;
                    Sample { to, submitted, receipt: outcome.ok().map(|o| (Instant::now(), o.block_number)) }
                });
            }
            Some(sample) = pending.next(), if !pending.is_empty() => samples.push(sample),
            else => break,
        }
    }
    let failed = samples.iter().filter(|s| s.receipt.is_none()).count();
    if failed > 0 {
        tracing::warn!(failed, "lag transfers without a receipt");
    }
    let all_seen = |seen: &Seen, only: Option<&std::collections::HashSet<Address>>| {
        samples
            .iter()
            .filter(|s| only.is_none_or(|o| o.contains(&s.to)))
            .all(|s| seen.lock().expect("seen lock").contains_key(&s.to))
    };
    let _ = wait_until(Duration::from_secs(30), Duration::from_millis(20), || {
        let done = all_seen(&db_seen, None)
            && api_probe
                .as_ref()
                .is_none_or(|(seen, _)| all_seen(seen, Some(&api_polled)));
        async move { Ok(done) }
    })
    .await;
    let _ = stop.send(true);
    db_task.await??;
    heads_task.abort();
    let heads = heads.lock().expect("heads lock").clone();

    let mut probes = Vec::new();
    if let Some((seen, task)) = api_probe {
        task.abort();
        let base = api.as_ref().map_or("", |(b, _, _)| b.as_str());
        let how = format!(
            "GET {base}/api/v1/public/wallets/{{walletId}}/movements?sort=createdAt,desc&size=5 (bearer API key) lists a \
             TRANSFER_IN, polled every {} ms per pending transfer from the first block announced after its submission; \
             the first {API_SAMPLE_PER_BLOCK} transfers sent after each announced block are polled",
            API_POLL.as_millis()
        );
        let polled: Vec<&Sample> = samples
            .iter()
            .filter(|s| api_polled.contains(&s.to))
            .collect();
        probes.push(lag_of("api", how, &seen, &polled, &heads, started));
    }
    let how = format!(
        "the recipient's TRANSFER_IN row in the index's `movements` (PostgreSQL server), polled every {} ms",
        DB_POLL.as_millis()
    );
    let all: Vec<&Sample> = samples.iter().collect();
    probes.push(lag_of("database", how, &db_seen, &all, &heads, started));
    let blocks = samples
        .iter()
        .filter_map(|s| s.receipt.map(|(_, block)| block))
        .collect::<std::collections::HashSet<_>>()
        .len();
    Ok(LagRun {
        follower_command,
        mining: setup.mining.describe(),
        rate_per_second: setup.rate,
        transactions: samples.len(),
        blocks,
        probes,
    })
}

fn lag_of(
    probe: &'static str,
    how: String,
    seen: &Seen,
    samples: &[&Sample],
    heads: &HashMap<u64, Instant>,
    started: Instant,
) -> ProbeLag {
    let seen = seen.lock().expect("seen lock").clone();
    let micros = |later: Instant, earlier: Instant| -> i64 {
        if later >= earlier {
            i64::try_from((later - earlier).as_micros()).unwrap_or(i64::MAX)
        } else {
            -i64::try_from((earlier - later).as_micros()).unwrap_or(i64::MAX)
        }
    };
    let (mut head_lag, mut submit_lag, mut receipt_lag, mut series) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in samples {
        let Some(&visible) = seen.get(&s.to) else {
            continue;
        };
        submit_lag.push(micros(visible, s.submitted));
        if let Some((receipt, block)) = s.receipt {
            receipt_lag.push(micros(visible, receipt));
            if let Some(&announced) = heads.get(&block) {
                let lag = micros(visible, announced);
                head_lag.push(lag);
                series.push((
                    u64::try_from((s.submitted - started).as_millis()).unwrap_or(0),
                    lag,
                ));
            }
        }
    }
    ProbeLag {
        probe,
        how,
        visible: samples.iter().filter(|s| seen.contains_key(&s.to)).count(),
        head_to_visible: Latency::of(&head_lag),
        submit_to_visible: Latency::of(&submit_lag),
        receipt_to_visible: Latency::of(&receipt_lag),
        series,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A run at `rate` transfers/s on 1 s blocks, through the API, head → visible p50 and p99 as given.
    pub(crate) fn sample(rate: u64, p50_ms: i64, p99_ms: i64) -> LagRun {
        let latency = Latency {
            samples: 10,
            p50_us: Some(p50_ms * 1_000),
            p99_us: Some(p99_ms * 1_000),
            max_us: Some(p99_ms * 1_000),
        };
        LagRun {
            follower_command: "emtoken serve".into(),
            mining: LagMining::Interval(1).describe(),
            rate_per_second: rate,
            transactions: 10,
            blocks: 1,
            probes: vec![ProbeLag {
                probe: "api",
                how: "polled".into(),
                visible: 10,
                head_to_visible: latency.clone(),
                submit_to_visible: latency.clone(),
                receipt_to_visible: latency,
                series: vec![(0, p50_ms * 1_000)],
            }],
        }
    }
}
