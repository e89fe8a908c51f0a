//! What makes a token an issuer's: the checks the API's `POST /api/v1/admin/issuers` and the CLI's
//! `emtoken issuers add` both make before registering one.

use alloy::primitives::Address;
use emtoken_sdk::{EmTokenClient, Role, TokenFacts};
use emtoken_store::api::CurrencyRow;

/// Why a token was not taken on.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The address holds no EmToken proxy, or one of other decimals than the currency's.
    #[error("{0}")]
    Token(String),
    /// One of the platform's keys does not hold its role on the token (granting it fixes that).
    #[error("{0}")]
    Roles(String),
    /// The chain node could not be read.
    #[error("the chain node cannot be read: {0}")]
    Node(#[from] emtoken_sdk::Error),
}

/// Reads the token at `token` through `reader` (any client on its chain) and checks it can be
/// `currency`'s: an EmToken proxy whose decimals are the currency's, on which `operator` holds the
/// operator role and `compliance` the compliance role.
pub async fn check_token(
    reader: &EmTokenClient,
    token: Address,
    currency: &CurrencyRow,
    operator: Address,
    compliance: Address,
) -> Result<TokenFacts, Refused> {
    let facts = reader
        .inspect_token(token)
        .await?
        .map_err(|e| Refused::Token(e.to_string()))?;
    if i16::from(facts.decimals) != currency.decimals {
        return Err(Refused::Token(format!(
            "the token has {} decimals, currency {} has {}",
            facts.decimals, currency.code, currency.decimals
        )));
    }
    for (account, role, what) in [
        (operator, Role::Operator, "operator"),
        (compliance, Role::Compliance, "compliance"),
    ] {
        if !reader.has_role_on(token, role, account).await? {
            return Err(Refused::Roles(format!(
                "the platform's {what} key {account} does not hold the {what} role on token {token}: grant it first"
            )));
        }
    }
    Ok(facts)
}
