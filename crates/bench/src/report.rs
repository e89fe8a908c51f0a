//! The Markdown summary: printed by `scripts/bench` and written beside the JSON.

use std::fmt::Write;

use crate::{
    indexer::Backfill,
    lag::LagRun,
    results::{PeerRatio, Results, Stage},
    stats::{mebibytes, millis, per_mille, seconds, thousands, times},
    two_tokens::TwoTokens,
};

/// A Markdown table; `align` per column: 'l' or 'r'.
pub(crate) fn table(headers: &[&str], align: &str, rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", headers.join(" | "));
    for a in align.chars() {
        out.push_str(if a == 'r' { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

fn ms(ms: u64) -> String {
    seconds(std::time::Duration::from_millis(ms))
}

/// The whole summary.
pub(crate) fn render(r: &Results) -> String {
    let mut out = String::new();
    let m = &r.machine;
    let c = &r.chain;
    let _ = writeln!(out, "# EmToken benchmarks, {}\n", r.date);
    let _ = writeln!(
        out,
        "Machine `{}`: {} cores ({}), {} MiB memory, Linux {}. {}\n",
        m.hostname,
        m.cores,
        m.cpu,
        thousands(m.memory_mib),
        m.kernel,
        if r.smoke {
            "**Smoke sizes** (a check that every stage works, not a measurement)."
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "Chain: {} EmToken events from the deployment (block {}) to the head (block {}), {} blocks; the workload \
         (seed {}, {} wallets) sent {} transactions with {} events; {}. Anvil (dev profile) with `{}`; mining \
         stopped during the backfills.\n",
        thousands(r.events_on_chain),
        c.deploy_block,
        c.head,
        thousands(c.blocks()),
        c.seed,
        thousands(c.wallets as u64),
        thousands(c.transactions),
        thousands(c.events),
        if r.chain_loaded {
            format!(
                "loaded from the saved state (generated in {} by the run that saved it)",
                ms(c.generated_ms)
            )
        } else {
            format!("generated in {}", ms(c.generated_ms))
        },
        r.anvil_args.join(" "),
    );
    match &c.second {
        Some(second) => {
            let _ = writeln!(
                out,
                "Tokens: {} ({} decimals) at {:#x}, which every stage but the two-token one indexes; {} ({} \
                 decimals) at {:#x}, deployed at block {} once the first's history was mined, with the same \
                 workload ({} events, {} transactions).\n",
                c.symbol,
                c.decimals,
                c.contract,
                second.symbol,
                second.decimals,
                second.contract,
                second.deploy_block,
                thousands(second.events),
                thousands(second.transactions),
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Token: {} ({} decimals) at {:#x}, the chain's only one (generated with --skip-two-tokens).\n",
                c.symbol, c.decimals, c.contract,
            );
        }
    }

    out.push_str("## Backfill: the indexers beside the local limits\n\n");
    let lower = r.limits.done().and_then(|l| l.lower(r.events_on_chain));
    let mut rows = Vec::new();
    match &r.limits {
        Stage::Done { result: limits } => {
            if let Some(best) = limits.best_logs() {
                rows.push(vec![
                    format!(
                        "limit 1: `eth_getLogs`, whole range in {}-block requests (best of {})",
                        thousands(best.range),
                        limits.get_logs.len()
                    ),
                    thousands(best.logs),
                    ms(best.ms),
                    thousands(best.logs_per_second),
                    String::new(),
                    String::new(),
                    ratio(Some(best.logs_per_second), lower),
                ]);
            }
            match &limits.bulk {
                Stage::Done { result } => {
                    for bulk in result {
                        let ev = crate::stats::per_second(
                            r.events_on_chain,
                            std::time::Duration::from_millis(bulk.ms.max(1)),
                        );
                        rows.push(vec![
                            format!(
                                "limit 2: PostgreSQL {} of {} movement rows{}",
                                bulk.method,
                                thousands(bulk.rows),
                                if bulk.method == "UNNEST" {
                                    format!(" ({} per statement)", thousands(bulk.batch))
                                } else {
                                    String::new()
                                }
                            ),
                            thousands(r.events_on_chain),
                            ms(bulk.ms),
                            format!(
                                "{} ({} rows/s)",
                                thousands(ev),
                                thousands(bulk.rows_per_second)
                            ),
                            String::new(),
                            String::new(),
                            ratio(Some(ev), lower),
                        ]);
                    }
                }
                other => rows.push(
                    std::iter::once(format!(
                        "limit 2: PostgreSQL bulk insert: {}",
                        other.why_not()
                    ))
                    .chain(std::iter::repeat_n(String::new(), 6))
                    .collect(),
                ),
            }
        }
        other => rows.push(
            std::iter::once(format!("local limits: {}", other.why_not()))
                .chain(std::iter::repeat_n(String::new(), 6))
                .collect(),
        ),
    }
    for stage in [&r.emtoken_server, &r.emtoken_embedded]
        .into_iter()
        .chain(r.peers())
    {
        rows.push(backfill_row(stage, lower));
    }
    out.push_str(&table(
        &[
            "system",
            "events",
            "start → caught up",
            "events/s",
            "blocks/s",
            "peak RSS",
            "÷ lower limit",
        ],
        "lrrrrrr",
        &rows,
    ));
    peers(
        &mut out,
        &r.peer_ratios,
        r.emtoken_server.done().and_then(|s| s.movements),
    );
    out.push_str("\nPeak RSS is the process tree's VmHWM (the embedded database runs inside the indexer; the PostgreSQL server is not counted).\n");

    out.push_str("\n## Backfill with two tokens (one index follows every registered token)\n\n");
    match &r.two_tokens {
        Stage::Done { result } => two_tokens(&mut out, result),
        other => {
            let _ = writeln!(out, "{}", other.why_not());
        }
    }

    out.push_str("\n## Live lag\n\n");
    lag(
        &mut out,
        [("--lag-rate", &r.lag), ("--lag-fast-rate", &r.lag_fast)],
    );

    out.push_str("\n## HTTP API under concurrent reads\n\n");
    match &r.api {
        Stage::Done { result: runs } => {
            let mut rows = Vec::new();
            for run in runs {
                for e in &run.endpoints {
                    rows.push(vec![
                        run.database.clone(),
                        e.endpoint.clone(),
                        thousands(e.requests_per_second),
                        e.latency.p50_us.map_or("-".into(), millis),
                        e.latency.p99_us.map_or("-".into(), millis),
                        e.errors.to_string(),
                    ]);
                }
                for (name, l) in [
                    ("transfer submit → 202", &run.submit_to_accepted),
                    ("transfer submit → SUCCESS", &run.submit_to_success),
                ] {
                    rows.push(vec![
                        run.database.clone(),
                        format!("{name} ({} during the load)", l.samples),
                        "-".into(),
                        l.p50_us.map_or("-".into(), millis),
                        l.p99_us.map_or("-".into(), millis),
                        "-".into(),
                    ]);
                }
            }
            out.push_str(&table(
                &["database", "endpoint", "req/s", "p50", "p99", "errors"],
                "llrrrr",
                &rows,
            ));
            for run in runs {
                let _ = writeln!(
                    out,
                    "\n{}: {} clients, {} s per endpoint, a wallet with {} movements; `{}`.",
                    run.database,
                    run.concurrency,
                    run.seconds,
                    thousands(run.wallet_movements),
                    run.serve_command
                );
            }
        }
        other => {
            let _ = writeln!(out, "{}", other.why_not());
        }
    }

    out.push_str("\n## SDK send rate\n\n");
    match &r.send {
        Stage::Done { result } => {
            let rows: Vec<Vec<String>> = result
                .iter()
                .map(|s| {
                    vec![
                        s.keys.to_string(),
                        thousands(s.transactions),
                        s.in_flight.to_string(),
                        ms(s.ms),
                        thousands(s.tx_per_second),
                        s.preflight.clone(),
                        s.mining.clone(),
                    ]
                })
                .collect();
            out.push_str(&table(
                &[
                    "keys",
                    "transfers",
                    "in flight",
                    "first send → last receipt",
                    "tx/s",
                    "checked against (preflight)",
                    "node",
                ],
                "rrrrrll",
                &rows,
            ));
        }
        other => {
            let _ = writeln!(out, "{}", other.why_not());
        }
    }

    out.push_str("\n## Gas (scripts/gas: whole transactions, from receipts)\n\n");
    match &r.gas {
        Stage::Done { result } => {
            let rows: Vec<Vec<String>> = result
                .iter()
                .map(|g| {
                    vec![
                        g.operation.clone(),
                        thousands(g.gas),
                        g.vs_openzeppelin.clone(),
                    ]
                })
                .collect();
            out.push_str(&table(
                &["operation", "gas", "vs OpenZeppelin transfer"],
                "lrr",
                &rows,
            ));
        }
        other => {
            let _ = writeln!(out, "{}", other.why_not());
        }
    }

    out.push_str("\n## Targets (reported, not asserted)\n\n");
    let rows: Vec<Vec<String>> = r
        .targets
        .iter()
        .map(|t| {
            vec![
                t.target.clone(),
                t.actual.clone(),
                t.met
                    .map_or("not measured", |m| if m { "met" } else { "missed" })
                    .to_owned(),
            ]
        })
        .collect();
    out.push_str(&table(&["target", "this run", ""], "lrl", &rows));
    if !r.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for note in &r.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out.push_str("\n## Commands\n\n```sh\n");
    for command in &r.commands {
        let _ = writeln!(out, "{command}");
    }
    out.push_str("```\n");
    out
}

/// The live-lag section: one table over the runs (each named by its rate and mining on its first row),
/// then what each run sent and how its probes decide "visible"; a run that did not run, by its flag.
fn lag(out: &mut String, runs: [(&str, &Stage<LagRun>); 2]) {
    let mut rows = Vec::new();
    for (_, stage) in runs {
        let Some(run) = stage.done() else { continue };
        let start = rows.len();
        for p in &run.probes {
            for (from, l) in [
                (
                    "block announced (newHeads at the bench)",
                    &p.head_to_visible,
                ),
                ("transfer submitted", &p.submit_to_visible),
                ("receipt returned to the SDK", &p.receipt_to_visible),
            ] {
                let first = rows.len() == start;
                rows.push(vec![
                    if first { run.label() } else { String::new() },
                    p.probe.to_owned(),
                    from.to_owned(),
                    l.samples.to_string(),
                    l.p50_us.map_or("-".into(), millis),
                    l.p99_us.map_or("-".into(), millis),
                    l.max_us.map_or("-".into(), millis),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push_str(&table(
            &[
                "run",
                "probe",
                "from → movement visible",
                "samples",
                "p50",
                "p99",
                "max",
            ],
            "lllrrrr",
            &rows,
        ));
    }
    for (flag, stage) in runs {
        match stage {
            Stage::Done { result: run } => {
                let _ = writeln!(
                    out,
                    "\n{} transfers in {} blocks at {}/s, {}. Follower: `{}`.",
                    run.transactions,
                    run.blocks,
                    run.rate_per_second,
                    run.mining,
                    run.follower_command
                );
                for p in &run.probes {
                    let _ = writeln!(
                        out,
                        "- {} probe ({} of {} visible): {}.",
                        p.probe, p.visible, run.transactions, p.how
                    );
                }
            }
            other => {
                let _ = writeln!(out, "\nThe run at {flag}: {}.", other.why_not());
            }
        }
    }
}

/// The two-token section: each token alone, then both in one process, per token and in total.
fn two_tokens(out: &mut String, t: &TwoTokens) {
    let mut rows = Vec::new();
    for (alone, token) in [&t.first_alone, &t.second_alone].into_iter().zip(&t.tokens) {
        rows.push(vec![
            alone.system.clone(),
            token.token.clone(),
            thousands(alone.events),
            ms(alone.wall_ms),
            thousands(alone.events_per_second),
            mebibytes(alone.peak_rss_kib),
            String::new(),
        ]);
    }
    for (i, token) in t.tokens.iter().enumerate() {
        let first = i == 0;
        rows.push(vec![
            if first {
                t.both.system.clone()
            } else {
                String::new()
            },
            token.token.clone(),
            thousands(token.events),
            if first {
                ms(t.both.wall_ms)
            } else {
                String::new()
            },
            thousands(token.events_per_second),
            if first {
                mebibytes(t.both.peak_rss_kib)
            } else {
                String::new()
            },
            token.ratio_per_mille.map_or("-".into(), times),
        ]);
    }
    rows.push(vec![
        String::new(),
        "both tokens".into(),
        thousands(t.total_events),
        ms(t.both.wall_ms),
        thousands(t.total_events_per_second),
        String::new(),
        String::new(),
    ]);
    out.push_str(&table(
        &[
            "run",
            "token",
            "events",
            "start → caught up",
            "events/s",
            "peak RSS",
            "two tokens ÷ alone",
        ],
        "llrrrrr",
        &rows,
    ));
    let ratios: Vec<String> = t
        .tokens
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.token,
                r.ratio_per_mille.map_or("-".into(), times)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "\nPer-token backfill rate with two tokens ÷ the same token alone: **{}**; both tokens together: {} \
         events/s, {} the first token's rate alone.",
        ratios.join(", "),
        thousands(t.total_events_per_second),
        per_mille(t.total_events_per_second, t.first_alone.events_per_second)
            .map_or("-".into(), times),
    );
    let _ = writeln!(
        out,
        "Every rate is the token's events over the run's wall time (start → exit, caught up); in the two-token \
         run one `emtoken index` indexes both at once, the second under a ledger of its own, into one database \
         of the server (each run a fresh one). Registered before it (not timed): `{}`.",
        t.registration.join("`; `")
    );
}

/// EmToken ÷ each peer that ran, on one line, then each peer's movement rows beside EmToken's.
fn peers(out: &mut String, ratios: &[PeerRatio], emtoken_movements: Option<u64>) {
    if ratios.is_empty() {
        return;
    }
    let each: Vec<String> = ratios
        .iter()
        .map(|p| {
            format!(
                "{} ({} ev/s) **{}** (embedded: {})",
                p.peer,
                thousands(p.events_per_second),
                p.server_per_mille.map_or("-".into(), times),
                p.embedded_per_mille.map_or("-".into(), times),
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "\nRatio to each peer, EmToken's events/s ÷ the peer's (both into the PostgreSQL server; in brackets, \
         EmToken into the embedded database): {}.",
        each.join("; ")
    );
    for p in ratios {
        if let Some(movements) = p.movements {
            let _ = writeln!(
                out,
                "{} wrote {} movement rows (EmToken: {}).",
                p.peer,
                thousands(movements),
                emtoken_movements.map_or("-".into(), thousands)
            );
        }
    }
}

fn ratio(value: Option<u64>, lower: Option<u64>) -> String {
    value
        .zip(lower)
        .and_then(|(v, l)| per_mille(v, l))
        .map_or(String::new(), times)
}

fn backfill_row(stage: &Stage<Backfill>, lower: Option<u64>) -> Vec<String> {
    match stage {
        Stage::Done { result: b } => vec![
            b.system.clone(),
            thousands(b.events),
            ms(b.wall_ms),
            thousands(b.events_per_second),
            thousands(b.blocks_per_second),
            mebibytes(b.peak_rss_kib),
            ratio(Some(b.events_per_second), lower),
        ],
        other => std::iter::once(other.why_not())
            .chain(std::iter::repeat_n(String::new(), 6))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_markdown() {
        let rows = vec![
            vec!["a".to_owned(), "1".to_owned()],
            vec!["b".to_owned(), "22".to_owned()],
        ];
        assert_eq!(
            table(&["name", "n"], "lr", &rows),
            "| name | n |\n|---|---:|\n| a | 1 |\n| b | 22 |\n"
        );
    }

    #[test]
    fn the_two_token_section_states_each_tokens_ratio() {
        let mut out = String::new();
        two_tokens(
            &mut out,
            &crate::two_tokens::tests::sample([10_000, 4_000], 2_000),
        );
        assert!(
            out.contains("**EURe (2 decimals) 0.50×, USDe (6 decimals) 1.25×**"),
            "{out}"
        );
        assert!(
            out.contains("| both tokens | 20,000 | 2.00 s | 10,000 |"),
            "{out}"
        );
    }

    #[test]
    fn each_peer_that_ran_has_its_ratio() {
        let ratio = |peer: &str, eps, server, movements| PeerRatio {
            peer: peer.to_owned(),
            events_per_second: eps,
            movements,
            server_per_mille: server,
            embedded_per_mille: server.map(|s| s / 2),
        };
        let mut out = String::new();
        peers(
            &mut out,
            &[
                ratio("Ponder 0.17.7", 4_000, Some(6_580), Some(77_981)),
                ratio("Envio HyperIndex 3.14.0", 8_000, Some(3_290), None),
            ],
            Some(77_981),
        );
        assert!(
            out.contains(
                "(both into the PostgreSQL server; in brackets, EmToken into the embedded database): \
                 Ponder 0.17.7 (4,000 ev/s) **6.58×** (embedded: 3.29×); Envio HyperIndex 3.14.0 \
                 (8,000 ev/s) **3.29×** (embedded: 1.64×)."
            ),
            "{out}"
        );
        assert!(out.contains("Ponder 0.17.7 wrote 77,981 movement rows (EmToken: 77,981)."));
        assert!(!out.contains("Envio HyperIndex 3.14.0 wrote"));
        let mut none = String::new();
        peers(&mut none, &[], Some(1));
        assert!(none.is_empty());
    }

    #[test]
    fn the_lag_section_names_each_runs_rate_and_mining() {
        let mut first = crate::lag::tests::sample(5, 8, 40);
        first.mining = "automine".into();
        let mut out = String::new();
        lag(
            &mut out,
            [
                ("--lag-rate", &Stage::Done { result: first }),
                (
                    "--lag-fast-rate",
                    &Stage::Done {
                        result: crate::lag::tests::sample(100, 9, 45),
                    },
                ),
            ],
        );
        assert!(
            out.contains("| 5/s, automine | api | block announced (newHeads at the bench) | 10 | 8.0 ms | 40.0 ms |"),
            "{out}"
        );
        assert!(
            out.contains("|  | api | transfer submitted | 10 | 8.0 ms |"),
            "{out}"
        );
        assert!(
            out.contains(
                "| 100/s, a block every 1 s (evm_setIntervalMining 1) | api | block announced (newHeads at the bench) | 10 | 9.0 ms | 45.0 ms |"
            ),
            "{out}"
        );
        assert!(
            out.contains("10 transfers in 1 blocks at 100/s, a block every 1 s"),
            "{out}"
        );
        let mut skipped = String::new();
        lag(
            &mut skipped,
            [
                (
                    "--lag-rate",
                    &Stage::Done {
                        result: crate::lag::tests::sample(5, 1, 1),
                    },
                ),
                (
                    "--lag-fast-rate",
                    &Stage::Skipped {
                        reason: "--lag-fast-rate 0".into(),
                    },
                ),
            ],
        );
        assert!(
            skipped.contains("The run at --lag-fast-rate: skipped: --lag-fast-rate 0."),
            "{skipped}"
        );
    }

    #[test]
    fn ratios_are_blank_without_a_limit() {
        assert_eq!(ratio(Some(500), Some(1000)), "0.50×");
        assert_eq!(ratio(Some(500), None), "");
        assert_eq!(ratio(None, Some(1)), "");
    }
}
