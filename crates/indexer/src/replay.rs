//! Replaying final blocks: their logs are fetched again and go through the same path as new blocks, so
//! events the index already has change nothing and only missing ones (a damaged database) are applied.

use std::collections::HashMap;

use crate::{Error, Indexer, Result};

impl Indexer {
    /// Fetches the contract's logs of the final blocks `from..=to` again and stores the events the index
    /// lacks, with their effects, one transaction per range. Returns how many were missing (0 when the
    /// index is whole: replaying is a no-op).
    pub async fn replay(&mut self, from: u64, to: u64) -> Result<usize> {
        let final_block = self.checkpoint.final_block;
        if to as i64 > final_block || from > to {
            return Err(Error::Config(format!(
                "replay {from}..={to}: only final blocks can be replayed (final block: {final_block})"
            )));
        }
        let mut added = 0;
        let mut start = from;
        let mut range = self.config.initial_range.max(1);
        while start <= to {
            let end = (start + range - 1).min(to);
            let logs = match self.node.logs(start, end).await {
                Ok(logs) => logs,
                Err(Error::TooLarge(_)) => {
                    range = (end - start).div_ceil(2).max(1);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let decoded = crate::ahead::decode(&self.node, &logs, HashMap::new()).await?;
            let mut tx = self.begin_fenced().await?;
            let (new, _) = self
                .apply_events(&mut tx, &decoded, final_block, None)
                .await?;
            if new > 0 {
                // Missing events of final blocks: their balance changes were final at once; their
                // movements settle here.
                tx.finalize(start as i64 - 1, end as i64).await?;
            }
            tx.commit().await?;
            added += new;
            start = end + 1;
        }
        Ok(added)
    }
}
