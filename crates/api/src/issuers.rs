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

/// A token to deploy for an issuer, as asked (`POST /api/v1/admin/issuers` with `deploy`, `emtoken
/// issuers deploy`): [`deploy_config`] checks it.
#[derive(Debug, Clone)]
pub struct DeployWanted {
    /// The token's name.
    pub name: String,
    /// Its symbol.
    pub symbol: String,
    /// The issuer's admin (and minter-admin) key.
    pub admin: Address,
    /// Who may pause it.
    pub pauser: Address,
    /// Who executes upgrades.
    pub upgrader: Address,
    /// The suspense account of its payouts.
    pub suspense: Address,
    /// What the operator may mint at first, in the currency.
    pub minter_allowance: String,
    /// Per level, its limits.
    pub tiers: Vec<TierWanted>,
}

/// A tier as asked: (level, max balance, max transfer, max 30-day outflow), in the currency (None:
/// unlimited).
pub type TierWanted = (u8, Option<String>, Option<String>, Option<String>);

/// A setting of [`DeployWanted`] that cannot be deployed: which (`admin`, `tiers[1].kycLevel`, …) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {why}")]
pub struct BadSetting {
    /// The setting, as the API's body names it below `deploy`.
    pub field: String,
    /// What is wrong.
    pub why: String,
}

fn bad(field: impl Into<String>, why: impl Into<String>) -> BadSetting {
    BadSetting {
        field: field.into(),
        why: why.into(),
    }
}

/// The most tiers a deployed token starts with.
pub const MAX_TIERS: usize = 32;

/// What the SDK deploys for `wanted`, of `decimals`, with the platform's `operator` and `compliance` keys
/// in their roles: the issuer's keys are none of the platform's, the upgrader is not the admin, the
/// symbol is 1 to 11 letters and digits, the amounts have at most `decimals` decimals (the allowance and
/// any limit more than 0), 1 to [`MAX_TIERS`] tiers, no level twice.
pub fn deploy_config(
    wanted: &DeployWanted,
    decimals: u8,
    operator: Address,
    compliance: Address,
) -> Result<emtoken_sdk::DeployConfig, BadSetting> {
    let name = wanted.name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(bad("name", "must be one line of 1 to 64 characters"));
    }
    let symbol = wanted.symbol.trim();
    if symbol.is_empty() || symbol.len() > 11 || !symbol.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(bad("symbol", "must be 1 to 11 letters and digits"));
    }
    for (field, a) in [
        ("admin", wanted.admin),
        ("pauser", wanted.pauser),
        ("upgrader", wanted.upgrader),
        ("suspense", wanted.suspense),
    ] {
        if a.is_zero() {
            return Err(bad(field, "is the zero address"));
        }
        if a == operator || a == compliance {
            return Err(bad(
                field,
                format!(
                    "{a:#x} is one of the platform's keys: the issuer's roles need keys of its own"
                ),
            ));
        }
    }
    if wanted.upgrader == wanted.admin {
        return Err(bad(
            "upgrader",
            "is the admin: an upgrade needs two keys (the admin proposes, the upgrader executes)",
        ));
    }
    let amount = |field: &str, text: &str| {
        let amount =
            emtoken_sdk::Amount::parse(text, decimals).map_err(|e| bad(field, e.to_string()))?;
        if amount.base_units().is_zero() {
            return Err(bad(field, "must be more than 0"));
        }
        Ok(amount)
    };
    let minter_allowance = amount("minterAllowance", &wanted.minter_allowance)?;
    if wanted.tiers.is_empty() || wanted.tiers.len() > MAX_TIERS {
        return Err(bad("tiers", format!("must have 1 to {MAX_TIERS} levels")));
    }
    let mut tiers = Vec::with_capacity(wanted.tiers.len());
    for (i, (level, balance, transfer, outflow)) in wanted.tiers.iter().enumerate() {
        if wanted.tiers[..i].iter().any(|t| t.0 == *level) {
            return Err(bad(
                format!("tiers[{i}].kycLevel"),
                format!("level {level} is given twice"),
            ));
        }
        let limit = |name: &str, text: &Option<String>| {
            text.as_deref()
                .map(|v| amount(&format!("tiers[{i}].{name}"), v))
                .transpose()
        };
        tiers.push((
            *level,
            emtoken_sdk::Tier {
                max_balance: limit("maxBalance", balance)?,
                max_transfer: limit("maxTransfer", transfer)?,
                max_outflow_30d: limit("maxOutflow30d", outflow)?,
            },
        ));
    }
    Ok(emtoken_sdk::DeployConfig {
        name: name.to_owned(),
        symbol: symbol.to_owned(),
        decimals,
        roles: emtoken_sdk::Roles {
            admin: wanted.admin,
            operator,
            compliance,
            pauser: wanted.pauser,
            upgrader: wanted.upgrader,
            minter_admin: wanted.admin,
        },
        suspense: wanted.suspense,
        minter_allowance,
        tiers,
    })
}
