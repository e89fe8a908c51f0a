//! The two ceilings of any indexer here: how fast the node hands out the contract's logs (`eth_getLogs`
//! over the whole range, one request at a time, per range size), and how fast PostgreSQL takes the same
//! number of movement rows in bulk (COPY, and UNNEST batches) into a table shaped like `movements`.

use std::time::{Duration, Instant};

use alloy::{
    primitives::Address,
    providers::{Provider, ProviderBuilder},
    rpc::types::Filter,
};
use anyhow::Context;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use sqlx::{Connection, PgConnection};

use crate::stats::per_second;

/// One `eth_getLogs` pass over the range at one range size.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogsPass {
    /// Blocks per request.
    pub(crate) range: u64,
    /// Requests made.
    pub(crate) requests: u64,
    /// Logs returned.
    pub(crate) logs: u64,
    /// Wall time, in milliseconds.
    pub(crate) ms: u64,
    /// Logs per second.
    pub(crate) logs_per_second: u64,
}

/// Range sizes tried, capped at the whole range (which is always tried).
const RANGES: [u64; 4] = [500, 2_000, 10_000, 50_000];

/// Fetches every log of `contract` in `from..=to` once per range size; the best pass is the limit.
pub(crate) async fn get_logs(
    rpc: &str,
    contract: Address,
    from: u64,
    to: u64,
) -> anyhow::Result<Vec<LogsPass>> {
    let provider = ProviderBuilder::new().connect_http(rpc.parse()?);
    let whole = to - from + 1;
    let mut ranges: Vec<u64> = RANGES.iter().copied().filter(|r| *r < whole).collect();
    ranges.push(whole);
    let mut passes = Vec::new();
    for range in ranges {
        let started = Instant::now();
        let (mut logs, mut requests, mut start) = (0u64, 0u64, from);
        while start <= to {
            let end = (start + range - 1).min(to);
            let filter = Filter::new()
                .address(contract)
                .from_block(start)
                .to_block(end);
            logs += provider
                .get_logs(&filter)
                .await
                .with_context(|| format!("eth_getLogs {start}..={end}"))?
                .len() as u64;
            requests += 1;
            start = end + 1;
        }
        let elapsed = started.elapsed();
        tracing::info!(
            range,
            logs,
            ms = elapsed.as_millis() as u64,
            "eth_getLogs pass"
        );
        passes.push(LogsPass {
            range,
            requests,
            logs,
            ms: millis(elapsed),
            logs_per_second: per_second(logs, elapsed),
        });
    }
    Ok(passes)
}

/// One bulk insert of the movement rows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkInsert {
    /// `COPY` or `UNNEST`.
    pub(crate) method: &'static str,
    /// Rows inserted.
    pub(crate) rows: u64,
    /// Rows per statement.
    pub(crate) batch: u64,
    /// Wall time, commit included, in milliseconds.
    pub(crate) ms: u64,
    /// Rows per second.
    pub(crate) rows_per_second: u64,
}

/// The `movements` table of the indexer's schema (crates/store/migrations) without its foreign keys,
/// with its primary key and indexes: what a bulk load of movement rows has to maintain.
const CREATE_TABLE: &str = "
CREATE TABLE bench_movements (
    id UUID PRIMARY KEY, chain_id BIGINT NOT NULL, wallet_id UUID NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, outcome TEXT, amount NUMERIC(78, 0) NOT NULL, concept TEXT, origin_address BYTEA,
    target_address BYTEA, iban TEXT, record_kind TEXT, record_key BYTEA, tx_hash BYTEA NOT NULL,
    block_number BIGINT NOT NULL, block_hash BYTEA NOT NULL, log_index BIGINT NOT NULL, decided_block BIGINT,
    dropped BOOLEAN NOT NULL DEFAULT false, scheduled_operation_id UUID, created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL);
CREATE INDEX ON bench_movements (wallet_id, created_at, id);
CREATE INDEX ON bench_movements (chain_id, block_number);
CREATE INDEX ON bench_movements (chain_id, decided_block) WHERE status = 'PENDING';
CREATE INDEX ON bench_movements (chain_id, record_key) WHERE record_key IS NOT NULL;";

const COPY: &str = "COPY bench_movements (id, chain_id, wallet_id, type, status, outcome, amount, origin_address, \
                    target_address, tx_hash, block_number, block_hash, log_index, decided_block, created_at, updated_at) \
                    FROM STDIN";

const INSERT: &str = "INSERT INTO bench_movements (id, chain_id, wallet_id, type, status, outcome, amount, origin_address,
                 target_address, tx_hash, block_number, block_hash, log_index, decided_block, created_at, updated_at)
             SELECT u.id, 31337, u.wallet_id, u.type, 'SUCCESS', 'SUCCESS', u.amount, u.origin, u.target, u.tx_hash,
                    u.block_number, u.block_hash, u.log_index, u.block_number, $9, $9
             FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::numeric[], $5::bytea[], $6::bytea[], $7::bytea[],
                         $8::bigint[], $10::bytea[], $11::bigint[])
                  AS u(id, wallet_id, type, amount, origin, target, tx_hash, block_number, block_hash, log_index)";

