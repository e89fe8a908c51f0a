//! What a request to create a user carries, and its checks: every field in its stored form, or a 400
//! naming it (`address.postalCode`, `legalRepresentative.documentNumber`, …).

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use chrono::NaiveDate;
use emtoken_store::{
    api::{NewUser, PostalAddress},
    vocabulary::{DocumentType, UserKind},
};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    Problem,
    answers::{LegalRepresentative, text::text_schema},
    contact, fields, identity,
};

/// Longest name, surname, city or region.
const MAX_NAME: usize = 100;
/// Longest company name or street.
const MAX_LONG: usize = 200;

text_schema!(
    /// Schema of a name, surname, city or region.
    pub(crate) Name,
    Some(fields::LINE),
    None,
    Some(MAX_NAME),
    "1 to 100 characters, not only spaces, no control characters (the spaces around it are dropped).",
    "Ana María"
);
text_schema!(
    /// Schema of a company's legal name or a street.
    pub(crate) LongName,
    Some(fields::LINE),
    None,
    Some(MAX_LONG),
    "1 to 200 characters, not only spaces, no control characters (the spaces around it are dropped).",
    "Calle Mayor 1, 2º B"
);
text_schema!(
    /// Schema of a postal code.
    pub(crate) PostalCode,
    Some("^[0-9A-Za-z][0-9A-Za-z -]{0,15}$"),
    None,
    Some(16),
    "1 to 16 letters, digits, spaces and hyphens, starting with a letter or digit.",
    "28013"
);

/// A person (`POST /api/v2/public/users/natural`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({
    "name": "Ana María", "firstSurname": "García", "secondSurname": "López", "documentType": "DNI",
    "documentNumber": "12345678Z", "birthDate": "1990-05-17", "nationality": "ES",
    "email": "ana@example.com", "mobilePhone": "+34600123456",
    "address": { "street": "Calle Mayor 1, 2º B", "city": "Madrid", "postalCode": "28013",
                 "region": "Madrid", "country": "ES" }
}))]
pub(crate) struct CreateNaturalUser {
    /// Given name(s).
    #[schema(value_type = Name)]
    name: String,
    /// First surname.
    #[schema(value_type = Name)]
    first_surname: String,
    /// Second surname, if the person has one.
    #[schema(value_type = Option<Name>)]
    second_surname: Option<String>,
    /// The identity document.
    #[schema(value_type = crate::identity::PersonDocumentType)]
    document_type: String,
    /// Its number.
    #[schema(value_type = crate::identity::DocumentNumber)]
    document_number: String,
    /// Birth date: the person must be 18 or older.
    #[schema(value_type = crate::identity::BirthDate)]
    birth_date: String,
    /// Nationality.
    #[schema(value_type = crate::identity::CountryCode)]
    nationality: String,
    /// Email address.
    #[schema(value_type = crate::contact::Email)]
    email: String,
    /// Mobile phone (where the verification code will be sent).
    #[schema(value_type = crate::contact::MobilePhone)]
    mobile_phone: String,
    /// Postal address.
    address: NewAddress,
    /// The address the user's wallet will have; without it the platform generates one and keeps no
    /// key. A mixed-case address must carry its EIP-55 checksum (400).
    #[schema(value_type = Option<crate::answers::HexAddress>)]
    pub(super) dlt_address: Option<String>,
}

