//! The platform's own accounts, for the bank side: the suspense account (where a payout's funds wait
//! between being put in suspense and the payout's execution or rejection) and the holders of the operator
//! role. They are never a client's wallets; here they are listed with their balances, and the suspense
//! account's movements (SUSPENSE_IN, SUSPENSE_OUT) explain its balance.

use axum::{
    Json,
    extract::{Path, Query, State},
};
use emtoken_store::{WalletRef, WalletRow};

use super::movements_of;
use crate::{
    ApiState, Problem,
    answers::{
        HrefPage, Link, MovementLinks, MovementList, Page, SelfLink, SystemAccount,
        SystemAccountLinks, SystemAccountList, SystemAccounts,
    },
    auth::BankCaller,
    fields, views,
};

/// Base of the system accounts' endpoints.
const SYSTEM: &str = "/api/v1/bank/system-accounts";

fn account(state: &ApiState, w: &WalletRow) -> SystemAccount {
    let address = views::hex(&w.address);
    SystemAccount {
        links: SystemAccountLinks {
            movements: Link::new(format!("{SYSTEM}/{address}/movements")),
        },
        role: w.system_role.clone(),
        id: w.id,
        dlt_address: address,
        dlt_network: state.chain.network.clone(),
        balance: views::amount(state, w.balance),
        available_balance: views::amount(state, w.available()),
        held_balance: views::amount(state, w.held),
        created_at: w.created_at.map(views::time),
    }
}

/// `GET /api/v1/bank/system-accounts`: the suspense account and the operators, with their role and
/// balances (balance as of final blocks; available and held at the last indexed block).
#[utoipa::path(get, path = "/api/v1/bank/system-accounts", tag = "bank",
    responses((status = 200, description = "the platform's accounts: role (SUSPENSE or OPERATOR), address, balances, link to their movements"),
              (status = 401), (status = 403)))]
pub(crate) async fn bank_list_system_accounts(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
) -> Result<Json<SystemAccounts>, Problem> {
    let rows = state.store.system_accounts().await?;
    let system_accounts = rows
        .iter()
        .filter(|w| w.chain_id == state.chain.chain_id)
        .map(|w| account(&state, w))
        .collect();
    Ok(Json(HrefPage {
        links: SelfLink {
            this: Link::new(SYSTEM),
        },
        embedded: SystemAccountList { system_accounts },
    }))
}

/// `GET /api/v1/bank/system-accounts/{address}/movements`: a system account's movements, paged, sorted
/// and filtered like a wallet's (`startDate`, `endDate`, `status`). The suspense account's SUCCESS
/// movements sum to its balance: SUSPENSE_IN a payout's funds put in suspense, SUSPENSE_OUT burnt
/// (payout executed) or sent back to the wallet (rejected).
#[utoipa::path(get, path = "/api/v1/bank/system-accounts/{address}/movements", tag = "bank",
    params(("address" = String, Path, description = "the account's address, 0x + 40 hex digits"),
           ("startDate" = Option<String>, Query), ("endDate" = Option<String>, Query),
           ("status" = Option<String>, Query, description = "PENDING|SUCCESS|ERROR"),
           ("page" = Option<i64>, Query), ("size" = Option<i64>, Query),
           ("sort" = Option<String>, Query, description = "createdAt|updatedAt|amount|status|type, asc|desc")),
    responses((status = 200, description = "HAL page of movements"), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub(crate) async fn bank_system_account_movements(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Path(address): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<MovementList>>, Problem> {
    let address = fields::address("address", &address)?;
    let wallet = state
        .store
        .wallet(WalletRef::Address(address.into_array()))
        .await?
        .filter(|w| w.chain_id == state.chain.chain_id && w.system_role.is_some())
        .ok_or_else(|| Problem::not_found(format!("{address} is not a system account")))?;
    let (q, items, total) = movements_of(&state, &wallet, params).await?;
    let base = format!("{SYSTEM}/{}/movements", views::hex(&wallet.address));
    let movements = items
        .into_iter()
        .map(|mut item| {
            // Its own links: the account is not a client's wallet, so the public ones to it do not apply.
            item.links = MovementLinks {
                movements: Some(Link::new(base.clone())),
                system_accounts: Some(Link::new(SYSTEM)),
                ..item.links
            };
            item.links.this = None;
            item.links.wallet = None;
            item
        })
        .collect();
    Ok(Json(q.page(&base, MovementList { movements }, total)))
}
