//! One watcher for the receipts every send of a client awaits, instead of one poller per transaction.
//!
//! The watcher looks each transaction up once as soon as it is handed over (on an instant-mining node it
//! is already mined), then again only when the chain grows: it checks the block number several times per
//! poll interval of the provider and, when the head moved, asks for the receipts of every transaction
//! still waiting, in JSON-RPC batches. Lookups are by hash, so no block is missed whenever a transaction
//! was handed over. A transaction that needs confirmations is looked up again once they are there, so a
//! receipt a reorg removed meanwhile is waited for again.

use std::time::Duration;

use alloy::{
    primitives::TxHash,
    providers::{DynProvider, Provider},
    rpc::{client::BatchRequest, types::TransactionReceipt},
    transports::{RpcError, TransportErrorKind, TransportResult},
};
use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};

/// Head checks per poll interval of the provider while transactions wait (every 50 ms on a local node,
/// 1.4 s on a remote one): a check is one small request for all of them, and a receipt noticed late
/// delays whatever its caller sends next (under load, a receipt noticed after the next block started
/// costs its caller's next transaction a block).
const HEAD_CHECKS_PER_POLL_INTERVAL: u32 = 5;

/// Receipts asked for in one JSON-RPC batch (nodes cap batches, Besu at 1,024 by default).
const BATCH: usize = 256;

/// Node failures in a row after which every waiting transaction gets the error (a single failure is
/// retried at the next head check).
const MAX_FAILURES: u32 = 3;

/// What a watched transaction gets: its receipt, or the node's error.
pub(crate) type Reply = TransportResult<TransactionReceipt>;

/// A handle to a client's watcher task; the task stops when the handle is dropped (or with the runtime
/// it was started on).
#[derive(Debug)]
pub(crate) struct Receipts {
    inbox: mpsc::UnboundedSender<Watch>,
}

#[derive(Debug)]
struct Watch {
    tx_hash: TxHash,
    confirmations: u64,
    reply: oneshot::Sender<Reply>,
}

impl Receipts {
    /// Starts the watcher on the current tokio runtime.
    pub(crate) fn spawn(provider: DynProvider) -> Self {
        let (inbox, rx) = mpsc::unbounded_channel();
        tokio::spawn(Watcher::new(provider).run(rx));
        Self { inbox }
    }

    /// Whether the task is gone (its runtime was shut down): start another.
    pub(crate) fn stopped(&self) -> bool {
        self.inbox.is_closed()
    }

    /// Watches `tx_hash` until it is mined under `confirmations` more blocks; the answer comes on the
    /// returned channel (closed without an answer only if the watcher stopped). Dropping the receiver
    /// stops the watch.
    pub(crate) fn watch(&self, tx_hash: TxHash, confirmations: u64) -> oneshot::Receiver<Reply> {
        let (reply, answer) = oneshot::channel();
        // A send error means the task is gone: the dropped `reply` closes `answer`.
        let _ = self.inbox.send(Watch {
            tx_hash,
            confirmations,
            reply,
        });
        answer
    }
}

struct Watcher {
    provider: DynProvider,
    check_every: Duration,
    /// Handed over since the last lookup.
    fresh: Vec<Watch>,
    /// Looked up at least once, not mined yet.
    waiting: Vec<Watch>,
    /// Mined in the given block, awaiting confirmations.
    confirming: Vec<(Watch, u64)>,
    /// The last block number seen.
    head: Option<u64>,
    next_check: Instant,
    failures: u32,
}

