//! The platform's own accounts, for the bank side: the suspense account (where a payout's funds wait
//! between being put in suspense and the payout's execution or rejection) and the holders of the operator
//! role. They are never a client's wallets; here they are listed with their balances, and the suspense
//! account's movements (SUSPENSE_IN, SUSPENSE_OUT) explain its balance.

use axum::{
    Json,
    extract::{Path, Query, State},
};
use emtoken_store::WalletRow;

use super::movements_of;
use crate::{
    ApiState, ChainInfo, Problem,
    answers::{
        HrefPage, Link, MovementLinks, MovementList, Page, SelfLink, SystemAccount,
        SystemAccountLinks, SystemAccountList, SystemAccounts,
    },
    auth::BankCaller,
    fields, views,
};

/// Base of the system accounts' endpoints.
const SYSTEM: &str = "/api/v1/bank/system-accounts";

fn account(state: &ApiState, chain: &ChainInfo, w: &WalletRow) -> SystemAccount {
    let address = views::hex(&w.address);
    let contract = views::hex(chain.contract.as_slice());
    // The platform's own token's accounts are found by address alone; another token's name it.
    let movements = if chain.contract == state.chain.contract {
        format!("{SYSTEM}/{address}/movements")
    } else {
        format!("{SYSTEM}/{address}/movements?contractAddress={contract}")
    };
    SystemAccount {
        links: SystemAccountLinks {
            movements: Link::new(movements),
        },
        role: w.system_role.clone(),
        id: w.id,
        dlt_address: address,
        dlt_network: chain.network.clone(),
        contract_address: contract,
        currency: chain.currency.clone(),
        issuer_id: chain.issuer_id,
        balance: views::amount(chain, w.balance),
        available_balance: views::amount(chain, w.available()),
        held_balance: views::amount(chain, w.held),
        created_at: w.created_at.map(views::time),
    }
}

/// `GET /api/v1/bank/system-accounts`: the suspense account and the operators, with their role and
/// balances (balance as of final blocks; available and held at the last indexed block).
#[utoipa::path(get, path = "/api/v1/bank/system-accounts", tag = "bank",
    responses((status = 200, description = "the platform's accounts: role (SUSPENSE or OPERATOR), address, balances, link to their movements", body = crate::answers::HrefPage<crate::answers::SystemAccountList>)))]
pub(crate) async fn bank_list_system_accounts(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
) -> Result<Json<SystemAccounts>, Problem> {
    let rows = state.store.system_accounts().await?;
    let tokens = state.tokens_of(rows.iter().map(|w| w.chain_id)).await?;
    let system_accounts = rows
        .iter()
        .filter_map(|w| {
            tokens
                .get(&w.chain_id)
                .map(|token| account(&state, &token.chain, w))
        })
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
/// (payout executed) or sent back to the wallet (rejected); so do the fee account's: COMMISSION_IN, one
/// per commission charged.
#[utoipa::path(get, path = "/api/v1/bank/system-accounts/{address}/movements", tag = "bank",
    params(("address" = String, Path, pattern = r"^0x[0-9a-fA-F]{40}$", description = "the account's address"), ("contractAddress" = Option<String>, Query, pattern = r"^0x[0-9a-fA-F]{40}$", description = "the token whose account it is (default: the platform's own token)"), ("startDate" = Option<String>, Query, format = DateTime, description = "created at or after: RFC 3339, or 2020-02-28 12:00:00 (UTC) or 2020-02-28; after endDate is a 400"), ("endDate" = Option<String>, Query, format = DateTime, description = "created at or before (same forms)"), ("status" = Option<crate::answers::MovementStatus>, Query, description = "only movements with this status"), ("page" = Option<i64>, Query, minimum = 0, maximum = 1000000000, description = "the page, from 0 (default 0)"), ("size" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "items per page (default 20)"), ("sort" = Option<String>, Query, pattern = r"^(createdAt|updatedAt|amount|status|type)(,([aA][sS][cC]|[dD][eE][sS][cC]))?$", description = "field[,asc|desc] (default createdAt,asc)")),
    responses((status = 200, description = "a page of the account's movements", body = crate::answers::Page<crate::answers::MovementList>),
              (status = 400, description = "a bad address or query parameter", body = crate::answers::Errors),
              (status = 404, description = "not a system account (of that token), or not a token the platform serves", body = crate::answers::Errors)))]
pub(crate) async fn bank_system_account_movements(
    State(state): State<ApiState>,
    BankCaller(_bank): BankCaller,
    Path(address): Path<String>,
    Query(mut params): Query<Vec<(String, String)>>,
) -> Result<Json<Page<MovementList>>, Problem> {
    let address = fields::address("address", &address)?;
    // Which token's account (default: the platform's own token's).
    let mut ledger = state.evm_chain_id();
    if let Some(at) = params.iter().position(|(k, _)| k == "contractAddress") {
        let (_, text) = params.remove(at);
        let contract = fields::address("contractAddress", &text)?;
        ledger = state
            .token_at(contract)
            .await?
            .ok_or_else(|| {
                Problem::not_found(format!("{contract:#x} is not a token this platform serves"))
            })?
            .chain
            .chain_id;
    }
    let wallet = state
        .store
        .wallet_on(ledger, address.into_array())
        .await?
        .filter(|w| w.system_role.is_some())
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
