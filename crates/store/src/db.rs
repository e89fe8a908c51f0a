//! Opening the database and running the embedded migrations.

use std::{path::Path, sync::Arc, time::Duration};

use sqlx::{
    PgPool, Postgres,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::{Error, ReadPermit, Result, gate::ReadGate};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The indexer's database: a PostgreSQL server, or the embedded one.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    reads: ReadGate,
    embedded: Option<Arc<crate::EmbeddedPostgres>>,
}

impl Store {
    /// Connects to a PostgreSQL server (`postgres://user@host:port/db`) and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e| Error::Invalid(format!("database url {url:?}: {e}")))?;
        // One direct attempt first: a server that is not there says "connection refused" at once,
        // where the pool would wait for its acquire timeout and hide the cause.
        use sqlx::Connection;
        sqlx::PgConnection::connect_with(&options)
            .await?
            .close()
            .await?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Starts the embedded PostgreSQL with its data in `dir` (created when missing) and brings its schema
    /// up to date.
    pub async fn open_embedded(dir: &Path) -> Result<Self> {
        let embedded = crate::EmbeddedPostgres::start(dir).await?;
        let pool = embedded.pool().await?;
        let mut store = Self::from_pool(pool).await?;
        store.embedded = Some(Arc::new(embedded));
        Ok(store)
    }

    /// Uses an existing pool (tests get one per test), bringing its schema up to date.
    pub async fn from_pool(pool: PgPool) -> Result<Self> {
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            reads: ReadGate::new(pool.options().get_max_connections()),
            pool,
            embedded: None,
        })
    }

    /// A turn for a read-only unit of work (an API `GET`), to hold while it runs its queries.
    ///
    /// The pool serves whoever asked first; readers that take a permit are at most two per
    /// connection at the pool, the others wait here. Writes take none (the indexer's batches, the
    /// API's request records), so they find at most that many reads ahead of them instead of every
    /// read queued: on the embedded database's one connection, two queries rather than hundreds.
    /// Never ask for a second permit while holding one.
    pub async fn read_permit(&self) -> ReadPermit {
        self.reads.enter().await
    }

    /// How many read permits exist (readers at the pool at once).
    pub fn read_permits(&self) -> usize {
        self.reads.permits()
    }

    /// The connection pool, for callers with their own queries (tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Whether this store runs on the embedded PostgreSQL.
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Starts a transaction about `chain_id`: everything written through it commits together, or not at all.
    pub async fn begin(&self, chain_id: i64) -> Result<Tx> {
        Ok(Tx {
            inner: self.pool.begin().await?,
            chain_id,
            events_none_above: None,
        })
    }

    /// Gathers planner statistics for the indexer's tables that have none yet (an empty table stays
    /// without), and names the tables analyzed.
    ///
    /// A new database's tables have no statistics until autovacuum's first analyze, a minute or more
    /// after a backfill starts. Meanwhile the planner takes `chain_id = $1` for a rare value (0.5% of the
    /// rows) and reads every hold, order or movement of the chain to find a batch's few hundred keys,
    /// where the unique or record index would read only those: a lookup that grows with the table, 0.8 s
    /// of a 100,000-event backfill. Statistics of a table a small part of what it becomes can mislead
    /// as much: [`Self::refresh_statistics`] gathers them again.
    pub async fn gather_statistics(&self) -> Result<Vec<&'static str>> {
        let missing: Vec<String> = sqlx::query_scalar(
            "SELECT t FROM UNNEST($1::text[]) AS t
             WHERE NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = t)",
        )
        .bind(STATISTICS_TABLES)
        .fetch_all(&self.pool)
        .await?;
        let analyze: Vec<&'static str> = STATISTICS_TABLES
            .into_iter()
            .filter(|t| missing.iter().any(|m| m == t))
            .collect();
        if !analyze.is_empty() {
            // Table names from the list above only.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "ANALYZE {}",
                analyze.join(", ")
            )))
            .execute(&self.pool)
            .await?;
        }
        Ok(analyze)
    }

    /// Gathers planner statistics for all of the indexer's tables again.
    ///
    /// Statistics gathered when a table was a small part of what it has become mislead the planner as
    /// much as none: analyzed after a first batch of 2,525 events whose movements carried no record,
    /// `movements` looked to the planner like a table none of whose rows has a record key, and the
    /// lookup of a batch's records read every movement of the chain, from 1.4 s per batch a few seconds
    /// into a million-event backfill to 5.7 s a minute later (127 s for the backfill, 63 s now). Autovacuum
    /// analyzes a table again once a tenth of it changed, but only when it comes round to the database,
    /// which on a busy machine was more than a minute later. The indexer calls this, beside its batches,
    /// each time the events table has doubled since the last statistics ([`Self::event_rows_estimate`]
    /// after the first).
    ///
    /// They are gathered from a sample of [`REFRESH_STATISTICS_TARGET`] × 300 rows a table instead of the
    /// server's default (100 × 300): enough to tell the planner how many movements carry a record and how
    /// many rows a key finds, which is all the batch's lookups need, and a fifth to a tenth of the work
    /// (all six tables: 0.73 s → 0.14 s at 100,000 events, 2.07 s → 0.18 s at 1,000,000), which a
    /// backfill pays on the same cores as its batches. Autovacuum's next analyze of a table gathers it
    /// again with the server's own target.
    pub async fn refresh_statistics(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SET LOCAL default_statistics_target = {REFRESH_STATISTICS_TARGET}"
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ANALYZE {}",
            STATISTICS_TABLES.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The planner's count of rows in `events` (from the last analyze or vacuum; 0 if never).
    pub async fn event_rows_estimate(&self) -> Result<i64> {
        let rows: f32 =
            sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = to_regclass('events')")
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0.0);
        // `reltuples` is -1 for a table never analyzed; an estimate, so rounding is fine.
        Ok(rows.max(0.0) as i64)
    }

    /// Closes the pool and stops the embedded server, if any, flushing its data.
    pub async fn close(self) -> Result<()> {
        self.pool.close().await;
        if let Some(embedded) = self.embedded
            && let Ok(embedded) = Arc::try_unwrap(embedded)
        {
            embedded.shutdown().await?;
        }
        Ok(())
    }
}

/// The statistics target of [`Store::refresh_statistics`] (PostgreSQL's `default_statistics_target`, whose
/// default is 100): it samples 300 rows per unit of target.
pub const REFRESH_STATISTICS_TARGET: u32 = 10;

/// The indexer's tables whose planner statistics it gathers ([`Store::gather_statistics`],
/// [`Store::refresh_statistics`]).
const STATISTICS_TABLES: [&str; 6] = [
    "events",
    "movements",
    "holds",
    "orders",
    "wallets",
    "balance_deltas",
];

/// A database transaction about one chain. Dropping it without [`Tx::commit`] rolls everything back.
#[derive(Debug)]
pub struct Tx {
    pub(crate) inner: sqlx::Transaction<'static, Postgres>,
    pub(crate) chain_id: i64,
    /// A block above which this transaction knows the ledger holds no event: set by [`Tx::fence`] to the
    /// checkpoint (every write of events moves the checkpoint in its own transaction, at or above them),
    /// raised by each insert of events. Events all above it are new without asking.
    pub(crate) events_none_above: Option<i64>,
}

impl Tx {
    /// Commits everything written through this transaction.
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }

    /// The chain this transaction is about.
    pub fn chain_id(&self) -> i64 {
        self.chain_id
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::PgConnection {
        &mut self.inner
    }
}
