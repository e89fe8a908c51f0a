//! `emtoken api-key create`: a new API key for a client (or the bank integration).

use anyhow::Context;
use clap::{Args, Subcommand};
use emtoken_store::api::ClientRole;
use serde::Serialize;

use super::database::{DatabaseArgs, Open};
use crate::output::Output;

/// API keys of the platform's HTTP API.
#[derive(Debug, Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Create a key for a client, printed once (only its SHA-256 is stored).
    ///
    /// The client is created on first use; its key sees and moves only its users' wallets. With --bank
    /// the key is the bank integration's: SEPA cash-ins and payouts (/api/v1/bank/…), no users' wallets.
    ///
    /// Example: `emtoken api-key create --client acme`.
    Create(CreateArgs),
}

/// Arguments of `api-key create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The client's name (its `clientAlias`), e.g. `acme`.
    #[arg(long, value_name = "NAME")]
    client: String,

    /// A key for the bank integration instead of a client.
    #[arg(long)]
    bank: bool,

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
}

/// Runs `emtoken api-key …`.
pub(crate) async fn run(command: ApiKeyCommand, output: Output) -> anyhow::Result<()> {
    let ApiKeyCommand::Create(args) = command;
    let name = args.client.trim();
    if name.is_empty() || name.len() > 100 {
        anyhow::bail!("--client must be a name of 1 to 100 characters");
    }
    let role = if args.bank {
        ClientRole::Bank
    } else {
        ClientRole::Client
    };
    let store = args.database.open(Open::Create).await?;
    let result = async {
        let client = store.ensure_client(name, role).await?;
        let (key, hash) = emtoken_api::new_api_key();
        store.add_api_key(client.id, hash, &key[..8]).await?;
        anyhow::Ok(Created {
            client: client.name,
            client_id: client.id.to_string(),
            role: role.as_str(),
            api_key: key,
        })
    }
    .await;
    let closed = store.close().await.context("cannot close the database");
    let created = result?;
    closed?;
    output.print(&created, |c| {
        format!(
            "api key for {} {} ({}): {}\nsend it as 'Authorization: Bearer {}'; it is shown only this once",
            c.role.to_lowercase(),
            c.client,
            c.client_id,
            c.api_key,
            c.api_key
        )
    })
}
