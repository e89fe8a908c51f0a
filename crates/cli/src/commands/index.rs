//! `emtoken index`: runs the indexer until caught up (`--until-head`) or stopped by a signal.

use std::{
    collections::BTreeMap,
    io::IsTerminal,
    net::SocketAddr,
    sync::atomic::Ordering::Relaxed,
    time::{Duration, Instant},
};

use alloy_primitives::Address;
use anyhow::Context;
use clap::Args;
use emtoken_indexer::{Config, Indexer};
use emtoken_store::Store;
use indicatif::ProgressBar;
use rust_decimal::{Decimal, prelude::ToPrimitive};
use serde::Serialize;
use tokio::{net::TcpListener, sync::watch};

use super::database::{DatabaseArgs, Open};
use crate::{args, format, logging, metrics_server, output::Output, progress, signals};

/// Index an EmToken contract's events into wallets, movements and holds.
///
/// Backfills from the deployment block (or the database's checkpoint), then follows the head until
/// stopped. SIGINT (Ctrl-C) or SIGTERM stops it after the batch in flight, and it exits 0.
///
/// Progress goes to stderr: a progress bar on a terminal, else log lines (RUST_LOG filters them;
/// JSON lines with --json). A summary goes to stdout at exit.
///
/// Example: `emtoken index --rpc http://127.0.0.1:8545 --contract 0x5fbdb2315678afecb367f032d93f642f64180aa3
/// --until-head`, or with a server: `emtoken index --rpc https://node.example.org --ws wss://node.example.org
/// --contract 0x… --confirmations 12 --database-url postgres://emtoken@localhost/emtoken --metrics-addr
/// 127.0.0.1:9100`.
#[derive(Debug, Args)]
pub(crate) struct IndexArgs {
    /// HTTP JSON-RPC endpoint of the node, e.g. `http://127.0.0.1:8545`.
    #[arg(long, value_name = "URL", value_parser = args::http_url)]
    pub(crate) rpc: String,

    /// The node of another chain tokens are registered on, as CHAIN_ID=URL (repeat it, or comma-separate
    /// them in EMTOKEN_CHAIN_RPC), e.g. `31338=http://127.0.0.1:8546`: the tokens registered for issuers
    /// on that chain are followed (and, with `serve`, served) through it. The node must be on that chain.
    #[arg(long = "chain-rpc", value_name = "CHAIN_ID=URL", env = "EMTOKEN_CHAIN_RPC", value_delimiter = ',', value_parser = args::chain_rpc)]
    pub(crate) chain_rpcs: Vec<(u64, String)>,

    /// WebSocket endpoint of the node, e.g. `ws://127.0.0.1:8545`: its new heads wake the poller early.
    #[arg(long, value_name = "URL", value_parser = args::ws_url)]
    ws: Option<String>,

    /// The EmToken contract: 0x and 40 hex digits.
    #[arg(long, value_name = "ADDR", value_parser = args::address)]
    pub(crate) contract: Address,

    /// First block to index on a fresh database (default: the contract's deployment block).
    #[arg(long, value_name = "N", value_parser = args::block_number, allow_negative_numbers = true)]
    from_block: Option<u64>,

    /// Blocks a block needs on top of it to count as final; movements stay PENDING until then
    /// (0: final at once, as on Besu QBFT/IBFT).
    #[arg(long, value_name = "N", default_value = "0", value_parser = args::block_count, allow_negative_numbers = true)]
    pub(crate) confirmations: u64,

    #[command(flatten)]
    pub(crate) database: DatabaseArgs,

    /// Stop (exit 0) once caught up with the head instead of following it.
    #[arg(long)]
    pub(crate) until_head: bool,

    /// Serve `GET /health` (JSON) and `GET /metrics` (Prometheus) on HOST:PORT, e.g. `127.0.0.1:9100`.
    #[arg(long, value_name = "HOST:PORT", value_parser = args::listen_addr)]
    pub(crate) metrics_addr: Option<SocketAddr>,

