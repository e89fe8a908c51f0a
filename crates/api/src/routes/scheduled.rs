//! Scheduled and recurrent operations (the guide's "Scheduled operations"): a wallet's payments on the
//! dates of a schedule, which `emtoken serve`'s scheduler carries out ([`crate::scheduler`]).

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, Utc};
use emtoken_store::{
    WalletRow,
    api::{NewRequest, RequestKind, ScheduledCreated, ScheduledDeleted, ScheduledRow},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    owned_wallet, ready,
    scheduled_body::{CreateScheduled, ReceiverKind, schedule},
};
use crate::{
    ApiState, Problem,
    answers::{
        DurationType, Execution, ExecutionLinks, ExecutionList, ExecutionStatus, Link, Page,
        Receiver, ReceiverType, ScheduleAnswer, ScheduleDuration, ScheduleFrequency,
        ScheduledExecution, ScheduledLinks, ScheduledList, ScheduledOperation, ScheduledStatus,
    },
    auth::ClientCaller,
    fields,
    iban::Iban,
    idempotency,
    paging::ListQuery,
    post::WalletPost,
    schedule::{Duration, Frequency, Schedule},
    views::{self, PUBLIC},
};

/// The most ACTIVE scheduled operations a wallet may have.
pub(crate) const MAX_ACTIVE: u32 = 100;
/// How many dates to come the executions list shows.
const NEXT_DATES: usize = 10;

fn list_path(wallet: Uuid) -> String {
    format!("{PUBLIC}/wallets/{wallet}/scheduled-operations")
}

/// `row`'s schedule (as checked when it was created).
pub(crate) fn schedule_of(row: &ScheduledRow) -> Schedule {
    let offset = FixedOffset::east_opt(row.start_offset).unwrap_or_else(|| Utc.fix());
    let frequency = Frequency::parse(&row.frequency).unwrap_or(Frequency::Once);
    let duration = match (row.duration_type.as_deref(), row.repetitions, row.end_date) {
        (Some("NUMBER_OF_REPETITIONS"), Some(n), _) => {
            Duration::Repetitions(u32::try_from(n).unwrap_or(1))
        }
        (Some("END_DATE"), _, Some(end)) => Duration::EndDate(end),
        (Some("ENDLESS"), _, _) => Duration::Endless,
        _ => Duration::Repetitions(1),
    };
    Schedule {
        start: row.start_date.with_timezone(&offset),
        frequency,
        duration,
    }
}

/// `t` in `offset`, milliseconds.
fn zoned(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset)
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// `row` as the guide reads it.
pub(crate) fn operation(chain: &crate::ChainInfo, row: &ScheduledRow) -> ScheduledOperation {
    let schedule = schedule_of(row);
    let offset = *schedule.start.offset();
    let path = format!("{}/{}", list_path(row.wallet_id), row.id);
    let frequency = match schedule.frequency {
        Frequency::Once => ScheduleFrequency::Once,
        Frequency::Daily => ScheduleFrequency::Daily,
        Frequency::Weekly => ScheduleFrequency::Weekly,
        Frequency::Monthly => ScheduleFrequency::Monthly,
        Frequency::Yearly => ScheduleFrequency::Yearly,
    };
    let duration = (schedule.frequency != Frequency::Once).then(|| match schedule.duration {
        Duration::Endless => ScheduleDuration {
            kind: DurationType::Endless,
            value: None,
            end_date: None,
            number_of_repetitions: None,
        },
        Duration::Repetitions(n) => ScheduleDuration {
            kind: DurationType::NumberOfRepetitions,
            value: Some(n.to_string()),
            end_date: None,
            number_of_repetitions: Some(n),
        },
        Duration::EndDate(end) => ScheduleDuration {
            kind: DurationType::EndDate,
            value: Some(end.to_string()),
            end_date: Some(end.to_string()),
            number_of_repetitions: schedule.count(),
        },
    });
    ScheduledOperation {
        links: ScheduledLinks {
            this: Link::new(path.clone()),
            executions: Link::new(format!("{path}/executions")),
        },
        id: row.id,
        wallet_id: row.wallet_id,
        alias: row.alias.clone(),
        concept: row.concept.clone().unwrap_or_default(),
        amount: views::amount(chain, row.amount),
        status: match row.status.as_str() {
            "ACTIVE" => ScheduledStatus::Active,
            "COMPLETED" => ScheduledStatus::Completed,
            _ => ScheduledStatus::Deleted,
        },
        schedule: ScheduleAnswer {
            start_date: zoned(row.start_date, offset),
            next_date: row.next_due.map(|d| zoned(d, offset)),
            frequency,
            duration,
        },
        receiver: Receiver {
            kind: match ReceiverKind::parse(&row.receiver_type) {
                Some(ReceiverKind::Wallet) => ReceiverType::IocashWallet,
                Some(ReceiverKind::Favourite) => ReceiverType::FavouriteExternalBankAccount,
                _ => ReceiverType::ExternalBankAccount,
            },
            account: row.receiver_account.clone(),
        },
        created_at: views::time(row.created_at),
    }
}

