//! Finality (what becomes final moves the system balances and settles movements) and rolling back the
//! blocks a reorganisation orphaned.

use rust_decimal::Decimal;

use crate::{Addr, Hash, Result, Tx};

/// What rolling back orphaned blocks touched, for the indexer to re-derive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollback {
    /// Events removed.
    pub events: u64,
    /// Movements marked dropped.
    pub dropped_movements: u64,
    /// Holds and orders with removed events.
    pub record_keys: Vec<Hash>,
    /// Addresses whose compliance events were removed.
    pub compliance_addresses: Vec<Addr>,
    /// Addresses named by removed role events (suspense and fee account changes, operator role grants
    /// and revocations).
    pub role_addresses: Vec<Addr>,
}

/// The parts of a statement that apply the blocks in `($2, $3]` of chain `$1` as final (see
/// [`Tx::finalize`]): `finalized` returns the addresses whose final balances changed. Nothing happens
/// unless `$3 > $2`.
macro_rules! finalize_parts {
    () => {
        "gone AS (
             DELETE FROM balance_deltas
             WHERE chain_id = $1 AND block_number > $2 AND block_number <= $3
             RETURNING address, total, held
         ), sums AS (SELECT address, sum(total) AS total, sum(held) AS held FROM gone GROUP BY address),
         finalized AS (
             UPDATE wallets w SET balance = w.balance + sums.total, final_held = w.final_held + sums.held
             FROM sums WHERE w.chain_id = $1 AND w.address = sums.address
             RETURNING w.address
         ), decided AS (
             UPDATE movements SET status = outcome
             WHERE chain_id = $1 AND status = 'PENDING' AND outcome IS NOT NULL AND decided_block <= $3
               AND $3 > $2
         )"
    };
}
pub(crate) use finalize_parts;

impl Tx {
    /// Applies the blocks in `(after, upto]` as final: their balance changes move `balance` and
    /// `final_held` (and are then forgotten), and movements decided in them take their outcome.
    /// Returns the addresses whose final balances changed, for reconciliation.
    pub async fn finalize(&mut self, after: i64, upto: i64) -> Result<Vec<Addr>> {
        if upto <= after {
            return Ok(Vec::new());
        }
        let chain_id = self.chain_id;
        let touched: Vec<Addr> = sqlx::query_scalar(concat!(
            "WITH ",
            finalize_parts!(),
            " SELECT address FROM finalized ORDER BY address"
        ))
        .bind(chain_id)
        .bind(after)
        .bind(upto)
        .fetch_all(self.conn())
        .await?;
        Ok(touched)
    }

    /// Takes back what finality applied for the blocks above `after` (before a rollback below the final
    /// block, after a reorganisation deeper than the confirmations): `deltas`, those blocks' balance
    /// changes re-derived from their events, leave `balance` and `final_held` and become pending again
    /// (the head balances do not change), and the movements decided above `after` are PENDING again.
    /// Returns how many movements were.
    pub async fn unfinalize(&mut self, after: i64, deltas: &[crate::DeltaRow]) -> Result<u64> {
        let chain_id = self.chain_id;
        if deltas.iter().any(|d| d.block_number <= after) {
            return Err(crate::Error::Invalid(format!(
                "unfinalize above block {after}: a balance change of a block at or below it"
            )));
        }
        let deltas: Vec<&crate::DeltaRow> = deltas.iter().collect();
        self.insert_pending(&deltas, crate::ingest::PendingFrom::Final)
            .await?;
        Ok(sqlx::query(
            "UPDATE movements SET status = 'PENDING'
             WHERE chain_id = $1 AND decided_block > $2 AND status <> 'PENDING' AND status = outcome",
        )
        .bind(chain_id)
        .bind(after)
        .execute(self.conn())
        .await?
        .rows_affected())
    }

