//! Secondary indexes set aside during a long backfill and built once at its end.
//!
//! The indexes below are read by the platform's pages and by a reorganisation's rollback, never by the
//! indexer's writes, and they are the costliest to keep up row by row. A backfill of many more events
//! than the tables hold drops them ([`Store::defer_indexes`]) after recording their definitions in
//! `deferred_indexes`, and builds them again when it reaches the head ([`Store::restore_indexes`]), each
//! on its own connection. Meanwhile a page of a wallet's movements reads the table without them.
//!
//! The followers of one process share what is set aside: the indexes come back when the last of them
//! finishes its backfill. A process that starts following finds what an earlier one left (killed
//! mid-backfill) and builds it first ([`Store::restore_leftover_indexes`]), and migrations never run with
//! an index missing.

use std::time::{Duration, Instant};

use futures::future::try_join_all;
use sqlx::PgPool;

use crate::{Error, Result, Store};

/// The indexes a backfill may set aside.
pub const DEFERRABLE_INDEXES: [&str; 3] = [
    "movements_by_wallet_order",
    "movements_by_block",
    "events_by_tx",
];

impl Store {
    /// Sets the deferrable indexes aside for the backfill of `chain_id`, expected to write about `events`
    /// more events, unless the tables already hold more rows than that (building the indexes again over
    /// all of them would cost more than keeping them up). Returns whether the backfill holds a deferral:
    /// the indexes were dropped now, or are already set aside by another follower of this process.
    pub async fn defer_indexes(&self, chain_id: i64, events: u64) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        // The planner's row estimate, kept by autovacuum and ANALYZE: a count(*) would read the tables.
        let (stored,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(GREATEST(reltuples, 0)), 0)::bigint FROM pg_class
             WHERE relname IN ('events', 'movements') AND relnamespace = current_schema()::regnamespace",
        )
        .fetch_one(&mut *tx)
        .await?;
        if u64::try_from(stored).unwrap_or(u64::MAX) > events {
            return Ok(false);
        }
        sqlx::query("SET LOCAL lock_timeout = '2s'")
            .execute(&mut *tx)
            .await?;
        let present: Vec<(String, String)> = sqlx::query_as(
            "SELECT indexname::text, indexdef FROM pg_indexes
             WHERE schemaname = current_schema() AND indexname = ANY($1)",
        )
        .bind(&DEFERRABLE_INDEXES[..])
        .fetch_all(&mut *tx)
        .await?;
        for (name, definition) in &present {
            sqlx::query(
                "INSERT INTO deferred_indexes (name, definition) VALUES ($1, $2)
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(definition)
            .execute(&mut *tx)
            .await?;
            // The name is one of DEFERRABLE_INDEXES, as pg_indexes spells it.
            match sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP INDEX {}",
                quote_ident(name)
            )))
            .execute(&mut *tx)
            .await
            {
                Ok(_) => {}
                // Readers held the table for more than 2 s (the lock timeout): the indexes stay.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => {
                    return Ok(false);
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        let mut held = self.deferrals();
        if present.is_empty() && held.is_empty() {
            // Nothing to set aside (another process did, and builds them when its backfill ends).
            return Ok(false);
        }
        held.insert(chain_id);
        Ok(true)
    }

    /// Ends the deferral of `chain_id`'s backfill; when no other follower of this process holds one,
    /// builds every index set aside (each on its own connection, in parallel). Returns the indexes built
    /// and how long each took.
    pub async fn restore_indexes(&self, chain_id: i64) -> Result<Vec<(String, Duration)>> {
        {
            let mut held = self.deferrals();
            held.remove(&chain_id);
            if !held.is_empty() {
                return Ok(Vec::new());
            }
        }
        build_deferred(self.pool()).await
    }

    /// Builds the indexes an earlier process set aside and did not build (it was stopped mid-backfill),
    /// unless a follower of this process holds a deferral.
    pub async fn restore_leftover_indexes(&self) -> Result<Vec<(String, Duration)>> {
        if !self.deferrals().is_empty() {
            return Ok(Vec::new());
        }
        build_deferred(self.pool()).await
    }

    /// The indexes set aside now.
    pub async fn deferred_indexes(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM deferred_indexes ORDER BY name")
                .fetch_all(self.pool())
                .await?,
        )
    }
}

/// Builds every index recorded in `deferred_indexes` (none when the table does not exist yet), each in a
/// transaction that also forgets it.
pub(crate) async fn build_deferred(pool: &PgPool) -> Result<Vec<(String, Duration)>> {
    let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass('deferred_indexes') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT name, definition FROM deferred_indexes ORDER BY name")
            .fetch_all(pool)
            .await?;
    try_join_all(rows.into_iter().map(|(name, definition)| async move {
        let started = Instant::now();
        let create = definition
            .strip_prefix("CREATE INDEX ")
            .map(|rest| format!("CREATE INDEX IF NOT EXISTS {rest}"))
            .ok_or_else(|| Error::Invalid(format!("deferred index {name}: {definition:?}")))?;
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *tx)
            .await?;
        // The definition is PostgreSQL's own (pg_get_indexdef), recorded when the index was dropped.
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM deferred_indexes WHERE name = $1")
            .bind(&name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok::<_, Error>((name, started.elapsed()))
    }))
    .await
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
