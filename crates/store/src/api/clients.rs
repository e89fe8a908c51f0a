pub use emtoken_types::ClientRole;
use uuid::Uuid;

use crate::{Result, Store};

/// The platform's own client (migration 0018): the requests the platform makes of its own accord, for
/// no client (releasing expired holds it did not make), are its. It has no keys.
pub const PLATFORM_CLIENT: Uuid = Uuid::nil();

/// An API client.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClientRow {
    /// Client id (the `clientId` of its wallets).
    pub id: Uuid,
    /// Its name (`clientAlias`).
    pub name: String,
    /// CLIENT or BANK.
    pub role: ClientRole,
}

/// An API key as listed: never the key, only its hash and first characters.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiKeyRow {
    /// SHA-256 of the key; its first 8 bytes in hex are the key's id.
    pub key_hash: Vec<u8>,
    /// The client's id.
    pub client_id: Uuid,
    /// The client's name.
    pub client_name: String,
    /// The client's role.
    pub role: ClientRole,
    /// The key's first characters.
    pub prefix: String,
    /// When it was made.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was revoked.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which keys to revoke.
#[derive(Debug, Clone, Copy)]
pub enum KeysToRevoke<'a> {
    /// The key whose hash starts with these bytes (its id).
    Id(&'a [u8]),
    /// Every key of the client of this name.
    Client(&'a str),
}

macro_rules! api_key_columns {
    () => {
        "k.key_hash, k.client_id, c.name AS client_name, c.role, k.prefix, k.created_at, k.revoked_at"
    };
}

impl ClientRow {
    /// Whether this is the bank integration.
    pub fn is_bank(&self) -> bool {
        self.role == ClientRole::Bank
    }

    /// Whether this is the administrator (currencies, issuers, the bank catalogue).
    pub fn is_admin(&self) -> bool {
        self.role == ClientRole::Admin
    }
}

impl Store {
    /// The client named `name`, created with `role` if new. An existing client keeps its role; asking for
    /// another one is an error.
    pub async fn ensure_client(&self, name: &str, role: ClientRole) -> Result<ClientRow> {
        sqlx::query(
            "INSERT INTO api_clients (id, name, role) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(Uuid::new_v4())
        .bind(name)
        .bind(role)
        .execute(self.pool())
        .await?;
        let client: ClientRow =
            sqlx::query_as("SELECT id, name, role FROM api_clients WHERE name = $1")
                .bind(name)
                .fetch_one(self.pool())
                .await?;
        if client.id == PLATFORM_CLIENT {
            return Err(crate::Error::Conflict(format!(
                "client {name} is the platform's own (its follow-up's requests) and takes no keys: choose another name"
            )));
        }
        if client.role != role {
            return Err(crate::Error::Conflict(format!(
                "client {name} exists with role {}, not {}",
                client.role, role
            )));
        }
        Ok(client)
    }

    /// Stores a new key (its SHA-256) for a client.
    pub async fn add_api_key(
        &self,
        client_id: Uuid,
        key_hash: [u8; 32],
        prefix: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO api_keys (key_hash, client_id, prefix) VALUES ($1, $2, $3)")
            .bind(key_hash)
            .bind(client_id)
            .bind(prefix)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The client owning a key (by its SHA-256), unless the key is unknown or revoked.
    pub async fn client_by_key(&self, key_hash: [u8; 32]) -> Result<Option<ClientRow>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.name, c.role FROM api_keys k JOIN api_clients c ON c.id = k.client_id
             WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The API keys, newest first: of one client (by name) or all; revoked ones too with `revoked`.
    pub async fn api_keys(&self, client: Option<&str>, revoked: bool) -> Result<Vec<ApiKeyRow>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys k JOIN api_clients c ON c.id = k.client_id
             WHERE ($1::text IS NULL OR c.name = $1) AND ($2 OR k.revoked_at IS NULL)
             ORDER BY k.created_at DESC, k.key_hash"
        ))
        .bind(client)
        .bind(revoked)
        .fetch_all(self.pool())
        .await?)
    }

    /// Revokes the keys not revoked yet whose hash starts with `id` (a key id: its first bytes), or every
    /// key of client `client`; from now on they are refused. The keys revoked.
    pub async fn revoke_api_keys(&self, which: KeysToRevoke<'_>) -> Result<Vec<ApiKeyRow>> {
        let (id, client): (Option<&[u8]>, Option<&str>) = match which {
            KeysToRevoke::Id(id) => (Some(id), None),
            KeysToRevoke::Client(name) => (None, Some(name)),
        };
        Ok(sqlx::query_as(concat!(
            "WITH revoked AS (
                 UPDATE api_keys k SET revoked_at = now()
                 FROM api_clients c
                 WHERE c.id = k.client_id AND k.revoked_at IS NULL
                   AND ($1::bytea IS NULL OR substring(k.key_hash FROM 1 FOR length($1)) = $1)
                   AND ($2::text IS NULL OR c.name = $2)
                 RETURNING k.*
             )
             SELECT ",
            api_key_columns!(),
            " FROM revoked k JOIN api_clients c ON c.id = k.client_id
             ORDER BY k.created_at DESC, k.key_hash"
        ))
        .bind(id)
        .bind(client)
        .fetch_all(self.pool())
        .await?)
    }

    /// Whether the database answers (a trivial query).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    /// A client by id.
    pub async fn client(&self, id: Uuid) -> Result<Option<ClientRow>> {
        Ok(
            sqlx::query_as("SELECT id, name, role FROM api_clients WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
