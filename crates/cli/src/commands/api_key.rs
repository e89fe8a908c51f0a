//! `emtoken api-key create`: a new API key for a client (or the bank integration); `api-key list` and
//! `api-key revoke`: the keys, and taking them back; and `emtoken api-key rsa-key`: the RSA public key a
//! client's card data keys are sealed with.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use emtoken_api::cards::ClientRsaKey;
use emtoken_store::{
    Store,
    api::{ApiKeyRow, ClientRole, KeysToRevoke},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    database::{DatabaseArgs, Open},
    lookup::read_rows,
    socket,
};
use crate::{
    output::Output,
    table::{Align, Table},
};

/// API keys of the platform's HTTP API, and clients' RSA public keys.
#[derive(Debug, Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Create a key for a client, printed once (only its SHA-256 is stored).
    ///
    /// The client is created on first use; its key sees and moves only its users' wallets. With --bank
    /// the key is the bank integration's: SEPA cash-ins and payouts (/api/v1/bank/…), no users' wallets;
    /// with --admin the administrator's: currencies, issuers, the bank catalogue (/api/v1/admin/…).
    /// With --rsa-public-key the client's RSA public key is registered too (as `api-key rsa-key` does).
    ///
    /// Example: `emtoken api-key create --client acme --rsa-public-key acme-public.pem`.
    Create(CreateArgs),
    /// List the API keys: client, role, key id, the key's first characters, when made (never the key:
    /// only its SHA-256 is stored). Revoked keys are left out unless --revoked.
    ///
    /// Example: `emtoken api-key list --client acme`.
    List(ListArgs),
    /// Revoke API keys: the one with --key-id (as `api-key list` and `api-key create` show it), or every
    /// key of --client. They are refused from the next request on (401); nothing else changes.
    ///
    /// Example: `emtoken api-key revoke --key-id 3f1c09a27be4d5e6`.
    Revoke(RevokeArgs),
    /// Register (or replace) a client's RSA public key: the key its card data keys are sealed with
    /// (POST /api/v1/public/wallets/temporalpk). The previous key is retired; the client must exist.
    ///
    /// The file is PEM: "BEGIN PUBLIC KEY" (SubjectPublicKeyInfo, `openssl pkey -in private.pem -pubout`)
    /// or "BEGIN RSA PUBLIC KEY" (PKCS#1), an RSA key of 2048 bits or more. Prints the key's SHA-256
    /// fingerprint (of its SubjectPublicKeyInfo DER: `openssl pkey -pubin -in FILE -outform DER |
    /// sha256sum`).
    ///
    /// Example: `emtoken api-key rsa-key --client acme --rsa-public-key acme-public.pem`.
    RsaKey(RsaKeyArgs),
}

