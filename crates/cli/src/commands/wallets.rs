//! `emtoken wallets`: every wallet of the index with its three balances.

use clap::Args;
use serde::Serialize;

use super::{database::DatabaseArgs, lookup::with_index};
use crate::{
    format,
    output::Output,
    table::{Align, Table},
};

/// List the wallets of the index with their balances.
///
/// Every wallet (addresses seen on chain included), amounts in the token's decimals.
///
/// `balance` is the balance of final blocks ("system balance"); `available` and `held` follow the
/// last indexed block ("DLT balance"): they differ while movements are PENDING.
///
/// With `--json`: an array of wallets with the seed's field names (id, dltAddress, balance,
/// availableBalance, heldBalance, status, userId, clientId, iban). Amounts are JSON strings holding
/// the exact decimal, e.g. "12.50", so no reader loses precision to floating point.
///
/// Example: `emtoken wallets`, or `emtoken --json wallets --database-url postgres://localhost/emtoken`.
#[derive(Debug, Args)]
pub(crate) struct WalletsArgs {
    #[command(flatten)]
    database: DatabaseArgs,
}

/// A wallet as `--json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Wallet {
    id: String,
    dlt_address: String,
    balance: String,
    available_balance: String,
    held_balance: String,
    status: String,
    user_id: Option<String>,
    client_id: Option<String>,
    iban: Option<String>,
}

/// Runs `emtoken wallets`.
pub(crate) async fn run(args: WalletsArgs, output: Output) -> anyhow::Result<()> {
    let wallets = with_index(&args.database, async |index| {
        let rows = index.store().wallets().await?;
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
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await?;
    output.print(&wallets, |wallets| describe(wallets))
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
            w.status.clone(),
            w.user_id.clone().unwrap_or_else(|| "-".to_owned()),
        ]);
    }
    table.render()
}
