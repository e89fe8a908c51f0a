//! Leadership among the processes that share one database: the indexers (and the background duties that
//! must run once) belong to the process holding a session-level PostgreSQL advisory lock, on a connection
//! of its own. PostgreSQL drops the lock when that connection ends: at once when the process dies (its
//! socket closes), within about 10 s when its machine or network goes (the connection's TCP keepalives,
//! set here). A write of an indexer that lost the lead without noticing is refused by [`Tx::fence`].

use std::time::Duration;

use sqlx::{Connection, PgConnection};

use crate::{Checkpoint, Error, Result, Store, Tx};

/// The advisory lock's second key, apart from those of the per-wallet and per-hold locks.
const LEADER_SEED: i64 = 7303;

/// How long a check of the lease may take before it counts as lost.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The lead of `name`, held until dropped, released or its connection ends.
#[derive(Debug)]
pub struct Lease {
    /// None on the embedded database, which serves one process only: the lead is always its own.
    conn: Option<PgConnection>,
}

impl Store {
    /// Takes the lead of `name` if no other process holds it: the lease, or None.
    pub async fn try_lead(&self, name: &str) -> Result<Option<Lease>> {
        if self.is_embedded() {
            return Ok(Some(Lease { conn: None }));
        }
        let mut conn = self.pool().acquire().await?.detach();
        // A dead peer is noticed in about 3 + 2 × 3 s instead of the system's two hours (no effect
        // over a Unix socket).
        sqlx::query(
            "SELECT set_config('tcp_keepalives_idle', '3', false),
                    set_config('tcp_keepalives_interval', '2', false),
                    set_config('tcp_keepalives_count', '3', false)",
        )
        .execute(&mut conn)
        .await?;
        let (held,): (bool,) =
            sqlx::query_as("SELECT pg_try_advisory_lock(hashtextextended($1::text, $2))")
                .bind(name)
                .bind(LEADER_SEED)
                .fetch_one(&mut conn)
                .await?;
        if held {
            Ok(Some(Lease { conn: Some(conn) }))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }
}

impl Lease {
    /// Whether the lead is still this process's: its connection answers, within 5 s, that it holds the
    /// lock. False once the connection broke (the server may have given the lock to another process).
    pub async fn holds(&mut self) -> bool {
        let Some(conn) = &mut self.conn else {
            return true;
        };
        let check = sqlx::query_as::<_, (bool,)>(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                                                      AND granted)",
        )
        .fetch_one(&mut *conn);
        matches!(
            tokio::time::timeout(CHECK_TIMEOUT, check).await,
            Ok(Ok((true,)))
        )
    }

    /// Gives the lead up (another process may take it at once).
    pub async fn release(self) {
        if let Some(mut conn) = self.conn {
            let _ = sqlx::query("SELECT pg_advisory_unlock_all()")
                .execute(&mut conn)
                .await;
            let _ = conn.close().await;
        }
    }
}

impl Tx {
    /// Refuses to go on unless the ledger's checkpoint is still `expected` (the one this indexer wrote
    /// last), locking it until the transaction ends: another process that indexed the ledger meanwhile
    /// (after taking over the lead) makes this an [`Error::Superseded`], and nothing is written twice.
    pub async fn fence(&mut self, expected: &Checkpoint) -> Result<()> {
        let chain_id = self.chain_id;
        let stored: Option<(i64, crate::Hash)> = sqlx::query_as(
            "SELECT block_number, block_hash FROM checkpoints WHERE chain_id = $1 FOR UPDATE",
        )
        .bind(chain_id)
        .fetch_optional(self.conn())
        .await?;
        match stored {
            Some((number, hash))
                if number == expected.block_number && hash == expected.block_hash =>
            {
                self.events_none_above = Some(number);
                Ok(())
            }
            Some((number, _)) => Err(Error::Superseded {
                chain_id,
                expected: expected.block_number,
                found: Some(number),
            }),
            None => Err(Error::Superseded {
                chain_id,
                expected: expected.block_number,
                found: None,
            }),
        }
    }
}
