//! Reading final blocks ahead: while one batch is written, a task fetches and decodes the next one
//! (`eth_getLogs`, JSON, ABI decoding), so the node, the indexer's own work and the database overlap
//! instead of taking turns. On a database with more than one connection the task also opens the batch's
//! transaction and inserts its events, the longest statement of a batch, while the database is still
//! writing the batch before it: the two run on two connections, and the batch's transaction goes on (fenced
//! by the checkpoint the batch before it committed) once its turn comes. Only final blocks are read ahead: what a task returns cannot be orphaned by a
//! reorganisation within the confirmations, and a batch read ahead is used only if it starts exactly
//! where the index stands when its turn comes (anything else is dropped, its task aborted).

use std::collections::{HashMap, HashSet};

use alloy::rpc::types::Log;
use chrono::{DateTime, Utc};
use emtoken_store::{Hash, Store, Tx};
use tokio::task::JoinHandle;

use crate::{
    Error, Result,
    decode::{Decoded, decode_logs},
    rpc::Node,
};

/// A batch of final blocks `from..=end`, fetched and decoded, and the logs fetched with it beyond `end`
/// (up to `to`) that the next batch takes without asking the node again.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// First block.
    pub from: u64,
    /// Last block of this batch.
    pub end: u64,
    /// Last block of the range fetched with it (`end` unless the range was cut).
    pub to: u64,
    /// The batch's logs, decoded, in chain order.
    pub decoded: Vec<Decoded>,
    /// Logs of `end + 1..=to`, not decoded yet.
    pub rest: Vec<Log>,
    /// How many logs `eth_getLogs` returned for this range, when this batch fetched them (None: they were
    /// the rest of an earlier range).
    pub fetched: Option<usize>,
    /// The batch's transaction, opened ahead with its events inserted (not fenced yet), and the keys of
    /// the events that were new.
    pub early: Option<Early>,
}

/// A batch's transaction opened ahead: its events are inserted, nothing else is written yet.
#[derive(Debug)]
pub(crate) struct Early {
    pub tx: Tx,
    pub new: HashSet<(Hash, i64)>,
}

/// A batch being prepared by a task of its own, starting at block `from`.
#[derive(Debug)]
pub(crate) struct Ahead {
    pub from: u64,
    task: JoinHandle<Result<Prepared>>,
}

impl Ahead {
    /// Starts preparing the batch at `from`: from `rest` (logs fetched earlier, up to `to`) or by
    /// fetching `from..=to`; with `store` (the ledger's database, when it has connections to spare) it
    /// also opens the batch's transaction and inserts its events.
    pub(crate) fn spawn(
        node: Node,
        store: Option<(Store, i64)>,
        from: u64,
        to: u64,
        rest: Option<Vec<Log>>,
        max_batch_events: usize,
    ) -> Self {
        let task = tokio::spawn(async move {
            let mut prepared = prepare(&node, from, to, rest, max_batch_events).await?;
            if let Some((store, ledger)) = store {
                let mut tx = store.begin(ledger).await?;
                let new = tx
                    .insert_events(prepared.decoded.iter().map(|d| &d.row))
                    .await?;
                prepared.early = Some(Early { tx, new });
            }
            Ok(prepared)
        });
        Self { from, task }
    }

    /// The prepared batch, or why it could not be (the caller then prepares it again itself).
    pub(crate) async fn join(mut self) -> Result<Prepared> {
        match (&mut self.task).await {
            Ok(prepared) => prepared,
            Err(e) => Err(Error::Node(format!("reading ahead stopped: {e}"))),
        }
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Fetches (unless `rest` has them) the logs of final blocks `from..=to`, cuts them at a block boundary
/// after at most `max_batch_events` (a first block with more is taken whole), and decodes the first part.
pub(crate) async fn prepare(
    node: &Node,
    from: u64,
    to: u64,
    rest: Option<Vec<Log>>,
    max_batch_events: usize,
) -> Result<Prepared> {
    let (mut logs, fetched) = match rest {
        Some(logs) => (logs, None),
        None => {
            let logs = node.logs(from, to).await?;
            let count = logs.len();
            (logs, Some(count))
        }
    };
    if logs.last().and_then(|l| l.block_number) > Some(to) || logs.iter().any(|l| l.removed) {
        return Err(Error::Node(format!(
            "eth_getLogs {from}..={to} answered logs outside the range or removed"
        )));
    }
    let end = match batch_end(&logs, max_batch_events) {
        Some(cut) if cut < to => cut,
        _ => to,
    };
    let rest = logs.split_off(logs.partition_point(|l| l.block_number <= Some(end)));
    let decoded = decode(node, &logs, HashMap::new()).await?;
    Ok(Prepared {
        from,
        end,
        to,
        decoded,
        rest,
        fetched,
        early: None,
    })
}

/// Decodes logs, fetching the time of blocks whose logs carry none and `known` does not have.
pub(crate) async fn decode(
    node: &Node,
    logs: &[Log],
    mut known: HashMap<u64, DateTime<Utc>>,
) -> Result<Vec<Decoded>> {
    for log in logs {
        if let (None, Some(n)) = (log.block_timestamp, log.block_number)
            && !known.contains_key(&n)
        {
            let h = node
                .header(n)
                .await?
                .ok_or_else(|| Error::Node(format!("block {n} vanished")))?;
            known.insert(n, h.time);
        }
    }
    decode_logs(logs, &known)
}

/// The last block of a batch of at most `max` of these logs (in chain order), cut at a block boundary;
/// `None` when they all fit. A first block with more than `max` logs makes a batch of its own.
pub(crate) fn batch_end(logs: &[Log], max: usize) -> Option<u64> {
    let over = logs.get(max.max(1))?.block_number?;
    let first = logs.first()?.block_number?;
    Some(if over > first { over - 1 } else { over })
}
