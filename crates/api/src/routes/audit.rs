//! `GET /api/v1/bank/audit-log`: the audit trail of writes, for the bank side.

use axum::{
    Json,
    extract::{Query, State},
};
use emtoken_store::api::{AuditQuery, AuditRow};

use crate::{
    ApiState, Problem,
    answers::{AuditEntry, AuditList, AuditedRequest, Page},
    auth::BankCaller,
    fields,
    paging::ListQuery,
    views,
};

fn entry(row: &AuditRow) -> AuditEntry {
    AuditEntry {
        id: row.id,
        at: views::time(row.at),
        actor: row.actor.clone(),
        client_id: row.client_id,
        key_id: row.key_id.clone(),
        request_id: row.request_id.clone(),
        method: row.method.clone(),
        route: row.route.clone(),
        path: row.path.clone(),
        status: row.status,
        idempotency_key: row.idempotency_key.clone(),
        duration_ms: row.duration_ms,
        request: row.api_request_id.map(|id| AuditedRequest {
            id,
            kind: row.kind.clone(),
            state: row.state.clone(),
            wallet_id: row.wallet_id,
            transaction_hash: row.tx_hash.as_deref().map(views::hex),
        }),
    }
}

/// `GET /api/v1/bank/audit-log`: every write to the API (and the command line's key changes), paged,
/// with filters.
#[utoipa::path(get, path = "/api/v1/bank/audit-log", tag = "bank",
    params(("clientId" = Option<uuid::Uuid>, Query, description = "only this client's writes"),
           ("requestId" = Option<String>, Query, pattern = "^[!-~]{1,64}$", description = "only the write with this request id (X-Request-Id: 1 to 64 visible characters)"),
           ("walletId" = Option<uuid::Uuid>, Query, description = "only writes whose request is about this wallet"),
           ("method" = Option<String>, Query, pattern = "^(POST|PUT|PATCH|DELETE|CLI)$", description = "only this method"),
           ("status" = Option<i64>, Query, minimum = 100, maximum = 599, description = "only answers with this status"),
           ("from" = Option<String>, Query, format = DateTime, description = "only writes at or after this time: RFC 3339, or 2020-02-28 12:00:00 (UTC) or 2020-02-28"),
           ("to" = Option<String>, Query, format = DateTime, description = "only writes before this time (same forms)"),
           ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"),
           ("sort" = Option<String>, Query, pattern = r"^at(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "at[,asc|desc] (default at,asc)")),
    responses((status = 200, description = "a page of the audit trail", body = crate::answers::Page<crate::answers::AuditList>),
              (status = 400, description = "a query parameter is wrong", body = crate::answers::Errors)))]
pub(crate) async fn bank_audit_log(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<AuditList>>, Problem> {
    let q = ListQuery::parse(
        params,
        &["at"],
        &[
            "clientId",
            "requestId",
            "walletId",
            "method",
            "status",
            "from",
            "to",
        ],
    )?;
    let get = |name: &str| q.filters.get(name).map(String::as_str);
    let uuid = |name: &str| get(name).map(|v| fields::uuid(name, v)).transpose();
    let date = |name: &str| get(name).map(|v| fields::filter_date(name, v)).transpose();
    let method = match get("method") {
        None => None,
        Some(m @ ("POST" | "PUT" | "PATCH" | "DELETE" | "CLI")) => Some(m.to_owned()),
        Some(other) => {
            return Err(Problem::bad(
                "method",
                format!("must be POST, PUT, PATCH, DELETE or CLI, got '{other}'"),
            ));
        }
    };
    let status = get("status")
        .map(|v| {
            v.parse::<i16>()
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    Problem::bad(
                        "status",
                        format!("must be an HTTP status, 100 to 599, got '{v}'"),
                    )
                })
        })
        .transpose()?;
    let request_id = match get("requestId") {
        Some(v) if v.is_empty() || v.len() > 64 || !v.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err(Problem::bad(
                "requestId",
                "must be 1 to 64 visible ASCII characters",
            ));
        }
        other => other.map(str::to_owned),
    };
    let query = AuditQuery {
        client_id: uuid("clientId")?,
        request_id,
        wallet_id: uuid("walletId")?,
        method,
        status,
        from: date("from")?,
        to: date("to")?,
        desc: q.sort.desc,
    };
    let (rows, total) = state.store.audit_log(&query, q.paging).await?;
    Ok(Json(q.page(
        "/api/v1/bank/audit-log",
        AuditList {
            audit_log: rows.iter().map(entry).collect(),
        },
        total,
    )))
}
