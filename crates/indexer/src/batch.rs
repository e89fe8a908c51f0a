//! Writing a batch in one transaction, reorganisations, and re-deriving records after a rollback.

use std::{
    collections::{BTreeSet, HashSet},
    sync::atomic::Ordering::Relaxed,
};

use alloy::primitives::B256;
use emtoken_store::{Addr, BlockRow, Checkpoint, Hash, Tx};

use crate::{
    Error, Indexer, Result, Step,
    ahead::Early,
    decode::{Decoded, decode_row},
    indexer::{Statistics, block_row},
    mapping::{Mapper, Writes},
};

impl Indexer {
    /// Writes a batch: its new events and everything they change, the window, the checkpoint and what
    /// became final, in one transaction (`early`: opened ahead with the events inserted). Returns the
    /// number of new events, or None when reconciliation found a difference after the commit and the
    /// batch was rolled back to be indexed again.
    pub(crate) async fn write_batch(
        &mut self,
        decoded: &[Decoded],
        window: &[BlockRow],
        end_hash: B256,
        new_final: i64,
        early: Option<Early>,
    ) -> Result<Option<usize>> {
        let end = window
            .last()
            .map_or(self.checkpoint.block_number, |b| b.number);
        let old_final = self.checkpoint.final_block;
        let started = std::time::Instant::now();
        let (mut tx, inserted) = match early {
            Some(Early { mut tx, new }) => {
                tx.fence(&self.checkpoint).await?;
                (tx, Some(new))
            }
            None => (self.begin_fenced().await?, None),
        };
        let (stored, settled) =
            Box::pin(self.apply_events(&mut tx, decoded, new_final, inserted)).await?;
        // What became final, the window, the checkpoint and the wallets to compare with the chain (they
        // wait in the database until they are: a process stopped after the commit compares them when it
        // starts again), in one statement.
        let touched = tx
            .close_batch(window, end, end_hash.0, old_final, new_final, &settled)
            .await?;
        // The hash of the final block, for the comparison after the commit: the batch's own block of
        // that number, else the stored one (the window keeps the final block). Wallets put off by batches
        // read ahead are compared with the first batch written with none.
        let reconcile_now =
            self.ahead.is_none() && !(touched.is_empty() && self.unreconciled.is_empty());
        let final_hash = if !reconcile_now || new_final == end {
            end_hash
        } else if let Some(block) = window.iter().find(|b| b.number == new_final) {
            B256::from(block.hash)
        } else {
            tx.window()
                .await?
                .into_iter()
                .find(|b| b.number == new_final)
                .map(|b| B256::from(b.hash))
                .ok_or_else(|| {
                    Error::Node(format!("final block {new_final} missing from the window"))
                })?
        };
        tx.commit().await?;
        self.unreconciled.extend(touched);
        self.metrics.batch_written(started.elapsed());
        self.checkpoint = Checkpoint {
            chain_id: self.chain_id,
            block_number: end,
            block_hash: end_hash.0,
            final_block: new_final,
        };
        self.metrics.indexed.store(end, Relaxed);
        self.metrics.final_block.store(new_final, Relaxed);
        self.metrics.events.fetch_add(stored as u64, Relaxed);
        self.metrics.batches.fetch_add(1, Relaxed);
        self.keep_statistics(stored).await;
        // Compared after the commit: the batch is visible without waiting for the chain's balances, which
        // are read only now (read while the batch was written, on a machine the node and the database
        // share, they slowed the write: a 100-transfer block took 25 ms to write instead of 18). While more
        // final blocks are being read ahead, once, after the last of them.
        if reconcile_now {
            let differences = self.reconcile(new_final, final_hash).await?;
            if !differences.is_empty() {
                self.record_findings(
                    &differences,
                    new_final,
                    final_hash,
                    self.rescanned == Some(old_final),
                )
                .await?;
                if self.rescanned != Some(old_final) {
                    // The batch is indexed again from the final block below it.
                    Box::pin(self.rewind_to(old_final)).await?;
                    self.rescanned = Some(old_final);
                    return Ok(None);
                }
            }
        }
        Ok(Some(stored))
    }

