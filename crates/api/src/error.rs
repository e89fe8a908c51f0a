/// Errors of setting the API up (serving errors are HTTP answers, see [`crate::Problem`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database.
    #[error(transparent)]
    Store(#[from] emtoken_store::Error),
    /// The chain client.
    #[error(transparent)]
    Sdk(#[from] emtoken_sdk::Error),
    /// Something about the setup is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// The API's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
