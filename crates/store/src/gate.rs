//! Reads queue here, writes do not: a bounded lane in front of the connection pool for the API's
//! read-only requests, so the indexer's batches and the API's request records never wait behind a
//! crowd of reads.
//!
//! The pool hands out connections first come, first served. With 200 reads queued on the embedded
//! database's one connection, a write arriving after them waited for all 200 (seconds). Reads that
//! take a [`ReadPermit`] first are at most [`ReadGate::permits`] at the pool at once (in use or
//! waiting there); everything else queues in the gate, in order. So a write, which takes no permit,
//! finds at most that many reads ahead of it at the pool, whatever the number of readers.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Reads admitted to the pool per connection: two, so the connection has the next read's query at
/// hand while a request renders its answer, and a write waits for at most two queries per connection.
const READS_PER_CONNECTION: usize = 2;

/// The lane of read-only work in front of a pool of `connections` connections.
#[derive(Debug, Clone)]
pub(crate) struct ReadGate {
    lane: Arc<Semaphore>,
    permits: usize,
}

impl ReadGate {
    /// A gate for a pool of `connections` connections.
    pub(crate) fn new(connections: u32) -> Self {
        let permits = READS_PER_CONNECTION * usize::try_from(connections.max(1)).unwrap_or(1);
        Self {
            lane: Arc::new(Semaphore::new(permits)),
            permits,
        }
    }

    /// How many readers may be at the pool at once.
    pub(crate) fn permits(&self) -> usize {
        self.permits
    }

    /// Waits for a turn (first come, first served among readers).
    pub(crate) async fn enter(&self) -> ReadPermit {
        let permit = Arc::clone(&self.lane)
            .acquire_owned()
            .await
            .expect("the read gate's semaphore is never closed");
        ReadPermit { _permit: permit }
    }
}

/// A read-only unit of work's turn at the pool (see [`crate::Store::read_permit`]); the next reader
/// goes when it is dropped.
#[derive(Debug)]
#[must_use = "the turn ends when the permit is dropped"]
pub struct ReadPermit {
    _permit: OwnedSemaphorePermit,
}
