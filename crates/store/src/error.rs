/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused a statement or the connection failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The embedded migrations could not be applied.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The embedded PostgreSQL could not be started.
    #[error("embedded postgresql in {dir}: {message}")]
    Embedded {
        /// Its data folder.
        dir: String,
        /// What failed.
        message: String,
    },
    /// A write conflicts with what is stored (e.g. a client name taken with another role).
    #[error("{0}")]
    Conflict(String),
    /// Another request in flight holds this signer's nonce (another process sends with the same key).
    #[error("nonce {nonce} of the signer is held by another request in flight")]
    NonceTaken {
        /// The nonce.
        nonce: u64,
    },
    /// A stored value does not fit what the indexer expects.
    #[error("invalid stored value: {0}")]
    Invalid(String),
    /// Another process wrote the ledger's index since this indexer last did (it took the lead over):
    /// this one must stop.
    #[error(
        "another process indexes ledger {chain_id}: its checkpoint is at {found:?}, this indexer left it at {expected}"
    )]
    Superseded {
        /// The ledger.
        chain_id: i64,
        /// Where this indexer left the checkpoint.
        expected: i64,
        /// Where it stands now.
        found: Option<i64>,
    },
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
