/// What can go wrong while indexing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] emtoken_store::Error),
}

/// The indexer's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
