//! What a run found, as written to `<date>-<machine>.json`, and the targets of the issue checked against it
//! (reported, never asserted).

use serde::Serialize;

use crate::{
    api_load::ApiLoad,
    chain::ChainInfo,
    gas::GasRow,
    indexer::Backfill,
    lag::LagRun,
    limits::{BulkInsert, LogsPass},
    machine::Machine,
    send::SendRun,
    stats::{millis, per_mille, thousands, times},
    two_tokens::TwoTokens,
};

/// A stage's outcome.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub(crate) enum Stage<T> {
    /// It ran.
    Done {
        /// What it measured.
        result: T,
    },
    /// It failed: the error, whole.
    Failed {
        /// The error chain.
        error: String,
    },
    /// Not run.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl<T> Stage<T> {
    /// The stage from a result.
    pub(crate) fn from_result(result: anyhow::Result<T>) -> Self {
        match result {
            Ok(result) => Self::Done { result },
            Err(error) => {
                tracing::error!("{error:#}");
                Self::Failed {
                    error: format!("{error:#}"),
                }
            }
        }
    }

    /// The result, when it ran.
    pub(crate) fn done(&self) -> Option<&T> {
        match self {
            Self::Done { result } => Some(result),
            _ => None,
        }
    }

    /// Whether it failed.
    pub(crate) fn failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }

    /// "failed: …" / "skipped: …", for tables.
    pub(crate) fn why_not(&self) -> String {
        match self {
            Self::Done { .. } => String::new(),
            Self::Failed { error } => {
                format!("failed: {}", error.lines().next().unwrap_or_default())
            }
            Self::Skipped { reason } => format!("skipped: {reason}"),
        }
    }
}

/// The local limits.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Limits {
    /// `eth_getLogs` passes, one per range size.
    pub(crate) get_logs: Vec<LogsPass>,
    /// Bulk inserts of the movement rows.
    pub(crate) bulk: Stage<Vec<BulkInsert>>,
    /// Movement rows inserted (as many as EmToken's indexer wrote for this chain).
    pub(crate) movement_rows: u64,
}

impl Limits {
    /// The best `eth_getLogs` pass.
    pub(crate) fn best_logs(&self) -> Option<&LogsPass> {
        self.get_logs.iter().max_by_key(|p| p.logs_per_second)
    }

    /// The fastest bulk insert.
    pub(crate) fn best_bulk(&self) -> Option<&BulkInsert> {
        self.bulk.done()?.iter().min_by_key(|b| b.ms)
    }

    /// The bulk insert as chain events per second: the chain's events over the time PostgreSQL takes
    /// to accept their movement rows.
    pub(crate) fn bulk_events_per_second(&self, events: u64) -> Option<u64> {
        let best = self.best_bulk()?;
        Some(crate::stats::per_second(
            events,
            std::time::Duration::from_millis(best.ms.max(1)),
        ))
    }

    /// min(limit 1, limit 2), in events per second.
    pub(crate) fn lower(&self, events: u64) -> Option<u64> {
        let logs = self.best_logs()?.logs_per_second;
        Some(
            self.bulk_events_per_second(events)
                .map_or(logs, |bulk| bulk.min(logs)),
        )
    }
}

/// A target of the issue and how this run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TargetCheck {
    /// What it asks.
    pub(crate) target: String,
    /// What this run measured.
    pub(crate) actual: String,
    /// Met (None: not measured).
    pub(crate) met: Option<bool>,
}

