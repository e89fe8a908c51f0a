//! The scheduler of `emtoken serve`: scheduled operations' dates, carried out as they come, exactly
//! once, by any number of processes sharing the database.
//!
//! A round (every second) does two things:
//! 1. **Claim**: every ACTIVE operation whose next date has come gets, in one transaction with its row
//!    locked (`FOR UPDATE SKIP LOCKED`: two processes never claim the same operation at once), an
//!    execution row for that date and moves on to its next date (COMPLETED after its last). A date is
//!    claimed once: the operation's `next_seq` moves with it. Dates missed while no process ran are
//!    claimed one by one, late, with their own due date; one due longer ago than the catch-up bound
//!    (`serve --schedule-catch-up-hours`) is FAILED instead of paid that late.
//! 2. **Send**: each TRIGGERED execution whose request does not exist yet is sent, under a lease, as
//!    the same request a client's transfer or cash-out is, whose id — and so the chain's operation id
//!    — is derived from (operation, due date). The contract refuses an operation id it has seen
//!    (`OperatorTransferExists`, `PayoutExists`), so a process that dies after sending and before
//!    recording it, and the process that sends it again, pay once; a request on its way is settled
//!    from the chain like any other (see [`crate::platform`]). Refused before anything reached the
//!    chain (balance, limits, a wallet not READY, a deleted favourite): FAILED with the reason, and
//!    the operation stays ACTIVE for its next date.

