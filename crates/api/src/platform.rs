//! The platform's side of the chain: the keys it sends with, and how a request's transactions are
//! sent, followed and, after a crash, settled.
//!
//! A request is recorded with its calls before anything is sent. Each transaction is signed, recorded
//! on the request (hash, signer, nonce, signed bytes) and only then handed to the node, so that whatever
//! instant a process dies at, the chain tells what became of the request: [`Platform::settle`] reads the
//! receipt by hash, else sends the very same bytes again (which cannot move money twice), else — when the
//! signer's nonce was taken by another transaction — knows it never reached the chain. A request of which
//! nothing was sent is removed, as if it had never come, so that a retry with its idempotency key runs it.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use alloy::primitives::{Address, B256};
use emtoken_sdk::{EmTokenClient, PreparedCall, SignedTx, Submitted, TxFate};
use emtoken_store::{
    Store,
    api::{RequestRow, RequestState, SentTx},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Problem;

/// A request untouched this long may have been left by a process that died: it is settled from the
/// chain (younger ones may be in the hands of a live process).
pub const SETTLE_AFTER: Duration = Duration::from_secs(5);

/// The platform's chain clients.
#[derive(Debug)]
pub struct Platform {
    /// The operator role: default operator of every wallet (transfers, holds, payouts for them), notary
    /// of API holds, payout agent, minter. A client of the platform's own token; the same key signs for
    /// the other tokens on its chain (clients made with [`EmTokenClient::at`], sharing its nonce order)
    /// and, through [`Platform::keys_on`], for the tokens on other chains (each chain's own nonce order).
    pub operator: Arc<EmTokenClient>,
    /// The compliance role: registers wallets, freezes unsubscribed ones.
    pub compliance: Arc<EmTokenClient>,
    /// The nodes of the other chains the platform serves tokens on, by chain id (`serve --chain-rpc`).
    chain_rpcs: BTreeMap<u64, String>,
    /// The two keys' clients on each other chain, made on first use; each chain has its own nonce order.
    elsewhere: tokio::sync::Mutex<HashMap<u64, Keys>>,
}

/// The platform's two keys' clients on one chain.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// The operator key.
    pub(crate) operator: Arc<EmTokenClient>,
    /// The compliance key.
    pub(crate) compliance: Arc<EmTokenClient>,
}

/// Which of the platform's keys signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Signer {
    /// The operator key.
    Operator,
    /// The compliance key.
    Compliance,
}

/// One contract call of a request (stored with the request, so that another process can go on with it;
/// the function's name is kept beside the transaction for people reading the row).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Call {
    /// The contract function.
    pub(crate) name: String,
    /// Who signs.
    pub(crate) signer: Signer,
    /// The transaction, as the SDK prepared it.
    pub(crate) tx: PreparedCall,
    /// The chain it is sent on (absent: the platform's own chain, as in requests recorded before
    /// tokens on other chains were served).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) chain: Option<u64>,
}

impl Call {
    /// A call on chain `chain`, signed by `signer`.
    pub(crate) fn on(chain: u64, signer: Signer, call: PreparedCall) -> Self {
        Self {
            name: call.name().into(),
            signer,
            tx: call,
            chain: Some(chain),
        }
    }
}

impl Platform {
    /// The platform with these two keys' clients of its own token.
    pub fn new(operator: EmTokenClient, compliance: EmTokenClient) -> Self {
        Self {
            operator: Arc::new(operator),
            compliance: Arc::new(compliance),
            chain_rpcs: BTreeMap::new(),
            elsewhere: tokio::sync::Mutex::default(),
        }
    }

    /// With the nodes of other chains, by chain id: the tokens registered on those chains are served
    /// too, the same keys signing there.
    pub fn with_chain_rpcs(mut self, rpcs: BTreeMap<u64, String>) -> Self {
        self.chain_rpcs = rpcs;
        self
    }

    /// The platform's own chain (its token's, the node `serve --rpc` reaches).
    pub fn chain_id(&self) -> u64 {
        self.operator.chain_id()
    }

