//! `emtoken wallets`: the wallets of the index with their three balances; `--system` the platform's own
//! accounts instead.

use clap::Args;
use emtoken_store::vocabulary::WalletStatus;
use serde::{Deserialize, Serialize};

use super::{
    database::DatabaseArgs,
    lookup::{Index, read_rows},
    socket,
};
use crate::{
    format,
    output::Output,
    table::{Align, Table},
};

/// List the wallets of the index with their balances.
///
/// Every wallet (addresses seen on chain included) but the platform's own accounts, amounts in the
/// token's decimals. `--system` lists only those: the suspense account (where a payout's funds wait
/// between being put in suspense and the payout's execution or rejection; its SUSPENSE_IN and
/// SUSPENSE_OUT movements explain its balance) and the holders of the operator role, with their role.
///
/// `balance` is the balance of final blocks ("system balance"); `available` and `held` follow the
/// last indexed block ("DLT balance"): they differ while movements are PENDING.
///
/// With `--json`: an array of wallets with the field names of the platform's guide (id, dltAddress,
/// balance, availableBalance, heldBalance, status, userId, clientId, iban; systemRole with
/// `--system`). Amounts are JSON strings holding the exact decimal, e.g. "12.50", so no reader
/// loses precision to floating point.
///
/// Example: `emtoken wallets`, `emtoken wallets --system`, or
/// `emtoken --json wallets --database-url postgres://localhost/emtoken`.
#[derive(Debug, Args)]
pub(crate) struct WalletsArgs {
    /// List only the platform's own accounts (suspense account, operators), with their role.
    #[arg(long)]
    system: bool,

    #[command(flatten)]
    database: DatabaseArgs,
}

/// What `wallets` asks: its filters, as serve's socket carries them too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    /// Only the platform's own accounts (`--system`).
    #[serde(default)]
    pub(crate) system: bool,
}

/// A wallet as `--json` prints it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Wallet {
    id: String,
    dlt_address: String,
    balance: String,
    available_balance: String,
    held_balance: String,
    status: WalletStatus,
    user_id: Option<String>,
    client_id: Option<String>,
    iban: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_role: Option<String>,
}

/// Runs `emtoken wallets`: through serve's socket while serve holds the embedded database, else on
/// the index.
pub(crate) async fn run(args: WalletsArgs, output: Output) -> anyhow::Result<()> {
    let query = Query {
        system: args.system,
    };
    let wallets = read_rows(
        &args.database,
        socket::Query::Wallets(query.clone()),
        async |index| rows(index, &query).await,
    )
    .await?;
    if args.system {
        return output.print(&wallets, |wallets| describe_system(wallets));
    }
    output.print(&wallets, |wallets| describe(wallets))
}

/// The wallets `query` asks for, as `wallets` prints them (serve answers its socket with them too).
pub(crate) async fn rows(index: &mut Index, query: &Query) -> anyhow::Result<Vec<Wallet>> {
    let rows = if query.system {
        index.store().system_accounts().await?
    } else {
        let mut rows = index.store().wallets().await?;
        rows.retain(|w| w.system_role.is_none());
        rows
    };
    rows.into_iter()
        .map(|w| {
            let decimals = index.decimals(w.chain_id)?;
            Ok(Wallet {
                id: w.id.to_string(),
                dlt_address: format::hex(&w.address),
                balance: format::amount(w.balance, decimals),
                available_balance: format::amount(w.available(), decimals),
                held_balance: format::amount(w.held, decimals),
                status: w.status,
                user_id: w.user_id.map(|u| u.to_string()),
                client_id: w.client_id.map(|c| c.to_string()),
                iban: w.iban,
                system_role: w.system_role,
            })
        })
        .collect()
}

/// The platform's accounts: role first, no user.
fn describe_system(wallets: &[Wallet]) -> String {
    if wallets.is_empty() {
        return "no system accounts in the index".to_owned();
    }
    let mut table = Table::new(&[
        ("role", Align::Left),
        ("id", Align::Left),
        ("address", Align::Left),
        ("balance", Align::Right),
        ("available", Align::Right),
        ("held", Align::Right),
    ]);
    for w in wallets {
        table.row(vec![
            w.system_role.clone().unwrap_or_default(),
            w.id.clone(),
            w.dlt_address.clone(),
            w.balance.clone(),
            w.available_balance.clone(),
            w.held_balance.clone(),
        ]);
    }
    table.render()
}

fn describe(wallets: &[Wallet]) -> String {
    if wallets.is_empty() {
        return "no wallets in the index".to_owned();
    }
    let mut table = Table::new(&[
        ("id", Align::Left),
        ("address", Align::Left),
        ("balance", Align::Right),
        ("available", Align::Right),
        ("held", Align::Right),
        ("status", Align::Left),
        ("user", Align::Left),
    ]);
    for w in wallets {
        table.row(vec![
            w.id.clone(),
            w.dlt_address.clone(),
            w.balance.clone(),
            w.available_balance.clone(),
            w.held_balance.clone(),
            w.status.to_string(),
            w.user_id.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    table.render()
}
