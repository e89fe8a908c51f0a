//! The embedded PostgreSQL: durability, transactions, NUMERIC(78,0), concurrency, migrations, and
//! several instances in one process. Each test gets its own data folder.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Result;
use emtoken_store::{EmbeddedPostgres, Error};
use rust_decimal::Decimal;
use sqlx::{Connection, PgPool, Row};

/// Runs a `SELECT count(*)` statement.
async fn count(pool: &PgPool, sql: &'static str) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(pool).await?)
}

#[tokio::test]
async fn committed_rows_survive_a_restart() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let begun = Instant::now();
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    eprintln!("first start in this folder: {:?}", begun.elapsed());
    let pool = pg.pool().await?;

    let version: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(&pool)
        .await?;
    assert!(version.starts_with("PostgreSQL 17"), "{version}");

    sqlx::query("CREATE TABLE kept (id int PRIMARY KEY, name text NOT NULL)")
        .execute(&pool)
        .await?;
    let mut tx = pool.begin().await?;
    for id in 0..100 {
        sqlx::query("INSERT INTO kept VALUES ($1, $2)")
            .bind(id)
            .bind(format!("row {id}"))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    drop(pool);
    pg.shutdown().await?;

    let begun = Instant::now();
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    eprintln!("warm start of an existing folder: {:?}", begun.elapsed());
    let pool = pg.pool().await?;
    assert_eq!(count(&pool, "SELECT count(*) FROM kept").await?, 100);
    let name: String = sqlx::query_scalar("SELECT name FROM kept WHERE id = 42")
        .fetch_one(&pool)
        .await?;
    assert_eq!(name, "row 42");
    pg.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_nothing() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let pool = pg.pool().await?;
    sqlx::query("CREATE TABLE t (id int)")
        .execute(&pool)
        .await?;

    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO t SELECT generate_series(1, 10)")
        .execute(&mut *tx)
        .await?;
    tx.rollback().await?;
    assert_eq!(count(&pool, "SELECT count(*) FROM t").await?, 0);

    // Dropping an open transaction rolls it back too.
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO t VALUES (1)")
        .execute(&mut *tx)
        .await?;
    drop(tx);
    assert_eq!(count(&pool, "SELECT count(*) FROM t").await?, 0);
    pg.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn numeric_78_0_holds_uint256_values() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let pool = pg.pool().await?;
    sqlx::query("CREATE TABLE amounts (id int PRIMARY KEY, v NUMERIC(78,0) NOT NULL)")
        .execute(&pool)
        .await?;

    let max_u96 = "79228162514264337593543950335"; // 2^96 - 1
    let e77 = format!("1{}", "0".repeat(77));
    let max_u256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    for (id, text) in [(1, max_u96), (2, e77.as_str()), (3, max_u256)] {
        sqlx::query("INSERT INTO amounts VALUES ($1, $2::text::numeric)")
            .bind(id)
            .bind(text)
            .execute(&pool)
            .await?;
        let back: String = sqlx::query_scalar("SELECT v::text FROM amounts WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await?;
        assert_eq!(back, text);
    }

    let value = Decimal::from_str("123456789012345678901234567")?;
    sqlx::query("INSERT INTO amounts VALUES (4, $1)")
        .bind(value)
        .execute(&pool)
        .await?;
    let back: Decimal = sqlx::query_scalar("SELECT v FROM amounts WHERE id = 4")
        .fetch_one(&pool)
        .await?;
    assert_eq!(back, value);
    // Decimal cannot hold 10^77: reading it so fails loudly rather than losing digits.
    let too_big = sqlx::query_scalar::<_, Decimal>("SELECT v FROM amounts WHERE id = 2")
        .fetch_one(&pool)
        .await;
    assert!(too_big.is_err(), "{too_big:?}");
    pg.shutdown().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_take_turns_on_the_one_connection() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let pool = pg.pool().await?;
    assert_eq!(pool.options().get_max_connections(), 1);
    sqlx::query("CREATE TABLE hits (task int, n int)")
        .execute(&pool)
        .await?;

    let mut tasks = Vec::new();
    for task in 0..4 {
        let pool = pg.pool().await?;
        tasks.push(tokio::spawn(async move {
            for n in 0..50 {
                let mut tx = pool.begin().await?;
                sqlx::query("INSERT INTO hits VALUES ($1, $2)")
                    .bind(task)
                    .bind(n)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SELECT pg_sleep(0.001)")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM hits").await?, 200);

    // The server itself serves one client at a time: while the pool holds its connection,
    // another client waits instead of failing.
    let held = pool.acquire().await?;
    let second = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::PgConnection::connect(pg.url()),
    )
    .await;
    assert!(second.is_err(), "a second connection was served at once");
    drop(held);

    // A statement cancelled half-way (a dropped future) leaves the server usable.
    let cancelled = tokio::time::timeout(
        Duration::from_millis(200),
        sqlx::query("SELECT pg_sleep(2)").execute(&pool),
    )
    .await;
    assert!(cancelled.is_err());
    let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await?;
    assert_eq!(one, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM hits").await?, 200);
    pg.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn sqlx_migrations_apply_once() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let migrations = tempfile::tempdir()?;
    std::fs::write(
        migrations.path().join("0001_accounts.sql"),
        "CREATE TABLE accounts (id bigserial PRIMARY KEY, balance NUMERIC(78,0) NOT NULL DEFAULT 0);",
    )?;
    std::fs::write(
        migrations.path().join("0002_owner.sql"),
        "ALTER TABLE accounts ADD COLUMN owner bytea;\nCREATE INDEX accounts_owner ON accounts (owner);",
    )?;
    let migrator = sqlx::migrate::Migrator::new(migrations.path()).await?;

    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let pool = pg.pool().await?;
    migrator.run(&pool).await?;
    migrator.run(&pool).await?; // already applied: nothing to do
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await?;
    assert_eq!(applied, 2);
    sqlx::query("INSERT INTO accounts (owner) VALUES ($1)")
        .bind(vec![0xab_u8; 20])
        .execute(&pool)
        .await?;
    pg.shutdown().await?;

    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let pool = pg.pool().await?;
    migrator.run(&pool).await?;
    assert_eq!(count(&pool, "SELECT count(*) FROM accounts").await?, 1);
    pg.shutdown().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_folders_run_side_by_side_and_one_folder_refuses_a_second_server() -> Result<()> {
    let (a_dir, b_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let (a, b) = tokio::try_join!(
        EmbeddedPostgres::start(a_dir.path()),
        EmbeddedPostgres::start(b_dir.path())
    )?;
    let (a_pool, b_pool) = (a.pool().await?, b.pool().await?);
    for (pool, rows) in [(&a_pool, 10), (&b_pool, 20)] {
        sqlx::query("CREATE TABLE t (id int)").execute(pool).await?;
        sqlx::query("INSERT INTO t SELECT generate_series(1, $1)")
            .bind(rows)
            .execute(pool)
            .await?;
    }
    // Both busy at once.
    let begun = Instant::now();
    let (sum_a, sum_b) = tokio::try_join!(
        sqlx::query("SELECT sum(id)::int8 AS s, pg_sleep(0.3)::text FROM t").fetch_one(&a_pool),
        sqlx::query("SELECT sum(id)::int8 AS s, pg_sleep(0.3)::text FROM t").fetch_one(&b_pool),
    )?;
    eprintln!(
        "two 0.3 s statements on two instances at once: {:?}",
        begun.elapsed()
    );
    assert_eq!(sum_a.try_get::<i64, _>("s")?, 55);
    assert_eq!(sum_b.try_get::<i64, _>("s")?, 210);

    match EmbeddedPostgres::start(a_dir.path()).await {
        Err(Error::Embedded { message, .. }) => assert!(message.contains("in use"), "{message}"),
        other => panic!("a second server on one folder: {other:?}"),
    }
    // The refused start changed nothing.
    assert_eq!(count(&a_pool, "SELECT count(*) FROM t").await?, 10);

    a.shutdown().await?;
    b.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn dropping_without_shutdown_keeps_committed_rows() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let pool = pg.pool().await?;
    sqlx::query("CREATE TABLE t AS SELECT generate_series(1, 5) AS id")
        .execute(&pool)
        .await?;
    drop(pool);
    drop(pg);

    // The server stops in the background; the folder is free again soon after.
    let begun = Instant::now();
    let pg = loop {
        match EmbeddedPostgres::start(dir.path()).await {
            Ok(pg) => break pg,
            Err(err) if begun.elapsed() < Duration::from_secs(10) => {
                eprintln!("not yet free: {err}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => return Err(err.into()),
        }
    };
    eprintln!("folder free again after {:?}", begun.elapsed());
    assert_eq!(count(&pg.pool().await?, "SELECT count(*) FROM t").await?, 5);
    pg.shutdown().await?;
    Ok(())
}

/// The folder of a child process run by the tests below, which says what it must do.
const CHILD_DIR: &str = "EMTOKEN_EMBEDDED_TEST_DIR";

/// Runs `test` (an ignored test of this file) in a child process working on `dir`.
fn run_child(test: &str, dir: &std::path::Path) -> Result<std::process::ExitStatus> {
    Ok(std::process::Command::new(std::env::current_exe()?)
        .args([test, "--exact", "--ignored", "--nocapture"])
        .env(CHILD_DIR, dir)
        .status()?)
}

#[tokio::test]
#[ignore = "a child process of a_killed_process_keeps_its_commits"]
async fn child_commits_then_aborts() -> Result<()> {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return Ok(());
    };
    let pg = EmbeddedPostgres::start(std::path::Path::new(&dir)).await?;
    let pool = pg.pool().await?;
    sqlx::query("CREATE TABLE t (id int)")
        .execute(&pool)
        .await?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO t SELECT generate_series(1, 3)")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO t SELECT generate_series(4, 1000)")
        .execute(&mut *tx)
        .await?;
    std::process::abort(); // no commit, no shutdown
}

#[tokio::test]
async fn a_killed_process_keeps_its_commits() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let status = run_child("child_commits_then_aborts", dir.path())?;
    assert!(!status.success(), "the child did not abort: {status}");
    let begun = Instant::now();
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    eprintln!("start after a crash: {:?}", begun.elapsed());
    let pool = pg.pool().await?;
    assert_eq!(count(&pool, "SELECT count(*) FROM t").await?, 3);
    pg.shutdown().await?;
    Ok(())
}

#[tokio::test]
#[ignore = "a child process of another_process_cannot_take_a_folder_in_use"]
async fn child_starts() -> Result<()> {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return Ok(());
    };
    match EmbeddedPostgres::start(std::path::Path::new(&dir)).await {
        Err(Error::Embedded { message, .. }) if message.contains("in use") => {
            std::process::exit(42)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn another_process_cannot_take_a_folder_in_use() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    let status = run_child("child_starts", dir.path())?;
    assert_eq!(status.code(), Some(42), "{status}");
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pg.pool().await?)
        .await?;
    assert_eq!(one, 1);
    pg.shutdown().await?;
    Ok(())
}

/// Prints the figures of the report: run with `--no-capture`.
#[tokio::test]
async fn insert_timings() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let begun = Instant::now();
    let pg = EmbeddedPostgres::start(dir.path()).await?;
    eprintln!("start: {:?}", begun.elapsed());
    let pool = pg.pool().await?;
    sqlx::query("CREATE TABLE one (id int, name text)")
        .execute(&pool)
        .await?;
    sqlx::query("CREATE TABLE many (name text)")
        .execute(&pool)
        .await?;

    let begun = Instant::now();
    let mut tx = pool.begin().await?;
    for id in 0..10_000 {
        sqlx::query("INSERT INTO one VALUES ($1, $2)")
            .bind(id)
            .bind("x")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    eprintln!(
        "10,000 single-row INSERTs in one transaction: {:?}",
        begun.elapsed()
    );

    let names: Vec<String> = (0..10_000).map(|i| format!("name {i}")).collect();
    let begun = Instant::now();
    sqlx::query("INSERT INTO many SELECT * FROM UNNEST($1::text[])")
        .bind(&names)
        .execute(&pool)
        .await?;
    eprintln!(
        "one INSERT ... UNNEST of 10,000 rows: {:?}",
        begun.elapsed()
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM one").await?, 10_000);
    assert_eq!(count(&pool, "SELECT count(*) FROM many").await?, 10_000);

    let begun = Instant::now();
    pg.shutdown().await?;
    eprintln!("shutdown: {:?}", begun.elapsed());
    Ok(())
}
