use alloy::{
    primitives::{Bytes, TxHash},
    transports::{RpcError, TransportErrorKind},
};

use crate::amount::AmountError;

/// A custom error of the EmToken contract (its own, and OpenZeppelin's it can raise), decoded with its
/// arguments.
pub type EmTokenError = emtoken_bindings::EmToken::EmTokenErrors;

/// Everything the SDK can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The contract refused the call: its custom error, decoded with its arguments.
    #[error("emtoken reverted {call}: {error:?}")]
    Revert {
        /// The contract function that was called.
        call: &'static str,
        /// The decoded custom error.
        error: EmTokenError,
    },
    /// The call reverted with data that is not an EmToken error (another contract, a panic, a string).
    #[error("{call} reverted with undecoded data {data}")]
    RevertData {
        /// The contract function that was called.
        call: &'static str,
        /// The raw revert data.
        data: Bytes,
    },
    /// A mined transaction failed; `error` is the contract's reason when replaying it recovers one.
    #[error("transaction {tx_hash} ({call}) was mined but reverted{}", error.as_ref().map(|e| format!(": {e:?}")).unwrap_or_default())]
    Reverted {
        /// The contract function that was called.
        call: &'static str,
        /// The transaction.
        tx_hash: TxHash,
        /// The contract's reason, when the replay recovers it.
        error: Option<EmTokenError>,
    },
    /// The node no longer knows a sent transaction and it was not mined within the timeout.
    #[error(
        "transaction {tx_hash} ({call}) was dropped: not mined within {timeout_secs} s and unknown to the node"
    )]
    Dropped {
        /// The contract function that was called.
        call: &'static str,
        /// The transaction.
        tx_hash: TxHash,
        /// The receipt timeout.
        timeout_secs: u64,
    },
    /// A sent transaction is still pending after the receipt timeout.
    #[error(
        "transaction {tx_hash} ({call}) still pending after {timeout_secs} s: raise the receipt timeout or check the node"
    )]
    ReceiptTimeout {
        /// The contract function that was called.
        call: &'static str,
        /// The transaction.
        tx_hash: TxHash,
        /// The receipt timeout.
        timeout_secs: u64,
    },
    /// An amount could not be converted.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// A setting or argument is invalid (bad URL, bad key, bad address, ...): the message says which.
    #[error("{0}")]
    Invalid(String),
    /// A recorder (see [`crate::EmTokenClient::submit_recorded`]) says another sender of the same key
    /// holds this nonce: nothing was sent; the SDK reads the next nonce from the node and tries again a
    /// few times before giving this back.
    #[error("nonce {nonce} is held by another sender of the same key")]
    NonceTaken {
        /// The nonce.
        nonce: u64,
    },
    /// The contract answered a number this version does not know (a newer contract).
    #[error(transparent)]
    Unknown(#[from] emtoken_types::Unknown),
    /// The node or the connection failed.
    #[error("rpc error during {call}: {source}")]
    Rpc {
        /// What the SDK was doing.
        call: &'static str,
        /// The cause.
        source: RpcError<TransportErrorKind>,
    },
}

/// Result of the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Classifies an RPC error of `call`: a revert (decoded when it is an EmToken error) or a node error.
    pub(crate) fn from_rpc(call: &'static str, source: RpcError<TransportErrorKind>) -> Self {
        if let Some(data) = source
            .as_error_resp()
            .and_then(|payload| payload.as_revert_data())
        {
            return Self::from_revert_data(call, data);
        }
        Self::Rpc { call, source }
    }

    /// Decodes revert data of `call`.
    pub(crate) fn from_revert_data(call: &'static str, data: Bytes) -> Self {
        use alloy::sol_types::SolInterface;
        match EmTokenError::abi_decode(&data) {
            Ok(error) => Self::Revert { call, error },
            Err(_) => Self::RevertData { call, data },
        }
    }

    /// The decoded contract error, when this is a revert.
    pub fn revert(&self) -> Option<&EmTokenError> {
        match self {
            Self::Revert { error, .. } => Some(error),
            Self::Reverted { error, .. } => error.as_ref(),
            _ => None,
        }
    }
}
