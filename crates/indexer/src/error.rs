/// What can go wrong while indexing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] emtoken_store::Error),
    /// A node call failed for good (after retries, or refused outright).
    #[error("rpc {call}: {message}")]
    Rpc {
        /// The JSON-RPC method or contract call.
        call: String,
        /// What the node said.
        message: String,
    },
    /// The node did not answer for good after its retries (down, unreachable, overloaded): a following
    /// indexer waits for it ([`Error::is_outage`]).
    #[error("rpc {call}: the node does not answer: {message}")]
    Unreachable {
        /// The JSON-RPC method or contract call.
        call: String,
        /// The last failure.
        message: String,
    },
    /// The node refused a request's size (block range or result count); the caller asks for less.
    #[error("the node refuses the request size: {0}")]
    TooLarge(String),
    /// The node has no state for that block (not an archive node): what needs it is put off.
    #[error("the node has no state for block {block}: {message}")]
    StateUnavailable {
        /// The block hash asked for.
        block: String,
        /// What the node said.
        message: String,
    },
    /// The node answered something the indexer cannot use.
    #[error("unexpected answer from the node: {0}")]
    Node(String),
    /// The contract emitted a number this indexer does not know (a contract newer than the indexer).
    #[error("the contract emitted what this indexer does not know ({0}): upgrade the indexer")]
    Vocabulary(#[from] emtoken_types::Unknown),
    /// The configuration is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The chain is not the one the database indexed: another genesis block (a restarted devnet, another
    /// network) or another contract at the address.
    #[error(
        "chain {chain_id} changed under the index: {what}. Run with --reset-on-chain-change to wipe this \
         chain's rows and index it again, or point --database-url at another database"
    )]
    ChainChanged {
        /// The chain id.
        chain_id: i64,
        /// What differs.
        what: String,
    },
    /// The node replaced blocks the index holds as final: a reorganisation deeper than the confirmations
    /// (or a node that lost its newest blocks). The index can roll back to the highest block it shares
    /// with the node and go on from there.
    #[error(
        "chain {chain_id}: a reorganisation replaced blocks at or below the final block {final_block}, \
         deeper than the confirmations the index waits for ({what}). Run `emtoken index \
         --rewind-to-common-ancestor` to roll back to the highest block the index shares with the node and \
         index again from there (the platform's requests are kept), or --reset-on-chain-change to wipe this \
         chain's rows"
    )]
    DeepReorg {
        /// The chain id (the ledger).
        chain_id: i64,
        /// The index's final block.
        final_block: i64,
        /// What differs.
        what: String,
    },
}

impl Error {
    /// Whether this is an outage of the node or the database (it answers nothing, or the connection
    /// broke) rather than something it said: a following indexer waits and goes on once it answers.
    pub fn is_outage(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Store(emtoken_store::Error::Database(error)) => match error {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                // Connection exceptions (08…) and the server shutting down or starting (57P01–57P03).
                sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
                _ => false,
            },
            _ => false,
        }
    }
}

/// The indexer's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
