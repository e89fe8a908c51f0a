//! What became of a transaction that was signed and maybe sent, read from the node: for a service that
//! recorded the transaction before sending it and must settle it after a crash without sending twice.

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
};

use crate::{EmTokenClient, Error, Result};

/// Where a recorded transaction stands on the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxFate {
    /// Mined: `succeeded` is false when it reverted.
    Mined {
        /// Its receipt's status.
        succeeded: bool,
    },
    /// The node has it, not mined yet.
    Pending,
    /// The node does not know it and its signer's nonce was used by another transaction: it never
    /// reached the chain and never will.
    Replaced,
    /// The node does not know it and its nonce is still free: sending its signed bytes again
    /// ([`EmTokenClient::resend`]) is safe (the same transaction can be mined at most once).
    Unknown,
}

impl EmTokenClient {
    /// What became of transaction `hash`, signed by `from` with `nonce`: its receipt, else whether the
    /// node has it, else whether its nonce was taken (by the latest block).
    pub async fn fate(&self, hash: B256, from: Address, nonce: u64) -> Result<TxFate> {
        let provider = self.provider();
        if let Some(receipt) = provider
            .get_transaction_receipt(hash)
            .await
            .map_err(|e| Error::from_rpc("eth_getTransactionReceipt", e))?
        {
            return Ok(TxFate::Mined {
                succeeded: receipt.status(),
            });
        }
        if provider
            .get_transaction_by_hash(hash)
            .await
            .map_err(|e| Error::from_rpc("eth_getTransactionByHash", e))?
            .is_some()
        {
            return Ok(TxFate::Pending);
        }
        let mined_nonce = provider
            .get_transaction_count(from)
            .latest()
            .await
            .map_err(|e| Error::from_rpc("eth_getTransactionCount", e))?;
        Ok(if mined_nonce > nonce {
            TxFate::Replaced
        } else {
            TxFate::Unknown
        })
    }

    /// Hands signed bytes (a [`crate::SignedTx`]'s `raw`) to the node again; returns its hash.
    pub async fn resend(&self, raw: &[u8]) -> Result<B256> {
        let pending = self
            .provider()
            .send_raw_transaction(raw)
            .await
            .map_err(|e| Error::from_rpc("eth_sendRawTransaction", e))?;
        Ok(*pending.tx_hash())
    }
}