impl Watcher {
    fn new(provider: DynProvider) -> Self {
        let check_every = provider.client().poll_interval() / HEAD_CHECKS_PER_POLL_INTERVAL;
        Self {
            provider,
            check_every,
            fresh: Vec::new(),
            waiting: Vec::new(),
            confirming: Vec::new(),
            head: None,
            next_check: Instant::now(),
            failures: 0,
        }
    }

    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Watch>) {
        loop {
            let idle = self.waiting.is_empty() && self.confirming.is_empty();
            let woken_by = tokio::select! {
                watch = inbox.recv() => Some(watch),
                () = tokio::time::sleep_until(self.next_check), if !idle => None,
            };
            match woken_by {
                // Every handle is gone, and with it every caller awaiting an answer.
                Some(None) => return,
                Some(Some(watch)) => self.fresh.push(watch),
                None => {}
            }
            while let Ok(watch) = inbox.try_recv() {
                self.fresh.push(watch);
            }
            // A caller that stopped waiting (timeout, cancellation) is not looked up any more.
            self.waiting.retain(|w| !w.reply.is_closed());
            self.confirming.retain(|(w, _)| !w.reply.is_closed());

            if !self.fresh.is_empty() {
                let fresh = std::mem::take(&mut self.fresh);
                self.look_up(fresh).await;
            }
            let pending = !self.waiting.is_empty() || !self.confirming.is_empty();
            if pending && Instant::now() >= self.next_check {
                self.next_check = Instant::now() + self.check_every;
                self.poll().await;
            }
        }
    }

    /// Checks the head; when it moved, looks up what waits and what has its confirmations now.
    async fn poll(&mut self) {
        let head = match self.provider.get_block_number().await {
            Ok(head) => head,
            Err(error) => return self.failed(error),
        };
        if self.head == Some(head) {
            return;
        }
        self.head = Some(head);
        let (due, later) = std::mem::take(&mut self.confirming)
            .into_iter()
            .partition::<Vec<_>, _>(|(w, block)| block + w.confirmations <= head);
        self.confirming = later;
        let watches = std::mem::take(&mut self.waiting)
            .into_iter()
            .chain(due.into_iter().map(|(w, _)| w))
            .collect();
        self.look_up(watches).await;
    }

    /// Asks for the receipts of `watches` and answers those that have one with enough confirmations.
    async fn look_up(&mut self, watches: Vec<Watch>) {
        if watches.is_empty() {
            return;
        }
        let hashes: Vec<TxHash> = watches.iter().map(|w| w.tx_hash).collect();
        let receipts = match receipts(&self.provider, &hashes).await {
            Ok(receipts) => receipts,
            Err(error) => {
                // Looked up again once the node answers: any head then counts as new.
                self.waiting.extend(watches);
                self.head = None;
                return self.failed(error);
            }
        };
        self.failures = 0;
        for (watch, receipt) in watches.into_iter().zip(receipts) {
            let Some(receipt) = receipt else {
                self.waiting.push(watch);
                continue;
            };
            let block = receipt.block_number.unwrap_or_default();
            if watch.confirmations == 0 {
                let _ = watch.reply.send(Ok(receipt));
            } else if self
                .head
                .is_some_and(|head| block + watch.confirmations <= head)
            {
                // Looked up after the head had its confirmations: final.
                let _ = watch.reply.send(Ok(receipt));
            } else {
                self.confirming.push((watch, block));
            }
        }
    }

    /// Counts a failure of the node; after [`MAX_FAILURES`] in a row, every waiting transaction gets it.
    fn failed(&mut self, error: RpcError<TransportErrorKind>) {
        self.failures += 1;
        if self.failures < MAX_FAILURES {
            return;
        }
        self.failures = 0;
        let message = error.to_string();
        let watches = std::mem::take(&mut self.waiting).into_iter().chain(
            std::mem::take(&mut self.confirming)
                .into_iter()
                .map(|(w, _)| w),
        );
        for watch in watches {
            let _ = watch
                .reply
                .send(Err(TransportErrorKind::custom_str(&message)));
        }
    }
}

/// `eth_getTransactionReceipt` of each hash, in order (None: not mined), in batches of [`BATCH`].
async fn receipts(
    provider: &DynProvider,
    hashes: &[TxHash],
) -> TransportResult<Vec<Option<TransactionReceipt>>> {
    if let [hash] = hashes {
        return Ok(vec![provider.get_transaction_receipt(*hash).await?]);
    }
    let batches = hashes.chunks(BATCH).map(|chunk| async move {
        let mut batch = BatchRequest::new(provider.client());
        let answers = chunk
            .iter()
            .map(|hash| {
                batch.add_call::<_, Option<TransactionReceipt>>(
                    "eth_getTransactionReceipt",
                    &(hash,),
                )
            })
            .collect::<TransportResult<Vec<_>>>()?;
        batch.send().await?;
        futures::future::try_join_all(answers).await
    });
    let answers = futures::future::try_join_all(batches).await?;
    Ok(answers.into_iter().flatten().collect())
}
