//! `emtoken holds --wallet ADDR|UUID`: the holds where a wallet pays or is paid; `--notary ADDR`: the
//! holds a notary decides.

use clap::Args;
use emtoken_store::{WalletRef, vocabulary::HoldState};
use serde::{Deserialize, Serialize};

use super::{
    database::DatabaseArgs,
    lookup::{Index, read_rows},
    socket,
};
use crate::{
    args, format,
    output::Output,
    table::{Align, Table},
};

/// List the holds where a wallet is the payer or the payee, or those a notary decides.
///
/// In creation order, with what was held, executed to the payee, released back, and what remains
/// held. With --notary, the holds naming that address as notary (on every indexed chain), e.g. the
/// platform's operator for the holds made through the API; --status keeps those in the given statuses
/// (comma-separated; `open` stands for CREATED,RENEWED,EXECUTED_AND_KEPT_OPEN: what is still to decide).
///
/// With `--json`: an array of holds with the field names of the platform's guide (id, operationId,
/// holdKey, issuerDltAddress, payerDltAddress, payeeDltAddress, notaryDltAddress, heldValue,
/// executedValue, status, dltNetwork, contractAddress, payerWalletId, payeeWalletId, createdAt,
/// expiration) plus releasedValue, remainingValue, updatedAt, createdBlock and createdTxHash.
/// Amounts are JSON strings holding the exact decimal, e.g. "12.50"; times are RFC 3339 (UTC);
/// expiration null = perpetual.
///
/// Example: `emtoken holds --wallet 0x70997970c51812dc3a010c7d01b50e0d17dc79c8`, or
/// `emtoken holds --notary 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 --status open`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("whose").required(true).args(["wallet", "notary"])))]
pub(crate) struct HoldsArgs {
    /// The wallet: its address (0x + 40 hex digits) or its id (UUID).
    #[arg(long, value_name = "ADDR|UUID", value_parser = args::wallet)]
    wallet: Option<WalletRef>,

    /// The notary's address (0x + 40 hex digits): the holds it decides.
    #[arg(long, value_name = "ADDR", value_parser = args::address)]
    notary: Option<alloy_primitives::Address>,

    /// With --notary: only holds in these statuses (comma-separated, or `open`).
    #[arg(long, value_name = "STATUS,…", requires = "notary", value_parser = hold_statuses)]
    status: Option<Statuses>,

    #[command(flatten)]
    database: DatabaseArgs,
}

/// What `holds` asks: whose holds, as serve's socket carries it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    /// The wallet: its address (0x + 40 hex digits) or its id (UUID).
    #[serde(default)]
    pub(crate) wallet: Option<String>,
    /// The notary's address (0x + 40 hex digits), when no wallet is given.
    #[serde(default)]
    pub(crate) notary: Option<String>,
    /// With `notary`: only holds in these statuses (none: every status).
    #[serde(default)]
    pub(crate) status: Vec<HoldState>,
}

/// A hold as `--json` prints it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Hold {
    id: String,
    operation_id: String,
    hold_key: String,
    issuer_dlt_address: String,
    payer_dlt_address: String,
    payee_dlt_address: String,
    notary_dlt_address: String,
    held_value: String,
    executed_value: String,
    released_value: String,
    remaining_value: String,
    status: HoldState,
    dlt_network: String,
    contract_address: String,
    payer_wallet_id: Option<String>,
    payee_wallet_id: Option<String>,
    created_at: String,
    updated_at: String,
    expiration: Option<String>,
    created_block: i64,
    created_tx_hash: String,
}

/// Runs `emtoken holds`: through serve's socket while serve holds the embedded database, else on the
/// index.
pub(crate) async fn run(args: HoldsArgs, output: Output) -> anyhow::Result<()> {
    let query = Query {
        wallet: args.wallet.map(socket::wallet_text),
        notary: args.notary.map(|n| format::hex(n.as_slice())),
        status: args.status.map(|s| s.0).unwrap_or_default(),
    };
    let holds = read_rows(
        &args.database,
        socket::Query::Holds(query.clone()),
        async |index| rows(index, &query).await,
    )
    .await?;
    output.print(&holds, |holds| describe(holds))
}