    /// Whether tokens on chain `chain` can be served: the platform's own chain, or one it has a node of.
    pub(crate) fn reaches(&self, chain: u64) -> bool {
        chain == self.chain_id() || self.chain_rpcs.contains_key(&chain)
    }

    /// The chains it has nodes of besides its own.
    pub(crate) fn other_chains(&self) -> impl Iterator<Item = u64> + '_ {
        self.chain_rpcs.keys().copied()
    }

    /// The two keys on chain `chain`: on the platform's own chain its token's clients, on another the
    /// keys' clients of no contract ([`EmTokenClient::elsewhere`]; sending, receipts, settling, deploying
    /// and inspecting do not depend on the contract, and [`EmTokenClient::at`] gives clients of a token
    /// there). Fails when the platform has no node of that chain, the node cannot be reached, or it is
    /// on another chain.
    pub(crate) async fn keys_on(&self, chain: u64) -> Result<Keys, emtoken_sdk::Error> {
        if chain == self.chain_id() {
            return Ok(Keys {
                operator: Arc::clone(&self.operator),
                compliance: Arc::clone(&self.compliance),
            });
        }
        let mut elsewhere = self.elsewhere.lock().await;
        if let Some(keys) = elsewhere.get(&chain) {
            return Ok(keys.clone());
        }
        let url = self.chain_rpcs.get(&chain).ok_or_else(|| {
            emtoken_sdk::Error::Invalid(format!(
                "the platform has no node of chain {chain} (serve --chain-rpc {chain}=URL)"
            ))
        })?;
        let operator = self.operator.elsewhere(url).await?;
        if operator.chain_id() != chain {
            return Err(emtoken_sdk::Error::Invalid(format!(
                "the node given for chain {chain} ({url}) is on chain {}",
                operator.chain_id()
            )));
        }
        let compliance = self.compliance.elsewhere(url).await?;
        let keys = Keys {
            operator: Arc::new(operator),
            compliance: Arc::new(compliance),
        };
        elsewhere.insert(chain, keys.clone());
        Ok(keys)
    }

    /// Whether the contract would take `call` now, without sending it: Ok, 409 naming the contract's
    /// error, or 503 when the node cannot tell.
    pub(crate) async fn check(&self, call: &Call) -> Result<(), Problem> {
        let client = self.client(call).await.map_err(|error| {
            Problem::unavailable(format!(
                "the chain node cannot tell whether it would take {}: {error}",
                call.name
            ))
            .retry_after(1)
        })?;
        client.check(&call.tx).await.map_err(|error| {
            if reached_nobody(&error) {
                refusal(&call.name, &error)
            } else {
                Problem::unavailable(format!(
                    "the chain node cannot tell whether it would take {}: {error}",
                    call.name
                ))
                .retry_after(1)
            }
        })
    }
}

/// How the first transaction of a request fared.
#[derive(Debug)]
pub(crate) enum Start {
    /// With the node (or the request had nothing to send).
    Sent,
    /// Nothing reached the node: the answer (409 for a call the contract refuses, 503 for a node that
    /// refused the transaction).
    Refused(Problem),
    /// Sent, and the node's answer was lost: the request is settled later from the chain.
    Unknown(Problem),
}

impl Platform {
    /// The client that signs `call` with its signer's key on its chain. Sending, receipts and settling
    /// depend on the key and the chain, not on the contract: a call prepared for any token the platform
    /// serves on that chain goes through it. Failing, nothing was sent.
    async fn client(&self, call: &Call) -> Result<Arc<EmTokenClient>, emtoken_sdk::Error> {
        let keys = match call.chain {
            Some(chain) if chain != self.chain_id() => {
                self.keys_on(chain).await.map_err(|error| match error {
                    invalid @ emtoken_sdk::Error::Invalid(_) => invalid,
                    other => emtoken_sdk::Error::Invalid(format!(
                        "the node of chain {chain} cannot be reached: {other}"
                    )),
                })?
            }
            _ => Keys {
                operator: Arc::clone(&self.operator),
                compliance: Arc::clone(&self.compliance),
            },
        };
        Ok(match call.signer {
            Signer::Operator => keys.operator,
            Signer::Compliance => keys.compliance,
        })
    }

