//! Users: the people and companies a client onboards.

use chrono::NaiveDate;
use emtoken_types::{DocumentType, UserKind, UserStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Link, SelfLink};

/// A user's links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserLinks {
    /// The user.
    #[serde(rename = "self")]
    pub this: Link,
    /// Its wallets (`/api/v1/public/wallets?userId=…`).
    pub wallets: Link,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street, number, floor.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Region or province.
    pub region: Option<String>,
    /// Country, ISO 3166-1 alpha-2.
    pub country: String,
}

/// A company's legal representative: the person who acts for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LegalRepresentative {
    /// Given name(s).
    pub name: String,
    /// First surname.
    pub first_surname: String,
    /// Second surname.
    pub second_surname: Option<String>,
    /// Identity document: DNI, NIE, PASSPORT or ID_CARD.
    pub document_type: DocumentType,
    /// Its number, upper case, without spaces or hyphens.
    pub document_number: String,
    /// Nationality, ISO 3166-1 alpha-2.
    pub nationality: String,
}

/// A client's user. A person has surnames, a birth date and a nationality; a company a country, an
/// incorporation date and a legal representative; the other side's fields are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Links to the user and its wallets.
    #[serde(rename = "_links")]
    pub links: UserLinks,
    /// The user's id.
    pub id: Uuid,
    /// NATURAL (a person) or JURIDICAL (a company).
    pub kind: UserKind,
    /// CREATED, VERIFIED (phone verified), ACTIVATED (first wallet READY) or UNSUBSCRIBED.
    pub status: UserStatus,
    /// Its KYC level: `null` until its phone is verified, then 0 until the compliance side raises it.
    #[schema(minimum = 0, maximum = 255)]
    pub kyc_level: Option<i16>,
    /// The client's id.
    pub client_id: Uuid,
    /// The client's name.
    pub client_alias: String,
    /// A person's given name(s), or a company's legal name.
    pub name: String,
    /// A person's first surname.
    pub first_surname: Option<String>,
    /// A person's second surname.
    pub second_surname: Option<String>,
    /// DNI, NIE, PASSPORT or ID_CARD (a person); CIF or TAX_ID (a company).
    pub document_type: DocumentType,
    /// The document's number, upper case, without spaces or hyphens.
    pub document_number: String,
    /// A person's birth date.
    pub birth_date: Option<NaiveDate>,
    /// A person's nationality, ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    /// A company's incorporation date.
    pub incorporation_date: Option<NaiveDate>,
    /// A company's country, ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// A company's legal representative.
    pub legal_representative: Option<LegalRepresentative>,
    /// Email address.
    pub email: String,
    /// Mobile phone, E.164.
    pub mobile_phone: String,
    /// Whether that phone is verified (false until a code sent to it is given back).
    pub mobile_phone_verified: bool,
    /// Postal address.
    pub address: Address,
    /// The address its wallet has or will have.
    #[schema(value_type = super::HexAddress)]
    pub dlt_address: String,
    /// When it was created.
    #[schema(value_type = super::Timestamp)]
    pub created_at: String,
    /// Its last change.
    #[schema(value_type = super::Timestamp)]
    pub updated_at: String,
}

/// The answer to creating a user (202): CREATED; its phone is to be verified next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserCreated {
    /// The user.
    #[serde(rename = "_links")]
    pub links: SelfLink,
    /// The user's id: keep it for the next steps.
    pub id: Uuid,
    /// NATURAL or JURIDICAL.
    pub kind: UserKind,
    /// CREATED.
    pub status: UserStatus,
    /// The address its wallet will have: the one given, or one generated whose key nobody has.
    #[schema(value_type = super::HexAddress)]
    pub dlt_address: String,
}