/// `POST /api/v1/public/wallets/{walletId}/scheduled-operations`: schedules payments from a READY
/// wallet. Nothing is paid now: each date's payment is checked when it comes.
#[utoipa::path(post, path = "/api/v1/public/wallets/{walletId}/scheduled-operations", tag = "scheduled-operations", request_body = CreateScheduled,
    params(("walletId" = uuid::Uuid, Path, description = "the paying wallet (one of the client's users')")),
    responses((status = 201, description = "created, ACTIVE, with its next date", body = crate::answers::ScheduledOperation),
              (status = 400, description = "a field is wrong (named in the error): amount, alias, receiver, start date in the past, frequency, duration", body = crate::answers::Errors),
              (status = 404, description = "no such wallet", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, has a scheduled operation with this alias, or has as many ACTIVE ones as it may; the favourite receiver is DELETED", body = crate::answers::Errors)))]
pub(crate) async fn create_scheduled(
    State(state): State<ApiState>,
    post: WalletPost<CreateScheduled>,
) -> Result<Response, Problem> {
    let (wallet, body) = (&post.wallet, &post.body);
    let now = state.onboarding.clock.now();
    let alias = fields::line("alias", &body.alias, 100)?;
    let concept = fields::concept(body.concept.clone())?
        .unwrap_or_else(|| format!("Scheduled operation {alias}"));
    let token = state.token_of(wallet).await?;
    let amount = fields::amount("amount", &body.amount, token.chain.decimals)?;
    let account =
        receiver_account(&state, wallet, &body.receiver.kind, &body.receiver.account).await?;
    let schedule = schedule(&body.schedule, now)?;
    ready(wallet, "the paying")?;
    let start = schedule.start;
    let (duration_type, repetitions, end_date) = match (schedule.frequency, schedule.duration) {
        (Frequency::Once, _) => (None, None, None),
        (_, Duration::Endless) => (Some("ENDLESS"), None, None),
        (_, Duration::Repetitions(n)) => (
            Some("NUMBER_OF_REPETITIONS"),
            Some(i32::try_from(n).unwrap_or(i32::MAX)),
            None,
        ),
        (_, Duration::EndDate(end)) => (Some("END_DATE"), None, Some(end)),
    };
    let id = Uuid::new_v4();
    let row = ScheduledRow {
        id,
        wallet_id: wallet.id,
        client_id: post.caller.id,
        alias,
        concept: Some(concept),
        amount: amount.units(),
        receiver_type: body.receiver.kind.clone(),
        receiver_account: account,
        wallet_ledger: Some(wallet.chain_id),
        start_date: start.with_timezone(&Utc),
        start_offset: start.offset().local_minus_utc(),
        frequency: schedule.frequency.as_str().to_owned(),
        duration_type: duration_type.map(str::to_owned),
        repetitions,
        end_date,
        status: "ACTIVE".into(),
        next_seq: 0,
        next_due: Some(start.with_timezone(&Utc)),
        created_at: now,
        updated_at: now,
    };
    let answer = serde_json::to_value(operation(&token.chain, &row)).map_err(Problem::internal)?;
    let request = post.own(NewRequest {
        wallet_id: Some(wallet.id),
        record_id: Some(id),
        details: json!({ "alias": row.alias }),
        calls: json!([]),
        accepted: (StatusCode::CREATED.as_u16(), answer.clone()),
        ..NewRequest::new(RequestKind::CreateScheduledOperation)
    });
    match state
        .store
        .create_scheduled(&request, &row, MAX_ACTIVE)
        .await?
    {
        ScheduledCreated::Created(_) => Ok((StatusCode::CREATED, Json(answer)).into_response()),
        ScheduledCreated::Repeated(first) => Ok(idempotency::replay(&first, &post.fingerprint)),
        ScheduledCreated::AliasTaken(other) => Err(Problem::conflict(format!(
            "wallet {} has a scheduled operation with alias {:?} already: {other}",
            wallet.id, row.alias
        ))),
        ScheduledCreated::TooMany(n) => Err(Problem::conflict(format!(
            "wallet {} has {n} ACTIVE scheduled operations, as many as a wallet may have ({MAX_ACTIVE}): delete one first",
            wallet.id
        ))),
    }
}

/// The receiver's account as stored: a wallet's id (another wallet of the platform), a favourite's id
/// (ACTIVE, of `wallet`) or an IBAN (electronic format).
async fn receiver_account(
    state: &ApiState,
    wallet: &WalletRow,
    kind: &str,
    account: &str,
) -> Result<String, Problem> {
    const FIELD: &str = "receiver.account";
    let kind = ReceiverKind::parse(kind).ok_or_else(|| {
        Problem::bad(
            "receiver.type",
            format!("'{kind}' is not one of IOCASH_WALLET, FAVOURITE_EXTERNAL_BANK_ACCOUNT, EXTERNAL_BANK_ACCOUNT"),
        )
    })?;
    match kind {
        ReceiverKind::Wallet => {
            let id = fields::uuid(FIELD, account)?;
            let target = state
                .store
                .wallet(emtoken_store::WalletRef::Id(id))
                .await?
                .filter(|w| w.user_id.is_some())
                .ok_or_else(|| Problem::bad(FIELD, format!("no wallet with id {id}")))?;
            if state.served_token(target.chain_id).await?.is_none() {
                return Err(Problem::bad(FIELD, format!("no wallet with id {id}")));
            }
            if target.id == wallet.id {
                return Err(Problem::bad(FIELD, "is the paying wallet itself"));
            }
            super::same_token(state, wallet, &target).await?;
            Ok(id.to_string())
        }
        ReceiverKind::Favourite => {
            let id = fields::uuid(FIELD, account)?;
            let favourite = state.store.favourite(wallet.id, id).await?.ok_or_else(|| {
                Problem::bad(
                    FIELD,
                    format!(
                        "wallet {} has no favourite external account {id}",
                        wallet.id
                    ),
                )
            })?;
            if favourite.status != "ACTIVE" {
                return Err(Problem::conflict(format!(
                    "favourite external account {id} is DELETED"
                )));
            }
            Ok(id.to_string())
        }
        ReceiverKind::Iban => Ok(Iban::parse(account)
            .map_err(|e| Problem::bad(FIELD, e))?
            .as_str()
            .to_owned()),
    }
}

/// The wallet's operation with id `id` (path text): 400, 404.
async fn find(state: &ApiState, wallet: &WalletRow, id: &str) -> Result<ScheduledRow, Problem> {
    let id = fields::uuid("scheduledOperationId", id)?;
    state.store.scheduled(wallet.id, id).await?.ok_or_else(|| {
        Problem::not_found(format!(
            "wallet {} has no scheduled operation {id}",
            wallet.id
        ))
    })
}

/// `GET /api/v1/public/wallets/{walletId}/scheduled-operations/{scheduledOperationId}`.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/scheduled-operations/{scheduledOperationId}", tag = "scheduled-operations",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("scheduledOperationId" = uuid::Uuid, Path, description = "the operation")),
    responses((status = 200, description = "the operation", body = crate::answers::ScheduledOperation),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet or operation", body = crate::answers::Errors)))]
pub(crate) async fn get_scheduled(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, id)): Path<(String, String)>,
) -> Result<Json<ScheduledOperation>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    Ok(Json(operation(
        &token.chain,
        &find(&state, &wallet, &id).await?,
    )))
}