/// The holds `query` asks for, as `holds` prints them (serve answers its socket with them too).
pub(crate) async fn rows(index: &mut Index, query: &Query) -> anyhow::Result<Vec<Hold>> {
    let rows: Vec<(i64, emtoken_store::HoldRow)> = match (&query.wallet, &query.notary) {
        (Some(text), _) => {
            let which = args::wallet(text).map_err(|e| anyhow::anyhow!("--wallet {text}: {e}"))?;
            let wallet = index.wallet(which).await?;
            let rows = index.store().holds_of(&wallet).await?;
            rows.into_iter().map(|h| (wallet.chain_id, h)).collect()
        }
        (None, Some(text)) => {
            let notary =
                args::address(text).map_err(|e| anyhow::anyhow!("--notary {text}: {e}"))?;
            let rows = index
                .store()
                .holds_of_notary(notary.0.0, &query.status)
                .await?;
            rows.into_iter().map(|r| (r.chain_id, r.hold)).collect()
        }
        (None, None) => anyhow::bail!("give --wallet or --notary"),
    };
    let mut holds = Vec::with_capacity(rows.len());
    for (chain_id, h) in rows {
        let chain = index.chain(chain_id)?.clone();
        let decimals = index.decimals(chain_id)?;
        let (payer_wallet_id, _) = index.party(chain.chain_id, Some(h.payer)).await?;
        let (payee_wallet_id, _) = index.party(chain.chain_id, Some(h.payee)).await?;
        holds.push(Hold {
            id: h.id.to_string(),
            operation_id: format::hex(&h.operation_id),
            hold_key: format::hex(&h.hold_key),
            issuer_dlt_address: format::hex(&h.issuer),
            payer_dlt_address: format::hex(&h.payer),
            payee_dlt_address: format::hex(&h.payee),
            notary_dlt_address: format::hex(&h.notary),
            held_value: format::amount(h.held_value, decimals),
            executed_value: format::amount(h.executed_value, decimals),
            released_value: format::amount(h.released_value, decimals),
            remaining_value: format::amount(h.remaining, decimals),
            status: h.status,
            dlt_network: chain.network.clone(),
            contract_address: format::hex(&chain.contract),
            payer_wallet_id,
            payee_wallet_id,
            created_at: format::time(h.created_at),
            updated_at: format::time(h.updated_at),
            expiration: h.expiration.map(format::time),
            created_block: h.created_block,
            created_tx_hash: format::hex(&h.created_tx),
        });
    }
    Ok(holds)
}

/// Hold statuses of `--status`.
#[derive(Debug, Clone)]
struct Statuses(Vec<HoldState>);

/// Hold statuses of `--status`: names as the index keeps them, or `open`.
fn hold_statuses(text: &str) -> Result<Statuses, String> {
    emtoken_store::parse_hold_statuses(text).map(Statuses)
}

fn describe(holds: &[Hold]) -> String {
    if holds.is_empty() {
        return "no holds".to_owned();
    }
    let mut table = Table::new(&[
        ("created", Align::Left),
        ("key", Align::Left),
        ("status", Align::Left),
        ("payer", Align::Left),
        ("payee", Align::Left),
        ("held", Align::Right),
        ("executed", Align::Right),
        ("remaining", Align::Right),
        ("expires", Align::Left),
    ]);
    for h in holds {
        table.row(vec![
            h.created_at.clone(),
            format::short(&h.hold_key),
            h.status.to_string(),
            h.payer_dlt_address.clone(),
            h.payee_dlt_address.clone(),
            h.held_value.clone(),
            h.executed_value.clone(),
            h.remaining_value.clone(),
            h.expiration.clone().unwrap_or_else(|| "never".to_owned()),
        ]);
    }
    table.render()
}
