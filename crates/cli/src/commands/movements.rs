//! `emtoken movements --wallet ADDR|UUID`: a wallet's movements in chain order.

use clap::Args;
use emtoken_store::{
    WalletRef,
    vocabulary::{MovementStatus, MovementType, RecordKind},
};
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

/// List a wallet's movements in chain order.
///
/// Cash-ins and cash-outs, transfers in and out, locks and releases of holds, with their status
/// (PENDING until final, SUCCESS, ERROR). The suspense account (`emtoken wallets --system`) has
/// SUSPENSE_IN (a payout's funds put in suspense, from the wallet) and SUSPENSE_OUT (burnt when the
/// payout is executed, or sent back to the wallet when it is rejected): their sum is its balance.
///
/// With `--json`: an array of movements with the field names of the platform's guide (id, walletId,
/// type, status, amount, concept, createdAt, updatedAt, originDltAddress, targetDltAddress,
/// originWalletId, targetWalletId, dltNetwork, …) and what ties each to the chain (chainId,
/// contractAddress, txHash, blockNumber, blockHash, logIndex, recordKind, recordKey), and on a
/// direct mint's cash-in the paymentReference it was minted against (the card payment's or SEPA
/// transfer's id, also in the table's reference column). Amounts are JSON strings holding the exact
/// decimal, e.g. "12.50"; times are RFC 3339 (UTC).
///
/// Example: `emtoken movements --wallet 0x70997970c51812dc3a010c7d01b50e0d17dc79c8`.
#[derive(Debug, Args)]
pub(crate) struct MovementsArgs {
    /// The wallet: its address (0x + 40 hex digits) or its id (UUID).
    #[arg(long, value_name = "ADDR|UUID", value_parser = args::wallet)]
    wallet: WalletRef,

    #[command(flatten)]
    database: DatabaseArgs,
}

/// What `movements` asks: its wallet, as serve's socket carries it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    /// The wallet: its address (0x + 40 hex digits) or its id (UUID).
    pub(crate) wallet: String,
}

/// A movement as `--json` prints it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Movement {
    id: String,
    wallet_id: String,
    r#type: MovementType,
    status: MovementStatus,
    amount: String,
    concept: Option<String>,
    created_at: String,
    updated_at: String,
    origin_dlt_address: Option<String>,
    target_dlt_address: Option<String>,
    origin_wallet_id: Option<String>,
    target_wallet_id: Option<String>,
    origin_user_id: Option<String>,
    target_user_id: Option<String>,
    user_id: Option<String>,
    client_id: Option<String>,
    iban: Option<String>,
    dlt_network: String,
    chain_id: i64,
    contract_address: String,
    tx_hash: String,
    block_number: i64,
    block_hash: String,
    log_index: i64,
    record_kind: Option<RecordKind>,
    record_key: Option<String>,
    payment_reference: Option<String>,
}

/// Runs `emtoken movements`: through serve's socket while serve holds the embedded database, else on
/// the index.
pub(crate) async fn run(args: MovementsArgs, output: Output) -> anyhow::Result<()> {
    let query = Query {
        wallet: socket::wallet_text(args.wallet),
    };
    let movements = read_rows(
        &args.database,
        socket::Query::Movements(query.clone()),
        async |index| rows(index, &query).await,
    )
    .await?;
    output.print(&movements, |movements| describe(movements))
}

/// The movements `query` asks for, as `movements` prints them (serve answers its socket with them too).
pub(crate) async fn rows(index: &mut Index, query: &Query) -> anyhow::Result<Vec<Movement>> {
    let which = args::wallet(&query.wallet)
        .map_err(|e| anyhow::anyhow!("--wallet {}: {e}", query.wallet))?;
    let wallet = index.wallet(which).await?;
    let chain = index.chain(wallet.chain_id)?.clone();
    let decimals = index.decimals(wallet.chain_id)?;
    let rows = index.store().movements_of(wallet.id).await?;
    let mut movements = Vec::with_capacity(rows.len());
    for m in rows {
        let (origin_wallet_id, origin_user_id) =
            index.party(wallet.chain_id, m.origin_address).await?;
        let (target_wallet_id, target_user_id) =
            index.party(wallet.chain_id, m.target_address).await?;
        movements.push(Movement {
            id: m.id.to_string(),
            wallet_id: m.wallet_id.to_string(),
            r#type: m.r#type,
            status: m.status,
            amount: format::amount(m.amount, decimals),
            concept: m.concept,
            created_at: format::time(m.created_at),
            updated_at: format::time(m.updated_at),
            origin_dlt_address: m.origin_address.map(|a| format::hex(&a)),
            target_dlt_address: m.target_address.map(|a| format::hex(&a)),
            origin_wallet_id,
            target_wallet_id,
            origin_user_id,
            target_user_id,
            user_id: wallet.user_id.map(|u| u.to_string()),
            client_id: wallet.client_id.map(|c| c.to_string()),
            iban: m.iban,
            dlt_network: chain.network.clone(),
            chain_id: chain.chain_id,
            contract_address: format::hex(&chain.contract),
            tx_hash: format::hex(&m.tx_hash),
            block_number: m.block_number,
            block_hash: format::hex(&m.block_hash),
            log_index: m.log_index,
            record_kind: m.record_kind,
            record_key: m.record_key.map(|k| format::hex(&k)),
            payment_reference: m.payment_reference.map(|r| format::hex(&r)),
        });
    }
    Ok(movements)
}

fn describe(movements: &[Movement]) -> String {
    if movements.is_empty() {
        return "no movements".to_owned();
    }
    let mut table = Table::new(&[
        ("created", Align::Left),
        ("type", Align::Left),
        ("status", Align::Left),
        ("amount", Align::Right),
        ("counterparty", Align::Left),
        ("block", Align::Right),
        ("tx", Align::Left),
        ("reference", Align::Left),
    ]);
    for m in movements {
        let counterparty = match m.r#type {
            MovementType::TransferIn | MovementType::SuspenseIn | MovementType::CommissionIn => {
                m.origin_dlt_address.as_deref().map(|a| format!("from {a}"))
            }
            MovementType::TransferOut | MovementType::Commission => {
                m.target_dlt_address.as_deref().map(|a| format!("to {a}"))
            }
            MovementType::Wipe => m.concept.clone(),
            MovementType::SuspenseOut => Some(m.target_dlt_address.as_deref().map_or_else(
                || "burnt (payout executed)".to_owned(),
                |a| format!("back to {a}"),
            )),
            _ => m.iban.clone(),
        };
        table.row(vec![
            m.created_at.clone(),
            m.r#type.to_string(),
            m.status.to_string(),
            m.amount.clone(),
            counterparty.unwrap_or_default(),
            m.block_number.to_string(),
            format::short(&m.tx_hash),
            m.payment_reference.clone().unwrap_or_default(),
        ]);
    }
    table.render()
}
