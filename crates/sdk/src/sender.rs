use alloy::{
    network::TransactionBuilder,
    primitives::Address,
    providers::{DynProvider, PendingTransactionError, Provider, WatchTxError},
    rpc::types::{BlockId, TransactionReceipt, TransactionRequest},
};
use tokio::sync::Mutex;

use crate::{Error, NetworkProfile, Result, SendSettings};

/// A transaction handed to the node, not yet known to be mined.
#[derive(Debug, Clone)]
pub(crate) struct Submission {
    pub(crate) call: &'static str,
    pub(crate) tx: TransactionRequest,
    pub(crate) tx_hash: alloy::primitives::TxHash,
}

/// Sends transactions from one key and waits for their receipts.
///
/// Many sends may run concurrently: each first asks the node for a gas estimate (so a call the contract
/// refuses fails there with the decoded error and never consumes a nonce), then takes the next nonce under
/// a lock held only while signing and handing the transaction to the node, and re-reads the nonce from the
/// node whenever a send fails. Receipts are awaited with the configured confirmations and timeout; a
/// transaction the node no longer knows after the timeout is reported dropped.
#[derive(Debug)]
pub(crate) struct Sender {
    provider: DynProvider,
    from: Option<Address>,
    chain_id: u64,
    settings: SendSettings,
    next_nonce: Mutex<Option<u64>>,
}

impl Sender {
    pub(crate) fn new(
        provider: DynProvider,
        from: Option<Address>,
        chain_id: u64,
        settings: SendSettings,
    ) -> Self {
        Self {
            provider,
            from,
            chain_id,
            settings,
            next_nonce: Mutex::new(None),
        }
    }

    pub(crate) fn provider(&self) -> &DynProvider {
        &self.provider
    }

    pub(crate) fn from(&self) -> Option<Address> {
        self.from
    }

    pub(crate) fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Sends a transaction and waits for its receipt: [`Sender::submit`], then [`Sender::receipt`].
    pub(crate) async fn send(
        &self,
        call: &'static str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt> {
        let submitted = self.submit(call, tx).await?;
        self.receipt(submitted).await
    }

    /// Hands a transaction to the node without waiting for it to be mined: the node's gas estimate
    /// first (a refused call fails here with the decoded contract error, consuming no nonce), then the
    /// next nonce under the lock.
    pub(crate) async fn submit(
        &self,
        call: &'static str,
        tx: TransactionRequest,
    ) -> Result<Submission> {
        let from = self.from.ok_or_else(|| {
            Error::Invalid(format!(
                "{call} needs a signer: build the client with a key"
            ))
        })?;
        let mut tx = tx.with_from(from).with_chain_id(self.chain_id);
        match self.settings.profile {
            NetworkProfile::Besu => tx.set_gas_price(0),
            NetworkProfile::Anvil => {
                let fees = self
                    .provider
                    .estimate_eip1559_fees()
                    .await
                    .map_err(|source| Error::Rpc {
                        call: "eth_feeHistory",
                        source,
                    })?;
                tx.set_max_fee_per_gas(fees.max_fee_per_gas);
                tx.set_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
            }
        }
        let estimate = self
            .provider
            .estimate_gas(tx.clone())
            .await
            .map_err(|e| Error::from_rpc(call, e))?;
        tx.set_gas_limit(estimate + estimate * self.settings.gas_margin_percent / 100);

        let pending = {
            let mut next = self.next_nonce.lock().await;
            let nonce = match *next {
                Some(nonce) => nonce,
                None => self
                    .provider
                    .get_transaction_count(from)
                    .pending()
                    .await
                    .map_err(|source| Error::Rpc {
                        call: "eth_getTransactionCount",
                        source,
                    })?,
            };
            tx.set_nonce(nonce);
            match self.provider.send_transaction(tx.clone()).await {
                Ok(pending) => {
                    *next = Some(nonce + 1);
                    pending
                }
                Err(e) => {
                    // The node disagrees about the nonce or refused the transaction: re-read next time.
                    *next = None;
                    return Err(Error::from_rpc(call, e));
                }
            }
        };
        Ok(Submission {
            call,
            tx,
            tx_hash: *pending.tx_hash(),
        })
    }

    /// Waits for the receipt of a submitted transaction with the configured confirmations and timeout;
    /// a failed transaction is replayed on its block's state to recover the contract's reason.
    pub(crate) async fn receipt(&self, submission: Submission) -> Result<TransactionReceipt> {
        let Submission { call, tx, tx_hash } = submission;
        let pending =
            alloy::providers::PendingTransactionBuilder::new(self.provider.root().clone(), tx_hash);
        let timeout = self.settings.receipt_timeout;
        let receipt = match pending
            .with_required_confirmations(self.settings.confirmations + 1)
            .with_timeout(Some(timeout))
            .get_receipt()
            .await
        {
            Ok(receipt) => receipt,
            Err(PendingTransactionError::TxWatcher(WatchTxError::Timeout)) => {
                let known = self
                    .provider
                    .get_transaction_by_hash(tx_hash)
                    .await
                    .map_err(|source| Error::Rpc {
                        call: "eth_getTransactionByHash",
                        source,
                    })?;
                let timeout_secs = timeout.as_secs();
                return Err(match known {
                    None => Error::Dropped {
                        call,
                        tx_hash,
                        timeout_secs,
                    },
                    Some(_) => Error::ReceiptTimeout {
                        call,
                        tx_hash,
                        timeout_secs,
                    },
                });
            }
            Err(PendingTransactionError::TransportError(source)) => {
                return Err(Error::Rpc { call, source });
            }
            Err(other) => {
                return Err(Error::Invalid(format!(
                    "waiting for the receipt of {tx_hash} ({call}) failed: {other}"
                )));
            }
        };
        if !receipt.status() {
            // Replay on the state its block left: the transaction changed nothing, and what made it fail
            // (usually an earlier transaction of the same block) is in that state.
            let block = receipt.block_number.unwrap_or_default();
            let error = match self.provider.call(tx).block(BlockId::number(block)).await {
                Err(e) => Error::from_rpc(call, e).revert().cloned(),
                Ok(_) => None,
            };
            return Err(Error::Reverted {
                call,
                tx_hash,
                error,
            });
        }
        Ok(receipt)
    }
}
