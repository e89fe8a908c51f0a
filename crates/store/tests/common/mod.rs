//! What the store's tests share.

use emtoken_store::ChainRow;

/// A test chain `chain_id` whose blocks are final after `confirmations` more.
pub(crate) fn chain(chain_id: i64, confirmations: i64) -> ChainRow {
    ChainRow {
        chain_id,
        genesis_hash: [0; 32],
        contract: [9; 20],
        from_block: 0,
        decimals: 2,
        confirmations,
        network: "test".to_owned(),
        evm_chain_id: None,
    }
}
