//! Reconciliation: after each batch that makes blocks final, every wallet whose final balances changed
//! is compared with `balanceOf` / `balanceOnHold` read at the final block's hash.

use std::sync::atomic::Ordering::Relaxed;

use alloy::primitives::{Address, B256};
use emtoken_store::{Addr, Tx};
use futures::{StreamExt, TryStreamExt, stream};
use rust_decimal::Decimal;

use crate::{Error, Indexer, Result, decode::units};

/// A wallet whose indexed final balances differ from the contract's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    pub address: Addr,
    /// (gross, held) in the index.
    pub indexed: (Decimal, Decimal),
    /// (gross, held) on chain.
    pub chain: (Decimal, Decimal),
}

impl Indexer {
    /// Compares the final balances of `touched` (and of wallets whose comparison was put off) in the
    /// open transaction with the chain at `block`. A node without state for that block (no archive: a
    /// backfill far below the head) puts the comparison off to the next final batch it can answer.
    pub(crate) async fn reconcile(
        &mut self,
        tx: &mut Tx,
        touched: &[Addr],
        block: i64,
        hash: B256,
    ) -> Result<Vec<Difference>> {
        self.unreconciled.extend(touched.iter().copied());
        let wallets: Vec<Addr> = self.unreconciled.iter().copied().collect();
        let indexed = tx.final_balances(&wallets).await?;
        let node = &self.node;
        let differences: Result<Vec<Option<Difference>>> = stream::iter(indexed)
            .map(|(address, gross, held)| async move {
                let (chain_gross, chain_held) =
                    node.balances_at(Address::from(address), hash).await?;
                let chain = (units(chain_gross)?, units(chain_held)?);
                Ok::<_, crate::Error>((chain != (gross, held)).then_some(Difference {
                    address,
                    indexed: (gross, held),
                    chain,
                }))
            })
            .buffer_unordered(16)
            .try_collect()
            .await;
        let differences: Vec<Option<Difference>> = match differences {
            Ok(d) => d,
            Err(Error::StateUnavailable { message, .. }) => {
                tracing::debug!(block, %message, pending = wallets.len(), "no state at the final block; reconciliation put off");
                self.metrics.reconciliations_put_off.fetch_add(1, Relaxed);
                return Ok(Vec::new());
            }
            Err(e) => return Err(e),
        };
        self.unreconciled.clear();
        let differences: Vec<Difference> = differences.into_iter().flatten().collect();
        if !differences.is_empty() {
            tracing::warn!(
                block,
                count = differences.len(),
                "reconciliation: wallets differ from the chain"
            );
        }
        Ok(differences)
    }

    /// Stores findings in a transaction of their own (they outlive the rolled-back batch).
    pub(crate) async fn record_findings(
        &self,
        differences: &[Difference],
        block: i64,
        hash: B256,
        persistent: bool,
    ) -> Result<()> {
        let mut tx = self.store.begin(self.chain_id).await?;
        for d in differences {
            tracing::warn!(
                wallet = %Address::from(d.address), block,
                indexed_total = %d.indexed.0, chain_total = %d.chain.0,
                indexed_held = %d.indexed.1, chain_held = %d.chain.1,
                "reconciliation: wallet differs from the chain; rescanning the non-final blocks"
            );
            tx.add_finding(block, hash.0, d.address, d.indexed, d.chain, persistent)
                .await?;
        }
        tx.commit().await?;
        self.metrics
            .findings
            .fetch_add(differences.len() as u64, Relaxed);
        Ok(())
    }
}
