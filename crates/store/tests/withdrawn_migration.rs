//! Migration 0031 (secondary indexes set aside during a long backfill) was withdrawn by 0032. A database that
//! ran the withdrawn code may hold the definition of an index a killed backfill dropped: 0032 builds it
//! again before dropping the table.

use emtoken_store::Store;
use sqlx::PgPool;

const WITHDRAW: &str = include_str!("../migrations/0032_withdraw_deferred_indexes.sql");
const DEFER: &str = include_str!("../migrations/0031_deferred_indexes.sql");

async fn has_index(pool: &PgPool, name: &str) -> bool {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn an_index_left_set_aside_is_built_again_and_the_table_goes(pool: PgPool) {
    let store = Store::from_pool(pool.clone()).await.unwrap();
    assert!(has_index(&pool, "movements_by_block").await);
    let gone: bool = sqlx::query_scalar("SELECT to_regclass('deferred_indexes') IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(gone, "a migrated database has no deferred_indexes");

    // As the withdrawn code left it when killed mid-backfill: the definition recorded, the index dropped.
    sqlx::raw_sql(DEFER).execute(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO deferred_indexes (name, definition)
         SELECT 'movements_by_block', pg_get_indexdef('movements_by_block'::regclass)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("DROP INDEX movements_by_block")
        .execute(&pool)
        .await
        .unwrap();
    assert!(!has_index(&pool, "movements_by_block").await);

    sqlx::raw_sql(WITHDRAW).execute(&pool).await.unwrap();
    assert!(has_index(&pool, "movements_by_block").await);
    let gone: bool = sqlx::query_scalar("SELECT to_regclass('deferred_indexes') IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(gone);
    drop(store);
}
