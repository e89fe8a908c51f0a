//! The indexer: startup checks, the backfill / follow loop, batches, finality and reorganisations.

use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use alloy::primitives::B256;
use emtoken_store::{BlockRow, ChainRow, Checkpoint, Store, Tx};
use tokio::sync::{Notify, watch};

use crate::{
    Config, Error, Metrics, Result,
    ahead::{Ahead, Prepared, decode, prepare},
    decode::to_i64,
    follow::Announced,
    rpc::{Header, Node},
};

/// What one step of the loop did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Indexed blocks `from..=to`, storing `events` new events.
    Indexed {
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// New events stored.
        events: usize,
    },
    /// Nothing new: the index is at the head.
    CaughtUp,
    /// The node refused or changed under the request; the step will be tried again.
    Retry,
    /// Rolled back orphaned blocks above `fork`.
    Reorg {
        /// Highest block still canonical.
        fork: i64,
    },
    /// A reconciliation difference sent the non-final blocks above `from` to be indexed again.
    Rescan {
        /// Last final block kept.
        from: i64,
    },
}

/// Totals of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Chain id.
    pub chain_id: i64,
    /// Last block indexed.
    pub indexed: i64,
    /// New events stored by this run.
    pub events: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// The first pause after an outage of the node or the database begins; each next one doubles.
const OUTAGE_FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest pause between tries during an outage.
const OUTAGE_MAX_PAUSE: Duration = Duration::from_secs(15);

/// How the chain differs from what the index holds.
#[derive(Debug)]
enum Change {
    /// Another chain, or another contract: nothing indexed can be kept.
    Other(String),
    /// The same chain with other blocks at or below the final block: a reorganisation deeper than the
    /// confirmations.
    Deep(String),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Other(what) | Self::Deep(what) => f.write_str(what),
        }
    }
}

/// Where the planner statistics of the indexer's tables stand ([`Indexer::statistics`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Statistics {
    /// Events in the table when they were last gathered (the planner's count).
    pub(crate) events_then: i64,
    /// Events this process stored since.
    pub(crate) stored_since: i64,
}

impl Statistics {
    /// Fewest new events worth gathering statistics again for.
    const MIN_GROWTH: i64 = 5_000;

    /// Whether the events table has at least doubled since the statistics were gathered.
    pub(crate) fn stale(&self) -> bool {
        self.stored_since >= self.events_then.max(Self::MIN_GROWTH)
    }
}

/// Follows one EmToken contract on one chain into a [`Store`].
#[derive(Debug)]
pub struct Indexer {
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) node: Node,
    pub(crate) metrics: Arc<Metrics>,
    /// The ledger indexed: the chain id for a chain's first token, else the token's ledger id.
    pub(crate) chain_id: i64,
    /// The node's chain id.
    pub(crate) evm_chain_id: i64,
    pub(crate) checkpoint: Checkpoint,
    range: u64,
    /// The final block a reconciliation difference sent the index back to (a second difference in the batch
    /// indexed again from there is persistent).
    pub(crate) rescanned: Option<i64>,
    /// Wallets whose final balances changed and are not compared with the chain yet (as in the database's
    /// `unreconciled_wallets`).
    pub(crate) unreconciled: std::collections::BTreeSet<emtoken_store::Addr>,
    /// The next batch of final blocks, fetched and decoded while the last one is written.
    pub(crate) ahead: Option<Ahead>,
    /// The tables' planner statistics: None until checked after the first batch that stored events
    /// ([`emtoken_store::Store::gather_statistics`]), then the events the planner counted at the last
    /// gathering and the events stored since; gathered again each time the table doubled
    /// ([`emtoken_store::Store::refresh_statistics`]).
    pub(crate) statistics: Option<Statistics>,
    /// The statistics being gathered again, beside the batches.
    pub(crate) statistics_task: Option<tokio::task::JoinHandle<()>>,
    /// The header the node announced last (newHeads, with a WebSocket URL): a step takes the head's number
    /// from it instead of asking the node, and above the final block the header too.
    pub(crate) announced: Announced,
}

impl Indexer {
    /// Connects to the node, checks the database indexes this chain and contract (or starts it), and
    /// returns an indexer ready to run. A chain change stops here with [`Error::ChainChanged`] unless the
    /// configuration says to reset.
    pub async fn start(config: Config, store: Store) -> Result<Self> {
        Self::start_with(config, store, Arc::new(Metrics::default())).await
    }