    /// Signs call `index` of request `id`, records it on the request, and hands it to the node.
    async fn send_call(
        &self,
        store: &Store,
        id: Uuid,
        index: usize,
        call: &Call,
    ) -> Result<Submitted, emtoken_sdk::Error> {
        let call_index = i32::try_from(index).unwrap_or(i32::MAX);
        let chain_id = call
            .chain
            .filter(|chain| *chain != self.chain_id())
            .map(|chain| i64::try_from(chain).unwrap_or(i64::MAX));
        self.client(call)
            .await?
            .submit_recorded(call.tx.clone(), |signed: SignedTx| {
                let store = store.clone();
                async move {
                    let sent = SentTx {
                        hash: signed.hash.0,
                        from: signed.from.0.0,
                        nonce: signed.nonce,
                        raw: signed.raw.to_vec(),
                        chain_id,
                    };
                    match store.record_sending(id, call_index, &sent).await {
                        Ok(true) => Ok(()),
                        Ok(false) => Err(emtoken_sdk::Error::Invalid(format!(
                            "request {id} was settled meanwhile: {} not sent",
                            signed.call
                        ))),
                        // Another process with this key holds the nonce: the SDK takes another.
                        Err(emtoken_store::Error::NonceTaken { nonce }) => {
                            Err(emtoken_sdk::Error::NonceTaken { nonce })
                        }
                        Err(e) => Err(emtoken_sdk::Error::Invalid(format!(
                            "cannot record {} of request {id}: {e}",
                            signed.call
                        ))),
                    }
                }
            })
            .await
    }

    /// Sends the first call of request `id` (recorded with `calls`); the rest, and the receipts, are
    /// followed in the background, which marks the request MINED or FAILED.
    pub(crate) async fn start(
        self: &Arc<Self>,
        store: &Store,
        id: Uuid,
        calls: Vec<Call>,
    ) -> Start {
        let Some(first) = calls.first() else {
            return match store.advance_request_without_calls(id).await {
                Ok(()) => Start::Sent,
                Err(e) => Start::Refused(Problem::from(e)),
            };
        };
        match self.send_call(store, id, 0, first).await {
            Ok(submitted) => {
                self.follow(store.clone(), id, calls, 0, submitted);
                Start::Sent
            }
            Err(error) if reached_nobody(&error) => Start::Refused(refusal(&first.name, &error)),
            Err(error) => {
                tracing::warn!(request = %id, %error, "the node's answer to a request was lost: settled from the chain later");
                Start::Unknown(
                    Problem::unavailable(format!(
                        "the chain node did not confirm it took {}: send the request again with the same Idempotency-Key to learn its outcome",
                        first.name
                    ))
                    .retry_after(u32::try_from(SETTLE_AFTER.as_secs()).unwrap_or(5)),
                )
            }
        }
    }

    /// Awaits the receipt of call `index` (submitted), then sends the next calls, in the background.
    fn follow(
        self: &Arc<Self>,
        store: Store,
        id: Uuid,
        calls: Vec<Call>,
        index: usize,
        submitted: Submitted,
    ) {
        let platform = Arc::clone(self);
        tokio::spawn(async move {
            let (mut index, mut submitted) = (index, submitted);
            loop {
                let call = &calls[index];
                let outcome = match platform.client(call).await {
                    Ok(client) => client.outcome(submitted).await,
                    Err(error) => Err(error),
                };
                match outcome {
                    Ok(_) => {}
                    Err(error @ emtoken_sdk::Error::Reverted { .. }) => {
                        let detail = error.to_string();
                        tracing::warn!(request = %id, %detail, "api request failed on chain");
                        let _ = store.fail_request(id, &detail).await;
                        return;
                    }
                    // Dropped, timed out, the node unreachable: the sweeper settles it from the chain.
                    Err(error) => {
                        tracing::warn!(request = %id, %error, "no receipt for an api request yet: settled from the chain later");
                        return;
                    }
                }
                let last = index + 1 == calls.len();
                match store
                    .advance_request(id, i32::try_from(index).unwrap_or(i32::MAX), last)
                    .await
                {
                    Ok(true) if !last => {}
                    // Done, settled by someone else, or not recordable now (the sweeper goes on).
                    _ => return,
                }
                index += 1;
                match platform.send_call(&store, id, index, &calls[index]).await {
                    Ok(next) => submitted = next,
                    Err(error) if reached_nobody(&error) => {
                        let detail = refusal(&calls[index].name, &error).detail;
                        let _ = store.fail_request(id, &detail).await;
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(request = %id, %error, "the node's answer was lost: settled from the chain later");
                        return;
                    }
                }
            }
        });
    }

