//! Reads for people and programs: wallets, movements, holds, findings, and a canonical dump for tests.

use emtoken_types::HoldState;
use uuid::Uuid;

use crate::{
    Addr, FindingRow, HoldRow, MovementRow, Result, Store, WalletRow,
    ingest::{hold_columns, movement_columns},
};

macro_rules! wallet_columns {
    () => {
        "id, chain_id, address, balance, final_held, head_total, held, registered, kyc_level,
    frozen, status, user_id, client_id, iban, first_block, created_at, registered_at, system_role"
    };
}
pub(crate) use wallet_columns;

/// How to find a wallet: by id or by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletRef {
    /// The wallet's UUID.
    Id(Uuid),
    /// Its address.
    Address(Addr),
}

/// Hold statuses named in `text`, comma-separated, case-insensitive; `open` stands for those still to
/// decide (CREATED, RENEWED, EXECUTED_AND_KEPT_OPEN). The error names the unknown part.
pub fn parse_hold_statuses(text: &str) -> std::result::Result<Vec<HoldState>, String> {
    let mut statuses = vec![];
    for part in text.split(',').map(str::trim) {
        if part.eq_ignore_ascii_case("open") {
            statuses.extend(HoldState::OPEN);
        } else if let Some(s) = HoldState::ALL
            .iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(part))
        {
            statuses.push(*s);
        } else {
            let known: Vec<_> = HoldState::ALL.iter().map(|s| s.as_str()).collect();
            return Err(format!(
                "'{part}' is not a hold status: use open or one of {}",
                known.join(", ")
            ));
        }
    }
    Ok(statuses)
}

/// A hold and the chain it is on.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainHold {
    /// The chain.
    pub chain_id: i64,
    /// The hold.
    #[sqlx(flatten)]
    pub hold: HoldRow,
}