/// A company (`POST /api/v2/public/users/juridical`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(example = json!({
    "name": "Construcciones Pérez S.L.", "documentType": "CIF", "documentNumber": "B12345674",
    "incorporationDate": "2015-09-01", "country": "ES", "email": "admin@perez.example.es",
    "mobilePhone": "+34600654321",
    "address": { "street": "Avenida del Puerto 12", "city": "Valencia", "postalCode": "46023",
                 "country": "ES" },
    "legalRepresentative": { "name": "Luis", "firstSurname": "Pérez", "documentType": "NIE",
                             "documentNumber": "X1234567L", "nationality": "PT" }
}))]
pub(crate) struct CreateJuridicalUser {
    /// Legal name.
    #[schema(value_type = LongName)]
    name: String,
    /// The identity document.
    #[schema(value_type = crate::identity::CompanyDocumentType)]
    document_type: String,
    /// Its number.
    #[schema(value_type = crate::identity::DocumentNumber)]
    document_number: String,
    /// Incorporation date.
    #[schema(value_type = crate::identity::IncorporationDate)]
    incorporation_date: String,
    /// Country of incorporation.
    #[schema(value_type = crate::identity::CountryCode)]
    country: String,
    /// Email address.
    #[schema(value_type = crate::contact::Email)]
    email: String,
    /// Mobile phone (where the verification code will be sent).
    #[schema(value_type = crate::contact::MobilePhone)]
    mobile_phone: String,
    /// Registered address.
    address: NewAddress,
    /// The person who acts for the company.
    legal_representative: NewLegalRepresentative,
    /// The address the user's wallet will have; without it the platform generates one and keeps no
    /// key. A mixed-case address must carry its EIP-55 checksum (400).
    #[schema(value_type = Option<crate::answers::HexAddress>)]
    pub(super) dlt_address: Option<String>,
}

/// A postal address in a request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewAddress {
    /// Street, number, floor.
    #[schema(value_type = LongName)]
    street: String,
    /// City.
    #[schema(value_type = Name)]
    city: String,
    /// Postal code.
    #[schema(value_type = PostalCode)]
    postal_code: String,
    /// Region or province.
    #[schema(value_type = Option<Name>)]
    region: Option<String>,
    /// Country.
    #[schema(value_type = crate::identity::CountryCode)]
    country: String,
}

/// A company's legal representative in a request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewLegalRepresentative {
    /// Given name(s).
    #[schema(value_type = Name)]
    name: String,
    /// First surname.
    #[schema(value_type = Name)]
    first_surname: String,
    /// Second surname, if any.
    #[schema(value_type = Option<Name>)]
    second_surname: Option<String>,
    /// The identity document.
    #[schema(value_type = crate::identity::PersonDocumentType)]
    document_type: String,
    /// Its number.
    #[schema(value_type = crate::identity::DocumentNumber)]
    document_number: String,
    /// Nationality.
    #[schema(value_type = crate::identity::CountryCode)]
    nationality: String,
}

impl NewAddress {
    /// The address, checked (400 naming `address.<field>`).
    fn checked(&self) -> Result<PostalAddress, Problem> {
        let code = self.postal_code.as_bytes();
        let code_ok = (1..=16).contains(&code.len())
            && code[0].is_ascii_alphanumeric()
            && code
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-'));
        if !code_ok {
            return Err(Problem::bad(
                "address.postalCode",
                format!(
                    "'{}' is not a postal code: 1 to 16 letters, digits, spaces and hyphens",
                    self.postal_code
                ),
            ));
        }
        Ok(PostalAddress {
            street: fields::line("address.street", &self.street, MAX_LONG)?,
            city: fields::line("address.city", &self.city, MAX_NAME)?,
            postal_code: self.postal_code.clone(),
            region: optional("address.region", self.region.as_deref())?,
            country: identity::country("address.country", &self.country)?,
        })
    }
}

impl NewLegalRepresentative {
    /// The representative, checked (400 naming `legalRepresentative.<field>`).
    fn checked(&self) -> Result<LegalRepresentative, Problem> {
        let document_type = identity::document_type(
            "legalRepresentative.documentType",
            &self.document_type,
            &DocumentType::PERSON,
        )?;
        Ok(LegalRepresentative {
            name: fields::line("legalRepresentative.name", &self.name, MAX_NAME)?,
            first_surname: fields::line(
                "legalRepresentative.firstSurname",
                &self.first_surname,
                MAX_NAME,
            )?,
            second_surname: optional(
                "legalRepresentative.secondSurname",
                self.second_surname.as_deref(),
            )?,
            document_type,
            document_number: identity::document(
                "legalRepresentative.documentNumber",
                document_type,
                &self.document_number,
            )?,
            nationality: identity::country("legalRepresentative.nationality", &self.nationality)?,
        })
    }
}

