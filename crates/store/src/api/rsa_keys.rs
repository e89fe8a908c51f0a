//! Clients' RSA public keys: the key the API seals a client's temporal card keys with (docs/api.md, Card
//! data). A client has at most one active key; setting a new one retires the previous in the same
//! transaction. Keys are stored as given (SubjectPublicKeyInfo DER); parsing and checking them is the
//! caller's (the API crate's `cards` module).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store};

/// A client's RSA public key.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RsaKeyRow {
    /// Its id.
    pub id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// The key: SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
    /// SHA-256 of `spki_der`.
    pub fingerprint: Vec<u8>,
    /// When it was set.
    pub created_at: DateTime<Utc>,
    /// When a newer key replaced it (None: the active one).
    pub retired_at: Option<DateTime<Utc>>,
}

/// The columns of [`RsaKeyRow`].
macro_rules! columns {
    () => {
        "id, client_id, spki_der, fingerprint, created_at, retired_at"
    };
}

impl Store {
    /// Makes `spki_der` (with its SHA-256 `fingerprint`) the client's active RSA key, retiring the one it
    /// had, in one transaction. Returns the new row and the retired one's fingerprint, if any.
    pub async fn set_client_rsa_key(
        &self,
        client_id: Uuid,
        spki_der: &[u8],
        fingerprint: [u8; 32],
    ) -> Result<(RsaKeyRow, Option<Vec<u8>>)> {
        let mut tx = self.pool().begin().await?;
        // The client's row, locked: two rotations of one client's key take turns.
        let client: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM api_clients WHERE id = $1 FOR UPDATE")
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?;
        if client.is_none() {
            return Err(crate::Error::Conflict(format!(
                "no client with id {client_id}"
            )));
        }
        let retired: Option<(Vec<u8>,)> = sqlx::query_as(
            "UPDATE client_rsa_keys SET retired_at = clock_timestamp()
             WHERE client_id = $1 AND retired_at IS NULL RETURNING fingerprint",
        )
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
        let row: RsaKeyRow = sqlx::query_as(concat!(
            "INSERT INTO client_rsa_keys (id, client_id, spki_der, fingerprint) VALUES ($1, $2, $3, $4)
             RETURNING ",
            columns!()
        ))
        .bind(Uuid::new_v4())
        .bind(client_id)
        .bind(spki_der)
        .bind(fingerprint)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((row, retired.map(|(f,)| f)))
    }

    /// The client's active RSA key, if it registered one.
    pub async fn client_rsa_key(&self, client_id: Uuid) -> Result<Option<RsaKeyRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM client_rsa_keys WHERE client_id = $1 AND retired_at IS NULL"
        ))
        .bind(client_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The client named `name`, if it exists.
    pub async fn client_by_name(&self, name: &str) -> Result<Option<super::ClientRow>> {
        Ok(
            sqlx::query_as("SELECT id, name, role FROM api_clients WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