    /// Settles the requests left on their way or without an answer and untouched for `older_than` (a
    /// stop or crash of this or another process): see [`Platform::settle`]. Returns how many it looked at.
    pub async fn settle_unsettled(
        self: &Arc<Self>,
        store: &Store,
        older_than: Duration,
    ) -> crate::Result<usize> {
        let rows = store.unsettled_requests(older_than, 256).await?;
        for row in &rows {
            if let Err(error) = self.settle(store, row).await {
                tracing::warn!(request = %row.id, %error, "cannot settle a request now: tried again later");
            }
        }
        Ok(rows.len())
    }

    /// At startup: settles what a previous run left (see [`Platform::settle_unsettled`]). Nothing is
    /// sent that could move money twice.
    pub async fn recover(self: &Arc<Self>, store: &Store) -> crate::Result<usize> {
        self.settle_unsettled(store, Duration::ZERO).await
    }

    /// Settles one request from the chain. A request that never recorded a transaction is removed once
    /// [`SETTLE_AFTER`] old (nothing of it can be on chain). A recorded transaction is looked up by hash:
    /// mined, it moves the request on (the next call is sent); with the node, it waits; unknown to the
    /// node, the same signed bytes are sent again unless its nonce was used by another transaction —
    /// then it never reached the chain. A request that reached the node answers a retry as it did then
    /// (the accepted answer kept from the start).
    pub async fn settle(self: &Arc<Self>, store: &Store, row: &RequestRow) -> crate::Result<()> {
        let calls: Vec<Call> = serde_json::from_value(row.calls.clone()).map_err(|e| {
            crate::Error::Invalid(format!("request {} has unreadable calls: {e}", row.id))
        })?;
        let index = usize::try_from(row.call_index).unwrap_or_default();
        match row.state {
            RequestState::Requested if index == 0 => {
                store
                    .forget_unsent_request(row.id, Some(SETTLE_AFTER))
                    .await?;
                return Ok(());
            }
            RequestState::Requested => {
                // Between two calls: the previous one was mined; go on.
                if let Some(call) = calls.get(index) {
                    match self.send_call(store, row.id, index, call).await {
                        Ok(submitted) => {
                            self.follow(store.clone(), row.id, calls.clone(), index, submitted);
                        }
                        Err(error) if reached_nobody(&error) => {
                            store
                                .fail_request(row.id, &refusal(&call.name, &error).detail)
                                .await?;
                        }
                        Err(error) => return Err(error.into()),
                    }
                }
            }
            RequestState::PendingDlt => self.settle_sent(store, row, &calls, index).await?,
            _ => {}
        }
        if let (Some(status), Some(body)) = (row.accepted_status, &row.accepted_body) {
            // It reached the node: a retry gets the answer it would have had then.
            let reached = row.state != RequestState::Requested || index > 0;
            if reached && row.response_status.is_none() {
                store
                    .answer_request(row.id, u16::try_from(status).unwrap_or(500), body)
                    .await?;
            }
        }
        Ok(())
    }