    /// When the node's chain is not the one the database indexed (another genesis block, e.g. a restarted
    /// devnet), wipe that chain's rows and index it again instead of stopping with an error.
    #[arg(long)]
    reset_on_chain_change: bool,

    /// When the node replaced blocks the index holds as final (a reorganisation deeper than
    /// --confirmations), roll back to the highest block the index shares with the node and index again
    /// from there, instead of stopping with an error: movements of vanished transactions become ERROR,
    /// the platform's requests are kept. Run it once, after checking the node is on the right chain.
    #[arg(long)]
    rewind_to_common_ancestor: bool,

    /// How often to ask the node for its head while following it, in milliseconds.
    #[arg(long, value_name = "N", default_value = "250", value_parser = args::millis, allow_negative_numbers = true)]
    poll_interval_ms: u64,

    /// Largest `eth_getLogs` range, in blocks. Ranges grow up to it while answers stay small and shrink
    /// when the node refuses them (e.g. Besu's -32005); lower it for nodes with tight limits.
    #[arg(long, value_name = "N", default_value = "50000", value_parser = args::range_size, allow_negative_numbers = true)]
    max_range: u64,

    /// Name of the network, shown as `dltNetwork` in movements and holds (default: `chain-<chain id>`).
    #[arg(long, value_name = "NAME")]
    pub(crate) network: Option<String>,
}

/// What a run did, printed at exit.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    chain_id: Option<i64>,
    /// First block this run indexed.
    from_block: Option<i64>,
    /// Last block indexed at exit.
    indexed_block: Option<i64>,
    blocks: u64,
    events: u64,
    seconds: f64,
    blocks_per_second: u64,
    events_per_second: u64,
    /// Why it stopped: "caught up" (--until-head) or "signal".
    stopped: &'static str,
    /// The other tokens registered (issuers), on this chain or another, each indexed under its own ledger.
    other_tokens: Vec<OtherToken>,
}

/// Runs `emtoken index`.
pub(crate) async fn run(args: IndexArgs, output: Output) -> anyhow::Result<()> {
    let bar = std::io::stderr().is_terminal().then(progress::bar);
    logging::init(output.is_json(), &logging::crates_at("info"), bar.clone());
    let listener = match args.metrics_addr {
        Some(addr) => Some(metrics_server::bind(addr).await?),
        None => None,
    };
    let (stop, stopped) = watch::channel(false);
    signals::on_shutdown(stop)?;
    let store = args.database.open(Open::Create).await?;
    let result = match lead(&store, &args, stopped.clone()).await {
        Ok(Some(lease)) => {
            let result = index(&args, store.clone(), stopped, listener, bar, None).await;
            lease.release().await;
            result
        }
        Ok(None) => Ok(interrupted(Duration::ZERO)),
        Err(error) => Err(error),
    };
    // Always close: the embedded database flushes its files here.
    let closed = store.close().await.context("cannot close the database");
    let report = result?;
    closed?;
    output.print(&report, describe)
}

/// The name of the lead every process indexing a database takes first (docs/operations.md, Several
/// `serve` processes): one indexes, the others stand by.
pub(crate) const LEAD: &str = "emtoken-indexer";

