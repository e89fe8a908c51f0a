//! The platform's side of the chain: the keys it sends with, and how a request's transactions are
//! sent and followed. The first transaction is handed to the node before the API answers (so a call the
//! contract refuses is a 409 and nothing is sent); its receipt, and any follow-up transaction, are
//! awaited in the background and recorded on the request.

use std::sync::Arc;

use alloy::rpc::types::TransactionRequest;
use emtoken_sdk::EmTokenClient;
use emtoken_store::{Store, api::RequestState};
use uuid::Uuid;

use crate::Problem;

/// The platform's chain clients.
#[derive(Debug)]
pub struct Platform {
    /// The operator role: default operator of every wallet (transfers, holds, payouts for them), notary
    /// of API holds, payout agent, minter.
    pub operator: EmTokenClient,
    /// The compliance role: registers wallets, freezes unsubscribed ones.
    pub compliance: EmTokenClient,
}

/// Which of the platform's keys signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signer {
    /// The operator key.
    Operator,
    /// The compliance key.
    Compliance,
}

/// One contract call of a request.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// The contract function (for messages).
    pub(crate) name: &'static str,
    /// Who signs.
    pub(crate) signer: Signer,
    /// The transaction.
    pub(crate) tx: TransactionRequest,
}

impl Call {
    /// A call signed by the operator.
    pub(crate) fn operator(name: &'static str, tx: TransactionRequest) -> Self {
        Self {
            name,
            signer: Signer::Operator,
            tx,
        }
    }

    /// A call signed by the compliance key.
    pub(crate) fn compliance(name: &'static str, tx: TransactionRequest) -> Self {
        Self {
            name,
            signer: Signer::Compliance,
            tx,
        }
    }
}

impl Platform {
    fn client(&self, signer: Signer) -> &EmTokenClient {
        match signer {
            Signer::Operator => &self.operator,
            Signer::Compliance => &self.compliance,
        }
    }

    /// Sends the calls of request `id` in order. Returns once the first is with the node (or refused:
    /// then the request is FAILED and the answer a 409 naming the contract's reason); the rest, and the
    /// receipts, are followed by a background task that marks the request MINED or FAILED.
    pub(crate) async fn dispatch(
        self: &Arc<Self>,
        store: &Store,
        id: Uuid,
        calls: Vec<Call>,
    ) -> Result<(), Problem> {
        let mut calls = calls.into_iter();
        let Some(first) = calls.next() else {
            store
                .set_request_state(id, RequestState::Mined, None, None)
                .await?;
            return Ok(());
        };
        let submitted = match self.client(first.signer).submit(first.name, first.tx).await {
            Ok(submitted) => submitted,
            Err(error) => {
                let problem = refusal(first.name, &error);
                store
                    .set_request_state(id, RequestState::Failed, None, Some(&problem.detail))
                    .await?;
                return Err(problem);
            }
        };
        store
            .set_request_state(
                id,
                RequestState::PendingDlt,
                Some(submitted.tx_hash().0),
                None,
            )
            .await?;
        let platform = Arc::clone(self);
        let store = store.clone();
        tokio::spawn(async move {
            let mut current = (first.signer, submitted);
            loop {
                let (signer, submitted) = current;
                let outcome = platform.client(signer).outcome(submitted).await;
                if let Err(error) = outcome {
                    let detail = error.to_string();
                    tracing::warn!(request = %id, %detail, "api request failed on chain");
                    let _ = store
                        .set_request_state(id, RequestState::Failed, None, Some(&detail))
                        .await;
                    return;
                }
                let Some(next) = calls.next() else { break };
                match platform
                    .client(next.signer)
                    .submit(next.name, next.tx)
                    .await
                {
                    Ok(s) => {
                        let _ = store
                            .set_request_state(
                                id,
                                RequestState::PendingDlt,
                                Some(s.tx_hash().0),
                                None,
                            )
                            .await;
                        current = (next.signer, s);
                    }
                    Err(error) => {
                        let detail = refusal(next.name, &error).detail;
                        let _ = store
                            .set_request_state(id, RequestState::Failed, None, Some(&detail))
                            .await;
                        return;
                    }
                }
            }
            if let Err(error) = store
                .set_request_state(id, RequestState::Mined, None, None)
                .await
            {
                tracing::error!(request = %id, %error, "cannot record a mined request");
            }
        });
        Ok(())
    }
}

impl Platform {
    /// Settles the requests a previous run left on their way (a stop or crash between sending and the
    /// receipt): a transaction the node mined is MINED or FAILED by its receipt, one it does not know is
    /// FAILED as dropped, and one never sent is FAILED as interrupted. Nothing is sent again: a caller
    /// retrying with its Idempotency-Key gets the first answer. Returns how many were settled.
    pub async fn recover(&self, store: &Store) -> crate::Result<usize> {
        use alloy::providers::Provider;
        let unfinished = store.unfinished_requests().await?;
        for request in &unfinished {
            let Some(hash) = request
                .tx_hash
                .as_deref()
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
            else {
                store
                    .set_request_state(
                        request.id,
                        RequestState::Failed,
                        None,
                        Some("interrupted before its transaction was sent"),
                    )
                    .await?;
                continue;
            };
            let receipt = self
                .operator
                .provider()
                .get_transaction_receipt(hash.into())
                .await
                .map_err(|e| {
                    crate::Error::Invalid(format!(
                        "cannot read the receipt of {}: {e}",
                        alloy::hex::encode(hash)
                    ))
                })?;
            let (state, error) = match receipt {
                Some(r) if r.status() => (RequestState::Mined, None),
                Some(_) => (
                    RequestState::Failed,
                    Some("its transaction was mined but reverted"),
                ),
                None => {
                    let known = self
                        .operator
                        .provider()
                        .get_transaction_by_hash(hash.into())
                        .await
                        .ok()
                        .flatten();
                    if known.is_some() {
                        // Still with the node: its movements stay PENDING until the indexer sees it.
                        tracing::warn!(request = %request.id, "a transaction sent before the restart is still pending");
                        continue;
                    }
                    (
                        RequestState::Failed,
                        Some("its transaction was dropped while the platform was down"),
                    )
                }
            };
            store
                .set_request_state(request.id, state, None, error)
                .await?;
        }
        Ok(unfinished.len())
    }
}

/// The answer for a call the node or the contract did not take.
fn refusal(call: &str, error: &emtoken_sdk::Error) -> Problem {
    match error {
        emtoken_sdk::Error::Revert { error, .. } => {
            Problem::conflict(format!("the contract refused {call}: {error:?}"))
        }
        emtoken_sdk::Error::RevertData { data, .. } => {
            Problem::conflict(format!("the contract refused {call} (revert data {data})"))
        }
        emtoken_sdk::Error::Rpc { .. } => {
            Problem::unavailable(format!("the chain node did not take {call}: {error}"))
        }
        other => Problem::internal(other),
    }
}
