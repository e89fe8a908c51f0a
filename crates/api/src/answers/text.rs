//! The scalar forms of the answers (decimal amounts, hex, times) and the values of their status and type
//! fields, as schemas: the answers keep them as text, the document says what that text can be.

use serde::{Deserialize, Serialize};
use utoipa::{
    ToSchema,
    openapi::{KnownFormat, ObjectBuilder, RefOr, Schema, SchemaFormat, Type, schema::SchemaType},
};

/// A string schema with a pattern, a format, a longest length, a description and an example.
pub(crate) fn text(
    pattern: Option<&str>,
    format: Option<KnownFormat>,
    max_length: Option<usize>,
    what: &str,
    example: &str,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(pattern.map(str::to_owned))
        .format(format.map(SchemaFormat::KnownFormat))
        .max_length(max_length)
        .description(Some(what))
        .examples([serde_json::Value::String(example.to_owned())])
        .into()
}

/// A schema-only type (`$vis struct $name;`) whose schema is a string: pattern, format, longest length,
/// description, example.
macro_rules! text_schema {
    ($(#[$doc:meta])* $vis:vis $name:ident, $pattern:expr, $format:expr, $max:expr, $what:expr, $example:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                $crate::answers::text::text($pattern, $format, $max, $what, $example)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
pub(crate) use text_schema;

/// A string schema of these values only, with a description and an example.
pub(crate) fn one_of(values: &[&str], what: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(values.iter().copied()))
        .description(Some(what))
        .examples([serde_json::Value::String(example.to_owned())])
        .into()
}

/// A schema-only type (`$vis struct $name;`) whose schema is a string of the `$values` only.
macro_rules! enum_schema {
    ($(#[$doc:meta])* $vis:vis $name:ident, $values:expr, $what:expr, $example:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        $vis struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                $crate::answers::text::one_of(&$values, $what, $example)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
pub(crate) use enum_schema;

/// The pattern of an amount as answers give it and requests take it: digits, at most one '.', no sign,
/// no leading zeros (the token's decimals bound the fraction; see [`crate::fields`]).
pub(crate) const AMOUNT_PATTERN: &str = r"^(0|[1-9][0-9]{0,59})(\.[0-9]{1,18})?$";

text_schema!(
    /// Schema of an amount: an exact decimal string.
    pub DecimalAmount,
    Some(AMOUNT_PATTERN),
    None,
    None,
    "An amount of money, an exact decimal string (never a JSON number).",
    "12.50"
);
text_schema!(
    /// Schema of an address: 0x and 40 hex digits.
    pub HexAddress,
    Some("^0x[0-9a-fA-F]{40}$"),
    None,
    None,
    "An address on the chain: 0x followed by 40 hex digits.",
    "0x485de9f4580ededb5b16a84028e4bac64434c36d"
);
text_schema!(
    /// Schema of a hash or key: 0x and 64 hex digits.
    pub HexBytes,
    Some("^0x[0-9a-f]{64}$"),
    None,
    None,
    "32 bytes (a hash or a record key): 0x followed by 64 hex digits.",
    "0x5b5e1d6b2b4c1e2f0a9b8c7d6e5f40312233445566778899aabbccddeeff0011"
);
text_schema!(
    /// Schema of a time: RFC 3339 in UTC with milliseconds.
    pub Timestamp,
    None,
    Some(KnownFormat::DateTime),
    None,
    "A time, RFC 3339 in UTC with milliseconds.",
    "2026-03-01T10:04:45.000Z"
);

/// The status of an answer given while the chain has not decided yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Accepted {
    /// On its way: follow the movement, hold or wallet named in the answer.
    Pending,
}

/// A hold's status as the API shows it: the platform's latest request about it while on its way or
/// failed, else the chain's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum HoldStatus {
    Created,
    Renewed,
    Executed,
    ExecutedAndKeptOpen,
    ReleasedByNotary,
    ReleasedByPayee,
    ReleasedOnExpiration,
    CreationRequested,
    PendingDltCreation,
    CreationFailed,
    ExecutionRequested,
    PendingDltExecution,
    ExecutionFailed,
    ExecutionAndKeepOpenRequested,
    PendingDltExecuteAndKeptOpen,
    ExecutionAndKeptOpenFailed,
    ReleaseRequested,
    PendingDltRelease,
    ReleaseFailed,
    RenewalRequested,
    PendingDltRenewal,
    RenewalFailed,
    /// Expired: the platform's release is on its way (RELEASED_ON_EXPIRATION once indexed).
    PendingDltExpiration,
}

impl From<emtoken_types::HoldState> for HoldStatus {
    /// The chain's status, as the answer shows it once no request of the platform is on its way.
    fn from(state: emtoken_types::HoldState) -> Self {
        use emtoken_types::HoldState as S;
        match state {
            S::Created => HoldStatus::Created,
            S::Renewed => HoldStatus::Renewed,
            S::Executed => HoldStatus::Executed,
            S::ExecutedAndKeptOpen => HoldStatus::ExecutedAndKeptOpen,
            S::ReleasedByNotary => HoldStatus::ReleasedByNotary,
            S::ReleasedByPayee => HoldStatus::ReleasedByPayee,
            S::ReleasedOnExpiration => HoldStatus::ReleasedOnExpiration,
        }
    }
}

impl std::fmt::Display for HoldStatus {
    /// Its name in answers (`PENDING_DLT_CREATION`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => f.write_str(&name),
            _ => write!(f, "{self:?}"),
        }
    }
}

/// Where a payout waiting for the bank stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum PayoutStatus {
    Ordered,
    InProcess,
    FundsInSuspense,
}

/// The bank's decision on a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// Paid: the funds are burnt.
    Execute,
    /// Not paid: the funds go back to the wallet.
    Reject,
}

/// The role of one of the platform's own accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SystemRole {
    /// Where payouts' funds wait.
    Suspense,
    /// Where commissions are paid (its COMMISSION_IN movements sum to its balance).
    Fees,
    /// A holder of the operator role.
    Operator,
}
