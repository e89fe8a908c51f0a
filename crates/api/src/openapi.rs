//! The OpenAPI 3.1 document, generated from the handlers' annotations and the request types.

use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "EmToken platform API",
        description = "Wallets, movements, holds, transfers and cash-outs of the e-money platform, over the EmToken chain index. Authenticate with `Authorization: Bearer <api key>`; every POST takes an optional `Idempotency-Key`. Amounts are decimal strings. Errors: `{\"errors\":[{\"status\":…,\"detail\":…}]}`."
    ),
    paths(
        routes::list_wallets,
        routes::get_wallet,
        routes::create_wallet,
        routes::unsubscribe_wallet,
        routes::list_movements,
        routes::get_movement,
        routes::list_holds,
        routes::get_hold,
        routes::create_hold,
        routes::execute_hold,
        routes::execute_hold_and_keep_open,
        routes::release_hold,
        routes::renew_hold,
        routes::transfer,
        routes::cash_out,
        routes::bank_cash_in,
        routes::bank_list_cash_outs,
        routes::bank_execute_cash_out,
        routes::bank_reject_cash_out,
        routes::bank_set_kyc_level,
        routes::bank_list_holds,
        routes::bank_list_system_accounts,
        routes::bank_system_account_movements,
    ),
    components(schemas(
        routes::CreateWallet,
        routes::CreateHold,
        routes::ExecuteHold,
        routes::ReleaseHold,
        routes::RenewHold,
        routes::Transfer,
        routes::CashOut,
        routes::IbanObject,
        routes::BankCashIn,
        routes::RejectCashOut,
        routes::ExecuteCashOut,
        routes::SetKycLevel,
    ))
)]
struct ApiDoc;

/// The document as JSON.
pub(crate) fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}
