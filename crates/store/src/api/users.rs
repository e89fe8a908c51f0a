use chrono::{DateTime, NaiveDate, Utc};
use emtoken_types::{DocumentType, UserKind, UserStatus};
use uuid::Uuid;

use super::{
    NewRequest, Paging, RequestRow, Sort,
    requests::{answer_request, insert_request},
};
use crate::{Addr, Result, Store};

/// A user a client creates, its values checked by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Its id.
    pub id: Uuid,
    /// The client creating it.
    pub client_id: Uuid,
    /// A person or a company.
    pub kind: UserKind,
    /// A person's given name(s), or a company's legal name.
    pub name: String,
    /// A person's first surname.
    pub first_surname: Option<String>,
    /// A person's second surname, if any.
    pub second_surname: Option<String>,
    /// The identity document.
    pub document_type: DocumentType,
    /// Its number, upper case, without spaces or hyphens.
    pub document_number: String,
    /// A person's birth date.
    pub birth_date: Option<NaiveDate>,
    /// A person's nationality (ISO 3166-1 alpha-2).
    pub nationality: Option<String>,
    /// A company's incorporation date.
    pub incorporation_date: Option<NaiveDate>,
    /// A company's country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// A company's legal representative (the API's JSON).
    pub legal_representative: Option<serde_json::Value>,
    /// Email address.
    pub email: String,
    /// Mobile phone, E.164.
    pub mobile_phone: String,
    /// Postal address.
    pub address: PostalAddress,
    /// The address its wallet will have.
    pub dlt_address: Addr,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    /// Street, number, floor.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Region or province, if any.
    pub region: Option<String>,
    /// Country (ISO 3166-1 alpha-2).
    pub country: String,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRow {
    /// Its id.
    pub id: Uuid,
    /// Its client.
    pub client_id: Uuid,
    /// Its client's name.
    pub client_name: String,
    /// A person or a company.
    pub kind: UserKind,
    /// Where it stands.
    pub status: UserStatus,
    /// Its KYC level (None until its phone is verified).
    pub kyc_level: Option<i16>,
    /// Given name(s) or legal name.
    pub name: String,
    /// First surname (persons).
    pub first_surname: Option<String>,
    /// Second surname (persons, if any).
    pub second_surname: Option<String>,
    /// Identity document.
    pub document_type: DocumentType,
    /// Its number.
    pub document_number: String,
    /// Birth date (persons).
    pub birth_date: Option<NaiveDate>,
    /// Nationality (persons).
    pub nationality: Option<String>,
    /// Incorporation date (companies).
    pub incorporation_date: Option<NaiveDate>,
    /// Country (companies).
    pub country: Option<String>,
    /// Legal representative (companies).
    pub legal_representative: Option<serde_json::Value>,
    /// Email.
    pub email: String,
    /// Mobile phone, E.164.
    pub mobile_phone: String,
    /// Street.
    pub address_street: String,
    /// City.
    pub address_city: String,
    /// Postal code.
    pub address_postal_code: String,
    /// Region.
    pub address_region: Option<String>,
    /// Country of the postal address.
    pub address_country: String,
    /// The address its wallet will have.
    pub dlt_address: Vec<u8>,
    /// When its current phone was verified (None: it needs a code).
    pub phone_verified_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Which users to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersQuery {
    /// The calling client (only its users are listed).
    pub client_id: Uuid,
    /// Sort by createdAt, updatedAt or status.
    pub sort: Sort,
    /// Which page.
    pub paging: Paging,
}

/// What creating a user gave.
#[derive(Debug, Clone, PartialEq)]
pub enum UserCreation {
    /// Created (the row as stored); its request is recorded with its answer.
    Created(Box<UserRow>),
    /// The idempotency key was used before: this is the first request.
    Repeated(Box<RequestRow>),
    /// Not created: the client already has a user with this document or phone, or the address is
    /// already a user's or a wallet's.
    Taken(Taken),
}

/// Why a user cannot be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// The client has a user with this document (its id).
    Document(Uuid),
    /// The client has a user with this mobile phone (its id).
    Phone(Uuid),
    /// The address is another user's (of any client).
    UserAddress,
    /// The address belongs to a wallet of a client's user, or was unsubscribed (the wallet's id).
    WalletAddress(Uuid),
}

macro_rules! user_columns {
    () => {
        "u.id, u.client_id, c.name AS client_name, u.kind, u.status, u.kyc_level, u.name,
         u.first_surname, u.second_surname, u.document_type, u.document_number, u.birth_date,
         u.nationality, u.incorporation_date, u.country, u.legal_representative, u.email,
         u.mobile_phone, u.address_street, u.address_city, u.address_postal_code, u.address_region,
         u.address_country, u.dlt_address, u.phone_verified_at, u.created_at, u.updated_at"
    };
}

