//! The PostgreSQL that `scripts/test` provides (DATABASE_URL) is reachable, and each test gets a fresh database.

use sqlx::PgPool;

#[sqlx::test]
async fn tests_reach_postgres_with_a_fresh_database_each(pool: PgPool) -> sqlx::Result<()> {
    let (version, database): (i32, String) =
        sqlx::query_as("select current_setting('server_version_num')::int, current_database()")
            .fetch_one(&pool)
            .await?;
    assert!(
        version >= 150_000,
        "PostgreSQL 15 or newer expected, found {version}"
    );
    // sqlx::test creates a database per test, named after it, and drops it afterwards.
    assert_ne!(database, "postgres");

    sqlx::query("create table probe (id int primary key)")
        .execute(&pool)
        .await?;
    sqlx::query("insert into probe values (1)")
        .execute(&pool)
        .await?;
    let count: i64 = sqlx::query_scalar("select count(*) from probe")
        .fetch_one(&pool)
        .await?;
    assert_eq!(count, 1);
    Ok(())
}

#[sqlx::test]
async fn a_second_test_does_not_see_the_first_ones_tables(pool: PgPool) -> sqlx::Result<()> {
    let found: Option<String> = sqlx::query_scalar("select to_regclass('probe')::text")
        .fetch_one(&pool)
        .await?;
    assert_eq!(found, None);
    Ok(())
}
