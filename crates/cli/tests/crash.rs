//! Crash safety: `emtoken index` killed with SIGKILL at random moments of a backfill of more than 5,000
//! events, restarted, killed again, several times, then left to finish, leaves exactly the database an
//! uninterrupted run leaves.

mod common;

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use common::{Db, command, success};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS, WorkloadConfig, generate};

/// Blocks per `eth_getLogs` range of the runs (`--max-range`).
const MAX_RANGE: &str = "2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_backfill_then_restart_equals_an_uninterrupted_run() {
    // A block every 0.1 s (~120 blocks of ~40 events), not one block per transaction: instant mining
    // now and then strands a transaction (foundry-rs/foundry#10122), which failed this test in CI once
    // the generator gave up after the SDK's 60 s receipt timeout.
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let began = Instant::now();
    let workload = generate(&d, &WorkloadConfig::new(5, 5_100, 60))
        .await
        .unwrap_or_else(|error| panic!("generating the workload: {error}"));
    // The chain stops growing, so both runs index the same blocks up to the same head.
    node.freeze().await.unwrap();
    eprintln!(
        "generated {} events in {:?}",
        workload.events,
        began.elapsed()
    );
    assert!(workload.events >= 5_000, "{workload:?}");
    let contract = d.address.to_string();
    let endpoint = d.endpoint().to_owned();
    // Ranges of MAX_RANGE blocks (~80 events): many batches, so kills land between and inside them.
    let index_args = [
        "index",
        "--rpc",
        endpoint.as_str(),
        "--contract",
        contract.as_str(),
        "--until-head",
        "--max-range",
        MAX_RANGE,
    ];

    let reference = Db::fresh().await;
    let started = Instant::now();
    success(&reference.emtoken(&index_args));
    let uninterrupted = started.elapsed();
    // What a run spends before indexing anything (opening the database, reading the node's head): a run
    // with nothing left to do. On the embedded database a killed run's successor also recovers it first,
    // so timed kills count from here.
    let started = Instant::now();
    success(&reference.emtoken(&index_args));
    let startup = started.elapsed();

    let crashed = Db::fresh().await;
    let db_args = crashed.args();
    let args: Vec<&str> = index_args
        .iter()
        .copied()
        .chain(db_args.iter().map(String::as_str))
        .collect();
    // Each run is killed once its checkpoint passes a random block between where it started and the
    // head (read from the server while it runs), then a random part of a batch's time later, so the kill
    // lands anywhere in the next batch: fetching, writing or committing. On the embedded database, which
    // one process holds at a time, at a random moment of the expected remaining time after its startup.
    let head = reference
        .store()
        .await
        .checkpoint(31337)
        .await
        .unwrap()
        .unwrap()
        .block_number;
    // How long one range of `--max-range` blocks takes, on average.
    let ranges = head as f64 / MAX_RANGE.parse::<f64>().unwrap();
    let batch = uninterrupted
        .saturating_sub(startup)
        .div_f64(ranges.max(1.0));
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    let (mut killed, mut progress, mut at) = (0, Vec::new(), 0i64);
    let watcher = if crashed.is_server() {
        Some(crashed.store().await)
    } else {
        None
    };
    for _ in 0..6 {
        let target = at + ((head - at) as f64 * (0.1 + 0.4 * next())) as i64;
        let mut child = command(crashed.dir.path(), &args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let begun = Instant::now();
        let wait = startup
            + uninterrupted
                .saturating_sub(startup)
                .mul_f64((head - at) as f64 / head as f64 * (0.1 + 0.4 * next()));
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let passed = match &watcher {
                Some(store) => store
                    .checkpoint(31337)
                    .await
                    .unwrap()
                    .is_some_and(|c| c.block_number >= target),
                None => begun.elapsed() >= wait,
            };
            if passed {
                // Not right after the commit that moved the checkpoint: somewhere in the next batch.
                if watcher.is_some() {
                    tokio::time::sleep(batch.mul_f64(next())).await;
                }
                child.kill().unwrap(); // SIGKILL
                killed += 1;
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        child.wait().unwrap();
        at = match &watcher {
            Some(store) => store
                .checkpoint(31337)
                .await
                .unwrap()
                .map_or(0, |c| c.block_number),
            None => {
                let store = crashed.store().await;
                let n = store
                    .checkpoint(31337)
                    .await
                    .unwrap()
                    .map_or(0, |c| c.block_number);
                store.close().await.unwrap();
                n
            }
        };
        progress.push(at);
    }
    if let Some(store) = watcher {
        store.close().await.unwrap();
    }
    success(&crashed.emtoken(&index_args));

    let (a, b) = (reference.store().await, crashed.store().await);
    eprintln!(
        "uninterrupted run {uninterrupted:?} (startup {startup:?}); killed {killed} times at blocks {progress:?} of {head}"
    );
    assert!(
        killed >= 4,
        "most kills must land during a run ({killed} of 6; progress {progress:?})"
    );
    assert!(
        progress.iter().any(|&p| p > 0 && p < head),
        "a kill landed mid-backfill: {progress:?} of {head}"
    );
    let (left, right) = (
        a.canonical_dump(31337).await.unwrap(),
        b.canonical_dump(31337).await.unwrap(),
    );
    let none = String::from("(no line)");
    if let Some(i) = (0..left.len().max(right.len())).find(|&i| left.get(i) != right.get(i)) {
        panic!(
            "databases differ at line {i} (uninterrupted {} lines, killed {} lines):\n  {}\n  {}",
            left.len(),
            right.len(),
            left.get(i).unwrap_or(&none),
            right.get(i).unwrap_or(&none)
        );
    }
    a.close().await.unwrap();
    b.close().await.unwrap();
}