/// Everything a run writes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Results {
    /// When it ran (UTC, RFC 3339).
    pub(crate) date: String,
    /// Where.
    pub(crate) machine: Machine,
    /// The exact commands: the bench's own, then the children it ran, in order.
    pub(crate) commands: Vec<String>,
    /// Smoke sizes.
    pub(crate) smoke: bool,
    /// The chain.
    pub(crate) chain: ChainInfo,
    /// Loaded from the saved state (else generated in this run).
    pub(crate) chain_loaded: bool,
    /// Anvil flags beyond the dev profile's.
    pub(crate) anvil_args: Vec<String>,
    /// Every EmToken log from the deployment block to the head (the workload's plus the deployment's).
    pub(crate) events_on_chain: u64,
    /// Limits 1 and 2.
    pub(crate) limits: Stage<Limits>,
    /// EmToken's indexer into the PostgreSQL server.
    pub(crate) emtoken_server: Stage<Backfill>,
    /// EmToken's indexer into the embedded PostgreSQL.
    pub(crate) emtoken_embedded: Stage<Backfill>,
    /// Ponder into the PostgreSQL server.
    pub(crate) ponder: Stage<Backfill>,
    /// Envio HyperIndex into the PostgreSQL server (over plain RPC).
    pub(crate) envio: Stage<Backfill>,
    /// EmToken's backfill ÷ each peer's, for every peer that ran (filled by `check_targets`).
    pub(crate) peer_ratios: Vec<PeerRatio>,
    /// EmToken's indexer on each token alone, then on both in one process (PostgreSQL server).
    pub(crate) two_tokens: Stage<TwoTokens>,
    /// Live lag at `--lag-rate` on automine (a block per transfer).
    pub(crate) lag: Stage<LagRun>,
    /// Live lag at `--lag-fast-rate` on 1 s blocks (many transfers per block), after the first run.
    pub(crate) lag_fast: Stage<LagRun>,
    /// The HTTP API under concurrent reads, per database (server, then embedded).
    pub(crate) api: Stage<Vec<ApiLoad>>,
    /// SDK send rate: one key, then many keys (the default preflight), then one key with the opt-in one.
    pub(crate) send: Stage<Vec<SendRun>>,
    /// The contracts' gas table.
    pub(crate) gas: Stage<Vec<GasRow>>,
    /// The targets.
    pub(crate) targets: Vec<TargetCheck>,
    /// Notes on the setup that bear on the figures.
    pub(crate) notes: Vec<String>,
}

impl Results {
    /// Whether any stage failed.
    pub(crate) fn any_failed(&self) -> bool {
        self.limits.failed()
            || self.emtoken_server.failed()
            || self.emtoken_embedded.failed()
            || self.ponder.failed()
            || self.envio.failed()
            || self.two_tokens.failed()
            || self.lag.failed()
            || self.lag_fast.failed()
            || self.api.failed()
            || self.send.failed()
            || self.gas.failed()
    }

    /// The peers (other indexers on the same chain into the same server), in the order they ran.
    pub(crate) fn peers(&self) -> [&Stage<Backfill>; 2] {
        [&self.ponder, &self.envio]
    }

    /// EmToken's backfill rates ÷ each peer's, for every peer that ran.
    fn compare_peers(&self) -> Vec<PeerRatio> {
        let server = self.emtoken_server.done();
        let embedded = self.emtoken_embedded.done();
        self.peers()
            .into_iter()
            .filter_map(Stage::done)
            .map(|peer| PeerRatio {
                peer: peer_name(&peer.system).to_owned(),
                events_per_second: peer.events_per_second,
                movements: peer.movements,
                server_per_mille: server
                    .and_then(|s| per_mille(s.events_per_second, peer.events_per_second)),
                embedded_per_mille: embedded
                    .and_then(|e| per_mille(e.events_per_second, peer.events_per_second)),
            })
            .collect()
    }