/// The lead of the database's indexing for `emtoken index`: at once, or (while another process has it)
/// after waiting for it, until stopped (None). With --until-head it does not wait: another process
/// indexes, so this one has nothing to do but get in its way.
async fn lead(
    store: &Store,
    args: &IndexArgs,
    mut stopped: watch::Receiver<bool>,
) -> anyhow::Result<Option<emtoken_store::Lease>> {
    let mut said = false;
    loop {
        if let Some(lease) = store
            .try_lead(LEAD)
            .await
            .context("cannot ask the database who indexes it")?
        {
            return Ok(Some(lease));
        }
        anyhow::ensure!(
            !args.until_head,
            "another process (`emtoken serve` or `emtoken index`) indexes this database now: stop it first, or \
             run without --until-head to wait and take over when it stops"
        );
        if !std::mem::replace(&mut said, true) {
            tracing::info!(
                "another process indexes this database: waiting to take over when it stops"
            );
        }
        tokio::select! {
            _ = stopped.wait_for(|s| *s) => return Ok(None),
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Runs the indexer of `args` (and those of the other registered tokens) until it stops, counting in
/// `metrics` when given (`serve` keeps one set of figures across its terms as the lead).
pub(crate) async fn index(
    args: &IndexArgs,
    store: Store,
    stopped: watch::Receiver<bool>,
    listener: Option<TcpListener>,
    bar: Option<ProgressBar>,
    metrics: Option<std::sync::Arc<emtoken_indexer::Metrics>>,
) -> anyhow::Result<Report> {
    let began = Instant::now();
    let mut config = Config::new(args.rpc.clone(), args.contract);
    config.ws_url = args.ws.clone();
    config.from_block = args.from_block;
    config.confirmations = args.confirmations;
    config.poll_interval = Duration::from_millis(args.poll_interval_ms);
    config.until_head = args.until_head;
    config.reset_on_chain_change = args.reset_on_chain_change;
    config.rewind_to_common_ancestor = args.rewind_to_common_ancestor;
    config.network = args.network.clone();
    config.max_range = args.max_range;
    config.initial_range = config.initial_range.min(args.max_range);

    let contract = format::hex(args.contract.as_slice());
    let template = config.clone();
    let store_for_others = store.clone();
    let mut before_start = stopped.clone();
    let metrics = metrics.unwrap_or_default();
    let indexer = tokio::select! {
        indexer = Indexer::start_with(config, store, metrics) => {
            indexer.with_context(|| format!("cannot start indexing {contract} on {}", args.rpc))?
        }
        Ok(_) = before_start.wait_for(|stop| *stop) => return Ok(interrupted(began.elapsed())),
    };
    let metrics = indexer.metrics();
    let start_block = metrics.start_block.load(Relaxed);
    let chain_id = indexer.chain_id();
    tracing::info!(chain_id, contract, from_block = start_block + 1, "indexing");
    let server = listener.map(|listener| {
        metrics_server::spawn(
            listener,
            metrics.clone(),
            metrics_server::registry(&metrics),
        )
    });
    let reporter = progress::spawn(metrics.clone(), bar.clone());

    // The other tokens registered on this chain and on the chains given with --chain-rpc, each with an
    // indexer of its own (its own ledger); a token registered later is followed within REGISTERED_POLL,
    // without a restart.
    let followers = tokio::spawn(follow_registered(
        template,
        args.chain_rpcs.iter().cloned().collect(),
        store_for_others,
        indexer.evm_chain_id(),
        stopped.clone(),
    ));
    let result = indexer.run(stopped.clone()).await;
    let others = match followers.await {
        Ok(others) => others,
        Err(error) => {
            tracing::error!(%error, "the other tokens' indexers stopped abnormally");
            vec![]
        }
    };
    reporter.abort();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(server) = server {
        server.abort();
    }
    let summary = result.context("indexing stopped")?;

    let millis = u64::try_from(summary.elapsed.as_millis()).unwrap_or(u64::MAX);
    let blocks = summary.indexed.saturating_sub(start_block).max(0) as u64;
    Ok(Report {
        chain_id: Some(summary.chain_id),
        from_block: Some(start_block + 1),
        indexed_block: Some(summary.indexed),
        blocks,
        events: summary.events,
        seconds: seconds(millis),
        blocks_per_second: progress::per_second(blocks, millis),
        events_per_second: progress::per_second(summary.events, millis),
        stopped: if *stopped.borrow() {
            "signal"
        } else {
            "caught up"
        },
        other_tokens: others,
    })
}

/// How often `index` (and `serve`) look for tokens registered on the chain since they started.
const REGISTERED_POLL: Duration = Duration::from_secs(2);

/// What one of the other registered tokens' indexers did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OtherToken {
    /// The chain it is on.
    chain_id: i64,
    contract: String,
    /// Its ledger (the `chainId` its rows carry).
    ledger: Option<i64>,
    indexed_block: Option<i64>,
    events: u64,
    /// From its indexer's start to its end (caught up, or the signal), in seconds.
    seconds: f64,
    /// `events` per second of that time.
    events_per_second: u64,
    /// Why it stopped, or why it could not start.
    stopped: String,
}

/// Follows every token registered for an issuer other than `template`'s, on chain `evm_chain_id` (through
/// `template`'s node) or on another chain (through its node in `chain_rpcs`), each with an indexer of its
/// own (`Config::secondary`), until `stopped` (or, with `until_head`, until each caught up: the tokens
/// registered when it starts). A token that cannot be indexed (its chain has no node given, the node
/// cannot be reached or is on another chain) is logged and tried again a minute later; the others go on.
async fn follow_registered(
    template: Config,
    chain_rpcs: BTreeMap<u64, String>,
    store: Store,
    evm_chain_id: i64,
    stopped: watch::Receiver<bool>,
) -> Vec<OtherToken> {
    type Key = (i64, Address);
    let mut running: BTreeMap<Key, tokio::task::JoinHandle<OtherToken>> = BTreeMap::new();
    let mut failed: BTreeMap<Key, Instant> = BTreeMap::new();
    // Tokens on chains without a node given: reported once, at the end.
    let mut unreached: BTreeMap<Key, OtherToken> = BTreeMap::new();
    // The database does not answer (said once per outage, as the indexers say theirs).
    let mut unreadable = false;
    let mut done = vec![];
    loop {
        match store.all_registered_tokens().await {
            Ok(tokens) => {
                if std::mem::take(&mut unreadable) {
                    tracing::info!("the registered tokens can be read again");
                }
                for (chain, token) in tokens.into_iter().map(|(c, t)| (c, Address::from(t))) {
                    let key = (chain, token);
                    let retry = failed
                        .get(&key)
                        .is_none_or(|at| at.elapsed() >= Duration::from_secs(60));
                    let primary = chain == evm_chain_id && token == template.contract;
                    if primary || running.contains_key(&key) || !retry {
                        continue;
                    }
                    failed.remove(&key);
                    let mut config = template.clone();
                    config.contract = token;
                    config.secondary = true;
                    config.from_block = None;
                    config.expected_chain_id = u64::try_from(chain).ok();
                    if chain != evm_chain_id {
                        // Another chain: its own node, polled (no WebSocket given for it).
                        config.ws_url = None;
                        match u64::try_from(chain).ok().and_then(|c| chain_rpcs.get(&c)) {
                            Some(url) => config.rpc_url = url.clone(),
                            None => {
                                let why = format!(
                                    "no node of chain {chain}: give it with --chain-rpc {chain}=URL"
                                );
                                tracing::warn!(chain, contract = %format::hex(token.as_slice()), "a registered token cannot be indexed: {why}");
                                failed.insert(key, Instant::now());
                                unreached.insert(key, OtherToken::not_started(chain, token, why));
                                continue;
                            }
                        }
                    }
                    tracing::info!(chain, contract = %format::hex(token.as_slice()), "following a registered token");
                    running.insert(
                        key,
                        tokio::spawn(follow_one(config, chain, store.clone(), stopped.clone())),
                    );
                }
            }
            Err(error) if !unreadable => {
                unreadable = true;
                tracing::warn!(%error, "cannot read the registered tokens: trying again every 2 s");
            }
            Err(error) => tracing::debug!(%error, "still cannot read the registered tokens"),
        }
        // Finished ones: reported; failed starts are tried again later.
        let finished: Vec<Key> = running
            .iter()
            .filter(|(_, task)| task.is_finished())
            .map(|(key, _)| *key)
            .collect();
        for key in finished {
            if let Some(task) = running.remove(&key)
                && let Ok(report) = task.await
            {
                if report.ledger.is_none() && !*stopped.borrow() && !template.until_head {
                    failed.insert(key, Instant::now());
                }
                done.push(report);
            }
        }
        if template.until_head || *stopped.borrow() {
            break;
        }
        let mut wake = stopped.clone();
        tokio::select! {
            () = tokio::time::sleep(REGISTERED_POLL) => {}
            _ = wake.wait_for(|stop| *stop) => {}
        }
    }
    for (_, task) in running {
        if let Ok(report) = task.await {
            done.push(report);
        }
    }
    done.extend(unreached.into_values());
    done
}

impl OtherToken {
    /// A token whose indexer could not start.
    fn not_started(chain_id: i64, contract: Address, why: String) -> Self {
        Self {
            chain_id,
            contract: format::hex(contract.as_slice()),
            ledger: None,
            indexed_block: None,
            events: 0,
            seconds: 0.0,
            events_per_second: 0,
            stopped: why,
        }
    }
}

/// Runs one registered token's indexer to its end.
async fn follow_one(
    config: Config,
    chain_id: i64,
    store: Store,
    stopped: watch::Receiver<bool>,
) -> OtherToken {
    let contract = format::hex(config.contract.as_slice());
    let address = config.contract;
    let started = Instant::now();
    let failed = |why: String| {
        tracing::error!(chain_id, contract, error = %why, "a registered token cannot be indexed");
        OtherToken::not_started(chain_id, address, why)
    };
    let indexer = match Indexer::start(config, store).await {
        Ok(indexer) => indexer,
        Err(error) => return failed(format!("cannot start: {error}")),
    };
    let ledger = indexer.chain_id();
    match indexer.run(stopped.clone()).await {
        Ok(summary) => OtherToken {
            chain_id,
            contract: contract.clone(),
            ledger: Some(ledger),
            indexed_block: Some(summary.indexed),
            events: summary.events,
            seconds: seconds(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
            events_per_second: summary
                .events
                .saturating_mul(1000)
                .checked_div(
                    u64::try_from(started.elapsed().as_millis())
                        .unwrap_or(u64::MAX)
                        .max(1),
                )
                .unwrap_or_default(),
            stopped: if *stopped.borrow() {
                "signal"
            } else {
                "caught up"
            }
            .to_owned(),
        },
        Err(error) => OtherToken {
            ledger: Some(ledger),
            ..failed(format!("stopped: {error}"))
        },
    }
}

/// The report of a run stopped before the indexer started.
fn interrupted(elapsed: Duration) -> Report {
    Report {
        chain_id: None,
        from_block: None,
        indexed_block: None,
        blocks: 0,
        events: 0,
        seconds: seconds(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
        blocks_per_second: 0,
        events_per_second: 0,
        stopped: "signal",
        other_tokens: vec![],
    }
}

/// Milliseconds as seconds with 3 decimals (through a Decimal: no float arithmetic).
fn seconds(millis: u64) -> f64 {
    Decimal::from(millis)
        .checked_div(Decimal::from(1000))
        .and_then(|s| s.to_f64())
        .unwrap_or_default()
}

fn describe(r: &Report) -> String {
    let (Some(chain_id), Some(from), Some(to)) = (r.chain_id, r.from_block, r.indexed_block) else {
        return format!(
            "stopped by a signal before indexing began ({} s)",
            r.seconds
        );
    };
    let range = if to >= from {
        format!("blocks {from}..={to}")
    } else {
        "no new blocks".to_owned()
    };
    format!(
        "chain {chain_id}: {range} ({} blocks, {} events) in {} s, {} blocks/s, {} events/s; index at block {to}; \
         stopped: {}",
        r.blocks, r.events, r.seconds, r.blocks_per_second, r.events_per_second, r.stopped
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_have_three_decimals() {
        assert_eq!(seconds(12_345).to_string(), "12.345");
        assert_eq!(seconds(0).to_string(), "0");
    }
}
