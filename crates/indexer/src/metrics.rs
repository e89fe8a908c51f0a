//! Counters of a running indexer, shared with whoever reports them (progress bar, `/metrics`).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

/// Live figures of an indexer; cheap to read from another task.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Chain head seen.
    pub head: AtomicU64,
    /// Last block indexed.
    pub indexed: AtomicI64,
    /// Last final block applied.
    pub final_block: AtomicI64,
    /// First block of this run's backfill.
    pub start_block: AtomicI64,
    /// Events stored by this run.
    pub events: AtomicU64,
    /// Batches committed by this run.
    pub batches: AtomicU64,
    /// Reorganisations handled.
    pub reorgs: AtomicU64,
    /// Reconciliation findings recorded.
    pub findings: AtomicU64,
    /// Findings a rescan did not mend.
    pub persistent_findings: AtomicU64,
    /// Reconciliations put off for lack of state at the final block (non-archive node, backfill).
    pub reconciliations_put_off: AtomicU64,
    /// Rate limits and transient node failures retried.
    pub rpc_retries: AtomicU64,
    /// Range refusals that shrank the eth_getLogs range.
    pub range_shrinks: AtomicU64,
    /// Caught up with the head at least once.
    pub caught_up: AtomicBool,
    /// The node or the database is unreachable now (the follower waits for it).
    pub in_outage: AtomicBool,
    /// Outages ridden out (or under way).
    pub outages: AtomicU64,
    /// Milliseconds spent in outages that ended.
    pub outage_millis: AtomicU64,
}

impl Metrics {
    /// Blocks between the head and the last indexed block.
    pub fn lag(&self) -> u64 {
        let indexed = self.indexed.load(Relaxed).max(0) as u64;
        self.head.load(Relaxed).saturating_sub(indexed)
    }

    /// The Prometheus text exposition of these figures.
    pub fn render(&self) -> String {
        let gauges: [(&str, &str, i128); 5] = [
            (
                "emtoken_indexer_outage",
                "1 while the node or the database is unreachable (the indexer waits), else 0.",
                i128::from(u8::from(self.in_outage.load(Relaxed))),
            ),
            (
                "emtoken_indexer_head_block",
                "Chain head seen by the indexer.",
                self.head.load(Relaxed).into(),
            ),
            (
                "emtoken_indexer_indexed_block",
                "Last block indexed.",
                self.indexed.load(Relaxed).into(),
            ),
            (
                "emtoken_indexer_final_block",
                "Last block applied as final.",
                self.final_block.load(Relaxed).into(),
            ),
            (
                "emtoken_indexer_lag_blocks",
                "Blocks between head and last indexed block.",
                self.lag().into(),
            ),
        ];
        let counters: [(&str, &str, u64); 10] = [
            (
                "emtoken_indexer_outages_total",
                "Outages of the node or the database the indexer waited through.",
                self.outages.load(Relaxed),
            ),
            (
                "emtoken_indexer_outage_milliseconds_total",
                "Time spent in outages that ended.",
                self.outage_millis.load(Relaxed),
            ),
            (
                "emtoken_indexer_events_total",
                "EmToken events stored.",
                self.events.load(Relaxed),
            ),
            (
                "emtoken_indexer_batches_total",
                "Batches committed.",
                self.batches.load(Relaxed),
            ),
            (
                "emtoken_indexer_reorgs_total",
                "Reorganisations handled.",
                self.reorgs.load(Relaxed),
            ),
            (
                "emtoken_indexer_reconciliation_findings_total",
                "Wallets whose balances differed from the chain.",
                self.findings.load(Relaxed),
            ),
            (
                "emtoken_indexer_reconciliation_persistent_total",
                "Findings a rescan did not mend.",
                self.persistent_findings.load(Relaxed),
            ),
            (
                "emtoken_indexer_reconciliations_put_off_total",
                "Reconciliations put off for lack of state at the final block.",
                self.reconciliations_put_off.load(Relaxed),
            ),
            (
                "emtoken_indexer_rpc_retries_total",
                "Node calls retried after a transient failure.",
                self.rpc_retries.load(Relaxed),
            ),
            (
                "emtoken_indexer_range_shrinks_total",
                "eth_getLogs ranges shrunk after a refusal.",
                self.range_shrinks.load(Relaxed),
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in gauges {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            ));
        }
        for (name, help, value) in counters {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
            ));
        }
        out
    }
}