    /// [`Indexer::start`], counting in `metrics` (a process that indexes in turns, as the lead comes and
    /// goes, keeps one set of figures).
    pub async fn start_with(config: Config, store: Store, metrics: Arc<Metrics>) -> Result<Self> {
        let node = Node::connect(
            &config.rpc_url,
            config.contract,
            config.retry,
            metrics.clone(),
        )?;
        let node_chain = node.chain_id().await?;
        if let Some(expected) = config.expected_chain_id
            && expected != node_chain
        {
            return Err(Error::Config(format!(
                "the node at {} is on chain {node_chain}, not on chain {expected}",
                config.rpc_url
            )));
        }
        let evm_chain_id = to_i64(node_chain)?;
        let chain_id = if config.secondary {
            emtoken_store::ids::ledger_id(evm_chain_id, &config.contract.into_array())
        } else {
            evm_chain_id
        };
        let mut indexer = Self {
            range: config.initial_range.max(1),
            config,
            store,
            node,
            metrics,
            chain_id,
            evm_chain_id,
            checkpoint: Checkpoint {
                chain_id,
                block_number: -1,
                block_hash: [0; 32],
                final_block: -1,
            },
            rescanned: None,
            statistics: None,
            statistics_task: None,
            unreconciled: Default::default(),
            ahead: None,
            announced: Announced::default(),
        };
        Box::pin(indexer.prepare()).await?;
        Ok(indexer)
    }

    /// The live figures of this indexer.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// The ledger indexed: the node's chain id for a chain's first token, else the token's own ledger id
    /// (`emtoken_store::ids::ledger_id`); every row of this token carries it as `chain_id`.
    pub fn chain_id(&self) -> i64 {
        self.chain_id
    }

    /// The node's chain id.
    pub fn evm_chain_id(&self) -> i64 {
        self.evm_chain_id
    }