/// `GET /api/v1/public/wallets/{walletId}/scheduled-operations`: paged, every status.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/scheduled-operations", tag = "scheduled-operations",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"),
           ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^(createdAt|alias|status|nextDate)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the wallet's scheduled operations", body = crate::answers::Page<crate::answers::ScheduledList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors), (status = 404, description = "no such wallet", body = crate::answers::Errors)))]
pub(crate) async fn list_scheduled(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path(wallet_id): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<ScheduledList>>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let token = state.token_of(&wallet).await?;
    let q = ListQuery::parse(params, &["createdAt", "alias", "status", "nextDate"], &[])?;
    let (rows, total) = state
        .store
        .scheduled_page(wallet.id, &q.sort, q.paging)
        .await?;
    Ok(Json(q.page(
        &list_path(wallet.id),
        ScheduledList {
            scheduled_operations: rows.iter().map(|r| operation(&token.chain, r)).collect(),
        },
        total,
    )))
}

/// `DELETE /api/v1/public/wallets/{walletId}/scheduled-operations/{scheduledOperationId}`: cancels every
/// date to come (an execution already triggered goes on).
#[utoipa::path(delete, path = "/api/v1/public/wallets/{walletId}/scheduled-operations/{scheduledOperationId}", tag = "scheduled-operations",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("scheduledOperationId" = uuid::Uuid, Path, description = "the operation")),
    responses((status = 200, description = "deleted: the operation, DELETED", body = crate::answers::ScheduledOperation),
              (status = 400, description = "an id is not a UUID", body = crate::answers::Errors), (status = 404, description = "no such wallet or operation", body = crate::answers::Errors),
              (status = 409, description = "the wallet is not READY, or the operation is not ACTIVE (DELETED or COMPLETED)", body = crate::answers::Errors)))]
