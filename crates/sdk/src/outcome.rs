use alloy::{
    primitives::{Address, B256, TxHash},
    rpc::types::TransactionReceipt,
    sol_types::SolEventInterface,
};
use emtoken_bindings::EmToken::EmTokenEvents;

/// An EmToken event of a transaction, decoded, with where it sits in its block.
#[derive(Debug, Clone)]
pub struct EmTokenEvent {
    /// Index of the log in its block.
    pub log_index: u64,
    /// The decoded event.
    pub event: EmTokenEvents,
}

/// A mined, successful transaction and the EmToken events it emitted.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    /// The transaction.
    pub tx_hash: TxHash,
    /// Its block.
    pub block_number: u64,
    /// Its block's hash.
    pub block_hash: B256,
    /// Gas it used.
    pub gas_used: u64,
    /// The events of the EmToken contract it emitted, in order.
    pub events: Vec<EmTokenEvent>,
}

impl TxOutcome {
    /// Decodes the receipt's logs emitted by `contract`.
    pub(crate) fn from_receipt(receipt: &TransactionReceipt, contract: Address) -> Self {
        let events = receipt
            .inner
            .logs()
            .iter()
            .filter(|log| log.address() == contract)
            .filter_map(|log| {
                let event = EmTokenEvents::decode_log(&log.inner).ok()?.data;
                Some(EmTokenEvent {
                    log_index: log.log_index.unwrap_or_default(),
                    event,
                })
            })
            .collect();
        Self {
            tx_hash: receipt.transaction_hash,
            block_number: receipt.block_number.unwrap_or_default(),
            block_hash: receipt.block_hash.unwrap_or_default(),
            gas_used: receipt.gas_used,
            events,
        }
    }

    /// The decoded events alone.
    pub fn events(&self) -> impl Iterator<Item = &EmTokenEvents> {
        self.events.iter().map(|e| &e.event)
    }
}

/// A record the transaction created (hold, order, payout, operator transfer): its key and the outcome.
#[derive(Debug, Clone)]
pub struct Created {
    /// The record key, `keccak256(abi.encode(issuer, operationId))`.
    pub id: B256,
    /// The transaction.
    pub outcome: TxOutcome,
}