impl Store {
    /// Creates `user` and records `request` (the client's, with its idempotency key and the answer it
    /// gets) in one transaction: a retry with the key gets the first request back and creates nothing;
    /// a user the client already has (same document, same phone) or an address already a user's or
    /// a wallet's on chain `chain_id` leaves nothing behind. Nothing is sent anywhere: the request is
    /// done (MINED) and answered at once.
    pub async fn create_user(
        &self,
        request: &NewRequest,
        user: &NewUser,
        chain_id: i64,
    ) -> Result<UserCreation> {
        let mut tx = self.pool().begin().await?;
        if let Some(first) = insert_request(&mut tx, request).await? {
            tx.commit().await?;
            return Ok(UserCreation::Repeated(Box::new(first)));
        }
        if let Some(taken) = taken(&mut tx, user, chain_id).await? {
            tx.rollback().await?;
            return Ok(UserCreation::Taken(taken));
        }
        let inserted = sqlx::query(
            "INSERT INTO users (id, client_id, kind, name, first_surname, second_surname,
                                document_type, document_number, birth_date, nationality,
                                incorporation_date, country, legal_representative, email,
                                mobile_phone, address_street, address_city, address_postal_code,
                                address_region, address_country, dlt_address)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21)",
        )
        .bind(user.id)
        .bind(user.client_id)
        .bind(user.kind)
        .bind(&user.name)
        .bind(&user.first_surname)
        .bind(&user.second_surname)
        .bind(user.document_type)
        .bind(&user.document_number)
        .bind(user.birth_date)
        .bind(&user.nationality)
        .bind(user.incorporation_date)
        .bind(&user.country)
        .bind(&user.legal_representative)
        .bind(&user.email)
        .bind(&user.mobile_phone)
        .bind(&user.address.street)
        .bind(&user.address.city)
        .bind(&user.address.postal_code)
        .bind(&user.address.region)
        .bind(&user.address.country)
        .bind(user.dlt_address)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            // A concurrent creation took the document, phone or address first.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                drop(tx);
                let taken = taken(&mut *self.pool().acquire().await?, user, chain_id).await?;
                return Ok(UserCreation::Taken(taken.unwrap_or(Taken::UserAddress)));
            }
            Err(e) => return Err(e.into()),
        }
        answer_request(&mut tx, request.id).await?;
        let row: UserRow = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u JOIN api_clients c ON c.id = u.client_id WHERE u.id = $1"
        ))
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(UserCreation::Created(Box::new(row)))
    }

    /// The full names of these users (a person's name and surnames, a company's legal name), by id.
    pub async fn user_names(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, concat_ws(' ', name, first_surname, second_surname) FROM users
             WHERE id = ANY($1)",
        )
        .bind(ids)
        .fetch_all(self.pool())
        .await?)
    }

    /// The user with this id, whichever its client.
    pub async fn user(&self, id: Uuid) -> Result<Option<UserRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u JOIN api_clients c ON c.id = u.client_id WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A page of a client's users and the total count.
    pub async fn users_page(&self, q: &UsersQuery) -> Result<(Vec<UserRow>, i64)> {
        let rows: Vec<UserRow> = sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u JOIN api_clients c ON c.id = u.client_id
             WHERE u.client_id = $1
             ORDER BY
               CASE WHEN $2 = 'createdAt' AND NOT $3 THEN u.created_at END ASC,
               CASE WHEN $2 = 'createdAt' AND $3 THEN u.created_at END DESC,
               CASE WHEN $2 = 'updatedAt' AND NOT $3 THEN u.updated_at END ASC,
               CASE WHEN $2 = 'updatedAt' AND $3 THEN u.updated_at END DESC,
               CASE WHEN $2 = 'status' AND NOT $3 THEN u.status END ASC,
               CASE WHEN $2 = 'status' AND $3 THEN u.status END DESC,
               u.id
             LIMIT $4 OFFSET $5"
        ))
        .bind(q.client_id)
        .bind(&q.sort.field)
        .bind(q.sort.desc)
        .bind(q.paging.size)
        .bind(q.paging.offset())
        .fetch_all(self.pool())
        .await?;
        let (total,): (i64,) = sqlx::query_as("SELECT count(*) FROM users WHERE client_id = $1")
            .bind(q.client_id)
            .fetch_one(self.pool())
            .await?;
        Ok((rows, total))
    }
}

/// Why `user` cannot be created, if it cannot: its client's user with the same document or phone, or
/// its address already a user's, or on chain `chain_id` a wallet's of a client's user (or unsubscribed).
async fn taken(
    conn: &mut sqlx::PgConnection,
    user: &NewUser,
    chain_id: i64,
) -> Result<Option<Taken>> {
    let found: Option<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT id, document_type = $2 AND document_number = $3, mobile_phone = $4 FROM users
         WHERE client_id = $1 AND status <> 'UNSUBSCRIBED'
           AND ((document_type = $2 AND document_number = $3) OR mobile_phone = $4)
         ORDER BY (document_type = $2 AND document_number = $3) DESC LIMIT 1",
    )
    .bind(user.client_id)
    .bind(user.document_type)
    .bind(&user.document_number)
    .bind(&user.mobile_phone)
    .fetch_optional(&mut *conn)
    .await?;
    match found {
        Some((id, true, _)) => return Ok(Some(Taken::Document(id))),
        Some((id, _, true)) => return Ok(Some(Taken::Phone(id))),
        _ => {}
    }
    let user_address: Option<(Uuid,)> =
        sqlx::query_as("SELECT id FROM users WHERE dlt_address = $1")
            .bind(user.dlt_address)
            .fetch_optional(&mut *conn)
            .await?;
    if user_address.is_some() {
        return Ok(Some(Taken::UserAddress));
    }
    let wallet: Option<(Uuid,)> = sqlx::query_as(
        "SELECT id FROM wallets
         WHERE chain_id = $1 AND address = $2 AND (user_id IS NOT NULL OR status = 'UNSUBSCRIBED')",
    )
    .bind(chain_id)
    .bind(user.dlt_address)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(wallet.map(|(id,)| Taken::WalletAddress(id)))
}
