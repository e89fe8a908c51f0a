use std::sync::{Mutex as SyncMutex, PoisonError};

use alloy::{
    network::TransactionBuilder,
    primitives::Address,
    providers::{DynProvider, Provider},
    rpc::types::{BlockId, TransactionReceipt, TransactionRequest},
};
use tokio::sync::Mutex;

use crate::{
    Error, NetworkProfile, Preflight, Result, SendSettings, fees::FeeCache, receipts::Receipts,
};

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
/// node whenever a send fails. EIP-1559 fees are read once for all the sends of about a block
/// ([`FeeCache`]). Receipts are awaited with the configured confirmations and timeout through one watcher
/// for all the sends ([`Receipts`]); a transaction the node no longer knows after the timeout is reported
/// dropped.
#[derive(Debug)]
pub(crate) struct Sender {
    provider: DynProvider,
    from: Option<Address>,
    chain_id: u64,
    settings: SendSettings,
    next_nonce: Mutex<Option<u64>>,
    fees: FeeCache,
    /// Started by the first receipt awaited.
    receipts: SyncMutex<Option<Receipts>>,
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
            fees: FeeCache::default(),
            receipts: SyncMutex::new(None),
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
        // Fees read up to a second ago, shared with the other sends: if the node refuses the transaction,
        // it is sent once more with fresh ones (the base fee may have jumped meanwhile).
        let cached_fees = match self.settings.profile {
            NetworkProfile::Besu => {
                tx.set_gas_price(0);
                false
            }
            NetworkProfile::Anvil => self.set_fees(&mut tx).await?,
        };
        let state = match self.settings.preflight {
            Preflight::Pending => BlockId::pending(),
            Preflight::Latest => BlockId::latest(),
        };
        let estimate = self
            .provider
            .estimate_gas(tx.clone())
            .block(state)
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
            let mut sent = self.provider.send_transaction(tx.clone()).await;
            if cached_fees && sent.as_ref().is_err_and(|e| e.as_error_resp().is_some()) {
                // Refused by the node (not lost on the way): nothing took the nonce.
                self.fees.forget().await;
                self.set_fees(&mut tx).await?;
                sent = self.provider.send_transaction(tx.clone()).await;
            }
            match sent {
                Ok(pending) => {
                    *next = Some(nonce + 1);
                    pending
                }
                Err(e) => {
                    // The node disagrees about the nonce or refused the transaction (its fees too?):
                    // re-read both next time.
                    *next = None;
                    self.fees.forget().await;
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

    /// Sets the EIP-1559 fees of `tx` from the cache; `true` when they were cached, not read for it.
    async fn set_fees(&self, tx: &mut TransactionRequest) -> Result<bool> {
        let (fees, fresh) = self.fees.get(&self.provider).await?;
        tx.set_max_fee_per_gas(fees.max_fee_per_gas);
        tx.set_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        Ok(!fresh)
    }

    /// Waits for the receipt of a submitted transaction with the configured confirmations and timeout;
    /// a failed transaction is replayed on its block's state to recover the contract's reason.
    pub(crate) async fn receipt(&self, submission: Submission) -> Result<TransactionReceipt> {
        let Submission { call, tx, tx_hash } = submission;
        let timeout = self.settings.receipt_timeout;
        let answer = {
            let mut receipts = self.receipts.lock().unwrap_or_else(PoisonError::into_inner);
            if receipts.as_ref().is_some_and(Receipts::stopped) {
                // Its runtime was shut down: this call runs on another one.
                *receipts = None;
            }
            receipts
                .get_or_insert_with(|| Receipts::spawn(self.provider.clone()))
                .watch(tx_hash, self.settings.confirmations)
        };
        let receipt = match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(Ok(receipt))) => receipt,
            Ok(Ok(Err(source))) => return Err(Error::Rpc { call, source }),
            Ok(Err(_)) => {
                return Err(Error::Invalid(format!(
                    "waiting for the receipt of {tx_hash} ({call}) failed: the receipt watcher stopped"
                )));
            }
            Err(_) => {
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
