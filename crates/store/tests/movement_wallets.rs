//! A movement names an existing wallet, and a wallet that movements name cannot be deleted: the rule of
//! the foreign key it replaced (migration 0028), checked once per statement.

mod common;

use anyhow::Result;
use chrono::Utc;
use emtoken_store::{
    MovementRow, SeenAddress, Store, ids,
    vocabulary::{MovementStatus, MovementType, Outcome},
};
use rust_decimal::Decimal;
use sqlx::PgPool;

const CHAIN: i64 = 31337;

fn movement(n: u8, wallet: uuid::Uuid) -> MovementRow {
    let now = Utc::now();
    MovementRow {
        id: uuid::Uuid::from_u128(u128::from(n) + 1),
        wallet_id: wallet,
        r#type: MovementType::TransferIn,
        status: MovementStatus::Success,
        outcome: Some(Outcome::Success),
        amount: Decimal::from(5),
        concept: None,
        origin_address: None,
        target_address: None,
        iban: None,
        record_kind: None,
        record_key: None,
        payment_reference: None,
        tx_hash: [n; 32],
        block_number: 1,
        block_hash: [1; 32],
        log_index: i64::from(n),
        decided_block: Some(1),
        dropped: false,
        created_at: now,
        updated_at: now,
    }
}

fn is_key_violation(error: &emtoken_store::Error) -> bool {
    matches!(error, emtoken_store::Error::Database(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503"))
}

#[sqlx::test(migrations = false)]
async fn movements_name_existing_wallets_and_keep_them(pool: PgPool) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    let known: [u8; 20] = [7; 20];
    let known_id = ids::wallet_id(CHAIN, &known);
    let mut tx = store.begin(CHAIN).await?;
    tx.upsert_chain(&common::chain(CHAIN, 0)).await?;
    tx.see_addresses(&[SeenAddress {
        address: known,
        wallet_id: known_id,
        block_number: 1,
        time: Utc::now(),
    }])
    .await?;
    tx.upsert_movements(&[movement(1, known_id), movement(2, known_id)])
        .await?;
    tx.commit().await?;

    // A statement with one movement of no wallet writes nothing.
    let mut tx = store.begin(CHAIN).await?;
    let unknown = uuid::Uuid::from_u128(99);
    let error = tx
        .upsert_movements(&[movement(3, known_id), movement(4, unknown)])
        .await
        .unwrap_err();
    assert!(is_key_violation(&error), "{error:?}");
    drop(tx);
    let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM movements")
        .fetch_one(&pool)
        .await?;
    assert_eq!(count, 2);

    // Nor may a movement move to a wallet that does not exist.
    let moved = sqlx::query("UPDATE movements SET wallet_id = $1 WHERE id = $2")
        .bind(unknown)
        .bind(movement(1, known_id).id)
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(&moved, sqlx::Error::Database(e) if e.code().as_deref() == Some("23503")),
        "{moved:?}"
    );

    // The wallet its movements name stays; once they are gone, it may go.
    let deleted = sqlx::query("DELETE FROM wallets WHERE id = $1")
        .bind(known_id)
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(
        matches!(&deleted, sqlx::Error::Database(e) if e.code().as_deref() == Some("23503")),
        "{deleted:?}"
    );
    sqlx::query("DELETE FROM movements").execute(&pool).await?;
    let gone = sqlx::query("DELETE FROM wallets WHERE id = $1")
        .bind(known_id)
        .execute(&pool)
        .await?;
    assert_eq!(gone.rows_affected(), 1);
    Ok(())
}
