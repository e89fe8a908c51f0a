//! Graceful shutdown of the API: once draining, new requests get 503 with `Retry-After`, and the
//! requests in flight are counted so that the process waits for them (bounded) before it stops.

use std::{
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::Duration,
};

use axum::{extract::Request, middleware::Next, response::Response};

use crate::Problem;

/// The API's in-flight requests and whether it is shutting down.
#[derive(Debug, Default)]
pub struct Drain {
    draining: AtomicBool,
    in_flight: AtomicUsize,
}

/// Decrements the in-flight count when a request ends (also when its future is dropped).
struct InFlight<'a>(&'a Drain);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drain {
    /// Stops taking new requests: they are answered 503 with `Retry-After` from now on.
    pub fn begin(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no request is in flight, or `limit` passed; `true` when none is left.
    pub async fn idle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while self.in_flight() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// The middleware: counts the request, or refuses it while draining.
    pub(crate) async fn layer(
        drain: std::sync::Arc<Drain>,
        request: Request,
        next: Next,
    ) -> Response {
        drain.in_flight.fetch_add(1, Ordering::SeqCst);
        let _guard = InFlight(&drain);
        if drain.draining.load(Ordering::SeqCst) {
            return axum::response::IntoResponse::into_response(
                Problem::unavailable("the platform is shutting down: try again in a moment")
                    .retry_after(5),
            );
        }
        next.run(request).await
    }
}