    /// Where indexing stands.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    async fn prepare(&mut self) -> Result<()> {
        // Nothing is written for a contract that is not an EmToken.
        if let Err(why) = self.node.identity().await? {
            let head = self.node.head().await?;
            if !self.node.has_code_at(head).await? {
                return Err(Error::Config(format!(
                    "no contract code at {} on chain {} (head {head}): check --contract and --rpc",
                    self.config.contract, self.evm_chain_id
                )));
            }
            return Err(Error::Config(format!(
                "the contract at {} on chain {} is not an EmToken: {why}; check --contract",
                self.config.contract, self.evm_chain_id
            )));
        }
        let genesis = self
            .header(0)
            .await?
            .ok_or_else(|| Error::Node("no block 0".into()))?;
        let mut tx = self.store.begin(self.chain_id).await?;
        let stored = tx.chain().await?;
        let mut checkpoint = tx.checkpoint().await?;
        let change = self
            .chain_change(&mut tx, stored.as_ref(), checkpoint.as_ref(), genesis.hash)
            .await?;
        if let (Some(Change::Deep(what)), Some(at)) = (&change, &checkpoint) {
            if self.config.rewind_to_common_ancestor {
                drop(tx);
                self.stand_at(at.clone());
                self.rewind().await?;
                return Box::pin(self.prepare()).await;
            }
            if !self.config.reset_on_chain_change {
                return Err(Error::DeepReorg {
                    chain_id: self.chain_id,
                    final_block: at.final_block,
                    what: what.clone(),
                });
            }
        }
        if let Some(change) = change {
            if !self.config.reset_on_chain_change {
                return Err(Error::ChainChanged {
                    chain_id: self.chain_id,
                    what: change.to_string(),
                });
            }
            tracing::warn!(chain_id = self.chain_id, %change, "chain changed: wiping its rows and indexing again");
            tx.wipe_chain().await?;
            checkpoint = None;
        }
        let from_block = match (&checkpoint, &stored) {
            (Some(_), Some(row)) => row.from_block,
            _ => to_i64(match self.config.from_block {
                Some(n) => n,
                None => self.deployment_block().await?,
            })?,
        };
        let decimals = self.node.decimals().await?;
        tx.upsert_chain(&ChainRow {
            chain_id: self.chain_id,
            genesis_hash: genesis.hash.0,
            contract: self.config.contract.into_array(),
            from_block,
            decimals: i16::from(decimals),
            confirmations: to_i64(self.config.confirmations)?,
            network: self
                .config
                .network
                .clone()
                .unwrap_or_else(|| format!("chain-{}", self.evm_chain_id)),
            evm_chain_id: (self.chain_id != self.evm_chain_id).then_some(self.evm_chain_id),
        })
        .await?;
        let checkpoint = match checkpoint {
            Some(c) => c,
            None => {
                let start = from_block - 1;
                let hash = match start {
                    n if n >= 0 => {
                        let h = self.header(n as u64).await?.ok_or_else(|| {
                            Error::Config(format!(
                                "from block {from_block} is above the chain's head"
                            ))
                        })?;
                        tx.put_blocks(&[block_row(&h)]).await?;
                        h.hash.0
                    }
                    _ => [0; 32],
                };
                tx.set_checkpoint(start, hash, start).await?;
                Checkpoint {
                    chain_id: self.chain_id,
                    block_number: start,
                    block_hash: hash,
                    final_block: start,
                }
            }
        };
        self.unreconciled = tx.unreconciled().await?.into_iter().collect();
        tx.commit().await?;
        self.stand_at(checkpoint);
        self.metrics
            .start_block
            .store(self.checkpoint.block_number, Relaxed);
        Ok(())
    }

    /// Takes `checkpoint` as where the index stands, in its figures too.
    pub(crate) fn stand_at(&mut self, checkpoint: Checkpoint) {
        self.checkpoint = checkpoint;
        self.metrics
            .indexed
            .store(self.checkpoint.block_number, Relaxed);
        self.metrics
            .final_block
            .store(self.checkpoint.final_block, Relaxed);
    }

    /// Why the stored index does not belong to the node's chain, if it does not.
    async fn chain_change(
        &self,
        tx: &mut Tx,
        stored: Option<&ChainRow>,
        checkpoint: Option<&Checkpoint>,
        genesis: B256,
    ) -> Result<Option<Change>> {
        let Some(stored) = stored else {
            return Ok(None);
        };
        if stored.contract != self.config.contract.into_array() {
            return Ok(Some(Change::Other(format!(
                "the database indexes contract {} there, not {}",
                alloy::primitives::Address::from(stored.contract),
                self.config.contract
            ))));
        }
        if stored.genesis_hash != genesis.0 {
            return Ok(Some(Change::Other(format!(
                "its genesis block is now {genesis}, the index has {}",
                B256::from(stored.genesis_hash)
            ))));
        }
        let Some(checkpoint) = checkpoint else {
            return Ok(None);
        };
        if checkpoint.final_block < 0 {
            return Ok(None);
        }
        let window = tx.window().await?;
        let Some(final_row) = window.iter().find(|b| b.number == checkpoint.final_block) else {
            return Ok(None);
        };
        Ok(match self.header(checkpoint.final_block as u64).await? {
            None => Some(Change::Deep(format!(
                "the node's head is below the final block {} of the index",
                checkpoint.final_block
            ))),
            Some(h) if h.hash.0 != final_row.hash => Some(Change::Deep(format!(
                "final block {} is now {}, the index has {}",
                checkpoint.final_block,
                h.hash,
                B256::from(final_row.hash)
            ))),
            Some(_) => None,
        })
    }

    /// The first block with the contract's code (binary search on eth_getCode); 0 when the node cannot
    /// answer for past blocks.
    async fn deployment_block(&self) -> Result<u64> {
        let head = self.node.head().await?;
        if !self.node.has_code_at(head).await? {
            return Err(Error::Config(format!(
                "no contract code at {} on chain {} (head {head}): check --contract and --rpc",
                self.config.contract, self.chain_id
            )));
        }
        let (mut low, mut high) = (0u64, head);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.node.has_code_at(mid).await {
                Ok(true) => high = mid,
                Ok(false) => low = mid + 1,
                Err(error) => {
                    tracing::warn!(%error, "cannot read past state to find the deployment block; starting at 0");
                    return Ok(0);
                }
            }
        }
        Ok(low)
    }

    pub(crate) async fn header(&self, number: u64) -> Result<Option<Header>> {
        self.node.header(number).await
    }

    /// Runs until the head is reached (`until_head`) or `shutdown` turns true; a batch in flight
    /// always commits or rolls back whole.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<Summary> {
        let started = Instant::now();
        let wake = Arc::new(Notify::new());
        let listener = self.config.ws_url.clone().map(|url| {
            tokio::spawn(crate::follow::follow_new_heads(
                url,
                wake.clone(),
                self.announced.clone(),
            ))
        });
        let result: Result<()> = async {
            // An outage of the node or the database under way: since when, and the next pause.
            let mut outage: Option<(Instant, Duration)> = None;
            loop {
                if *shutdown.borrow() {
                    return Ok(());
                }
                // An outage is timed from the start of the step that met it: its failing call may have
                // waited long before giving up (the pool's acquire timeout, the node's retries).
                let attempt = Instant::now();
                let step = match outage {
                    // Where the index stands is read again first: the batch in flight when it broke
                    // may or may not have been committed.
                    Some(_) => match Box::pin(self.resync()).await {
                        Ok(()) => Box::pin(self.step()).await,
                        Err(error) => Err(error),
                    },
                    None => Box::pin(self.step()).await,
                };
                let step = match step {
                    Ok(step) => {
                        if let Some((since, _)) = outage.take() {
                            let lasted = since.elapsed();
                            self.metrics.in_outage.store(false, Relaxed);
                            self.metrics.outage_millis.fetch_add(
                                u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
                                Relaxed,
                            );
                            tracing::info!(chain_id = self.chain_id, seconds = lasted.as_secs(), "the node and the database answer again: indexing goes on");
                        }
                        step
                    }
                    // Following, an outage of any length is waited out; a run to the head stops.
                    Err(error) if !self.config.until_head && error.is_outage() => {
                        let pause = match outage {
                            None => {
                                tracing::warn!(chain_id = self.chain_id, %error, "the node or the database is unreachable: waiting for it, trying again with backoff");
                                self.metrics.in_outage.store(true, Relaxed);
                                self.metrics.outages.fetch_add(1, Relaxed);
                                OUTAGE_FIRST_PAUSE
                            }
                            Some((_, pause)) => {
                                tracing::debug!(chain_id = self.chain_id, %error, "still unreachable");
                                pause
                            }
                        };
                        let since = outage.map_or(attempt, |(since, _)| since);
                        outage = Some((since, pause.saturating_mul(2).min(OUTAGE_MAX_PAUSE)));
                        tokio::select! {
                            () = tokio::time::sleep(pause) => {}
                            _ = shutdown.changed() => {}
                        }
                        continue;
                    }
                    Err(error) => return Err(error),
                };
                match step {
                    Step::CaughtUp => {
                        self.metrics.caught_up.store(true, Relaxed);
                        if self.config.until_head {
                            return Ok(());
                        }
                        tokio::select! {
                            () = tokio::time::sleep(self.config.poll_interval) => {}
                            () = wake.notified() => {}
                            _ = shutdown.changed() => {}
                        }
                    }
                    Step::Retry => tokio::time::sleep(Duration::from_millis(50)).await,
                    _ => {}
                }
            }
        }
        .await;
        if let Some(listener) = listener {
            listener.abort();
        }
        result?;
        Ok(Summary {
            chain_id: self.chain_id,
            indexed: self.checkpoint.block_number,
            events: self.metrics.events.load(Relaxed),
            elapsed: started.elapsed(),
        })
    }

    /// A write transaction, refused ([`emtoken_store::Error::Superseded`]) when another process moved the
    /// ledger's checkpoint since this indexer wrote it: the lead went to another process.
    pub(crate) async fn begin_fenced(&self) -> Result<emtoken_store::Tx> {
        let mut tx = self.store.begin(self.chain_id).await?;
        tx.fence(&self.checkpoint).await?;
        Ok(tx)
    }

    /// Reads again where the index stands (after an outage): the checkpoint from the database, and
    /// nothing fetched before kept.
    async fn resync(&mut self) -> Result<()> {
        let mut tx = self.store.begin(self.chain_id).await?;
        let checkpoint = tx.checkpoint().await?;
        self.unreconciled = tx.unreconciled().await?.into_iter().collect();
        drop(tx);
        if let Some(checkpoint) = checkpoint {
            self.stand_at(checkpoint);
        }
        self.ahead = None;
        self.rescanned = None;
        Ok(())
    }

    /// The header the node announced last, when it is above `block`.
    fn announced_above(&self, block: i64) -> Option<Header> {
        let announced = *self.announced.lock().expect("announced head lock");
        announced.filter(|h| h.number as i64 > block)
    }

    /// The header the node announced last, when it is block `number`'s.
    fn announced_at(&self, number: u64) -> Option<Header> {
        let announced = *self.announced.lock().expect("announced head lock");
        announced.filter(|h| h.number == number)
    }

    /// Forgets the announced header: after a reorganisation, or when the node's answers do not fit it, the
    /// node is asked until it announces again.
    pub(crate) fn forget_any_announced(&self) {
        *self.announced.lock().expect("announced head lock") = None;
    }

    /// One step: check the tip is still canonical, then index the next range. The head is the block the
    /// node announced last when it is above the checkpoint, else the node is asked.
    pub async fn step(&mut self) -> Result<Step> {
        let cp = self.checkpoint.clone();
        let head = match self.announced_above(cp.block_number) {
            Some(announced) => announced.number,
            None => self.node.head().await?,
        };
        self.metrics.head.store(head, Relaxed);
        if head as i64 <= cp.block_number {
            // Nothing new: the tip must still be the node's (a new block's parent is checked instead).
            if cp.block_number >= 0 {
                match self.header(cp.block_number as u64).await? {
                    Some(h) if h.hash.0 == cp.block_hash => {}
                    _ => return Box::pin(self.reorg()).await,
                }
            }
            return Ok(Step::CaughtUp);
        }
        let from = (cp.block_number + 1) as u64;
        let target_final = head.saturating_sub(self.config.confirmations);
        if from > target_final {
            self.ahead = None;
            return Box::pin(self.step_at_head(from, head, target_final)).await;
        }
        Box::pin(self.step_final(from, target_final)).await
    }

    /// Indexes the next batch of final blocks, from `from`, and starts reading the one after it ahead.
    async fn step_final(&mut self, from: u64, target_final: u64) -> Result<Step> {
        let cp = self.checkpoint.clone();
        let max_batch_events = self.config.max_batch_events;
        // The batch read ahead while the last one was written, when it starts here.
        let ready = match self.ahead.take().filter(|a| a.from == from) {
            Some(ahead) => match ahead.join().await {
                Ok(p) if p.to <= target_final => {
                    self.metrics.batches_read_ahead.fetch_add(1, Relaxed);
                    Some(p)
                }
                Ok(_) => None,
                Err(error) => {
                    tracing::debug!(%error, from, "the batch read ahead failed; reading it again");
                    None
                }
            },
            None => None,
        };
        // The first block's header, asked for beside the logs when they are fetched now. Not the one the
        // node announced: a final block is not checked again, and an announcement can be of a block the
        // node has replaced since (asked for at once, it costs no wait).
        let mut first = None;
        let prepared = match ready {
            Some(p) => p,
            None => {
                let to = (from + self.range - 1).min(target_final);
                let (prepared, header) = tokio::join!(
                    prepare(&self.node, from, to, None, max_batch_events),
                    self.node.header(from)
                );
                first = Some(header?);
                match prepared {
                    Ok(p) => p,
                    Err(Error::TooLarge(message)) => {
                        return Ok(self.shrink_range(from, to, &message));
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        // Adapt the range to what the last fetch returned: aim at a quarter of a batch per fetch (small
        // steps keep the node, the indexer and the database busy at once), doubling while answers stay
        // small.
        if let Some(count) = prepared.fetched {
            let (blocks, count) = (prepared.to - prepared.from + 1, count as u64);
            let target = (max_batch_events as u64 / 4).max(1);
            if count > target {
                self.range = (blocks * target / count).max(1);
            } else if count <= target / 2 && blocks == self.range {
                self.range = (self.range * 2).min(self.config.max_range.max(1));
            }
        }
        let Prepared {
            end,
            to,
            decoded,
            rest,
            early,
            ..
        } = prepared;
        tracing::debug!(
            from,
            end,
            events = decoded.len(),
            early = early.is_some(),
            range = self.range,
            "final batch"
        );
        // The next batch is fetched and decoded while this one is written.
        if end < target_final && self.config.read_ahead {
            let (next_to, rest) = if end < to {
                (to, Some(rest))
            } else {
                ((end + self.range).min(target_final), None)
            };
            // The embedded database has one connection: the batch's transaction cannot be opened ahead.
            let store = (!self.store.is_embedded()).then(|| (self.store.clone(), self.chain_id));
            self.ahead = Some(Ahead::spawn(
                self.node.clone(),
                store,
                end + 1,
                next_to,
                rest,
                max_batch_events,
            ));
        }
        // One header when the batch is one block (a follower on a chain final at once).
        let first = match first {
            Some(header) => header,
            None => self.header(from).await?,
        };
        let last = match (end == from, first) {
            (true, first) => first,
            (false, _) => self.header(end).await?,
        };
        let (Some(first), Some(last)) = (first, last) else {
            self.ahead = None;
            self.forget_any_announced();
            return Ok(Step::Retry);
        };
        // The logs and the header are asked for by number: the logs of the first block must be the
        // header's (a reorganisation between the two answers).
        if decoded
            .iter()
            .take_while(|d| d.row.block_number == from as i64)
            .any(|d| d.row.block_hash != first.hash.0)
        {
            self.forget_any_announced();
            self.ahead = None;
            return Ok(Step::Retry);
        }
        if first.parent_hash.0 != cp.block_hash {
            self.ahead = None;
            return Box::pin(self.reorg()).await;
        }
        let new_final = (end as i64).max(cp.final_block);
        let stored =
            Box::pin(self.write_batch(&decoded, &[block_row(&last)], last.hash, new_final, early))
                .await?;
        let Some(stored) = stored else {
            self.ahead = None;
            return Ok(Step::Rescan {
                from: cp.final_block,
            });
        };
        Ok(Step::Indexed {
            from,
            to: end,
            events: stored,
        })
    }

    /// The node refused the logs of `from..=to` as too many: the next ranges take half as many blocks.
    fn shrink_range(&mut self, from: u64, to: u64, message: &str) -> Step {
        let before = self.range;
        self.range = (to - from).div_ceil(2).max(1);
        self.metrics.range_shrinks.fetch_add(1, Relaxed);
        tracing::debug!(%message, before, after = self.range, "eth_getLogs range refused, shrinking");
        Step::Retry
    }

    /// Indexes the blocks above the final block, from `from` to the head, each kept in the window.
    async fn step_at_head(&mut self, from: u64, head: u64, target_final: u64) -> Result<Step> {
        let cp = self.checkpoint.clone();
        let end = (from + self.range - 1).min(head);
        let mut headers = HashMap::new();
        for n in from..=end {
            let header = match self.announced_at(n) {
                Some(announced) => Some(announced),
                None => self.header(n).await?,
            };
            match header {
                Some(h) => headers.insert(n, h),
                None => {
                    self.forget_any_announced();
                    return Ok(Step::Retry);
                }
            };
        }
        if headers[&from].parent_hash.0 != cp.block_hash {
            return Box::pin(self.reorg()).await;
        }
        if (from + 1..=end).any(|n| headers[&n].parent_hash != headers[&(n - 1)].hash) {
            self.forget_any_announced();
            return Ok(Step::Retry);
        }
        let logs = match self.node.logs(from, end).await {
            Ok(logs) => logs,
            Err(Error::TooLarge(message)) => return Ok(self.shrink_range(from, end, &message)),
            Err(e) => return Err(e),
        };
        if logs.iter().any(|l| {
            l.block_number
                .and_then(|n| headers.get(&n))
                .map(|h| Some(h.hash) != l.block_hash)
                .unwrap_or(true)
        }) || logs.iter().any(|l| l.removed)
        {
            self.forget_any_announced();
            return Ok(Step::Retry);
        }
        let known = headers.values().map(|h| (h.number, h.time)).collect();
        let decoded = decode(&self.node, &logs, known).await?;
        let window: Vec<BlockRow> = (from..=end).map(|n| block_row(&headers[&n])).collect();
        let new_final = (end.min(target_final) as i64).max(cp.final_block);
        let stored =
            Box::pin(self.write_batch(&decoded, &window, headers[&end].hash, new_final, None))
                .await?;
        let Some(stored) = stored else {
            return Ok(Step::Rescan {
                from: cp.final_block,
            });
        };
        Ok(Step::Indexed {
            from,
            to: end,
            events: stored,
        })
    }
}

pub(crate) fn block_row(h: &Header) -> BlockRow {
    BlockRow {
        number: h.number as i64,
        hash: h.hash.0,
        parent_hash: h.parent_hash.0,
        time: h.time,
    }
}

#[cfg(test)]
mod tests {
    use super::Statistics;

    #[test]
    fn statistics_are_stale_once_the_events_table_doubled_and_grew_by_5000_events() {
        let stale = |events_then, stored_since| {
            Statistics {
                events_then,
                stored_since,
            }
            .stale()
        };
        assert!(!stale(100_000, 99_999));
        assert!(stale(100_000, 100_000));
        // A small table is analyzed again only after 5,000 more events.
        assert!(!stale(1_000, 4_999));
        assert!(stale(1_000, 5_000));
    }
}
