//! Writing a batch: events, balance changes, wallets, movements, holds and orders.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::{
    Addr, ComplianceRow, DeltaRow, EventRow, Hash, HoldRow, MovementRow, OrderRow, Result,
    SeenAddress, SystemRoleRow, Tx,
};

/// `keccak256("OPERATOR_ROLE")`, the role whose holders are the platform's operators.
pub(crate) const OPERATOR_ROLE: [u8; 32] = [
    0x97, 0x66, 0x70, 0x70, 0xc5, 0x4e, 0xf1, 0x82, 0xb0, 0xf5, 0x85, 0x8b, 0x03, 0x4b, 0xea, 0xc1,
    0xb6, 0xf3, 0x08, 0x9a, 0xa2, 0xd3, 0x18, 0x8b, 0xb1, 0xe8, 0x92, 0x9f, 0x4f, 0xa9, 0xb9, 0x29,
];

/// Where pending balance changes come from ([`Tx::insert_pending`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingFrom {
    /// Events newly indexed above the final block.
    New,
    /// Final blocks made pending again (a rewind below the final block).
    Final,
}

impl Tx {
    /// Inserts events, skipping those already stored (same block hash and log index). Returns the keys
    /// `(block_hash, log_index)` of the ones that were new: only their effects may be applied.
    ///
    /// A block hash names one block number, so when the ledger has no event in the batch's blocks (a
    /// backfill or a follower going forward: every batch but a replay's) every event is new, and they are
    /// inserted without the per-row conflict check (a third of the statement's time). A concurrent writer
    /// of the same events (another process that took the lead) then makes the insert fail on the primary
    /// key instead of skipping them; its checkpoint fences this transaction out anyway.
    pub async fn insert_events<'a>(
        &mut self,
        events: impl IntoIterator<Item = &'a EventRow>,
    ) -> Result<HashSet<(Hash, i64)>> {
        let events: Vec<&EventRow> = events.into_iter().collect();
        if events.is_empty() {
            return Ok(HashSet::new());
        }
        let chain_id = self.chain_id;
        let (low, high) = events.iter().fold((i64::MAX, i64::MIN), |(low, high), e| {
            (low.min(e.block_number), high.max(e.block_number))
        });
        // Above the block this transaction knows to hold no event (the checkpoint it fenced: a follower
        // going forward), every event is new without asking.
        let stored = match self.events_none_above {
            Some(none_above) if low > none_above => false,
            _ => {
                let (stored,): (bool,) = sqlx::query_as(
                    "SELECT EXISTS (SELECT 1 FROM events WHERE chain_id = $1 AND block_number BETWEEN $2 AND $3)",
                )
                .bind(chain_id)
                .bind(low)
                .bind(high)
                .fetch_one(self.conn())
                .await?;
                stored
            }
        };
        if let Some(none_above) = self.events_none_above {
            self.events_none_above = Some(none_above.max(high));
        }
        let (conflict, returning) = if stored {
            (
                "ON CONFLICT (chain_id, block_hash, log_index) DO NOTHING",
                "RETURNING block_hash, log_index",
            )
        } else {
            ("", "")
        };
        // Topics go as four columns (NULL where an event has fewer) and become the array again in SQL.
        let topic = |i: usize| -> Vec<Option<&[u8]>> {
            events
                .iter()
                .map(|e| e.topics.get(i).map(Vec::as_slice))
                .collect()
        };
        let statement = format!(
            "INSERT INTO events (chain_id, block_hash, log_index, block_number, block_time, tx_hash, tx_index,
                                 tx_ordinal, name, record_key, args, topics, data)
             SELECT $1, u.block_hash, u.log_index, u.block_number, u.block_time, u.tx_hash, u.tx_index,
                    u.tx_ordinal, u.name, u.record_key, u.args::jsonb,
                    array_remove(ARRAY[u.t0, u.t1, u.t2, u.t3], NULL),
                    u.data
             FROM UNNEST($2::bytea[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::bytea[],
                         $7::bigint[], $8::int[], $9::text[], $10::bytea[], $11::text[], $12::bytea[],
                         $13::bytea[], $14::bytea[], $15::bytea[], $16::bytea[])
                  AS u(block_hash, log_index, block_number, block_time, tx_hash, tx_index, tx_ordinal, name,
                       record_key, args, t0, t1, t2, t3, data)
             {conflict} {returning}"
        );
        let query = sqlx::query_as::<_, (Hash, i64)>(sqlx::AssertSqlSafe(statement))
            .bind(chain_id)
            .bind(events.iter().map(|e| e.block_hash).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.log_index).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.block_number).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.block_time).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.tx_hash).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.tx_index).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.tx_ordinal).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.name.as_str()).collect::<Vec<_>>())
            .bind(events.iter().map(|e| e.record_key).collect::<Vec<_>>())
            .bind(
                events
                    .iter()
                    .map(|e| e.args.to_string())
                    .collect::<Vec<_>>(),
            )
            .bind(topic(0))
            .bind(topic(1))
            .bind(topic(2))
            .bind(topic(3))
            .bind(events.iter().map(|e| e.data.as_slice()).collect::<Vec<_>>());
        if stored {
            return Ok(query.fetch_all(self.conn()).await?.into_iter().collect());
        }
        query.fetch_all(self.conn()).await?;
        Ok(events.iter().map(|e| (e.block_hash, e.log_index)).collect())
    }

    /// Creates the wallet rows of addresses seen for the first time, and dates each wallet from the
    /// first block it appears in.
    pub async fn see_addresses(&mut self, seen: &[SeenAddress]) -> Result<()> {
        if seen.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "INSERT INTO wallets (id, chain_id, address, first_block, created_at, updated_at)
             SELECT u.id, $1, u.address, u.block, u.time, u.time
             FROM UNNEST($2::uuid[], $3::bytea[], $4::bigint[], $5::timestamptz[]) AS u(id, address, block, time)
             ON CONFLICT (chain_id, address) DO UPDATE
             SET first_block = excluded.first_block, created_at = excluded.created_at
             -- A wallet already dated from an earlier block is left as it is (not rewritten); it is locked
             -- all the same, as every row ON CONFLICT DO UPDATE meets, until the batch commits.
             WHERE wallets.first_block IS NULL OR excluded.first_block < wallets.first_block",
        )
        .bind(chain_id)
        .bind(seen.iter().map(|s| s.wallet_id).collect::<Vec<_>>())
        .bind(seen.iter().map(|s| s.address).collect::<Vec<_>>())
        .bind(seen.iter().map(|s| s.block_number).collect::<Vec<_>>())
        .bind(seen.iter().map(|s| s.time).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Stores `deltas` as pending balance changes: `New` ones add to the wallets' head figures
    /// (`head_total`, `held`); `Final` ones, taken back from final blocks, leave the final figures
    /// (`balance`, `final_held`) and the head figures stay as they are.
    pub(crate) async fn insert_pending(
        &mut self,
        deltas: &[&DeltaRow],
        from: PendingFrom,
    ) -> Result<()> {
        if deltas.is_empty() {
            return Ok(());
        }
        let query = match from {
            PendingFrom::New => {
                "WITH d AS (
                     INSERT INTO balance_deltas (chain_id, block_hash, log_index, block_number, address, total, held)
                     SELECT $1, * FROM UNNEST($2::bytea[], $3::bigint[], $4::bigint[], $5::bytea[], $6::numeric[],
                                              $7::numeric[])
                     RETURNING address, total, held
                 )
                 UPDATE wallets w SET head_total = w.head_total + s.total, held = w.held + s.held
                 FROM (SELECT address, sum(total) AS total, sum(held) AS held FROM d GROUP BY address) s
                 WHERE w.chain_id = $1 AND w.address = s.address"
            }
            PendingFrom::Final => {
                "WITH d AS (
                     INSERT INTO balance_deltas (chain_id, block_hash, log_index, block_number, address, total, held)
                     SELECT $1, * FROM UNNEST($2::bytea[], $3::bigint[], $4::bigint[], $5::bytea[], $6::numeric[],
                                              $7::numeric[])
                     RETURNING address, total, held
                 )
                 UPDATE wallets w SET balance = w.balance - s.total, final_held = w.final_held - s.held
                 FROM (SELECT address, sum(total) AS total, sum(held) AS held FROM d GROUP BY address) s
                 WHERE w.chain_id = $1 AND w.address = s.address"
            }
        };
        sqlx::query(query)
            .bind(self.chain_id)
            .bind(deltas.iter().map(|d| d.block_hash).collect::<Vec<_>>())
            .bind(deltas.iter().map(|d| d.log_index).collect::<Vec<_>>())
            .bind(deltas.iter().map(|d| d.block_number).collect::<Vec<_>>())
            .bind(deltas.iter().map(|d| d.address).collect::<Vec<_>>())
            .bind(deltas.iter().map(|d| d.total).collect::<Vec<_>>())
            .bind(deltas.iter().map(|d| d.held).collect::<Vec<_>>())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Applies the balance changes of new events. Those of blocks above `final_block` move the head
    /// balances and are kept (until [`Tx::finalize`] or a rollback); those at or below it are final at
    /// once and move the head and final balances together, summed per address, never stored. Returns the
    /// addresses whose final balances changed that way, for reconciliation.
    pub async fn apply_deltas(
        &mut self,
        deltas: &[DeltaRow],
        final_block: i64,
    ) -> Result<Vec<Addr>> {
        let (pending, settled): (Vec<&DeltaRow>, Vec<&DeltaRow>) =
            deltas.iter().partition(|d| d.block_number > final_block);
        let chain_id = self.chain_id;
        self.insert_pending(&pending, PendingFrom::New).await?;
        let mut sums: std::collections::BTreeMap<Addr, (Decimal, Decimal)> = Default::default();
        for d in settled {
            let sum = sums.entry(d.address).or_default();
            sum.0 += d.total;
            sum.1 += d.held;
        }
        if sums.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "UPDATE wallets w
             SET head_total = w.head_total + s.total, held = w.held + s.held,
                 balance = w.balance + s.total, final_held = w.final_held + s.held
             FROM UNNEST($2::bytea[], $3::numeric[], $4::numeric[]) AS s(address, total, held)
             WHERE w.chain_id = $1 AND w.address = s.address",
        )
        .bind(chain_id)
        .bind(sums.keys().copied().collect::<Vec<_>>())
        .bind(sums.values().map(|s| s.0).collect::<Vec<_>>())
        .bind(sums.values().map(|s| s.1).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(sums.into_keys().collect())
    }

    /// Changes wallets' on-chain compliance state (a registered wallet is READY unless unsubscribed).
    pub async fn set_compliance(&mut self, rows: &[ComplianceRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "UPDATE wallets w
             SET registered = COALESCE(u.registered, CASE WHEN u.reset THEN false ELSE w.registered END),
                 kyc_level = CASE WHEN u.kyc_level IS NOT NULL THEN u.kyc_level
                                  WHEN u.reset THEN NULL ELSE w.kyc_level END,
                 frozen = COALESCE(u.frozen, CASE WHEN u.reset THEN false ELSE w.frozen END),
                 status = CASE WHEN w.status = 'UNSUBSCRIBED' THEN w.status
                               WHEN COALESCE(u.registered, CASE WHEN u.reset THEN false ELSE w.registered END)
                               THEN 'READY' ELSE 'PENDING' END
             FROM UNNEST($2::bytea[], $3::bool[], $4::smallint[], $5::bool[], $6::bool[])
                  AS u(address, registered, kyc_level, frozen, reset)
             WHERE w.chain_id = $1 AND w.address = u.address",
        )
        .bind(chain_id)
        .bind(rows.iter().map(|r| r.address).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.registered).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.kyc_level).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.frozen).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.reset).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Changes wallets' platform roles (suspense account, fee account, operator).
    pub async fn set_system_roles(&mut self, rows: &[SystemRoleRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "UPDATE wallets w
             SET is_suspense = COALESCE(u.suspense, CASE WHEN u.reset THEN false ELSE w.is_suspense END),
                 is_fee_account = COALESCE(u.fees, CASE WHEN u.reset THEN false ELSE w.is_fee_account END),
                 is_operator = COALESCE(u.operator, CASE WHEN u.reset THEN false ELSE w.is_operator END)
             FROM UNNEST($2::bytea[], $3::bool[], $4::bool[], $5::bool[], $6::bool[])
                  AS u(address, suspense, operator, reset, fees)
             WHERE w.chain_id = $1 AND w.address = u.address",
        )
        .bind(chain_id)
        .bind(rows.iter().map(|r| r.address).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.suspense).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.operator).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.reset).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.fee_account).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Writes movements; one that exists (same id: the same chain fact, perhaps mined again after a
    /// reorganisation) takes the new row's values.
    pub async fn upsert_movements(&mut self, rows: &[MovementRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "INSERT INTO movements (id, chain_id, wallet_id, type, status, outcome, amount, concept,
                 origin_address, target_address, iban, record_kind, record_key, tx_hash, block_number,
                 block_hash, log_index, decided_block, dropped, created_at, updated_at, payment_reference)
             SELECT u.id, $1, u.wallet_id, u.type, u.status, u.outcome, u.amount, u.concept, u.origin, u.target,
                    u.iban, u.record_kind, u.record_key, u.tx_hash, u.block_number, u.block_hash, u.log_index,
                    u.decided_block, false, u.created_at, u.updated_at, u.payment_reference
             FROM UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::text[],
                         $9::bytea[], $10::bytea[], $11::text[], $12::text[], $13::bytea[], $14::bytea[],
                         $15::bigint[], $16::bytea[], $17::bigint[], $18::bigint[], $19::timestamptz[],
                         $20::timestamptz[], $21::bytea[])
                  AS u(id, wallet_id, type, status, outcome, amount, concept, origin, target, iban, record_kind,
                       record_key, tx_hash, block_number, block_hash, log_index, decided_block, created_at,
                       updated_at, payment_reference)
             ON CONFLICT (id) DO UPDATE
             SET status = excluded.status, outcome = excluded.outcome, amount = excluded.amount,
                 tx_hash = excluded.tx_hash, block_number = excluded.block_number,
                 block_hash = excluded.block_hash, log_index = excluded.log_index,
                 decided_block = excluded.decided_block, dropped = false,
                 created_at = excluded.created_at, updated_at = excluded.updated_at",
        )
        .bind(chain_id)
        .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.wallet_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.r#type).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.status).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.outcome).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.amount).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.concept.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.origin_address).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.target_address).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.iban.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.record_kind).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.record_key).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.tx_hash).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.block_number).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.block_hash).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.log_index).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.decided_block).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.payment_reference).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The movements tied to records (holds, orders), for deciding them.
    pub async fn movements_of_records(&mut self, keys: &[Hash]) -> Result<Vec<MovementRow>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, MovementRow>(concat!("SELECT ", movement_columns!(), " FROM movements
             WHERE chain_id = $1 AND record_key = ANY($2) AND NOT dropped ORDER BY block_number, log_index, id"))
        .bind(chain_id)
        .bind(keys)
        .fetch_all(self.conn())
        .await?)
    }

    /// The holds with these keys.
    pub async fn holds_by_key(&mut self, keys: &[Hash]) -> Result<Vec<HoldRow>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, HoldRow>(concat!(
            "SELECT ",
            hold_columns!(),
            " FROM holds WHERE chain_id = $1 AND hold_key = ANY($2)"
        ))
        .bind(chain_id)
        .bind(keys)
        .fetch_all(self.conn())
        .await?)
    }

    /// Writes holds (replacing those with the same key), in one statement.
    pub async fn upsert_holds(&mut self, rows: &[HoldRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "INSERT INTO holds (id, chain_id, hold_key, operation_id, issuer, payer, payee, notary, held_value,
                 executed_value, released_value, remaining, status, expiration, created_block, created_tx,
                 created_at, updated_at)
             SELECT u.id, $1, u.hold_key, u.operation_id, u.issuer, u.payer, u.payee, u.notary, u.held_value,
                    u.executed_value, u.released_value, u.remaining, u.status, u.expiration, u.created_block,
                    u.created_tx, u.created_at, u.updated_at
             FROM UNNEST($2::uuid[], $3::bytea[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[],
                         $8::bytea[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::text[],
                         $14::timestamptz[], $15::bigint[], $16::bytea[], $17::timestamptz[], $18::timestamptz[])
                  AS u(id, hold_key, operation_id, issuer, payer, payee, notary, held_value, executed_value,
                       released_value, remaining, status, expiration, created_block, created_tx, created_at,
                       updated_at)
             ON CONFLICT (chain_id, hold_key) DO UPDATE
             SET operation_id = excluded.operation_id, issuer = excluded.issuer, payer = excluded.payer,
                 payee = excluded.payee, notary = excluded.notary, held_value = excluded.held_value,
                 executed_value = excluded.executed_value, released_value = excluded.released_value,
                 remaining = excluded.remaining, status = excluded.status, expiration = excluded.expiration,
                 created_block = excluded.created_block, created_tx = excluded.created_tx,
                 created_at = excluded.created_at, updated_at = excluded.updated_at",
        )
        .bind(chain_id)
        .bind(rows.iter().map(|h| h.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.hold_key).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.operation_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.issuer).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.payer).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.payee).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.notary).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.held_value).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.executed_value).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.released_value).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.remaining).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.status).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.expiration).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.created_block).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.created_tx).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.created_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|h| h.updated_at).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The orders with these keys.
    pub async fn orders_by_key(&mut self, keys: &[Hash]) -> Result<Vec<OrderRow>> {
        let chain_id = self.chain_id;
        Ok(sqlx::query_as::<_, OrderRow>(concat!(
            "SELECT ",
            order_columns!(),
            " FROM orders WHERE chain_id = $1 AND order_key = ANY($2)"
        ))
        .bind(chain_id)
        .bind(keys)
        .fetch_all(self.conn())
        .await?)
    }

    /// Writes orders (replacing those with the same kind and key), in one statement.
    pub async fn upsert_orders(&mut self, rows: &[OrderRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let chain_id = self.chain_id;
        sqlx::query(
            "INSERT INTO orders (id, chain_id, kind, order_key, operation_id, orderer, payer, payee, value,
                 status, locked, lock_holder, reason, instructions_hash, created_block, created_tx,
                 decided_block, created_at, updated_at)
             SELECT u.id, $1, u.kind, u.order_key, u.operation_id, u.orderer, u.payer, u.payee, u.value,
                    u.status, u.locked, u.lock_holder, u.reason, u.instructions_hash, u.created_block,
                    u.created_tx, u.decided_block, u.created_at, u.updated_at
             FROM UNNEST($2::uuid[], $3::text[], $4::bytea[], $5::bytea[], $6::bytea[], $7::bytea[], $8::bytea[],
                         $9::numeric[], $10::text[], $11::numeric[], $12::bytea[], $13::text[], $14::bytea[],
                         $15::bigint[], $16::bytea[], $17::bigint[], $18::timestamptz[], $19::timestamptz[])
                  AS u(id, kind, order_key, operation_id, orderer, payer, payee, value, status, locked,
                       lock_holder, reason, instructions_hash, created_block, created_tx, decided_block,
                       created_at, updated_at)
             ON CONFLICT (chain_id, kind, order_key) DO UPDATE
             SET operation_id = excluded.operation_id, orderer = excluded.orderer, payer = excluded.payer,
                 payee = excluded.payee, value = excluded.value, status = excluded.status,
                 locked = excluded.locked, lock_holder = excluded.lock_holder, reason = excluded.reason,
                 instructions_hash = excluded.instructions_hash, created_block = excluded.created_block,
                 created_tx = excluded.created_tx, decided_block = excluded.decided_block,
                 created_at = excluded.created_at, updated_at = excluded.updated_at",
        )
        .bind(chain_id)
        .bind(rows.iter().map(|o| o.id).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.kind).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.order_key).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.operation_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.orderer).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.payer).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.payee).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.value).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.status).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.locked).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.lock_holder).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.reason.clone()).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.instructions_hash).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.created_block).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.created_tx).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.decided_block).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.created_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|o| o.updated_at).collect::<Vec<_>>())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Removes holds and orders that no longer exist on the canonical chain.
    pub async fn delete_records(&mut self, keys: &[Hash]) -> Result<()> {
        let chain_id = self.chain_id;
        sqlx::query("DELETE FROM holds WHERE chain_id = $1 AND hold_key = ANY($2)")
            .bind(chain_id)
            .bind(keys)
            .execute(self.conn())
            .await?;
        sqlx::query("DELETE FROM orders WHERE chain_id = $1 AND order_key = ANY($2)")
            .bind(chain_id)
            .bind(keys)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Stored events about these records, these addresses' compliance events, or the role events
    /// (SuspenseAccountChanged, FeeAccountChanged, RoleGranted / RoleRevoked of OPERATOR_ROLE) naming
    /// `roles_of`, in chain order.
    pub async fn events_of(
        &mut self,
        keys: &[Hash],
        compliance_of: &[Addr],
        roles_of: &[Addr],
    ) -> Result<Vec<EventRow>> {
        let chain_id = self.chain_id;
        let addresses: Vec<String> = compliance_of
            .iter()
            .map(|a| format!("0x{}", hex(a)))
            .collect();
        Ok(sqlx::query_as::<_, EventRow>(
            "SELECT block_hash, log_index, block_number, block_time, tx_hash, tx_index, tx_ordinal, name,
                    record_key, args, topics, data
             FROM events
             WHERE chain_id = $1 AND (record_key = ANY($2)
                OR (name IN ('WalletRegistered', 'KycLevelChanged', 'Frozen', 'Unfrozen')
                    AND lower(args->>'wallet') = ANY($3))
                OR (name IN ('SuspenseAccountChanged', 'FeeAccountChanged')
                    AND (substring(topics[2] FROM 13) = ANY($4) OR substring(topics[3] FROM 13) = ANY($4)))
                OR (name IN ('RoleGranted', 'RoleRevoked') AND topics[2] = $5
                    AND substring(topics[3] FROM 13) = ANY($4)))
             ORDER BY block_number, log_index",
        )
        .bind(chain_id)
        .bind(keys)
        .bind(addresses)
        .bind(roles_of)
        .bind(OPERATOR_ROLE)
        .fetch_all(self.conn())
        .await?)
    }
}

/// Lowercase hex of bytes, without prefix.
pub(crate) fn hex(bytes: impl AsRef<[u8]>) -> String {
    use std::fmt::Write;
    bytes.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

macro_rules! movement_columns {
    () => {
        "id, wallet_id, type, status, outcome, amount, concept, origin_address,
    target_address, iban, record_kind, record_key, payment_reference, tx_hash, block_number, block_hash,
    log_index, decided_block, dropped, created_at, updated_at"
    };
}
pub(crate) use movement_columns;

macro_rules! hold_columns {
    () => {
        "id, hold_key, operation_id, issuer, payer, payee, notary, held_value,
    executed_value, released_value, remaining, status, expiration, created_block, created_tx, created_at, updated_at"
    };
}
pub(crate) use hold_columns;

macro_rules! order_columns {
    () => {
        "id, kind, order_key, operation_id, orderer, payer, payee, value, status,
    locked, lock_holder, reason, instructions_hash, created_block, created_tx, decided_block, created_at,
    updated_at"
    };
}
pub(crate) use order_columns;