    /// Checks the targets; compares EmToken with each peer that ran.
    pub(crate) fn check_targets(&mut self) {
        self.peer_ratios = self.compare_peers();
        let events = self.events_on_chain;
        let lower = self.limits.done().and_then(|l| l.lower(events));
        let server = self.emtoken_server.done().map(|b| b.events_per_second);
        let ponder = self.ponder.done().map(|b| b.events_per_second);
        let mut targets = Vec::new();
        let ratio = server.zip(lower).and_then(|(s, l)| per_mille(s, l));
        targets.push(TargetCheck {
            target: "EmToken backfill ≥ 50% of the lower local limit".into(),
            actual: ratio.map_or("not measured".into(), |r| {
                format!(
                    "{}% ({} of {} ev/s)",
                    r / 10,
                    thousands(server.unwrap_or(0)),
                    thousands(lower.unwrap_or(0))
                )
            }),
            met: ratio.map(|r| r >= 500),
        });
        targets.push(TargetCheck {
            target: "EmToken backfill into the PostgreSQL server ≥ 60,000 events/s (issue 20)"
                .into(),
            actual: server.map_or("not measured".into(), |s| format!("{} ev/s", thousands(s))),
            met: server.map(|s| s >= 60_000),
        });
        let embedded = self.emtoken_embedded.done().map(|b| b.events_per_second);
        targets.push(TargetCheck {
            target: "EmToken backfill into the embedded database ≥ 40,000 events/s (issue 20)"
                .into(),
            actual: embedded.map_or("not measured".into(), |s| format!("{} ev/s", thousands(s))),
            met: embedded.map(|s| s >= 40_000),
        });
        let peak = self.emtoken_server.done().map(|b| b.peak_rss_kib);
        targets.push(TargetCheck {
            target: "EmToken backfill into the server: peak RSS ≤ 200 MB (issue 20)".into(),
            actual: peak.map_or("not measured".into(), |k| format!("{} MiB", k / 1024)),
            met: peak.map(|k| k <= 200 * 1000 * 1000 / 1024),
        });
        let ratio = server.zip(ponder).and_then(|(s, p)| per_mille(s, p));
        targets.push(TargetCheck {
            target: "EmToken backfill ≥ 10× Ponder on the same chain".into(),
            actual: ratio.map_or("not measured".into(), times),
            met: ratio.map(|r| r >= 10_000),
        });
        targets.push(two_token_target(self.two_tokens.done()));
        targets.push(lag_target(LAG_RATES[0], self.lag.done()));
        targets.push(lag_target(LAG_RATES[1], self.lag_fast.done()));
        let one_key = self
            .send
            .done()
            .and_then(|runs| {
                runs.iter()
                    .find(|r| r.keys == 1 && r.preflight == crate::DEFAULT_PREFLIGHT)
            })
            .map(|r| r.tx_per_second);
        targets.push(TargetCheck {
            target:
                "concurrent send ≥ 1,000 tx/s on anvil from one key, default preflight (issue 20)"
                    .into(),
            actual: one_key.map_or("not measured".into(), |t| format!("{} tx/s", thousands(t))),
            met: one_key.map(|t| t >= 1_000),
        });
        targets.extend(api_targets(
            self.api.done().map_or(&[][..], |runs| &runs[..]),
        ));
        self.targets = targets;
    }
}

/// EmToken's backfill ÷ one peer's, on the same chain (the peer into the PostgreSQL server).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PeerRatio {
    /// The peer and its version, e.g. `Ponder 0.17.7`.
    pub(crate) peer: String,
    /// Its events per second.
    pub(crate) events_per_second: u64,
    /// Movement rows it wrote, when counted.
    pub(crate) movements: Option<u64>,
    /// EmToken into the PostgreSQL server ÷ the peer, per mille (None when EmToken's run failed).
    pub(crate) server_per_mille: Option<u64>,
    /// EmToken into the embedded database ÷ the peer, per mille.
    pub(crate) embedded_per_mille: Option<u64>,
}

/// A peer's name and version from its backfill's system (`Ponder 0.17.7 → PostgreSQL server (…)`).
fn peer_name(system: &str) -> &str {
    system.split(" → ").next().unwrap_or(system)
}

/// The lowest per-token ratio (two tokens ÷ alone, per mille) the two-token target accepts: "must not
/// drop", less the run-to-run noise of one backfill on a shared machine.
const TWO_TOKEN_RATIO: u64 = 950;

