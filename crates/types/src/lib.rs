//! The EmToken vocabulary, one enum per word family, shared by the SDK, the indexer, the store, the API and
//! the CLI (docs/records.md says what each word means):
//!
//! - what the contract stores, by its numbers ([`HoldStatus`], [`OrderStatus`], [`PayoutStatus`],
//!   [`MintKind`], [`FeeKind`]: `TryFrom<u8>`);
//! - what the records say, by their names ([`MovementType`], [`MovementStatus`], [`Outcome`],
//!   [`RecordKind`], [`OrderKind`], [`HoldState`], [`OrderState`], [`WalletStatus`], [`UserKind`],
//!   [`UserStatus`], [`DocumentType`], [`RequestKind`], [`RequestState`], [`ClientRole`]): `as_str` /
//!   `FromStr` / `Display`, serde as the same names, `sqlx::Type` for PostgreSQL TEXT columns (feature
//!   `sqlx`) and `utoipa::ToSchema` (feature `openapi`);
//! - the [`Role`] a movement plays in its record, part of its id.
//!
//! ```
//! use emtoken_types::{HoldState, HoldStatus, MovementType};
//!
//! assert_eq!(MovementType::TransferOut.as_str(), "TRANSFER_OUT");
//! assert_eq!("LOCK".parse::<MovementType>()?, MovementType::Lock);
//! assert_eq!(HoldState::from_chain(HoldStatus::try_from(1)?), Some(HoldState::Created));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// A word or number outside the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unknown {
    /// A name no variant has.
    #[error("'{text}' is not a {vocabulary} (one of: {known})")]
    Name {
        /// Which vocabulary.
        vocabulary: &'static str,
        /// The text, as given.
        text: String,
        /// The names it knows, comma-separated.
        known: String,
    },
    /// A contract number no variant has (a contract newer than this code).
    #[error("{vocabulary} {value} is not known to this version of EmToken")]
    Number {
        /// Which vocabulary.
        vocabulary: &'static str,
        /// The number.
        value: u8,
    },
}

/// The contract's numbered enums: `TryFrom<u8>` and back with `as u8`.
macro_rules! numbered {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value),+
        }

        impl TryFrom<u8> for $name {
            type Error = Unknown;

            fn try_from(value: u8) -> Result<Self, Unknown> {
                match value {
                    $($value => Ok(Self::$variant),)+
                    value => Err(Unknown::Number { vocabulary: stringify!($name), value }),
                }
            }
        }
    };
}

/// The records' named enums: each variant's stored and serialized name, once.
macro_rules! named {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Its name, as stored and shown.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = Unknown;

            fn from_str(text: &str) -> Result<Self, Unknown> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(Unknown::Name {
                        vocabulary: stringify!($name),
                        text: text.to_owned(),
                        known: [$($text),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        // By hand: utoipa's derive does not see serde's renames through a macro's literals.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }

            fn array_compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::postgres::PgHasArrayType>::array_compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'_, sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Postgres>>::decode(value)?;
                Ok(text.parse::<Self>()?)
            }
        }
    };
}

pub mod catalogue;
mod chain;
mod records;

pub use chain::{FeeKind, HoldStatus, MintKind, OrderStatus, PayoutStatus};
pub use records::{
    ClientRole, CommissionOperation, DocumentType, HoldState, MovementStatus, MovementType,
    OrderKind, OrderState, Outcome, RecordKind, RequestKind, RequestState, Role, Rounding,
    UserKind, UserStatus, WalletStatus,
};

#[cfg(test)]
mod tests;
