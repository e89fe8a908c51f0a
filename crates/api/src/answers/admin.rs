//! The administrator's catalogue: currencies, issuers and banks.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Link, SelfLink};

/// A currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Currency {
    /// Links: itself.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// Its id.
    pub id: Uuid,
    /// Three capital letters (ISO 4217's form), unique.
    #[schema(example = "EUR")]
    pub code: String,
    /// Its name.
    #[schema(example = "Euro")]
    pub name: String,
    /// The decimals of its tokens (amounts of this currency have at most this many).
    #[schema(example = 2, minimum = 0, maximum = 18)]
    pub decimals: u8,
    /// When it was created.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// Currencies, under `currencies`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyList {
    /// The currencies.
    pub currencies: Vec<Currency>,
}

/// Links of an issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssuerLinks {
    /// The issuer.
    #[serde(rename = "self")]
    pub this: Link,
    /// The currency it issues.
    pub currency: Link,
}

/// An issuer of a currency, with its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Issuer {
    /// Links: itself and its currency.
    #[serde(rename = "_links")]
    pub links: IssuerLinks,
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its legal identifier (e.g. its LEI or registration number), unique.
    pub legal_id: String,
    /// The currency it issues.
    pub currency_id: Uuid,
    /// That currency's code.
    pub currency_code: String,
    /// The token's chain.
    pub chain_id: i64,
    /// The token: its EmToken proxy, 0x and 40 hex digits.
    pub token_address: String,
    /// The token's name, as the contract says.
    pub token_name: String,
    /// The token's symbol, as the contract says.
    pub token_symbol: String,
    /// When it was registered.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// Issuers, under `issuers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuerList {
    /// The issuers.
    pub issuers: Vec<Issuer>,
}

/// A bank of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bank {
    /// Links: itself.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// Its id (top-ups and withdrawals name it).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its BIC (ISO 9362, the SWIFT code), unique.
    #[schema(example = "DEUTDEFF")]
    pub bic: String,
    /// Its country (ISO 3166-1 alpha-2: the BIC's country letters).
    #[schema(example = "DE")]
    pub country: String,
    /// When it was added.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// Banks, under `banks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankList {
    /// The banks.
    pub banks: Vec<Bank>,
}

/// Links of a commission profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommissionLinks {
    /// The profile.
    #[serde(rename = "self")]
    pub this: Link,
    /// Where new terms are posted.
    pub versions: Link,
    /// Its currency.
    pub currency: Link,
}

/// A version of a commission profile's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissionVersion {
    /// Its id.
    pub id: Uuid,
    /// From when it applies.
    #[schema(value_type = super::Timestamp)]
    pub valid_from: String,
    /// False: from then on the profile charges nothing of its own.
    pub active: bool,
    /// The fixed part, a decimal string.
    pub fixed: String,
    /// The percentage of the amount, a decimal string.
    pub percent: String,
    /// The least commission.
    pub minimum: String,
    /// The most commission (null: none).
    pub maximum: Option<String>,
    /// How the commission is rounded to the currency's decimals.
    pub rounding: emtoken_types::Rounding,
    /// When it was recorded.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// A commission profile with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissionProfile {
    /// Links: itself, its versions, its currency.
    #[serde(rename = "_links")]
    pub links: CommissionLinks,
    /// Its id.
    pub id: Uuid,
    /// The operation it prices.
    pub operation: emtoken_types::CommissionOperation,
    /// The currency.
    pub currency_id: Uuid,
    /// That currency's code.
    pub currency_code: String,
    /// The KYC level it is for (null: every level without a profile of its own).
    pub kyc_level: Option<u8>,
    /// The version in force now (null: none yet).
    pub current_version_id: Option<Uuid>,
    /// Every version, oldest first.
    pub versions: Vec<CommissionVersion>,
    /// When it was created.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
}

/// Commission profiles, under `commissions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissionProfileList {
    /// The profiles.
    pub commissions: Vec<CommissionProfile>,
}

/// What an operation of an amount charges now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommissionQuote {
    /// The operation.
    pub operation: emtoken_types::CommissionOperation,
    /// The amount asked for.
    #[schema(value_type = super::DecimalAmount)]
    pub amount: String,
    /// The commission.
    #[schema(value_type = super::DecimalAmount)]
    pub commission: String,
    /// For a cash-in what reaches the wallet (amount − commission), otherwise what leaves it (amount +
    /// commission).
    #[schema(value_type = super::DecimalAmount)]
    pub total: String,
    /// The currency's code (null: the wallet's token has no issuer registered, so no commission applies).
    pub currency: Option<String>,
    /// The terms that priced it (null: none applies, the commission is 0).
    pub commission_version_id: Option<Uuid>,
}
