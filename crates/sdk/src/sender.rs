use std::{
    sync::{Mutex as SyncMutex, PoisonError},
    time::Duration,
};

use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, Bytes, TxHash},
    providers::{DynProvider, Provider},
    rpc::types::{BlockId, TransactionReceipt, TransactionRequest},
};
use tokio::sync::Mutex;

use crate::{
    Error, NetworkProfile, Preflight, Result, SendSettings, fees::FeeCache, preflight::Preflights,
    receipts::Receipts,
};

/// How many times a send reads the nonce again when its recorder says another sender of the key holds it.
const NONCE_TAKEN_TRIES: u64 = 5;

/// A transaction handed to the node, not yet known to be mined.
#[derive(Debug, Clone)]
pub(crate) struct Submission {
    pub(crate) call: &'static str,
    pub(crate) tx: TransactionRequest,
    pub(crate) tx_hash: alloy::primitives::TxHash,
}

/// A transaction signed and about to be handed to the node: what a service records before the node has
/// it, so that after a crash it can tell from the chain whether it was sent (see
/// [`crate::EmTokenClient::submit_recorded`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// The call's name (for messages).
    pub call: &'static str,
    /// The transaction's hash.
    pub hash: TxHash,
    /// The signer.
    pub from: Address,
    /// Its nonce.
    pub nonce: u64,
    /// The signed transaction as the node takes it (`eth_sendRawTransaction`): sending it again can
    /// never move money twice.
    pub raw: Bytes,
}

/// Sends transactions from one key and waits for their receipts.
///
/// Many sends may run concurrently: each is first checked by the node and given its gas limit
/// ([`Preflights`] on the pending state, or an estimate on the latest block), so a call the contract
/// refuses fails there with the decoded error and never consumes a nonce; then it takes the next nonce under
/// a lock held only while signing and handing the transaction to the node, and re-reads the nonce from the
/// node whenever a send fails. EIP-1559 fees are read once for all the sends of about a block
/// ([`FeeCache`]). Receipts are awaited with the configured confirmations and timeout through one watcher
/// for all the sends ([`Receipts`]); a transaction the node no longer knows after the timeout is reported
/// dropped.
#[derive(Debug)]
pub(crate) struct Sender {
    provider: DynProvider,
    wallet: Option<EthereumWallet>,
    from: Option<Address>,
    chain_id: u64,
    settings: SendSettings,
    next_nonce: Mutex<Option<u64>>,
    fees: FeeCache,
    /// The pending-state checks, many sends to one node call.
    preflights: Preflights,
    /// Started by the first receipt awaited.
    receipts: SyncMutex<Option<Receipts>>,
}

/// Why a signed transaction did not reach the node.
enum SendError {
    /// The recorder refused it: never sent.
    Record(Error),
    /// The node refused it, or the connection failed.
    Node(alloy::transports::TransportError),
}

impl Sender {
    pub(crate) fn new(
        provider: DynProvider,
        wallet: Option<EthereumWallet>,
        chain_id: u64,
        settings: SendSettings,
    ) -> Self {
        let from = wallet.as_ref().map(|w| {
            alloy::network::NetworkWallet::<alloy::network::Ethereum>::default_signer_address(w)
        });
        Self {
            provider,
            wallet,
            from,
            chain_id,
            settings,
            next_nonce: Mutex::new(None),
            fees: FeeCache::default(),
            preflights: Preflights::default(),
            receipts: SyncMutex::new(None),
        }
    }