impl Store {
    /// The indexed ledgers: each chain's first token (under the chain's id), then the further tokens.
    pub async fn chains(&self) -> Result<Vec<crate::ChainRow>> {
        Ok(sqlx::query_as::<_, crate::ChainRow>(
            "SELECT chain_id, genesis_hash, contract, from_block, decimals, confirmations, network,
                    evm_chain_id
             FROM chains ORDER BY evm_chain_id IS NOT NULL, COALESCE(evm_chain_id, chain_id), chain_id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Where indexing of `chain_id` stands.
    pub async fn checkpoint(&self, chain_id: i64) -> Result<Option<crate::Checkpoint>> {
        Ok(sqlx::query_as::<_, crate::Checkpoint>(
            "SELECT chain_id, block_number, block_hash, final_block FROM checkpoints WHERE chain_id = $1",
        )
        .bind(chain_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Every wallet, oldest first (wallets the chain has not shown yet last).
    pub async fn wallets(&self) -> Result<Vec<WalletRow>> {
        Ok(sqlx::query_as::<_, WalletRow>(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets ORDER BY chain_id, first_block NULLS LAST, address"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// The platform's own accounts (suspense account, operators): by role, then address.
    pub async fn system_accounts(&self) -> Result<Vec<WalletRow>> {
        Ok(sqlx::query_as::<_, WalletRow>(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE system_role IS NOT NULL ORDER BY chain_id, system_role DESC, address"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// The wallet of `address` on ledger `chain_id` (an address has a wallet on each token it holds).
    pub async fn wallet_on(&self, chain_id: i64, address: Addr) -> Result<Option<WalletRow>> {
        Ok(sqlx::query_as::<_, WalletRow>(concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE chain_id = $1 AND address = $2"
        ))
        .bind(chain_id)
        .bind(address)
        .fetch_optional(self.pool())
        .await?)
    }

    /// One wallet, if it exists.
    pub async fn wallet(&self, which: WalletRef) -> Result<Option<WalletRow>> {
        let query = concat!(
            "SELECT ",
            wallet_columns!(),
            " FROM wallets WHERE id = $1 OR address = $2 LIMIT 1"
        );
        let (id, address) = match which {
            WalletRef::Id(id) => (Some(id), None),
            WalletRef::Address(address) => (None, Some(address)),
        };
        Ok(sqlx::query_as::<_, WalletRow>(query)
            .bind(id)
            .bind(address)
            .fetch_optional(self.pool())
            .await?)
    }

    /// A wallet's movements in chain order (dropped ones included: they are ERROR).
    pub async fn movements_of(&self, wallet_id: Uuid) -> Result<Vec<MovementRow>> {
        Ok(sqlx::query_as::<_, MovementRow>(concat!(
            "SELECT ",
            movement_columns!(),
            " FROM movements WHERE wallet_id = $1
             ORDER BY block_number, log_index, type, id"
        ))
        .bind(wallet_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Holds where the wallet's address is payer or payee, in creation order.
    pub async fn holds_of(&self, wallet: &WalletRow) -> Result<Vec<HoldRow>> {
        Ok(sqlx::query_as::<_, HoldRow>(concat!(
            "SELECT ",
            hold_columns!(),
            " FROM holds WHERE chain_id = $1 AND (payer = $2 OR payee = $2)
             ORDER BY created_block, hold_key"
        ))
        .bind(wallet.chain_id)
        .bind(wallet.address)
        .fetch_all(self.pool())
        .await?)
    }

    /// Holds whose notary is `notary` (on every indexed chain), in creation order; with `statuses`, only
    /// those in one of them (e.g. the open ones: CREATED, RENEWED, EXECUTED_AND_KEPT_OPEN).
    pub async fn holds_of_notary(
        &self,
        notary: Addr,
        statuses: &[HoldState],
    ) -> Result<Vec<ChainHold>> {
        Ok(sqlx::query_as::<_, ChainHold>(concat!(
            "SELECT chain_id, ",
            hold_columns!(),
            " FROM holds WHERE notary = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2))
             ORDER BY chain_id, created_block, hold_key"
        ))
        .bind(notary)
        .bind(statuses)
        .fetch_all(self.pool())
        .await?)
    }

    /// Reconciliation findings, newest first.
    pub async fn findings(&self) -> Result<Vec<FindingRow>> {
        Ok(sqlx::query_as::<_, FindingRow>(
            "SELECT id, block_number, block_hash, address, indexed_total, chain_total, indexed_held, chain_held,
                    persistent, created_at
             FROM findings ORDER BY id DESC",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Number of stored events of a chain.
    pub async fn event_count(&self, chain_id: i64) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM events WHERE chain_id = $1")
            .bind(chain_id)
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }

    /// Everything the chain decides, as JSON text lines in a fixed order: chain, checkpoint, events,
    /// wallets, movements (not dropped), holds and orders. Two databases that indexed the same chain
    /// to the same block give the same dump, however they got there (restarts, replays, reorganisations).
    pub async fn canonical_dump(&self, chain_id: i64) -> Result<Vec<String>> {
        let queries = [
            "SELECT to_jsonb(c) - 'created_at' FROM chains c WHERE chain_id = $1",
            "SELECT to_jsonb(c) - 'updated_at' FROM checkpoints c WHERE chain_id = $1",
            "SELECT to_jsonb(e) FROM events e WHERE chain_id = $1 ORDER BY block_number, log_index",
            "SELECT to_jsonb(d) FROM balance_deltas d WHERE chain_id = $1 ORDER BY block_number, log_index, address",
            "SELECT to_jsonb(w) - 'updated_at' FROM wallets w WHERE chain_id = $1
               AND (first_block IS NOT NULL OR user_id IS NOT NULL) ORDER BY address",
            "SELECT to_jsonb(m) FROM movements m WHERE chain_id = $1 AND NOT dropped ORDER BY id",
            "SELECT to_jsonb(h) FROM holds h WHERE chain_id = $1 ORDER BY hold_key",
            "SELECT to_jsonb(o) FROM orders o WHERE chain_id = $1 ORDER BY kind, order_key",
        ];
        let mut lines = Vec::new();
        for query in queries {
            let rows: Vec<(serde_json::Value,)> = sqlx::query_as(query)
                .bind(chain_id)
                .fetch_all(self.pool())
                .await?;
            lines.extend(rows.into_iter().map(|(v,)| v.to_string()));
        }
        Ok(lines)
    }
}
