//! A new database's tables get planner statistics after the indexer's first batch
//! (`Store::gather_statistics`): without them the planner takes `chain_id = $1` for a rare value and
//! finds a batch's records by reading every row of the chain instead of using the record index.

mod common;

use anyhow::Result;
use chrono::Utc;
use emtoken_store::{EventRow, Store};
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