    pub(crate) fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// A sender on another node (another chain), signing with the same key and settings, in a nonce
    /// order of its own.
    pub(crate) fn elsewhere(&self, provider: DynProvider, chain_id: u64) -> Self {
        Self::new(provider, self.wallet.clone(), chain_id, self.settings)
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

    /// Whether the contract would take `tx` from this signer now (the node's gas estimate against the
    /// state the preflight names, on its own): Ok, or the decoded error. Sends nothing.
    pub(crate) async fn check(&self, call: &'static str, tx: TransactionRequest) -> Result<()> {
        let Some(from) = self.from else {
            return Err(Error::Invalid(format!(
                "{call} needs a signer: build the client with a key"
            )));
        };
        let state = match self.settings.preflight {
            Preflight::Pending => BlockId::pending(),
            Preflight::Latest => BlockId::latest(),
        };
        self.provider
            .estimate_gas(tx.with_from(from).with_chain_id(self.chain_id))
            .block(state)
            .await
            .map_err(|e| Error::from_rpc(call, e))?;
        Ok(())
    }

    /// Hands a transaction to the node without waiting for it to be mined: the node's gas estimate
    /// first (a refused call fails here with the decoded contract error, consuming no nonce), then the
    /// next nonce under the lock.
    pub(crate) async fn submit(
        &self,
        call: &'static str,
        tx: TransactionRequest,
    ) -> Result<Submission> {
        self.submit_recorded(call, tx, |_| async { Ok(()) }).await
    }

    /// As [`Sender::submit`], and `record` is given each signed transaction before the node has it: if
    /// it fails, nothing is sent (and the nonce stays free). It may be called twice for one submission
    /// (same nonce, new fees) when the node refused the first with fees read up to a second before, and
    /// again with a nonce read from the node when it answers `Error::NonceTaken`.
    pub(crate) async fn submit_recorded<F, Fut>(
        &self,
        call: &'static str,
        tx: TransactionRequest,
        record: F,
    ) -> Result<Submission>
    where
        F: Fn(SignedTx) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let (Some(from), Some(wallet)) = (self.from, self.wallet.as_ref()) else {
            return Err(Error::Invalid(format!(
                "{call} needs a signer: build the client with a key"
            )));
        };
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
        let margin = self.settings.gas_margin_percent;
        let gas_limit = match self.settings.preflight {
            Preflight::Pending => {
                self.preflights
                    .gas_limit(&self.provider, call, &tx, margin)
                    .await?
            }
            Preflight::Latest => {
                let estimate = self
                    .provider
                    .estimate_gas(tx.clone())
                    .block(BlockId::latest())
                    .await
                    .map_err(|e| Error::from_rpc(call, e))?;
                estimate + estimate * margin / 100
            }
        };
        tx.set_gas_limit(gas_limit);

        let tx_hash = {
            let mut next = self.next_nonce.lock().await;
            let mut taken = 0u64;
            loop {
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
                let mut sent = self.sign_record_send(call, &tx, wallet, &record).await;
                if cached_fees
                    && sent.as_ref().is_err_and(
                        |e| matches!(e, SendError::Node(e) if e.as_error_resp().is_some()),
                    )
                {
                    // Refused by the node (not lost on the way): nothing took the nonce.
                    self.fees.forget().await;
                    self.set_fees(&mut tx).await?;
                    sent = self.sign_record_send(call, &tx, wallet, &record).await;
                }
                match sent {
                    Ok(hash) => {
                        *next = Some(nonce + 1);
                        break hash;
                    }
                    // Another sender of this key holds the nonce (the recorder says so): read the next one
                    // from the node again, once that sender's transaction may have reached it.
                    Err(SendError::Record(Error::NonceTaken { .. }))
                        if taken < NONCE_TAKEN_TRIES =>
                    {
                        taken += 1;
                        *next = None;
                        tokio::time::sleep(Duration::from_millis(25 * taken)).await;
                    }
                    Err(SendError::Record(e @ Error::NonceTaken { .. })) => {
                        *next = None;
                        return Err(e);
                    }
                    // Not recorded, so not sent: the nonce is still free.
                    Err(SendError::Record(e)) => return Err(e),
                    Err(SendError::Node(e)) => {
                        // The node disagrees about the nonce or refused the transaction (its fees too?):
                        // re-read both next time.
                        *next = None;
                        self.fees.forget().await;
                        return Err(Error::from_rpc(call, e));
                    }
                }
            }
        };
        Ok(Submission { call, tx, tx_hash })
    }

    /// Signs `tx` (all fields set), gives it to `record`, then to the node.
    async fn sign_record_send<F, Fut>(
        &self,
        call: &'static str,
        tx: &TransactionRequest,
        wallet: &EthereumWallet,
        record: &F,
    ) -> std::result::Result<TxHash, SendError>
    where
        F: Fn(SignedTx) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let envelope =
            tx.clone().build(wallet).await.map_err(|e| {
                SendError::Record(Error::Invalid(format!("cannot sign {call}: {e}")))
            })?;
        let raw = Bytes::from(envelope.encoded_2718());
        let hash = *envelope.tx_hash();
        let signed = SignedTx {
            call,
            hash,
            from: tx.from.unwrap_or_default(),
            nonce: tx.nonce.unwrap_or_default(),
            raw: raw.clone(),
        };
        record(signed).await.map_err(SendError::Record)?;
        self.provider
            .send_raw_transaction(&raw)
            .await
            .map(|pending| *pending.tx_hash())
            .map_err(SendError::Node)
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