    /// The stored events of the blocks in `(after, upto]`, in chain order.
    pub async fn events_in(&mut self, after: i64, upto: i64) -> Result<Vec<crate::EventRow>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, crate::EventRow>(
            "SELECT block_hash, log_index, block_number, block_time, tx_hash, tx_index, tx_ordinal, name,
                    record_key, args, topics, data
             FROM events WHERE chain_id = $1 AND block_number > $2 AND block_number <= $3
             ORDER BY block_number, log_index",
        )
        .bind(chain_id)
        .bind(after)
        .bind(upto)
        .fetch_all(self.conn())
        .await?)
    }

    /// The highest block at or below `number` whose hash the index knows (a block of an event, or of the
    /// window), as (number, hash).
    pub async fn known_block_at_or_below(&mut self, number: i64) -> Result<Option<(i64, Hash)>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, (i64, Hash)>(
            "SELECT number, hash FROM (
                 (SELECT block_number AS number, block_hash AS hash FROM events
                  WHERE chain_id = $1 AND block_number <= $2 ORDER BY block_number DESC LIMIT 1)
                 UNION ALL
                 (SELECT number, hash FROM blocks
                  WHERE chain_id = $1 AND number <= $2 ORDER BY number DESC LIMIT 1)
             ) k ORDER BY number DESC LIMIT 1",
        )
        .bind(chain_id)
        .bind(number)
        .fetch_optional(self.conn())
        .await?)
    }

    /// Removes everything above block `fork` (orphaned by a reorganisation): head balances lose the
    /// removed events' changes, their movements are marked dropped (ERROR; a movement mined again is
    /// revived with the same id), wallets seen only there lose their first-seen block, and the window and
    /// events above `fork` go. Returns what the caller must re-derive.
    pub async fn rollback_above(&mut self, fork: i64) -> Result<Rollback> {
        let chain_id = self.chain_id;
        sqlx::query(
            "UPDATE wallets w SET head_total = w.head_total - s.total, held = w.held - s.held
             FROM (SELECT address, sum(total) AS total, sum(held) AS held FROM balance_deltas
                   WHERE chain_id = $1 AND block_number > $2 GROUP BY address) s
             WHERE w.chain_id = $1 AND w.address = s.address",
        )
        .bind(chain_id)
        .bind(fork)
        .execute(self.conn())
        .await?;
        let record_keys: Vec<(Hash,)> = sqlx::query_as(
            "SELECT DISTINCT record_key FROM events
             WHERE chain_id = $1 AND block_number > $2 AND record_key IS NOT NULL",
        )
        .bind(chain_id)
        .bind(fork)
        .fetch_all(self.conn())
        .await?;
        let addresses: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT lower(args->>'wallet') FROM events
             WHERE chain_id = $1 AND block_number > $2
               AND name IN ('WalletRegistered', 'KycLevelChanged', 'Frozen', 'Unfrozen')",
        )
        .bind(chain_id)
        .bind(fork)
        .fetch_all(self.conn())
        .await?;
        let role_addresses: Vec<(Addr,)> = sqlx::query_as(
            "SELECT DISTINCT substring(t FROM 13) FROM events, unnest(topics[2:3]) AS t
             WHERE chain_id = $1 AND block_number > $2
               AND (name IN ('SuspenseAccountChanged', 'FeeAccountChanged')
                    OR (name IN ('RoleGranted', 'RoleRevoked') AND topics[2] = $3 AND t = topics[3]))",
        )
        .bind(chain_id)
        .bind(fork)
        .bind(crate::ingest::OPERATOR_ROLE)
        .fetch_all(self.conn())
        .await?;
        let events = sqlx::query("DELETE FROM events WHERE chain_id = $1 AND block_number > $2")
            .bind(chain_id)
            .bind(fork)
            .execute(self.conn())
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM blocks WHERE chain_id = $1 AND number > $2")
            .bind(chain_id)
            .bind(fork)
            .execute(self.conn())
            .await?;
        let dropped_movements = sqlx::query(
            "UPDATE movements SET status = 'ERROR', outcome = 'ERROR', dropped = true, updated_at = now()
             WHERE chain_id = $1 AND block_number > $2 AND NOT dropped",
        )
        .bind(chain_id)
        .bind(fork)
        .execute(self.conn())
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE wallets SET first_block = NULL, created_at = NULL WHERE chain_id = $1 AND first_block > $2",
        )
        .bind(chain_id)
        .bind(fork)
        .execute(self.conn())
        .await?;
        let compliance_addresses = addresses
            .into_iter()
            .map(|(text,)| parse_address(&text))
            .collect::<Result<_>>()?;
        Ok(Rollback {
            events,
            dropped_movements,
            record_keys: record_keys.into_iter().map(|(k,)| k).collect(),
            compliance_addresses,
            role_addresses: role_addresses
                .into_iter()
                .map(|(a,)| a)
                .filter(|a| a != &[0u8; 20])
                .collect(),
        })
    }

    /// The final gross and held balances the store has for these addresses (zero for unknown ones).
    pub async fn final_balances(
        &mut self,
        addresses: &[Addr],
    ) -> Result<Vec<(Addr, Decimal, Decimal)>> {
        let chain_id = self.chain_id;
        let rows: Vec<(Addr, Decimal, Decimal)> = sqlx::query_as(
            "SELECT u.address, COALESCE(w.balance, 0), COALESCE(w.final_held, 0)
             FROM UNNEST($2::bytea[]) AS u(address)
             LEFT JOIN wallets w ON w.chain_id = $1 AND w.address = u.address
             ORDER BY u.address",
        )
        .bind(chain_id)
        .bind(addresses)
        .fetch_all(self.conn())
        .await?;
        Ok(rows)
    }

    /// Wallets whose final balances changed and were not compared with the chain yet (a process stopped
    /// between a batch's commit and its reconciliation, or batches whose comparison was put off).
    pub async fn unreconciled(&mut self) -> Result<Vec<Addr>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_scalar(
            "SELECT address FROM unreconciled_wallets WHERE chain_id = $1 ORDER BY address",
        )
        .bind(chain_id)
        .fetch_all(self.conn())
        .await?)
    }

    /// Forgets wallets once compared with the chain.
    pub async fn remove_unreconciled(&mut self, addresses: &[Addr]) -> Result<()> {
        if addresses.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query("DELETE FROM unreconciled_wallets WHERE chain_id = $1 AND address = ANY($2)")
            .bind(chain_id)
            .bind(addresses)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records a reconciliation finding; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_finding(
        &mut self,
        block_number: i64,
        block_hash: Hash,
        address: Addr,
        indexed: (Decimal, Decimal),
        chain: (Decimal, Decimal),
        persistent: bool,
    ) -> Result<i64> {
        let chain_id = self.chain_id;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO findings (chain_id, block_number, block_hash, address, indexed_total, chain_total,
                                   indexed_held, chain_held, persistent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(chain_id)
        .bind(block_number)
        .bind(block_hash)
        .bind(address)
        .bind(indexed.0)
        .bind(chain.0)
        .bind(indexed.1)
        .bind(chain.1)
        .bind(persistent)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }
}

fn parse_address(text: &str) -> Result<Addr> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let mut out = [0u8; 20];
    if digits.len() != 40 {
        return Err(crate::Error::Invalid(format!("stored address {text:?}")));
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
            .map_err(|_| crate::Error::Invalid(format!("stored address {text:?}")))?;
    }
    Ok(out)
}