/// A synthetic movement row (random ids and hashes over 1,000 wallets, increasing blocks).
struct Row {
    id: uuid::Uuid,
    wallet: uuid::Uuid,
    kind: &'static str,
    amount: i64,
    origin: [u8; 20],
    target: [u8; 20],
    tx: [u8; 32],
    block: i64,
    block_hash: [u8; 32],
    log_index: i64,
}

fn rows(count: u64) -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(7);
    let wallets: Vec<uuid::Uuid> = (0..1000)
        .map(|_| uuid::Uuid::from_bytes(rng.random()))
        .collect();
    (0..count)
        .map(|i| Row {
            id: uuid::Uuid::from_bytes(rng.random()),
            wallet: wallets[rng.random_range(0..wallets.len())],
            kind: [
                "TRANSFER_OUT",
                "TRANSFER_IN",
                "LOCK",
                "RELEASE",
                "CARD_CASHIN",
            ][rng.random_range(0..5)],
            amount: rng.random_range(1..1_000_000),
            origin: rng.random(),
            target: rng.random(),
            tx: rng.random(),
            block: i64::try_from(i / 40).unwrap_or(i64::MAX),
            block_hash: rng.random(),
            log_index: i64::try_from(i % 40).unwrap_or(0),
        })
        .collect()
}

/// Inserts `count` movement rows into a fresh table of the database at `url` with COPY (one stream),
/// then again with UNNEST batches of `batch` rows, each in one transaction.
pub(crate) async fn bulk_insert(
    url: &str,
    count: u64,
    batch: u64,
) -> anyhow::Result<Vec<BulkInsert>> {
    let rows = rows(count);
    let mut conn = PgConnection::connect(url)
        .await
        .context("connecting for the bulk insert")?;
    let now = chrono::Utc::now();
    let mut results = Vec::new();

    reset(&mut conn).await?;
    let started = Instant::now();
    let mut text = String::with_capacity(rows.len() * 400);
    for r in &rows {
        use std::fmt::Write;
        let ts = now.to_rfc3339();
        writeln!(
            text,
            "{}\t31337\t{}\t{}\tSUCCESS\tSUCCESS\t{}\t\\\\x{}\t\\\\x{}\t\\\\x{}\t{}\t\\\\x{}\t{}\t{}\t{ts}\t{ts}",
            r.id,
            r.wallet,
            r.kind,
            r.amount,
            hex(&r.origin),
            hex(&r.target),
            hex(&r.tx),
            r.block,
            hex(&r.block_hash),
            r.log_index,
            r.block,
        )?;
    }
    let mut tx = conn.begin().await?;
    let mut copy = tx.copy_in_raw(COPY).await?;
    copy.send(text.into_bytes()).await?;
    let copied = copy.finish().await?;
    tx.commit().await?;
    results.push(measured("COPY", copied, count, started.elapsed()));

    reset(&mut conn).await?;
    let started = Instant::now();
    for chunk in rows.chunks(usize::try_from(batch).unwrap_or(usize::MAX).max(1)) {
        let mut tx = conn.begin().await?;
        sqlx::query(INSERT)
            .bind(chunk.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.wallet).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.kind).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|r| rust_decimal_amount(r.amount))
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|r| r.origin.to_vec()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.target.to_vec()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.tx.to_vec()).collect::<Vec<_>>())
            .bind(chunk.iter().map(|r| r.block).collect::<Vec<_>>())
            .bind(now)
            .bind(
                chunk
                    .iter()
                    .map(|r| r.block_hash.to_vec())
                    .collect::<Vec<_>>(),
            )
            .bind(chunk.iter().map(|r| r.log_index).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await
            .context("UNNEST insert")?;
        tx.commit().await?;
    }
    results.push(measured("UNNEST", count, batch, started.elapsed()));
    sqlx::query("DROP TABLE bench_movements")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(results)
}

fn rust_decimal_amount(amount: i64) -> sqlx::types::Decimal {
    sqlx::types::Decimal::from(amount)
}

fn measured(method: &'static str, rows: u64, batch: u64, elapsed: Duration) -> BulkInsert {
    tracing::info!(method, rows, ms = elapsed.as_millis() as u64, "bulk insert");
    BulkInsert {
        method,
        rows,
        batch,
        ms: millis(elapsed),
        rows_per_second: per_second(rows, elapsed),
    }
}

async fn reset(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::raw_sql("DROP TABLE IF EXISTS bench_movements")
        .execute(&mut *conn)
        .await?;
    sqlx::raw_sql(CREATE_TABLE)
        .execute(&mut *conn)
        .await
        .context("creating bench_movements")?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}
