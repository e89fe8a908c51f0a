//! Writes are not starved by reads: with a crowd of readers queued on the embedded database's one
//! connection, a write (the API's request records, the indexer's batches take no read permit) gets
//! the connection after a few reads, not after all of them.

use std::time::{Duration, Instant};

use anyhow::Result;
use emtoken_store::{Store, api::ClientRole};

/// Readers queued at once, each query taking `READ` on the connection.
const READERS: usize = 100;
const READ: &str = "SELECT pg_sleep(0.02)";

/// Starts `READERS` reads (with read permits when `gated`), lets them queue, then times one write.
async fn write_behind_reads(store: &Store, gated: bool) -> Result<Duration> {
    let mut readers = Vec::new();
    for _ in 0..READERS {
        let store = store.clone();
        readers.push(tokio::spawn(async move {
            let _turn = if gated {
                Some(store.read_permit().await)
            } else {
                None
            };
            sqlx::query(READ).execute(store.pool()).await
        }));
    }
    // Every reader is queued (in the gate or at the pool) before the write arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let begun = Instant::now();
    store.ensure_client("writer", ClientRole::Client).await?;
    let write = begun.elapsed();
    for reader in readers {
        reader.await??;
    }
    eprintln!(
        "gated {gated}: write {write:?}, the last read {:?} after the write began",
        begun.elapsed()
    );
    Ok(write)
}

#[tokio::test]
async fn a_write_passes_queued_reads_on_the_embedded_database() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_embedded(dir.path()).await?;
    assert_eq!(
        store.read_permits(),
        2,
        "one connection, two reads at the pool"
    );
    let write = write_behind_reads(&store, true).await?;
    // 100 reads of 20 ms queued first: 2 s if the write took its turn behind them all.
    assert!(
        write < Duration::from_millis(500),
        "the write waited {write:?} behind {READERS} queued reads"
    );
    store.close().await?;
    Ok(())
}

#[tokio::test]
async fn without_permits_the_write_waits_for_every_queued_read() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_embedded(dir.path()).await?;
    let write = write_behind_reads(&store, false).await?;
    assert!(
        write > Duration::from_millis(1000),
        "the pool served the write first ({write:?}): the gate's test proves nothing"
    );
    store.close().await?;
    Ok(())
}
