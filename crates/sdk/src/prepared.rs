//! Contract calls built once: [`EmTokenClient::prepare`] gives every state-changing function of the
//! contract as a [`PreparedCall`] (the function and its transaction, unsigned), which
//! [`EmTokenClient::submit`], [`EmTokenClient::submit_recorded`] and the SDK's own `async` methods send.
//! A service that records what it will send before sending it (the platform's API) stores prepared calls
//! and sends them later, from another process if need be.

use alloy::{rpc::types::TransactionRequest, sol_types::SolInterface};
use emtoken_bindings::EmToken::EmTokenCalls;
use serde::{Deserialize, Serialize};

use crate::EmTokenClient;

/// A state-changing call of the EmToken contract, ready to be signed and sent (by the client that
/// prepared it, or another one of the same contract).
///
/// ```
/// # async fn example(client: &emtoken_sdk::EmTokenClient) -> emtoken_sdk::Result<()> {
/// use alloy::primitives::Address;
/// let call = client.prepare().freeze(Address::repeat_byte(7));
/// assert_eq!(call.name(), "freeze");
/// let submitted = client.submit(call).await?; // with the node; not mined yet
/// let outcome = client.outcome(submitted).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PreparedCall {
    tx: TransactionRequest,
}

impl PreparedCall {
    pub(crate) fn new(tx: TransactionRequest) -> Self {
        Self { tx }
    }

    /// The contract function it calls (`"holdFrom"`), read from the calldata's selector; `"contract
    /// call"` for calldata that is not one of EmToken's functions (a transaction built elsewhere).
    pub fn name(&self) -> &'static str {
        self.tx
            .input
            .input()
            .and_then(|data| data.get(..4))
            .and_then(|selector| <[u8; 4]>::try_from(selector).ok())
            .and_then(EmTokenCalls::name_by_selector)
            .unwrap_or("contract call")
    }

    /// Whether the calldata decodes as a call of the EmToken contract.
    pub fn is_known(&self) -> bool {
        self.tx
            .input
            .input()
            .is_some_and(|data| EmTokenCalls::abi_decode(data).is_ok())
    }

    /// The unsigned transaction (to, calldata; nonce, gas and fees are set when it is sent).
    pub fn tx(&self) -> &TransactionRequest {
        &self.tx
    }

    /// The transaction.
    pub fn into_tx(self) -> TransactionRequest {
        self.tx
    }
}

/// The contract's state-changing functions as [`PreparedCall`]s: one method per function, named as the
/// client's `async` method that sends it (`prepare().hold_from(…)` is what `hold_from(…)` sends).
#[derive(Debug, Clone, Copy)]
pub struct Prepare<'a> {
    pub(crate) client: &'a EmTokenClient,
}

impl EmTokenClient {
    /// The contract's calls, prepared and not sent.
    pub fn prepare(&self) -> Prepare<'_> {
        Prepare { client: self }
    }
}