    /// Settles a request whose call `index` has a recorded transaction.
    async fn settle_sent(
        self: &Arc<Self>,
        store: &Store,
        row: &RequestRow,
        calls: &[Call],
        index: usize,
    ) -> crate::Result<()> {
        let (Some(hash), Some(from), Some(nonce), Some(call)) = (
            row.tx_hash
                .as_deref()
                .and_then(|h| <[u8; 32]>::try_from(h).ok()),
            row.tx_from
                .as_deref()
                .and_then(|a| <[u8; 20]>::try_from(a).ok()),
            row.tx_nonce.and_then(|n| u64::try_from(n).ok()),
            calls.get(index),
        ) else {
            store
                .fail_request(row.id, "its transaction record is incomplete")
                .await?;
            return Ok(());
        };
        let client = self
            .client(call)
            .await
            .map_err(|e| crate::Error::Invalid(format!("cannot settle request {}: {e}", row.id)))?;
        let hash = B256::from(hash);
        let fate = client
            .fate(hash, Address::from(from), nonce)
            .await
            .map_err(|e| crate::Error::Invalid(format!("cannot settle transaction {hash}: {e}")))?;
        match fate {
            TxFate::Mined { succeeded: false } => {
                store
                    .fail_request(
                        row.id,
                        &format!("{} was mined in transaction {hash} and reverted", call.name),
                    )
                    .await?;
                return Ok(());
            }
            TxFate::Mined { succeeded: true } => {
                let last = index + 1 == calls.len();
                if store.advance_request(row.id, row.call_index, last).await? && !last {
                    let next = index + 1;
                    match self.send_call(store, row.id, next, &calls[next]).await {
                        Ok(submitted) => {
                            self.follow(store.clone(), row.id, calls.to_vec(), next, submitted);
                        }
                        Err(error) if reached_nobody(&error) => {
                            store
                                .fail_request(row.id, &refusal(&calls[next].name, &error).detail)
                                .await?;
                        }
                        Err(error) => return Err(error.into()),
                    }
                }
                return Ok(());
            }
            TxFate::Pending => {
                store.touch_request(row.id).await?;
                return Ok(());
            }
            TxFate::Replaced => {
                // Another transaction took its nonce, and it has no receipt: it never reached the chain.
                let forgotten = index == 0
                    && row.response_status.is_none()
                    && store.forget_unsent_request(row.id, None).await?;
                if !forgotten {
                    store
                        .fail_request(
                            row.id,
                            &format!("{} never reached the chain (transaction {hash})", call.name),
                        )
                        .await?;
                }
                return Ok(());
            }
            TxFate::Unknown => {}
        }
        // The node does not have it: the very same bytes again (the same transaction, at most once).
        if let Some(raw) = &row.tx_raw {
            match client.resend(raw).await {
                Ok(_) => {
                    tracing::info!(request = %row.id, %hash, "sent a request's transaction again after a restart")
                }
                Err(error) => {
                    tracing::warn!(request = %row.id, %hash, %error, "the node refused a request's transaction sent again")
                }
            }
        }
        store.touch_request(row.id).await?;
        Ok(())
    }

    /// Settles requests left by dead processes every `every`, until `stop` turns true.
    pub async fn sweep(
        self: Arc<Self>,
        store: Store,
        every: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if let Err(error) = self.settle_unsettled(&store, SETTLE_AFTER).await {
                tracing::warn!(%error, "settling requests failed: tried again later");
            }
        }
    }
}

/// Whether a failed send certainly left nothing with the node: the contract refused it at the gas
/// estimate, the request could not be recorded (so it was not sent), or the node answered with an error.
fn reached_nobody(error: &emtoken_sdk::Error) -> bool {
    match error {
        emtoken_sdk::Error::Revert { .. }
        | emtoken_sdk::Error::RevertData { .. }
        | emtoken_sdk::Error::NonceTaken { .. }
        | emtoken_sdk::Error::Invalid(_) => true,
        emtoken_sdk::Error::Rpc { source, .. } => source.as_error_resp().is_some(),
        _ => false,
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
        emtoken_sdk::Error::Rpc { .. }
        | emtoken_sdk::Error::Invalid(_)
        | emtoken_sdk::Error::NonceTaken { .. } => Problem::unavailable(format!(
            "the chain node did not take {call}: {error}; nothing was sent"
        ))
        .retry_after(1),
        other => Problem::internal(other),
    }
}
