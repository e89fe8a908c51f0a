//! EIP-1559 fees shared by the concurrent sends of one client.

use std::time::{Duration, Instant};

use alloy::{
    eips::eip1559::Eip1559Estimation,
    providers::{DynProvider, Provider},
};
use tokio::sync::Mutex;

use crate::{Error, Result};

/// How long a fee estimate is reused: about a block on fast chains, so a base fee that rises block after
/// block is re-read in time (the estimate's max fee is twice the base fee plus the tip: it covers several
/// full blocks of rises anyway).
const FEE_TTL: Duration = Duration::from_secs(1);

/// The node's EIP-1559 fee estimate (`eth_feeHistory`), read at most once per [`FEE_TTL`] whatever the
/// number of sends in flight: the first send after expiry reads it while the others wait for its answer.
#[derive(Debug, Default)]
pub(crate) struct FeeCache {
    last: Mutex<Option<(Eip1559Estimation, Instant)>>,
}

impl FeeCache {
    /// The cached estimate, or a fresh one when it is older than [`FEE_TTL`] or was forgotten; `true`
    /// when it was read by this call.
    pub(crate) async fn get(&self, provider: &DynProvider) -> Result<(Eip1559Estimation, bool)> {
        let mut last = self.last.lock().await;
        if let Some((fees, read_at)) = *last
            && read_at.elapsed() < FEE_TTL
        {
            return Ok((fees, false));
        }
        let read_at = Instant::now();
        let fees = provider
            .estimate_eip1559_fees()
            .await
            .map_err(|source| Error::Rpc {
                call: "eth_feeHistory",
                source,
            })?;
        *last = Some((fees, read_at));
        Ok((fees, true))
    }

    /// Drops the cached estimate (the node refused a transaction: its fees may be too low now).
    pub(crate) async fn forget(&self) {
        *self.last.lock().await = None;
    }
}