fn two_token_target(two: Option<&TwoTokens>) -> TargetCheck {
    let lowest = two.and_then(TwoTokens::lowest_ratio);
    TargetCheck {
        target: format!(
            "backfill events/s per token with two tokens in one index ≥ {} of one token's (issue 18: must not drop)",
            times(TWO_TOKEN_RATIO)
        ),
        actual: two.map_or("not measured".into(), |t| {
            t.tokens
                .iter()
                .map(|r| {
                    format!(
                        "{}: {} ({} of {} ev/s)",
                        r.token,
                        r.ratio_per_mille.map_or("-".into(), times),
                        thousands(r.events_per_second),
                        thousands(r.alone_events_per_second)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        }),
        met: lowest.map(|r| r >= TWO_TOKEN_RATIO),
    }
}

/// The live-lag target's rates (transfers/s), one per lag run: the first run's, the second's.
const LAG_RATES: [u64; 2] = [5, 100];

/// Issue 20's live-lag target at `rate` transfers/s on a run: block announced → visible p50 ≤ 10 ms and
/// p99 ≤ 50 ms, through the API when it ran, else the database. A run slower than `rate` does not
/// measure it.
fn lag_target(rate: u64, run: Option<&LagRun>) -> TargetCheck {
    let probe = run.and_then(LagRun::main_probe);
    let figures = probe.and_then(|p| p.head_to_visible.p50_us.zip(p.head_to_visible.p99_us));
    let fast_enough = run.is_some_and(|r| r.rate_per_second >= rate);
    TargetCheck {
        target: format!(
            "live lag at {rate} transfers/s: p50 ≤ 10 ms and p99 ≤ 50 ms (block announced → visible; issue 20)"
        ),
        actual: run.zip(probe).zip(figures).map_or(
            "not measured".into(),
            |((run, probe), (p50, p99))| {
                format!(
                    "p50 {}, p99 {} through the {}; {}{}",
                    millis(p50),
                    millis(p99),
                    probe.probe,
                    run.label(),
                    if fast_enough {
                        ""
                    } else {
                        " (below the target's rate)"
                    }
                )
            },
        ),
        met: figures
            .filter(|_| fast_enough)
            .map(|(p50, p99)| p50 <= 10_000 && p99 <= 50_000),
    }
}

/// The API stage's targets: (database, endpoint, req/s at least, p99 at most in ms).
const API_TARGETS: [(&str, &str, u64, Option<i64>); 6] = [
    ("server", "GET wallet", 5_000, Some(50)),
    ("server", "GET movements size=20", 2_000, None),
    ("server", "GET movements size=200", 2_000, None),
    ("embedded", "GET wallet", 3_000, None),
    ("embedded", "GET movements size=20", 1_000, None),
    ("embedded", "GET movements size=200", 1_000, None),
];

fn api_targets(runs: &[ApiLoad]) -> Vec<TargetCheck> {
    let mut targets = Vec::new();
    for (database, endpoint, rate, p99_ms) in API_TARGETS {
        let measured = runs
            .iter()
            .filter(|r| r.database == database)
            .flat_map(|r| r.endpoints.iter())
            .find(|e| e.endpoint == endpoint);
        let p99_text = p99_ms.map_or(String::new(), |ms| format!(", p99 ≤ {ms} ms"));
        targets.push(TargetCheck {
            target: format!(
                "API {database}: {endpoint} ≥ {} req/s{p99_text}",
                thousands(rate)
            ),
            actual: measured.map_or("not measured".into(), |e| {
                format!(
                    "{} req/s, p99 {}",
                    thousands(e.requests_per_second),
                    e.latency.p99_us.map_or("-".into(), millis)
                )
            }),
            met: measured.map(|e| {
                e.requests_per_second >= rate
                    && p99_ms.is_none_or(|ms| e.latency.p99_us.is_some_and(|us| us <= ms * 1_000))
            }),
        });
    }
    for database in ["server", "embedded"] {
        let p99 = runs
            .iter()
            .find(|r| r.database == database)
            .and_then(|r| r.submit_to_accepted.p99_us);
        targets.push(TargetCheck {
            target: format!(
                "API {database}: transfer submit → 202 p99 ≤ 100 ms under the read load"
            ),
            actual: p99.map_or("not measured".into(), millis),
            met: p99.map(|us| us <= 100_000),
        });
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{lag::tests::sample as lag_sample, two_tokens::tests::sample};

    #[test]
    fn the_two_token_target_takes_the_slower_token() {
        let missed = two_token_target(Some(&sample([10_000, 4_000], 2_000)));
        assert_eq!(missed.met, Some(false));
        assert!(
            missed
                .actual
                .contains("EURe (2 decimals): 0.50× (5,000 of 10,000 ev/s)"),
            "{}",
            missed.actual
        );
        let met = two_token_target(Some(&sample([5_000, 5_000], 2_000)));
        assert_eq!(met.met, Some(true));
        assert_eq!(two_token_target(None).met, None);
    }

    #[test]
    fn each_lag_rate_has_its_target() {
        let met = lag_target(100, Some(&lag_sample(100, 8, 40)));
        assert_eq!(met.met, Some(true));
        assert!(
            met.target.starts_with("live lag at 100 transfers/s"),
            "{}",
            met.target
        );
        assert_eq!(
            met.actual,
            "p50 8.0 ms, p99 40.0 ms through the api; 100/s, a block every 1 s (evm_setIntervalMining 1)"
        );
        assert_eq!(lag_target(5, Some(&lag_sample(5, 8, 51))).met, Some(false));
        let slow = lag_target(100, Some(&lag_sample(50, 1, 1)));
        assert_eq!(slow.met, None);
        assert!(
            slow.actual.ends_with("(below the target's rate)"),
            "{}",
            slow.actual
        );
        assert_eq!(lag_target(5, None).actual, "not measured");
    }
}