pub(crate) async fn delete_scheduled(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, id)): Path<(String, String)>,
) -> Result<Json<ScheduledOperation>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let row = find(&state, &wallet, &id).await?;
    let token = state.token_of(&wallet).await?;
    ready(&wallet, "the")?;
    let now = state.onboarding.clock.now();
    match state.store.delete_scheduled(wallet.id, row.id, now).await? {
        ScheduledDeleted::Deleted(row) => Ok(Json(operation(&token.chain, &row))),
        ScheduledDeleted::NotActive(row) => Err(Problem::conflict(format!(
            "scheduled operation {} is {}: only an ACTIVE one can be deleted",
            row.id, row.status
        ))),
        ScheduledDeleted::NotFound => Err(Problem::not_found(format!(
            "wallet {} has no scheduled operation {}",
            wallet.id, row.id
        ))),
    }
}

/// `GET /api/v1/public/wallets/{walletId}/scheduled-operations/{scheduledOperationId}/executions`: the
/// dates that came (paged) and up to 10 to come.
#[utoipa::path(get, path = "/api/v1/public/wallets/{walletId}/scheduled-operations/{scheduledOperationId}/executions", tag = "scheduled-operations",
    params(("walletId" = uuid::Uuid, Path, description = "the wallet (one of the client's users')"), ("scheduledOperationId" = uuid::Uuid, Path, description = "the operation"),
           ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^(createdAt|date)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,desc): createdAt is when it was triggered, date the date it was due")),
    responses((status = 200, description = "a page of executions, and the dates to come", body = crate::answers::Page<crate::answers::ExecutionList>),
              (status = 400, description = "a parameter is wrong", body = crate::answers::Errors), (status = 404, description = "no such wallet or operation", body = crate::answers::Errors)))]
pub(crate) async fn list_executions(
    State(state): State<ApiState>,
    ClientCaller(client): ClientCaller,
    Path((wallet_id, id)): Path<(String, String)>,
    Query(mut params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<ExecutionList>>, Problem> {
    let wallet = owned_wallet(&state, &client, "walletId", &wallet_id).await?;
    let row = find(&state, &wallet, &id).await?;
    if !params.iter().any(|(k, _)| k == "sort") {
        params.push(("sort".into(), "createdAt,desc".into()));
    }
    let q = ListQuery::parse(params, &["createdAt", "date"], &[])?;
    let (executions, total) = state
        .store
        .executions_page(row.id, &q.sort, q.paging)
        .await?;
    let schedule = schedule_of(&row);
    let offset = *schedule.start.offset();
    let next = if row.status == "ACTIVE" {
        schedule.dates(u32::try_from(row.next_seq).unwrap_or(u32::MAX), NEXT_DATES)
    } else {
        Vec::new()
    };
    let path = format!("{}/{}/executions", list_path(wallet.id), row.id);
    Ok(Json(
        q.page(
            &path,
            ExecutionList {
                executions: executions
                    .iter()
                    .map(|e| Execution {
                        links: ExecutionLinks {
                            movement: e.movement_id.map(|m| {
                                Link::new(format!("{PUBLIC}/wallets/{}/movements/{m}", wallet.id))
                            }),
                        },
                        id: e.id,
                        status: match e.status.as_str() {
                            "EXECUTED" => ExecutionStatus::Executed,
                            "FAILED" => ExecutionStatus::Failed,
                            _ => ExecutionStatus::Triggered,
                        },
                        date: views::time(e.triggered_at),
                        due_date: zoned(e.due_at, offset),
                        reason: e.reason.clone(),
                        movement_id: e.movement_id,
                    })
                    .collect(),
                scheduled_executions: next
                    .iter()
                    .map(|d| ScheduledExecution {
                        status: ExecutionStatus::Scheduled,
                        date: d.to_rfc3339_opts(SecondsFormat::Millis, false),
                    })
                    .collect(),
            },
            total,
        ),
    ))
}