    /// Keeps the planner's statistics of the tables close to what they hold, after a batch that stored
    /// `stored` new events: gathered for tables that have none after the first batch that stored events,
    /// then again, beside the batches that follow, each time the events table doubled. A failure costs
    /// only speed: a warning.
    async fn keep_statistics(&mut self, stored: usize) {
        let stored = i64::try_from(stored).unwrap_or(i64::MAX);
        match &mut self.statistics {
            None if stored == 0 => {}
            None => {
                let gathered = match self.store.gather_statistics().await {
                    Ok(tables) => {
                        if !tables.is_empty() {
                            tracing::debug!(
                                ?tables,
                                "gathered the planner's statistics of new tables"
                            );
                        }
                        self.store.event_rows_estimate().await
                    }
                    Err(error) => Err(error),
                };
                let events_then = gathered.unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot gather the planner's statistics (lookups may be slower)");
                    stored
                });
                self.statistics = Some(Statistics {
                    events_then: events_then.max(stored),
                    stored_since: 0,
                });
            }
            Some(statistics) => {
                statistics.stored_since = statistics.stored_since.saturating_add(stored);
                let running = self
                    .statistics_task
                    .as_ref()
                    .is_some_and(|task| !task.is_finished());
                if !statistics.stale() || running {
                    return;
                }
                let (events_then, stored_since) = (statistics.events_then, statistics.stored_since);
                *statistics = Statistics {
                    events_then: events_then.saturating_add(stored_since),
                    stored_since: 0,
                };
                let store = self.store.clone();
                self.statistics_task = Some(tokio::spawn(async move {
                    let started = std::time::Instant::now();
                    match store.refresh_statistics().await {
                        Ok(()) => tracing::debug!(
                            ms = started.elapsed().as_millis() as u64,
                            events_then,
                            stored_since,
                            "gathered the planner's statistics again: the events table doubled"
                        ),
                        Err(error) => tracing::warn!(
                            %error,
                            "cannot gather the planner's statistics again (lookups may be slower)"
                        ),
                    }
                }));
            }
        }
    }

    /// Stores events (unless `inserted` says which of them the transaction already stored as new) and
    /// applies the effects of those that were new. Returns how many were new and the addresses whose final
    /// balances they changed (events at or below `final_block`).
    pub(crate) async fn apply_events(
        &self,
        tx: &mut Tx,
        decoded: &[Decoded],
        final_block: i64,
        inserted: Option<HashSet<(Hash, i64)>>,
    ) -> Result<(usize, Vec<Addr>)> {
        let new = match inserted {
            Some(new) => new,
            None => tx.insert_events(decoded.iter().map(|d| &d.row)).await?,
        };
        // Usually every event is new; only a replay or an overlap leaves some out.
        let filtered: Vec<Decoded>;
        let fresh = if new.len() == decoded.len() {
            decoded
        } else {
            filtered = decoded
                .iter()
                .filter(|d| new.contains(&(d.row.block_hash, d.row.log_index)))
                .cloned()
                .collect();
            &filtered
        };
        if fresh.is_empty() {
            return Ok((0, Vec::new()));
        }
        let keys: Vec<Hash> = fresh
            .iter()
            .filter_map(|d| d.row.record_key)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut mapper = Mapper::new(self.chain_id, final_block);
        if !keys.is_empty() {
            mapper = mapper.with_records(
                tx.holds_by_key(&keys).await?,
                tx.orders_by_key(&keys).await?,
                tx.movements_of_records(&keys).await?,
            );
        }
        let writes = map(mapper, fresh)?;
        tx.see_addresses(&writes.seen).await?;
        let settled = tx.apply_deltas(&writes.deltas, final_block).await?;
        tx.set_compliance(&writes.compliance).await?;
        tx.set_system_roles(&writes.roles).await?;
        tx.upsert_holds(&writes.holds).await?;
        tx.upsert_orders(&writes.orders).await?;
        tx.upsert_movements(&writes.movements).await?;
        Ok((fresh.len(), settled))
    }

    /// Finds the highest stored block the node still has, rolls back everything above it and re-derives
    /// what it touched, in one transaction. Below a final block that is a chain change.
    pub(crate) async fn reorg(&mut self) -> Result<Step> {
        // What was read ahead (and its transaction, with uncommitted events) goes first, and the header
        // last announced, which may be of the blocks replaced.
        self.ahead = None;
        self.forget_any_announced();
        let mut tx = self.begin_fenced().await?;
        let window = tx.window().await?;
        let mut fork = None;
        for block in window.iter().rev() {
            if let Some(h) = self.header(block.number as u64).await?
                && h.hash.0 == block.hash
            {
                fork = Some(block.clone());
                break;
            }
        }
        let final_block = self.checkpoint.final_block;
        let fork = match fork {
            Some(b) if b.number >= final_block => b,
            _ if final_block < 0 && window.is_empty() => BlockRow {
                number: -1,
                hash: [0; 32],
                parent_hash: [0; 32],
                time: chrono::DateTime::UNIX_EPOCH,
            },
            _ => {
                drop(tx);
                if self.config.rewind_to_common_ancestor {
                    let fork = self.rewind().await?;
                    return Ok(Step::Reorg { fork });
                }
                let what = "no block of the window is on the node's chain".to_owned();
                if !self.config.reset_on_chain_change {
                    return Err(Error::DeepReorg {
                        chain_id: self.chain_id,
                        final_block,
                        what,
                    });
                }
                tracing::warn!(chain_id = self.chain_id, %what, "chain changed: wiping its rows and indexing again");
                let mut tx = self.begin_fenced().await?;
                tx.wipe_chain().await?;
                tx.commit().await?;
                Box::pin(self.prepare_again()).await?;
                return Ok(Step::Reorg { fork: -1 });
            }
        };
        let summary = Box::pin(self.rollback_to(&mut tx, fork.number)).await?;
        tx.set_checkpoint(fork.number, fork.hash, final_block)
            .await?;
        tx.commit().await?;
        tracing::warn!(
            fork = fork.number,
            orphaned_from = fork.number + 1,
            events = summary.events,
            dropped_movements = summary.dropped_movements,
            "reorganisation: rolled back orphaned blocks"
        );
        self.checkpoint = Checkpoint {
            chain_id: self.chain_id,
            block_number: fork.number,
            block_hash: fork.hash,
            final_block,
        };
        self.metrics.indexed.store(fork.number, Relaxed);
        self.metrics.reorgs.fetch_add(1, Relaxed);
        Ok(Step::Reorg { fork: fork.number })
    }

    /// Rolls the index back to the highest block it shares with the node, below the final block (after a
    /// reorganisation deeper than the confirmations), in one transaction: the final blocks above it are
    /// made pending again (their balance changes re-derived from their stored events), then rolled back as
    /// a reorganisation would (movements dropped, records re-derived); rows of the platform's requests are
    /// not touched. Returns the block it stands on; indexing goes on from the next.
    pub(crate) async fn rewind(&mut self) -> Result<i64> {
        // What was read ahead (and its transaction, with uncommitted events) goes first.
        self.ahead = None;
        let mut tx = self.begin_fenced().await?;
        let (fork, hash) = self.common_ancestor(&mut tx).await?;
        let final_block = self.checkpoint.final_block;
        let summary = Box::pin(self.rewind_in(tx, fork, hash)).await?;
        tracing::warn!(
            chain_id = self.chain_id,
            common_ancestor = fork,
            old_final_block = final_block,
            events = summary.events,
            dropped_movements = summary.dropped_movements,
            unsettled_movements = summary.unsettled,
            "rewound to the highest block shared with the node; indexing again from the next"
        );
        self.metrics.reorgs.fetch_add(1, Relaxed);
        Ok(fork)
    }

    /// Rolls the index back to the final block `fork` (after a reconciliation difference in the batch that
    /// made the blocks above it final), as [`Indexer::rewind`] does; indexing goes on from the next block.
    pub(crate) async fn rewind_to(&mut self, fork: i64) -> Result<()> {
        self.ahead = None;
        let hash = self.hash_at(fork).await?;
        let tx = self.begin_fenced().await?;
        let final_block = self.checkpoint.final_block;
        let summary = Box::pin(self.rewind_in(tx, fork, hash)).await?;
        tracing::warn!(
            chain_id = self.chain_id,
            from = fork,
            old_final_block = final_block,
            events = summary.events,
            dropped_movements = summary.dropped_movements,
            unsettled_movements = summary.unsettled,
            "reconciliation: indexing the batch again"
        );
        Ok(())
    }

    /// Rolls back to `fork` (hash `hash`) in `tx`: the final blocks above it pending again, then everything
    /// above it removed and re-derived; commits and stands there.
    async fn rewind_in(&mut self, mut tx: Tx, fork: i64, hash: Hash) -> Result<Rewound> {
        let final_block = self.checkpoint.final_block;
        let mut unsettled = 0;
        if fork < final_block {
            let rows = tx.events_in(fork, final_block).await?;
            let decoded = rows.iter().map(decode_row).collect::<Result<Vec<_>>>()?;
            let keys: Vec<Hash> = decoded
                .iter()
                .filter_map(|d| d.row.record_key)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mapper = Mapper::new(self.chain_id, fork).with_records(
                tx.holds_by_key(&keys).await?,
                tx.orders_by_key(&keys).await?,
                tx.movements_of_records(&keys).await?,
            );
            let writes = map(mapper, &decoded)?;
            unsettled = tx.unfinalize(fork, &writes.deltas).await?;
        }
        // The rollback re-derives records as of the new final block.
        self.checkpoint.final_block = fork.min(final_block);
        let summary = Box::pin(self.rollback_to(&mut tx, fork)).await?;
        if fork >= 0 {
            let header = self
                .header(fork as u64)
                .await?
                .ok_or_else(|| Error::Node(format!("block {fork} vanished while rewinding")))?;
            tx.put_blocks(&[block_row(&header)]).await?;
        }
        tx.set_checkpoint(fork, hash, fork.min(final_block)).await?;
        tx.commit().await?;
        self.stand_at(Checkpoint {
            chain_id: self.chain_id,
            block_number: fork,
            block_hash: hash,
            final_block: fork.min(final_block),
        });
        Ok(Rewound {
            events: summary.events,
            dropped_movements: summary.dropped_movements,
            unsettled,
        })
    }

    /// The highest block the index knows (by an event or the window) that the node has with the same
    /// hash, found by bisection: if a block is shared, so are all below it. Without one, the block before
    /// the first indexed one, which the next run re-reads.
    async fn common_ancestor(&self, tx: &mut Tx) -> Result<(i64, Hash)> {
        let shared = |known: Option<(i64, Hash)>| async move {
            Ok::<_, Error>(match known {
                None => true,
                Some((number, hash)) => self
                    .header(number as u64)
                    .await?
                    .is_some_and(|h| h.hash.0 == hash),
            })
        };
        // `low` is shared (or below everything known); `high` is not.
        let (mut low, mut high) = (-1i64, self.checkpoint.block_number + 1);
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if shared(tx.known_block_at_or_below(mid).await?).await? {
                low = mid;
            } else {
                high = mid;
            }
        }
        if let Some(found) = tx.known_block_at_or_below(low).await? {
            return Ok(found);
        }
        let start = tx.chain().await?.map_or(-1, |c| c.from_block - 1).max(-1);
        Ok((start, self.hash_at(start).await?))
    }

    /// The node's hash of block `number` (zeros for -1, the block before the first).
    async fn hash_at(&self, number: i64) -> Result<Hash> {
        if number < 0 {
            return Ok([0; 32]);
        }
        Ok(self
            .header(number as u64)
            .await?
            .ok_or_else(|| Error::Node(format!("the node has no block {number}")))?
            .hash
            .0)
    }

    /// Removes everything above `fork` and re-derives the holds, orders, their movements and the
    /// compliance state and platform roles of wallets that lost events.
    async fn rollback_to(&self, tx: &mut Tx, fork: i64) -> Result<emtoken_store::Rollback> {
        let rollback = tx.rollback_above(fork).await?;
        let rows = tx
            .events_of(
                &rollback.record_keys,
                &rollback.compliance_addresses,
                &rollback.role_addresses,
            )
            .await?;
        let decoded = rows.iter().map(decode_row).collect::<Result<Vec<_>>>()?;
        let mut mapper = Mapper::new(self.chain_id, self.checkpoint.final_block);
        mapper.reset_compliance(&rollback.compliance_addresses);
        mapper.reset_roles(&rollback.role_addresses);
        let mut writes = map(mapper, &decoded)?;
        // A suspense account change names two accounts: only those that lost events are re-derived, the
        // other's stored role is already right (a later event may have given it back).
        writes.roles.retain(|r| r.reset);
        tx.delete_records(&rollback.record_keys).await?;
        tx.upsert_holds(&writes.holds).await?;
        tx.upsert_orders(&writes.orders).await?;
        tx.upsert_movements(&writes.movements).await?;
        tx.set_compliance(&writes.compliance).await?;
        tx.set_system_roles(&writes.roles).await?;
        Ok(rollback)
    }

    async fn prepare_again(&mut self) -> Result<()> {
        let config = self.config.clone();
        let store = self.store.clone();
        let metrics = self.metrics.clone();
        let mut fresh = Self::start(config, store).await?;
        fresh.metrics = metrics;
        *self = fresh;
        Ok(())
    }
}

/// What a rewind undid.
struct Rewound {
    events: u64,
    dropped_movements: u64,
    unsettled: u64,
}

fn map(mut mapper: Mapper, events: &[Decoded]) -> Result<Writes> {
    mapper.apply(events)?;
    Ok(mapper.finish())
}
