//! Counters of a running indexer, shared with whoever reports them (progress bar, `/metrics`).

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed},
};

use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric},
    metrics::{
        MetricType,
        counter::ConstCounter,
        family::Family,
        gauge::ConstGauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// The labels of a node call's duration.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RpcCall {
    /// The JSON-RPC method.
    method: String,
}

/// Buckets of node calls and batch writes: 1 ms to about 33 s, doubling.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Live figures of an indexer; cheap to read from another task.
#[derive(Debug)]
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
    /// Of those, batches of final blocks read ahead (fetched and decoded while the batch before them
    /// was written).
    pub batches_read_ahead: AtomicU64,
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
    /// Node calls' durations by method, retries included.
    rpc_seconds: Family<RpcCall, Histogram>,
    /// Batch write transactions' durations.
    batch_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            head: AtomicU64::default(),
            indexed: AtomicI64::default(),
            final_block: AtomicI64::default(),
            start_block: AtomicI64::default(),
            events: AtomicU64::default(),
            batches: AtomicU64::default(),
            batches_read_ahead: AtomicU64::default(),
            reorgs: AtomicU64::default(),
            findings: AtomicU64::default(),
            persistent_findings: AtomicU64::default(),
            reconciliations_put_off: AtomicU64::default(),
            rpc_retries: AtomicU64::default(),
            range_shrinks: AtomicU64::default(),
            caught_up: AtomicBool::default(),
            in_outage: AtomicBool::default(),
            outages: AtomicU64::default(),
            outage_millis: AtomicU64::default(),
            rpc_seconds: Family::new_with_constructor(duration_histogram),
            batch_seconds: duration_histogram(),
        }
    }
}

/// The figures as a collector: gauges and counters read from the atomics at each scrape, and the
/// histograms.
#[derive(Debug)]
struct Figures(Arc<Metrics>);

impl Collector for Figures {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let m = &self.0;
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let gauges: [(&str, &str, i64); 5] = [
            (
                "emtoken_indexer_outage",
                "1 while the node or the database is unreachable (the indexer waits), else 0.",
                i64::from(m.in_outage.load(Relaxed)),
            ),
            (
                "emtoken_indexer_head_block",
                "Chain head seen by the indexer.",
                clamp(m.head.load(Relaxed)),
            ),
            (
                "emtoken_indexer_indexed_block",
                "Last block indexed.",
                m.indexed.load(Relaxed),
            ),
            (
                "emtoken_indexer_final_block",
                "Last block applied as final.",
                m.final_block.load(Relaxed),
            ),
            (
                "emtoken_indexer_lag_blocks",
                "Blocks between head and last indexed block.",
                clamp(m.lag()),
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        // Counters: the encoder adds `_total`.
        let counters: [(&str, &str, u64); 11] = [
            (
                "emtoken_indexer_outages",
                "Outages of the node or the database the indexer waited through.",
                m.outages.load(Relaxed),
            ),
            (
                "emtoken_indexer_outage_milliseconds",
                "Time spent in outages that ended.",
                m.outage_millis.load(Relaxed),
            ),
            (
                "emtoken_indexer_events",
                "EmToken events stored.",
                m.events.load(Relaxed),
            ),
            (
                "emtoken_indexer_batches",
                "Batches committed.",
                m.batches.load(Relaxed),
            ),
            (
                "emtoken_indexer_batches_read_ahead",
                "Batches of final blocks fetched and decoded while the batch before them was written.",
                m.batches_read_ahead.load(Relaxed),
            ),
            (
                "emtoken_indexer_reorgs",
                "Reorganisations handled.",
                m.reorgs.load(Relaxed),
            ),
            (
                "emtoken_indexer_reconciliation_findings",
                "Wallets whose balances differed from the chain.",
                m.findings.load(Relaxed),
            ),
            (
                "emtoken_indexer_reconciliation_persistent",
                "Findings a rescan did not mend.",
                m.persistent_findings.load(Relaxed),
            ),
            (
                "emtoken_indexer_reconciliations_put_off",
                "Reconciliations put off for lack of state at the final block.",
                m.reconciliations_put_off.load(Relaxed),
            ),
            (
                "emtoken_indexer_rpc_retries",
                "Node calls retried after a transient failure.",
                m.rpc_retries.load(Relaxed),
            ),
            (
                "emtoken_indexer_range_shrinks",
                "eth_getLogs ranges shrunk after a refusal.",
                m.range_shrinks.load(Relaxed),
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        m.rpc_seconds.encode(encoder.encode_descriptor(
            "emtoken_indexer_rpc_seconds",
            "Node calls by JSON-RPC method, retries included, in seconds.",
            None,
            MetricType::Histogram,
        )?)?;
        m.batch_seconds.encode(encoder.encode_descriptor(
            "emtoken_indexer_batch_write_seconds",
            "Batch write transactions, from the first statement to the commit, in seconds.",
            None,
            MetricType::Histogram,
        )?)?;
        Ok(())
    }
}

impl Metrics {
    /// Blocks between the head and the last indexed block.
    pub fn lag(&self) -> u64 {
        let indexed = self.indexed.load(Relaxed).max(0) as u64;
        self.head.load(Relaxed).saturating_sub(indexed)
    }

    /// Adds these figures to `registry` (under the labels it has, e.g. `ledger`), read at each scrape.
    pub fn register(self: &Arc<Self>, registry: &mut Registry) {
        registry.register_collector(Box::new(Figures(Arc::clone(self))));
    }

    /// The OpenMetrics text of these figures alone.
    pub fn render(self: &Arc<Self>) -> String {
        let mut registry = Registry::default();
        self.register(&mut registry);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }

    /// Times a node call of `method` (`eth_getLogs`, …), its retries included.
    pub(crate) fn rpc_call(&self, method: &str, took: std::time::Duration) {
        self.rpc_seconds
            .get_or_create(&RpcCall {
                method: method.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// Times a batch's write transaction (from its first statement to its commit).
    pub(crate) fn batch_written(&self, took: std::time::Duration) {
        self.batch_seconds.observe(took.as_secs_f64());
    }
}
