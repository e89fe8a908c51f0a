//! The PostgreSQL server the bench measures on: fresh databases per stage, rows counted, its settings.

use anyhow::Context;
use sqlx::{Connection, PgConnection};

/// A database of the server, created afresh.
pub(crate) async fn fresh_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut admin = PgConnection::connect(admin_url)
        .await
        .context("connecting to --database-url")?;
    // `name` is one of the bench's own constants.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    let (server, _) = base
        .rsplit_once('/')
        .context("--database-url has no database name")?;
    Ok(format!("{server}/{name}"))
}

/// Movement rows in the `movements` table of the database at `url`.
pub(crate) async fn count_movements(url: &str) -> anyhow::Result<u64> {
    let mut conn = PgConnection::connect(url).await?;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM movements")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(u64::try_from(n)?)
}

/// The PostgreSQL server's version and durability settings.
pub(crate) async fn server_note(url: &str) -> anyhow::Result<String> {
    let mut conn = PgConnection::connect(url).await?;
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await?;
    let mut settings = Vec::new();
    for (name, query) in [
        ("fsync", "SHOW fsync"),
        ("synchronous_commit", "SHOW synchronous_commit"),
        ("full_page_writes", "SHOW full_page_writes"),
        ("shared_buffers", "SHOW shared_buffers"),
        ("max_wal_size", "SHOW max_wal_size"),
    ] {
        let value: String = sqlx::query_scalar(query).fetch_one(&mut conn).await?;
        settings.push(format!("{name}={value}"));
    }
    conn.close().await?;
    Ok(format!(
        "PostgreSQL server {version} on the same machine ({}); the embedded database is pglite-oxide's PostgreSQL 17.5 in the indexer's process.",
        settings.join(", ")
    ))
}