/// Arguments of `api-key create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The client's name (its `clientAlias`), e.g. `acme`.
    #[arg(long, value_name = "NAME")]
    client: String,

    /// A key for the bank integration instead of a client.
    #[arg(long, conflicts_with = "admin")]
    bank: bool,

    /// A key for the administrator instead of a client: currencies, issuers, the bank catalogue
    /// (/api/v1/admin/…), no users' wallets.
    #[arg(long)]
    admin: bool,

    /// The client's RSA public key for card data (PEM), registered with the API key.
    #[arg(long, value_name = "FILE.pem", conflicts_with_all = ["bank", "admin"])]
    rsa_public_key: Option<PathBuf>,

    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of `api-key list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this client's keys.
    #[arg(long, value_name = "NAME")]
    client: Option<String>,
    /// Revoked keys too.
    #[arg(long)]
    revoked: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of `api-key revoke`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false, args = ["key_id", "client"])]
pub(crate) struct RevokeArgs {
    /// The key's id: 16 hex digits.
    #[arg(long, value_name = "ID", value_parser = key_id)]
    key_id: Option<KeyId>,
    /// Every key of this client.
    #[arg(long, value_name = "NAME")]
    client: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// A key id: the first bytes of the key's SHA-256.
#[derive(Debug, Clone)]
struct KeyId(Vec<u8>);

/// A key id as given: 16 hex digits.
fn key_id(text: &str) -> Result<KeyId, String> {
    let text = text.trim();
    if text.len() != emtoken_api::KEY_ID_BYTES * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "expected {} hex digits (as `emtoken api-key list` shows)",
            emtoken_api::KEY_ID_BYTES * 2
        ));
    }
    alloy_primitives::hex::decode(text)
        .map(KeyId)
        .map_err(|e| e.to_string())
}

/// What `api-key list` asks, as serve's socket carries it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    /// Only this client's keys.
    #[serde(default)]
    pub(crate) client: Option<String>,
    /// Revoked keys too.
    #[serde(default)]
    pub(crate) revoked: bool,
}

/// An API key as listed.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Key {
    key_id: String,
    client: String,
    client_id: String,
    role: String,
    prefix: String,
    created_at: String,
    revoked_at: Option<String>,
}

impl From<&ApiKeyRow> for Key {
    fn from(row: &ApiKeyRow) -> Self {
        Self {
            key_id: emtoken_api::key_id(&row.key_hash),
            client: row.client_name.clone(),
            client_id: row.client_id.to_string(),
            role: row.role.as_str().to_owned(),
            prefix: row.prefix.clone(),
            created_at: row
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            revoked_at: row
                .revoked_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        }
    }
}

fn keys_table(keys: &[Key], empty: &str) -> String {
    if keys.is_empty() {
        return empty.to_owned();
    }
    let mut table = Table::new(&[
        ("key id", Align::Left),
        ("client", Align::Left),
        ("role", Align::Left),
        ("prefix", Align::Left),
        ("created", Align::Left),
        ("revoked", Align::Left),
    ]);
    for k in keys {
        table.row(vec![
            k.key_id.clone(),
            k.client.clone(),
            k.role.to_lowercase(),
            format!("{}…", k.prefix),
            k.created_at.clone(),
            k.revoked_at.clone().unwrap_or_default(),
        ]);
    }
    table.render()
}

/// `api-key list`: through serve's socket while serve holds the embedded database, else on the
/// database.
async fn list(args: ListArgs, output: Output) -> anyhow::Result<()> {
    let client = args.client.as_deref().map(client_name).transpose()?;
    let query = Query {
        client: client.map(str::to_owned),
        revoked: args.revoked,
    };
    let keys = read_rows(
        &args.database,
        socket::Query::ApiKeys(query.clone()),
        async |index| rows(index.store(), &query).await,
    )
    .await?;
    output.print(&keys, |keys| keys_table(keys, "no api keys"))
}

/// The keys `query` asks for, as `api-key list` prints them (serve answers its socket with them too).
pub(crate) async fn rows(store: &Store, query: &Query) -> anyhow::Result<Vec<Key>> {
    let client = query.client.as_deref().map(client_name).transpose()?;
    Ok(store
        .api_keys(client, query.revoked)
        .await?
        .iter()
        .map(Key::from)
        .collect())
}

async fn revoke(args: RevokeArgs, output: Output) -> anyhow::Result<()> {
    let client = args.client.as_deref().map(client_name).transpose()?;
    let which = match (&args.key_id, client) {
        (Some(id), _) => KeysToRevoke::Id(&id.0),
        (None, Some(name)) => KeysToRevoke::Client(name),
        (None, None) => anyhow::bail!("give --key-id or --client"),
    };
    let store = args.database.open(Open::Existing).await?;
    let result = async {
        let revoked = store.revoke_api_keys(which).await?;
        for key in &revoked {
            audit(
                &store,
                "api-key revoke",
                key.client_id,
                &emtoken_api::key_id(&key.key_hash),
            )
            .await?;
        }
        anyhow::Ok(revoked)
    }
    .await;
    let closed = store.close().await.context("cannot close the database");
    let keys: Vec<Key> = result?.iter().map(Key::from).collect();
    closed?;
    if keys.is_empty() {
        anyhow::bail!(match (&args.key_id, client) {
            (Some(id), _) => format!(
                "--key-id {}: no key in use has this id (`emtoken api-key list --revoked` shows them all)",
                alloy_primitives::hex::encode(&id.0)
            ),
            (None, Some(name)) => format!("--client {name}: no key in use"),
            (None, None) => unreachable!("checked above"),
        });
    }
    output.print(&keys, |keys| {
        format!(
            "revoked {} key{}:\n{}",
            keys.len(),
            if keys.len() == 1 { "" } else { "s" },
            keys_table(keys, "")
        )
    })
}

/// Arguments of `api-key rsa-key`.
#[derive(Debug, Args)]
pub(crate) struct RsaKeyArgs {
    /// The client's name, e.g. `acme` (created with `emtoken api-key create`).
    #[arg(long, value_name = "NAME")]
    client: String,

    /// The client's RSA public key (PEM).
    #[arg(long, value_name = "FILE.pem")]
    rsa_public_key: PathBuf,

    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    client: String,
    client_id: String,
    role: &'static str,
    api_key: String,
    /// Its id in `api-key list` and `api-key revoke`.
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rsa_key: Option<RsaKeySet>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RsaKeySet {
    client: String,
    client_id: String,
    bits: usize,
    fingerprint: String,
    replaced: Option<String>,
}

/// Runs `emtoken api-key …`.
pub(crate) async fn run(command: ApiKeyCommand, output: Output) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create(args) => create(args, output).await,
        ApiKeyCommand::List(args) => list(args, output).await,
        ApiKeyCommand::Revoke(args) => revoke(args, output).await,
        ApiKeyCommand::RsaKey(args) => rsa_key(args, output).await,
    }
}

/// A client's name as --client gives it.
fn client_name(name: &str) -> anyhow::Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        anyhow::bail!("--client must be a name of 1 to 100 characters");
    }
    Ok(name)
}

/// The RSA public key in `path`, checked; the error names the file.
fn read_rsa_key(path: &Path) -> anyhow::Result<ClientRsaKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--rsa-public-key {}: cannot read it", path.display()))?;
    ClientRsaKey::from_pem(&text)
        .map_err(|e| anyhow::anyhow!("--rsa-public-key {}: {e}", path.display()))
}

/// Makes `key` the client's RSA key.
async fn set_rsa_key(
    store: &Store,
    client_id: Uuid,
    client: &str,
    key: &ClientRsaKey,
) -> anyhow::Result<RsaKeySet> {
    let (row, replaced) = store
        .set_client_rsa_key(client_id, key.der(), key.fingerprint())
        .await?;
    Ok(RsaKeySet {
        client: client.to_owned(),
        client_id: row.client_id.to_string(),
        bits: key.bits(),
        fingerprint: hex::encode(&row.fingerprint),
        replaced: replaced.map(hex::encode),
    })
}

async fn create(args: CreateArgs, output: Output) -> anyhow::Result<()> {
    let name = client_name(&args.client)?;
    let rsa = args
        .rsa_public_key
        .as_deref()
        .map(read_rsa_key)
        .transpose()?;
    let role = if args.bank {
        ClientRole::Bank
    } else if args.admin {
        ClientRole::Admin
    } else {
        ClientRole::Client
    };
    let store = args.database.open(Open::Create).await?;
    let result = async {
        let client = store.ensure_client(name, role).await?;
        let (key, hash) = emtoken_api::new_api_key();
        store.add_api_key(client.id, hash, &key[..8]).await?;
        audit(
            &store,
            "api-key create",
            client.id,
            &emtoken_api::key_id(&hash),
        )
        .await?;
        let rsa_key = match &rsa {
            Some(rsa) => Some(set_rsa_key(&store, client.id, &client.name, rsa).await?),
            None => None,
        };
        anyhow::Ok(Created {
            client: client.name,
            client_id: client.id.to_string(),
            role: role.as_str(),
            key_id: emtoken_api::key_id(&hash),
            api_key: key,
            rsa_key,
        })
    }
    .await;
    let closed = store.close().await.context("cannot close the database");
    let created = result?;
    closed?;
    output.print(&created, |c| {
        let mut text = format!(
            "api key for {} {} ({}): {}\nsend it as 'Authorization: Bearer {}'; it is shown only this once \
             (its id, for `api-key revoke`: {})",
            c.role.to_lowercase(),
            c.client,
            c.client_id,
            c.api_key,
            c.api_key,
            c.key_id
        );
        if let Some(rsa) = &c.rsa_key {
            text.push('\n');
            text.push_str(&rsa_key_text(rsa));
        }
        text
    })
}

/// Records a key's creation or revocation in the audit trail (docs/operations.md): by `cli:<the system
/// user>`, method CLI.
async fn audit(
    store: &emtoken_store::Store,
    command: &str,
    client_id: uuid::Uuid,
    key_id: &str,
) -> anyhow::Result<()> {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    store
        .record_audit(&emtoken_store::api::NewAuditEntry {
            client_id: Some(client_id),
            actor: format!("cli:{user}"),
            key_id: Some(key_id.to_owned()),
            request_id: uuid::Uuid::new_v4().to_string(),
            method: "CLI".to_owned(),
            route: command.to_owned(),
            path: format!("emtoken {command}"),
            status: 200,
            idempotency_key: None,
            api_request_id: None,
            duration_ms: 0,
        })
        .await
        .context("cannot record the key's change in the audit trail")
}

async fn rsa_key(args: RsaKeyArgs, output: Output) -> anyhow::Result<()> {
    let name = client_name(&args.client)?;
    let rsa = read_rsa_key(&args.rsa_public_key)?;
    let store = args.database.open(Open::Existing).await?;
    let result = async {
        let client = store.client_by_name(name).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "--client {name}: no such client: create it with `emtoken api-key create --client {name} --rsa-public-key FILE.pem`"
            )
        })?;
        if client.is_bank() {
            anyhow::bail!(
                "--client {name} is the bank integration: only clients send card data and have an RSA key"
            );
        }
        set_rsa_key(&store, client.id, &client.name, &rsa).await
    }
    .await;
    let closed = store.close().await.context("cannot close the database");
    let set = result?;
    closed?;
    output.print(&set, rsa_key_text)
}

fn rsa_key_text(set: &RsaKeySet) -> String {
    let mut text = format!(
        "rsa public key of client {} ({}): {} bits, sha-256 fingerprint {}",
        set.client, set.client_id, set.bits, set.fingerprint
    );
    if let Some(old) = &set.replaced {
        text.push_str(&format!("\nit replaces the key {old}"));
    }
    text
}
