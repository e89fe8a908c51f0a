//! A batch closes in one statement (`Tx::close_batch`): what became final moves the final balances and
//! settles the movements decided there, the window keeps the blocks from the final one up, the checkpoint
//! moves, and the wallets whose final balances changed wait in `unreconciled_wallets` when it commits.

mod common;

use anyhow::Result;
use chrono::Utc;
use emtoken_store::{
    BlockRow, DeltaRow, EventRow, MovementRow, SeenAddress, Store, ids,
    vocabulary::{MovementStatus, MovementType, Outcome},
};
use rust_decimal::Decimal;
use sqlx::PgPool;

const CHAIN: i64 = 31337;

fn block(number: i64, tag: u8) -> BlockRow {
    BlockRow {
        number,
        hash: [tag; 32],
        parent_hash: [tag.wrapping_sub(1); 32],
        time: Utc::now(),
    }
}

fn delta(number: i64, address: [u8; 20], total: i64) -> DeltaRow {
    DeltaRow {
        block_hash: [u8::try_from(number).unwrap(); 32],
        log_index: 0,
        block_number: number,
        address,
        total: Decimal::from(total),
        held: Decimal::ZERO,
    }
}

/// The event a balance change of block `number` comes from.
fn event(number: i64) -> EventRow {
    EventRow {
        block_hash: [u8::try_from(number).unwrap(); 32],
        log_index: 0,
        block_number: number,
        block_time: Utc::now(),
        tx_hash: [u8::try_from(number).unwrap(); 32],
        tx_index: 0,
        tx_ordinal: 0,
        name: "Transfer".to_owned(),
        record_key: None,
        args: serde_json::json!({}),
        topics: Vec::new(),
        data: Vec::new(),
    }
}

/// A movement decided in `decided` with a SUCCESS outcome, PENDING until that block is final.
fn decided_in(decided: i64, wallet: uuid::Uuid, id: u128) -> MovementRow {
    let now = Utc::now();
    MovementRow {
        id: uuid::Uuid::from_u128(id),
        wallet_id: wallet,
        r#type: MovementType::TransferIn,
        status: MovementStatus::Pending,
        outcome: Some(Outcome::Success),
        amount: Decimal::from(5),
        concept: None,
        origin_address: None,
        target_address: None,
        iban: None,
        record_kind: None,
        record_key: None,
        payment_reference: None,
        tx_hash: [9; 32],
        block_number: decided,
        block_hash: [u8::try_from(decided).unwrap(); 32],
        log_index: i64::try_from(id).unwrap(),
        decided_block: Some(decided),
        dropped: false,
        created_at: now,
        updated_at: now,
    }
}

#[sqlx::test(migrations = false)]
async fn a_batch_closes_with_finality_window_checkpoint_and_the_wallets_to_compare(
    pool: PgPool,
) -> Result<()> {
    let store = Store::from_pool(pool.clone()).await?;
    let (a, b, c) = ([1u8; 20], [2u8; 20], [3u8; 20]);
    let mut tx = store.begin(CHAIN).await?;
    tx.upsert_chain(&common::chain(CHAIN, 2)).await?;
    let seen: Vec<SeenAddress> = [a, b, c]
        .into_iter()
        .map(|address| SeenAddress {
            address,
            wallet_id: ids::wallet_id(CHAIN, &address),
            block_number: 1,
            time: Utc::now(),
        })
        .collect();
    tx.see_addresses(&seen).await?;
    tx.insert_events(&[event(2), event(3), event(4)]).await?;
    // Pending at the head: a in blocks 2 and 3, b in block 4 (above the final block 1).
    tx.apply_deltas(&[delta(2, a, 10), delta(3, a, 5), delta(4, b, 7)], 1)
        .await?;
    tx.upsert_movements(&[
        decided_in(3, ids::wallet_id(CHAIN, &a), 1),
        decided_in(4, ids::wallet_id(CHAIN, &b), 2),
    ])
    .await?;
    tx.put_blocks(&[block(1, 1), block(2, 2), block(3, 3), block(4, 4)])
        .await?;
    tx.commit().await?;

    // The next batch: block 5 at the head, blocks 2 and 3 become final; c's balance changed final at once.
    let mut tx = store.begin(CHAIN).await?;
    let touched = tx
        .close_batch(&[block(5, 5)], 5, [5; 32], 1, 3, &[c, a])
        .await?;
    assert_eq!(touched, vec![a, c], "finality moved a; c was settled");
    tx.commit().await?;

    let balance = |address: [u8; 20]| {
        let store = store.clone();
        async move {
            store
                .wallet(emtoken_store::WalletRef::Address(address))
                .await
                .unwrap()
                .unwrap()
        }
    };
    assert_eq!(balance(a).await.balance, Decimal::from(15));
    assert_eq!(
        balance(b).await.balance,
        Decimal::ZERO,
        "block 4 is not final"
    );
    let left: Vec<i64> = sqlx::query_scalar(
        "SELECT block_number FROM balance_deltas WHERE chain_id = $1 ORDER BY block_number",
    )
    .bind(CHAIN)
    .fetch_all(&pool)
    .await?;
    assert_eq!(left, vec![4]);
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM movements ORDER BY decided_block")
            .fetch_all(&pool)
            .await?;
    assert_eq!(statuses, vec!["SUCCESS", "PENDING"]);

    let mut tx = store.begin(CHAIN).await?;
    let window: Vec<i64> = tx.window().await?.into_iter().map(|b| b.number).collect();
    assert_eq!(window, vec![3, 4, 5], "the final block and those above it");
    let checkpoint = tx.checkpoint().await?.unwrap();
    assert_eq!(
        (
            checkpoint.block_number,
            checkpoint.block_hash,
            checkpoint.final_block
        ),
        (5, [5; 32], 3)
    );
    assert_eq!(tx.unreconciled().await?, vec![a, c]);

    // A batch that makes nothing final changes no balance and settles nothing, and a block of the batch
    // below the final block is not kept.
    let touched = tx
        .close_batch(&[block(2, 22), block(6, 6)], 6, [6; 32], 3, 3, &[])
        .await?;
    assert!(touched.is_empty());
    let window: Vec<i64> = tx.window().await?.into_iter().map(|b| b.number).collect();
    assert_eq!(window, vec![3, 4, 5, 6]);
    tx.commit().await?;
    assert_eq!(balance(a).await.balance, Decimal::from(15));
    assert_eq!(balance(b).await.balance, Decimal::ZERO);
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM movements ORDER BY decided_block")
            .fetch_all(&pool)
            .await?;
    assert_eq!(statuses, vec!["SUCCESS", "PENDING"]);
    Ok(())
}
