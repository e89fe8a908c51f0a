//! The API's metrics (prometheus-client): request durations by route and status, and webhook delivery
//! attempts by outcome. `serve` registers them beside the indexer's on its metrics port.

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// The labels of a request's duration.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    method: String,
    /// The route's template (`/api/v1/public/wallets/{walletId}`), or `unmatched`.
    route: String,
    status: u16,
}

/// The labels of a webhook delivery attempt.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Attempt {
    /// `delivered`, `retried` (failed, tried again later) or `failed` (given up).
    outcome: &'static str,
}

/// Request durations: 1 ms to about 33 s, doubling.
fn request_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The API's metrics; clones count into the same figures.
#[derive(Debug, Clone)]
pub struct ApiMetrics {
    requests: Family<Request, Histogram>,
    webhooks: Family<Attempt, Counter>,
}

impl Default for ApiMetrics {
    fn default() -> Self {
        Self {
            requests: Family::new_with_constructor(request_histogram),
            webhooks: Family::default(),
        }
    }
}

impl ApiMetrics {
    /// Adds them to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "emtoken_api_request_seconds",
            "API requests by method, route and status, in seconds.",
            self.requests.clone(),
        );
        registry.register(
            "emtoken_webhook_delivery_attempts",
            "Webhook delivery attempts by outcome: delivered, retried (tried again later), failed (given up).",
            self.webhooks.clone(),
        );
    }

    /// Counts a request.
    pub(crate) fn request(
        &self,
        method: &str,
        route: &str,
        status: u16,
        took: std::time::Duration,
    ) {
        self.requests
            .get_or_create(&Request {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(took.as_secs_f64());
    }

    /// Counts a webhook delivery attempt.
    pub(crate) fn webhook_attempt(&self, outcome: &'static str) {
        self.webhooks.get_or_create(&Attempt { outcome }).inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_by_route_template_and_attempts_by_outcome() {
        let metrics = ApiMetrics::default();
        let mut registry = Registry::default();
        metrics.clone().register(&mut registry);
        metrics.request(
            "GET",
            "/api/v1/public/wallets/{walletId}",
            200,
            std::time::Duration::from_millis(3),
        );
        metrics.webhook_attempt("retried");
        metrics.webhook_attempt("retried");
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(
            text.contains(
                "emtoken_api_request_seconds_count{method=\"GET\",route=\"/api/v1/public/wallets/{walletId}\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("emtoken_webhook_delivery_attempts_total{outcome=\"retried\"} 2"),
            "{text}"
        );
    }
}