/// An optional name.
fn optional(field: &str, text: Option<&str>) -> Result<Option<String>, Problem> {
    text.map(|t| fields::line(field, t, MAX_NAME)).transpose()
}

impl CreateNaturalUser {
    /// The person as `client`'s new user, every field checked (`today`: for the age).
    pub(crate) fn checked(&self, client: Uuid, today: NaiveDate) -> Result<NewUser, Problem> {
        let document_type =
            identity::document_type("documentType", &self.document_type, &DocumentType::PERSON)?;
        Ok(NewUser {
            id: Uuid::new_v4(),
            client_id: client,
            kind: UserKind::Natural,
            name: fields::line("name", &self.name, MAX_NAME)?,
            first_surname: Some(fields::line("firstSurname", &self.first_surname, MAX_NAME)?),
            second_surname: optional("secondSurname", self.second_surname.as_deref())?,
            document_type,
            document_number: identity::document(
                "documentNumber",
                document_type,
                &self.document_number,
            )?,
            birth_date: Some(identity::birth_date("birthDate", &self.birth_date, today)?),
            nationality: Some(identity::country("nationality", &self.nationality)?),
            incorporation_date: None,
            country: None,
            legal_representative: None,
            email: contact::email("email", &self.email)?,
            mobile_phone: contact::phone("mobilePhone", &self.mobile_phone)?,
            address: self.address.checked()?,
            dlt_address: wallet_address(self.dlt_address.as_deref())?,
        })
    }
}

impl CreateJuridicalUser {
    /// The company as `client`'s new user, every field checked (`today`: for the incorporation).
    pub(crate) fn checked(&self, client: Uuid, today: NaiveDate) -> Result<NewUser, Problem> {
        let document_type =
            identity::document_type("documentType", &self.document_type, &DocumentType::COMPANY)?;
        let representative = self.legal_representative.checked()?;
        Ok(NewUser {
            id: Uuid::new_v4(),
            client_id: client,
            kind: UserKind::Juridical,
            name: fields::line("name", &self.name, MAX_LONG)?,
            first_surname: None,
            second_surname: None,
            document_type,
            document_number: identity::document(
                "documentNumber",
                document_type,
                &self.document_number,
            )?,
            birth_date: None,
            nationality: None,
            incorporation_date: Some(identity::incorporation_date(
                "incorporationDate",
                &self.incorporation_date,
                today,
            )?),
            country: Some(identity::country("country", &self.country)?),
            legal_representative: Some(
                serde_json::to_value(representative).map_err(Problem::internal)?,
            ),
            email: contact::email("email", &self.email)?,
            mobile_phone: contact::phone("mobilePhone", &self.mobile_phone)?,
            address: self.address.checked()?,
            dlt_address: wallet_address(self.dlt_address.as_deref())?,
        })
    }
}

/// The address the user's wallet will have: the one given (EIP-55 checked when mixed case), or a new
/// one whose key is thrown away at once.
fn wallet_address(text: Option<&str>) -> Result<[u8; 20], Problem> {
    let address: Address = match text {
        Some(text) => fields::address("dltAddress", text)?,
        None => PrivateKeySigner::random().address(),
    };
    Ok(address.0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's example of a body (what /docs offers and Schemathesis sends first).
    fn example(name: &str) -> serde_json::Value {
        let doc = crate::openapi::document(2);
        let schema = &doc["components"]["schemas"][name];
        let example = schema
            .get("example")
            .or_else(|| schema["examples"].get(0))
            .cloned();
        example.unwrap_or_else(|| panic!("{name} has no example: {schema}"))
    }

    #[test]
    fn the_documents_examples_are_users() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let person: CreateNaturalUser =
            serde_json::from_value(example("CreateNaturalUser")).unwrap();
        let person = person.checked(Uuid::nil(), today).unwrap();
        assert_eq!(person.document_number, "12345678Z");
        let company: CreateJuridicalUser =
            serde_json::from_value(example("CreateJuridicalUser")).unwrap();
        let company = company.checked(Uuid::nil(), today).unwrap();
        assert_eq!(company.kind, UserKind::Juridical);
        assert_eq!(company.legal_representative.unwrap()["documentType"], "NIE");
    }
}
