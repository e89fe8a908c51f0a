//! The default preflight ([`Preflight::Pending`]) of concurrent sends from one key, checked together.
//!
//! A node that builds a pending state (anvil, Besu since 25.1) re-runs its pool for each call made
//! against it, so one `eth_estimateGas` per send costs the node the whole pool each time: with a thousand
//! transactions waiting for a block, most of its work. Here the sends waiting to be checked at the same
//! moment go to the node in one `eth_simulateV1` on the pending state, one pool run for all of them.
//!
//! A simulation answers whether a call succeeds with a given gas limit, not which limit it needs, so
//! each send is simulated with the exact gas limit it will carry: the highest estimate this sender has
//! seen for the same function of the same contract, plus the configured margin. A send passes the check
//! only if the simulation ran it to success with that limit; it then goes out with that limit. Anything
//! else (the call reverted, ran out of gas, the first send of a function, a simulation that failed as a
//! whole) is checked as before, with its own `eth_estimateGas` on the pending state, which gives the
//! decoded contract error of a refusal.
//!
//! Calls simulated together run one after the other in one simulated block, each on the state the ones
//! before it leave. A node that does not know `eth_simulateV1`, or refuses it three times in a row, is
//! not asked again by this sender.

use std::{
    collections::HashMap,
    sync::{
        Mutex as SyncMutex, PoisonError,
        atomic::{AtomicBool, AtomicU32, Ordering},
    },
};

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    rpc::types::{
        BlockId, TransactionRequest,
        simulate::{SimBlock, SimulatePayload},
    },
    transports::{RpcError, TransportErrorKind},
};
use tokio::sync::{Mutex, oneshot};

use crate::{Error, Result};

/// Most calls in one simulation: a few block gas limits' worth of transfers stay far below any node's.
const MAX_BATCH: usize = 64;

/// Refusals of `eth_simulateV1` in a row after which the sender stops asking.
const MAX_REFUSALS: u32 = 3;

/// JSON-RPC error codes of a node that does not have the method: "method not found" (JSON-RPC 2.0) and
/// "method not supported" (EIP-1474).
const METHOD_MISSING: [i64; 2] = [-32601, -32004];

/// A function of a contract: what the gas of a call depends on most.
type Function = (Address, [u8; 4]);

/// A send waiting for its simulation.
struct Waiting {
    call: TransactionRequest,
    passed: oneshot::Sender<bool>,
}

/// The pending-state checks of one sender.
#[derive(Default)]
pub(crate) struct Preflights {
    /// The highest `eth_estimateGas` answer seen per function.
    estimates: SyncMutex<HashMap<Function, u64>>,
    /// Sends waiting for a simulation.
    queue: SyncMutex<Vec<Waiting>>,
    /// Held by the send whose simulation is under way; the next holder takes what queued meanwhile.
    simulating: Mutex<()>,
    /// Error answers to `eth_simulateV1` in a row.
    refusals: AtomicU32,
    /// Set when the node does not take `eth_simulateV1`: every send is estimated on its own.
    off: AtomicBool,
}

