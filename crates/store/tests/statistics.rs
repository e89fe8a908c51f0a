//! A new database's tables get planner statistics after the indexer's first batch
//! (`Store::gather_statistics`): without them the planner takes `chain_id = $1` for a rare value and
//! finds a batch's records by reading every row of the chain instead of using the record index. They are
//! gathered again as the tables grow (`Store::refresh_statistics`): statistics of a first batch without
//! records mislead the planner as much as none.

mod common;

use anyhow::Result;
use chrono::Utc;
use emtoken_store::{EventRow, REFRESH_STATISTICS_TARGET, Store};
use sqlx::PgPool;

const CHAIN: i64 = 31337;

/// Event `i` of record `i / 2`, in block `i / 100`.
fn event(i: u32) -> EventRow {
    let mut hash = [0u8; 32];
    hash[..4].copy_from_slice(&(i / 100).to_be_bytes());
    let mut record = [0xaau8; 32];
    record[..4].copy_from_slice(&(i / 2).to_be_bytes());
    EventRow {
        block_hash: hash,
        log_index: i64::from(i % 100),
        block_number: i64::from(i / 100),
        block_time: Utc::now(),
        tx_hash: [0x11; 32],
        tx_index: 0,
        tx_ordinal: 0,
        name: "HoldCreated".to_owned(),
        record_key: Some(record),
        args: serde_json::json!({}),
        topics: Vec::new(),
        data: Vec::new(),
    }
}

/// Event `i` of no record (a mint, a registration), in block `1_000_000 + i / 100`.
fn event_without_record(i: u32) -> EventRow {
    let mut row = event(i);
    row.block_hash[4] = 0xff;
    row.block_number += 1_000_000;
    row.record_key = None;
    row
}

/// The lookup of a few records' events as a prepared statement runs it once its plan is generic (the
/// same plan whatever the keys): the indexer's lookups are prepared statements run thousands of times.
async fn generic_record_lookup_plan(pool: &PgPool) -> Result<String> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SET plan_cache_mode = force_generic_plan")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "PREPARE lookup(bigint, bytea[]) AS \
         SELECT * FROM events WHERE chain_id = $1 AND record_key = ANY($2)",
    )
    .execute(&mut *conn)
    .await?;
    let lines: Vec<String> =
        sqlx::query_scalar("EXPLAIN EXECUTE lookup(31337, ARRAY['\\xaa'::bytea, '\\xbb'::bytea])")
            .fetch_all(&mut *conn)
            .await?;
    sqlx::query("DEALLOCATE lookup").execute(&mut *conn).await?;
    sqlx::query("RESET plan_cache_mode")
        .execute(&mut *conn)
        .await?;
    Ok(lines.join("\n"))
}

/// The plan of the lookup of a few records' events, as the indexer asks for them.
async fn record_lookup_plan(pool: &PgPool) -> Result<String> {
    let keys: Vec<Vec<u8>> = (0u32..20)
        .map(|k| {
            let mut record = vec![0xaau8; 32];
            record[..4].copy_from_slice(&(k * 97).to_be_bytes());
            record
        })
        .collect();
    let lines: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT * FROM events WHERE chain_id = $1 AND record_key = ANY($2)",
    )
    .bind(CHAIN)
    .bind(keys)
    .fetch_all(pool)
    .await?;
    Ok(lines.join("\n"))
}

#[sqlx::test(migrations = false)]
async fn the_first_batch_gives_the_tables_statistics_and_lookups_use_the_record_index(
    pool: PgPool,
) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    let mut tx = store.begin(CHAIN).await?;
    tx.upsert_chain(&common::chain(CHAIN, 2)).await?;
    let events: Vec<EventRow> = (0..20_000).map(event).collect();
    tx.insert_events(&events).await?;
    tx.commit().await?;

    let analyzed = store.gather_statistics().await?;
    assert!(analyzed.contains(&"events"), "analyzed {analyzed:?}");
    let plan = record_lookup_plan(&pool).await?;
    assert!(
        plan.contains("events_by_record"),
        "the lookup of 20 records reads by the record index once the table has statistics:\n{plan}"
    );
    // A table with statistics is not analyzed again; empty ones stay without.
    let again = store.gather_statistics().await?;
    assert!(!again.contains(&"events"), "analyzed again {again:?}");
    assert!(
        again.contains(&"holds"),
        "empty holds have no statistics: {again:?}"
    );
    Ok(())
}

#[sqlx::test(migrations = false)]
async fn statistics_gathered_again_once_the_table_grew_find_records_by_their_key(
    pool: PgPool,
) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    // A first batch without records, its statistics gathered: to the planner, no event has one.
    let mut tx = store.begin(CHAIN).await?;
    tx.upsert_chain(&common::chain(CHAIN, 2)).await?;
    let first: Vec<EventRow> = (0..1_000).map(event_without_record).collect();
    tx.insert_events(&first).await?;
    tx.commit().await?;
    store.gather_statistics().await?;
    assert_eq!(store.event_rows_estimate().await?, 1_000);
    // The table grows twentyfold with records.
    let mut tx = store.begin(CHAIN).await?;
    let events: Vec<EventRow> = (0..20_000).map(event).collect();
    tx.insert_events(&events).await?;
    tx.commit().await?;

    store.refresh_statistics().await?;
    assert_eq!(store.event_rows_estimate().await?, 21_000);
    let plan = generic_record_lookup_plan(&pool).await?;
    let condition = plan
        .lines()
        .find(|line| line.contains("Index Cond"))
        .unwrap_or_default();
    assert!(
        plan.contains("events_by_record") && condition.contains("record_key"),
        "the generic plan looks records up by their key in the record index:\n{plan}"
    );
    // From the refresh's small sample, which a backfill can afford beside its batches: a histogram of
    // at most target + 1 bounds (the server's default target, 100, gives 101 for these 210 blocks).
    let bounds: Option<i32> = sqlx::query_scalar(
        "SELECT array_length(histogram_bounds::text::text[], 1) FROM pg_stats
         WHERE schemaname = current_schema() AND tablename = 'events' AND attname = 'block_number'",
    )
    .fetch_one(&pool)
    .await?;
    let bounds = bounds.unwrap_or_default();
    assert!(
        bounds > 1 && bounds <= REFRESH_STATISTICS_TARGET as i32 + 1,
        "{bounds} histogram bounds of events.block_number"
    );
    Ok(())
}