use std::time::Duration;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use emtoken_sdk::Amount;
use emtoken_store::{
    WalletRef,
    api::{Claim, ExecutionToSend, NewRequest, ScheduledRow},
    vocabulary::WalletStatus,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use uuid::Uuid;

use crate::{
    ApiState, Problem,
    iban::Iban,
    idempotency,
    routes::{
        Prepared, ReceiverKind, cash_out_id, cash_out_request, schedule_of, transfer_out_id,
        transfer_request,
    },
};

/// How long a process has to send an execution it took before another may.
const LEASE: Duration = Duration::from_secs(30);
/// Operations claimed per transaction.
const CLAIM_BATCH: i64 = 100;
/// Claims a round makes at most.
const MAX_CLAIMS: usize = 1_000;
/// Executions leased at a time.
const SEND_BATCH: i64 = 20;

/// How the scheduler runs.
#[derive(Debug, Clone, Copy)]
pub struct SchedulerConfig {
    /// Time between rounds.
    pub interval: Duration,
    /// How late a missed date may still be paid.
    pub catch_up: chrono::Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            catch_up: chrono::Duration::hours(168),
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Dates claimed.
    pub claimed: usize,
    /// Executions sent (the node has them).
    pub sent: usize,
    /// Executions FAILED before anything was sent.
    pub failed: usize,
    /// Executions the node could not take now (e.g. another process used the operator's nonce first):
    /// sent in a later round.
    pub deferred: usize,
}

/// Runs a round every `config.interval` until `stop`.
pub async fn scheduler(state: ApiState, config: SchedulerConfig, mut stop: watch::Receiver<bool>) {
    loop {
        match run_due(&state, config).await {
            Ok(round) if round != Round::default() => {
                tracing::info!(
                    claimed = round.claimed,
                    sent = round.sent,
                    failed = round.failed,
                    deferred = round.deferred,
                    "scheduled operations"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.detail, "the scheduler failed: trying again"),
        }
        tokio::select! {
            _ = tokio::time::sleep(config.interval) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One round: claims every date due by the state's clock, then sends what is to send. Stops sending
/// at the first execution the node could not take (`deferred`: tried again next round).
pub async fn run_due(state: &ApiState, config: SchedulerConfig) -> Result<Round, Problem> {
    let now = state.onboarding.clock.now();
    let mut round = Round::default();
    // Each claim moves its operations on; a bound all the same (the rest comes next round).
    for _ in 0..MAX_CLAIMS {
        let claimed = state
            .store
            .claim_due(now, CLAIM_BATCH, |op| plan(state, config, now, op))
            .await?;
        if claimed.is_empty() {
            break;
        }
        round.claimed += claimed.len();
    }
    loop {
        let batch = state.store.executions_to_send(SEND_BATCH, LEASE).await?;
        if batch.is_empty() {
            return Ok(round);
        }
        for (op, execution) in &batch {
            match send(state, op, execution).await {
                Ok(true) => round.sent += 1,
                Ok(false) => round.failed += 1,
                Err(problem) => {
                    tracing::warn!(execution = %execution.id, error = %problem.detail, "a scheduled payment could not be sent now: trying again next round");
                    // This one and the rest of the batch: free for the next round (any process).
                    for (_, left) in batch.iter().skip_while(|(_, e)| e.id != execution.id) {
                        state.store.release_execution(left.id).await?;
                    }
                    round.deferred += 1;
                    return Ok(round);
                }
            }
        }
    }
}

/// An id derived from `(operation, due date)` for `what` (the execution, its request).
fn derived(what: &str, operation: Uuid, due: DateTime<Utc>) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(b"emtoken scheduled ");
    hash.update(what.as_bytes());
    hash.update(operation.as_bytes());
    hash.update(due.timestamp().to_be_bytes());
    hash.update(due.timestamp_subsec_nanos().to_be_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The execution of `op`'s next date and the date after it.
fn plan(state: &ApiState, config: SchedulerConfig, now: DateTime<Utc>, op: &ScheduledRow) -> Claim {
    let due = op.next_due.unwrap_or(now);
    let request_id = derived("request", op.id, due);
    let ledger = op.wallet_ledger.unwrap_or_else(|| state.evm_chain_id());
    let movement_id = if ReceiverKind::parse(&op.receiver_type) == Some(ReceiverKind::Wallet) {
        transfer_out_id(state, ledger, request_id)
    } else {
        cash_out_id(state, ledger, request_id)
    };
    let failed = (now - due > config.catch_up).then(|| {
        format!(
            "not paid: due {}, it came {} hours late, more than the {} hours a missed date may still be paid (serve --schedule-catch-up-hours)",
            crate::views::time(due),
            (now - due).num_hours(),
            config.catch_up.num_hours()
        )
    });
    let next = u32::try_from(op.next_seq)
        .ok()
        .and_then(|n| n.checked_add(1));
    Claim {
        id: derived("execution", op.id, due),
        request_id,
        movement_id,
        failed,
        next_due: next.and_then(|n| schedule_of(op).date_utc(n)),
    }
}

/// Sends `execution` of `op`: `true` when the node has it (or had it), `false` when it was refused
/// before anything was sent (recorded FAILED), the problem when the node could not take it now.
async fn send(
    state: &ApiState,
    op: &ScheduledRow,
    execution: &ExecutionToSend,
) -> Result<bool, Problem> {
    let prepared = match prepare(state, op, execution).await? {
        Ok(prepared) => prepared,
        Err(reason) => {
            state.store.fail_execution(execution.id, &reason).await?;
            return Ok(false);
        }
    };
    let Prepared {
        request,
        calls,
        answer,
        outflow,
    } = prepared;
    let mut details = request.details.clone();
    if let Some(map) = details.as_object_mut() {
        map.insert("scheduledOperationId".into(), json!(op.id));
        map.insert(
            "dueDate".into(),
            json!(crate::views::time(execution.due_at)),
        );
    }
    let request = NewRequest {
        client_id: op.client_id,
        // Not a key a client can send (it has spaces): it cannot meet a client's request.
        idempotency_key: Some(format!("scheduled execution {}", execution.id)),
        fingerprint: Sha256::digest(execution.id.as_bytes()).into(),
        details,
        ..request
    };
    match idempotency::run(
        state,
        request,
        calls,
        (StatusCode::ACCEPTED, answer),
        Some(outflow),
    )
    .await
    {
        Ok(_) => {
            state.store.execution_sent(execution.id).await?;
            Ok(true)
        }
        Err(problem) if problem.status.is_client_error() => {
            tracing::info!(execution = %execution.id, operation = %op.id, reason = %problem.detail, "a scheduled payment failed");
            state
                .store
                .fail_execution(execution.id, &problem.detail)
                .await?;
            Ok(false)
        }
        Err(problem) => Err(problem),
    }
}

/// The request that pays `execution`, or why it cannot be paid.
async fn prepare(
    state: &ApiState,
    op: &ScheduledRow,
    execution: &ExecutionToSend,
) -> Result<Result<Prepared<serde_json::Value>, String>, Problem> {
    let Some(wallet) = state.store.wallet(WalletRef::Id(op.wallet_id)).await? else {
        return Ok(Err(format!("wallet {} does not exist", op.wallet_id)));
    };
    if wallet.status != WalletStatus::Ready {
        return Ok(Err(format!(
            "the paying wallet {} is {}: only READY wallets can pay",
            wallet.id, wallet.status
        )));
    }
    let Some(token) = state.served_token(wallet.chain_id).await? else {
        return Ok(Err(format!(
            "the paying wallet {} holds a token this platform no longer serves",
            wallet.id
        )));
    };
    let amount = Amount::from_units(op.amount, token.chain.decimals).map_err(Problem::internal)?;
    let concept = op.concept.clone();
    let account = op.receiver_account.as_str();
    let iban = match ReceiverKind::parse(&op.receiver_type) {
        Some(ReceiverKind::Wallet) => {
            let target = match Uuid::parse_str(account) {
                Ok(id) => state.store.wallet(WalletRef::Id(id)).await?,
                Err(_) => None,
            };
            let Some(target) = target else {
                return Ok(Err(format!("wallet {account} does not exist")));
            };
            if target.status != WalletStatus::Ready {
                return Ok(Err(format!(
                    "the receiving wallet {} is {}: only READY wallets can receive",
                    target.id, target.status
                )));
            }
            if target.chain_id != wallet.chain_id {
                return Ok(Err(format!(
                    "the receiving wallet {} holds another token than the paying wallet",
                    target.id
                )));
            }
            // Charged as a transfer made now is (its quote at the time it is paid).
            let charge = crate::routes::charge_for(
                state,
                &wallet,
                emtoken_types::CommissionOperation::Transfer,
                amount,
            )
            .await?;
            let p = transfer_request(
                state,
                &token,
                execution.request_id,
                &wallet,
                &target,
                amount,
                concept,
                charge,
            );
            return Ok(Ok(as_json(p)?));
        }
        Some(ReceiverKind::Favourite) => {
            let favourite = match Uuid::parse_str(account) {
                Ok(id) => state.store.favourite(op.wallet_id, id).await?,
                Err(_) => None,
            };
            match favourite {
                Some(f) if f.status == "ACTIVE" => f.iban,
                _ => {
                    return Ok(Err(format!(
                        "favourite external account {account} was deleted"
                    )));
                }
            }
        }
        _ => account.to_owned(),
    };
    let iban = match Iban::parse(&iban) {
        Ok(iban) => iban,
        Err(e) => return Ok(Err(format!("the IBAN {iban} is not valid: {e}"))),
    };
    // Charged as a cash-out ordered now is (its quote at the time it is paid).
    let charge = crate::routes::charge_for(
        state,
        &wallet,
        emtoken_types::CommissionOperation::CashOut,
        amount,
    )
    .await?;
    let p = cash_out_request(
        state,
        &token,
        execution.request_id,
        &wallet,
        &iban,
        amount,
        concept,
        charge,
    );
    Ok(Ok(as_json(p)?))
}

/// `p` with its answer as JSON.
fn as_json<A: serde::Serialize>(p: Prepared<A>) -> Result<Prepared<serde_json::Value>, Problem> {
    Ok(Prepared {
        answer: serde_json::to_value(p.answer).map_err(Problem::internal)?,
        request: p.request,
        calls: p.calls,
        outflow: p.outflow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_derived_from_the_operation_and_the_due_date_alone() {
        let op = Uuid::from_u128(7);
        let due: DateTime<Utc> = "2031-01-31T08:00:00Z".parse().unwrap();
        assert_eq!(derived("request", op, due), derived("request", op, due));
        assert_ne!(derived("request", op, due), derived("execution", op, due));
        assert_ne!(
            derived("request", op, due),
            derived("request", op, due + chrono::Duration::days(1))
        );
        assert_ne!(
            derived("request", op, due),
            derived("request", Uuid::from_u128(8), due)
        );
    }
}