impl std::fmt::Debug for Preflights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preflights")
            .field("off", &self.off.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Preflights {
    /// Checks `tx` (its sender and fees set, no nonce) against the pending state and returns the gas
    /// limit to send it with: a simulated limit that ran to success, else the node's estimate plus
    /// `margin_percent`. A refusal is the decoded contract error of the estimate.
    pub(crate) async fn gas_limit(
        &self,
        provider: &DynProvider,
        call: &'static str,
        tx: &TransactionRequest,
        margin_percent: u64,
    ) -> Result<u64> {
        let function = function_of(tx);
        let known = function.and_then(|f| self.estimates().get(&f).copied());
        if let Some(estimate) = known
            && !self.off.load(Ordering::Relaxed)
        {
            let limit = with_margin(estimate, margin_percent);
            if self.simulate(provider, simulated(tx, limit)).await {
                return Ok(limit);
            }
        }
        let estimate = provider
            .estimate_gas(tx.clone())
            .block(BlockId::pending())
            .await
            .map_err(|e| Error::from_rpc(call, e))?;
        if let Some(function) = function {
            let mut estimates = self.estimates();
            let highest = estimates.entry(function).or_insert(estimate);
            *highest = (*highest).max(estimate);
        }
        Ok(with_margin(estimate, margin_percent))
    }

    fn estimates(&self) -> std::sync::MutexGuard<'_, HashMap<Function, u64>> {
        self.estimates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `call` ran to success in a simulation on the pending state, together with the calls that
    /// queued meanwhile. False when anything else happened, the simulation's own failure included.
    async fn simulate(&self, provider: &DynProvider, call: TransactionRequest) -> bool {
        let (passed, mut answer) = oneshot::channel();
        self.queue().push(Waiting { call, passed });
        loop {
            let _simulating = self.simulating.lock().await;
            // A simulation that ran while this send waited for the lock may have taken it.
            match answer.try_recv() {
                Ok(passed) => return passed,
                // Its simulation was dropped half way (the send that ran it was cancelled).
                Err(oneshot::error::TryRecvError::Closed) => return false,
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch: Vec<Waiting> = {
                let mut queue = self.queue();
                let take = queue.len().min(MAX_BATCH);
                queue.drain(..take).collect()
            };
            if self.off.load(Ordering::Relaxed) {
                // Dropping the batch answers its sends "not passed": each is estimated on its own.
                continue;
            }
            self.run(provider, batch).await;
        }
    }

    /// One `eth_simulateV1` of `batch` on the pending state; answers every send of it.
    async fn run(&self, provider: &DynProvider, batch: Vec<Waiting>) {
        let payload = SimulatePayload {
            block_state_calls: vec![SimBlock {
                calls: batch.iter().map(|w| w.call.clone()).collect(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let answered = provider
            .simulate(&payload)
            .block_id(BlockId::pending())
            .await;
        let results = match answered {
            Ok(blocks) => {
                self.refusals.store(0, Ordering::Relaxed);
                blocks.into_iter().flat_map(|b| b.calls).collect()
            }
            Err(error) => {
                self.refused(&error);
                Vec::new()
            }
        };
        let mut results = results.into_iter();
        for waiting in batch {
            let passed = results
                .next()
                .is_some_and(|r| r.status && r.error.is_none());
            let _ = waiting.passed.send(passed);
        }
    }

    /// Notes an `eth_simulateV1` that failed: the node's error answers count towards switching it off;
    /// a lost connection does not.
    fn refused(&self, error: &RpcError<TransportErrorKind>) {
        let Some(answer) = error.as_error_resp() else {
            return;
        };
        let missing = METHOD_MISSING.contains(&answer.code);
        let refusals = self.refusals.fetch_add(1, Ordering::Relaxed) + 1;
        if (missing || refusals >= MAX_REFUSALS) && !self.off.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                code = answer.code,
                message = %answer.message,
                "the node refuses eth_simulateV1: sends from this key are checked one eth_estimateGas each"
            );
        }
    }
}

/// The contract and function `tx` calls, if it calls one.
fn function_of(tx: &TransactionRequest) -> Option<Function> {
    let to = tx.to?.into_to()?;
    let selector = tx.input.input()?.get(..4)?;
    Some((to, selector.try_into().ok()?))
}

/// `tx` as simulated: its sender, recipient, value and input with `gas` as its limit, and no fees (the
/// simulation charges none, so the sender's ether plays no part, as in an estimate).
fn simulated(tx: &TransactionRequest, gas: u64) -> TransactionRequest {
    TransactionRequest {
        from: tx.from,
        to: tx.to,
        value: tx.value,
        input: tx.input.clone(),
        gas: Some(gas),
        ..Default::default()
    }
}

fn with_margin(estimate: u64, margin_percent: u64) -> u64 {
    estimate + estimate * margin_percent / 100
}
