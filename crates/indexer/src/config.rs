//! What an indexer run is told.

use std::time::Duration;

use alloy::primitives::Address;

use crate::RetryPolicy;

/// Settings of an indexer run (the `emtoken index` flags).
#[derive(Debug, Clone)]
pub struct Config {
    /// HTTP JSON-RPC endpoint of the node.
    pub rpc_url: String,
    /// Optional WebSocket endpoint: its newHeads only wake the poller early.
    pub ws_url: Option<String>,
    /// The EmToken contract.
    pub contract: Address,
    /// First block to index on a fresh database (default: the contract's deployment block).
    pub from_block: Option<u64>,
    /// Blocks needed on top of a block before it is final (0: final at once, Besu QBFT/IBFT).
    pub confirmations: u64,
    /// How often to ask for the head when following it.
    pub poll_interval: Duration,
    /// Stop once caught up with the head.
    pub until_head: bool,
    /// On a chain change, wipe the chain's rows and index again instead of stopping.
    pub reset_on_chain_change: bool,
    /// On a reorganisation deeper than the confirmations, roll back to the highest block the index shares
    /// with the node and index again from there instead of stopping ([`crate::Error::DeepReorg`]).
    pub rewind_to_common_ancestor: bool,
    /// First eth_getLogs range, in blocks.
    pub initial_range: u64,
    /// Largest eth_getLogs range.
    pub max_range: u64,
    /// Most events written in one transaction while backfilling: a fetched range with more is written
    /// in several, cut at block boundaries (a single block with more is written whole).
    pub max_batch_events: usize,
    /// While a batch of final blocks is written, fetch and decode the next one (and, on a database with
    /// more than one connection, open its transaction and insert its events) (default true; false writes
    /// one batch after the other, each fetched when the one before it is committed).
    pub read_ahead: bool,
    /// Retries of node calls.
    pub retry: RetryPolicy,
    /// Name of the network shown as `dltNetwork` (default: "chain-<id>").
    pub network: Option<String>,
    /// A further token on a chain whose first token is indexed under the chain's id: this one is indexed
    /// under its own ledger id (`emtoken_store::ids::ledger_id`), with its own checkpoint, finality,
    /// reorganisation window and reconciliation (default false: the chain's first token).
    pub secondary: bool,
    /// The chain the node must be on (a token registered on that chain, indexed through its node):
    /// another answer stops the start with [`crate::Error::Config`]. None: whatever the node's.
    pub expected_chain_id: Option<u64>,
}

impl Config {
    /// Defaults for a node and contract: 250 ms polls, 0 confirmations, ranges from 10 up to 50,000 blocks,
    /// batches of at most 20,000 events.
    pub fn new(rpc_url: impl Into<String>, contract: Address) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            ws_url: None,
            contract,
            from_block: None,
            confirmations: 0,
            poll_interval: Duration::from_millis(250),
            until_head: false,
            reset_on_chain_change: false,
            rewind_to_common_ancestor: false,
            initial_range: 10,
            max_range: 50_000,
            max_batch_events: 20_000,
            read_ahead: true,
            retry: RetryPolicy::default(),
            network: None,
            secondary: false,
            expected_chain_id: None,
        }
    }
}
