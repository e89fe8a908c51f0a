use crate::OpKind;

/// Result of the workload's functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while deploying or generating a workload.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The dev node's accounts or profile could not be read.
    #[error("dev node: {0}")]
    Node(#[from] emtoken_test_utils::Error),
    /// A setup step (deployment, connection, registration, a read) failed.
    #[error("{step} failed: {source}")]
    Setup {
        /// What was being done.
        step: String,
        /// The SDK's error.
        #[source]
        source: Box<emtoken_sdk::Error>,
    },
    /// A generated operation failed (refused, reverted or lost). The workload only sends what its own book
    /// says must pass, so this means the chain and the book disagree (or the node failed).
    #[error("operation {index} ({kind}) of wave {wave} failed: {source}")]
    Operation {
        /// Position of the operation in the generated sequence (0-based).
        index: usize,
        /// The wave it was sent in (0-based).
        wave: usize,
        /// What it was.
        kind: OpKind,
        /// The SDK's error.
        #[source]
        source: Box<emtoken_sdk::Error>,
    },
    /// The configuration cannot be run; the message says what to change.
    #[error("invalid workload configuration: {0}")]
    Config(String),
}

impl Error {
    /// A failed setup step.
    pub(crate) fn setup(step: impl Into<String>) -> impl FnOnce(emtoken_sdk::Error) -> Self {
        let step = step.into();
        move |source| Self::Setup {
            step,
            source: Box::new(source),
        }
    }
}
