//! The HTTP endpoints of a running indexer (`--metrics-addr`): `GET /health`, `GET /ready` and
//! `GET /metrics` (OpenMetrics text, which Prometheus reads: the indexer's figures, and with `serve`
//! the API's request durations and webhook attempts; `emtoken_build_info`).

use std::{net::SocketAddr, sync::Arc, sync::atomic::Ordering::Relaxed};

use anyhow::Context;
use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use emtoken_indexer::Metrics;
use prometheus_client::{metrics::info::Info, registry::Registry};
use tokio::{net::TcpListener, task::JoinHandle};

/// What the endpoints read: the indexer's figures (health, readiness) and the registry `/metrics`
/// encodes.
#[derive(Clone)]
struct Sources {
    figures: Arc<Metrics>,
    registry: Arc<Registry>,
}

/// A registry with the indexer's `figures` and `emtoken_build_info{version}`; `serve` adds the API's.
pub(crate) fn registry(figures: &Arc<Metrics>) -> Registry {
    let mut registry = Registry::default();
    figures.register(&mut registry);
    registry.register(
        "emtoken_build",
        "The emtoken binary's version.",
        Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
    );
    registry
}

/// Listens on `addr` (before anything else starts, so a taken port fails at once).
pub(crate) async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on --metrics-addr {addr}"))
}

/// Serves the endpoints on `listener` until the task is aborted.
pub(crate) fn spawn(
    listener: TcpListener,
    figures: Arc<Metrics>,
    registry: Registry,
) -> JoinHandle<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!("serving http://{addr}/health and http://{addr}/metrics");
    }
    let app = router(Sources {
        figures,
        registry: Arc::new(registry),
    });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics endpoint stopped");
        }
    })
}

fn router(sources: Sources) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(prometheus))
        .with_state(sources)
}

fn standing(metrics: &Metrics) -> serde_json::Value {
    let outage = metrics.in_outage.load(Relaxed);
    serde_json::json!({
        "status": if outage { "outage" } else { "ok" },
        "head": metrics.head.load(Relaxed),
        "indexed": metrics.indexed.load(Relaxed),
        "lag": metrics.lag(),
        "caughtUp": metrics.caught_up.load(Relaxed),
        "outage": outage,
    })
}

async fn health(State(sources): State<Sources>) -> Response {
    Json(standing(&sources.figures)).into_response()
}

async fn ready(State(sources): State<Sources>) -> Response {
    let metrics = &sources.figures;
    let ready = metrics.caught_up.load(Relaxed) && !metrics.in_outage.load(Relaxed);
    let status = if ready {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(standing(metrics))).into_response()
}

async fn prometheus(State(sources): State<Sources>) -> Response {
    let mut text = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &sources.registry) {
        tracing::error!(%error, "cannot encode the metrics");
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The address a listener got (with port 0, the one the system chose).
    fn local(listener: &TcpListener) -> SocketAddr {
        listener.local_addr().expect("bound")
    }

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn health_and_metrics() {
        let metrics = Arc::new(Metrics::default());
        metrics.head.store(120, Relaxed);
        metrics.indexed.store(100, Relaxed);
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = local(&listener);
        let server = spawn(listener, metrics.clone(), registry(&metrics));

        let health = get(addr, "/health").await;
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        let body: serde_json::Value =
            serde_json::from_str(health.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["lag"], 20);
        // Not caught up yet: not ready; caught up: ready; in an outage: alive, not ready.
        assert!(get(addr, "/ready").await.starts_with("HTTP/1.1 503"));
        metrics.caught_up.store(true, Relaxed);
        assert!(get(addr, "/ready").await.starts_with("HTTP/1.1 200"));
        metrics.in_outage.store(true, Relaxed);
        let ready = get(addr, "/ready").await;
        assert!(
            ready.starts_with("HTTP/1.1 503") && ready.contains("\"outage\":true"),
            "{ready}"
        );
        let health = get(addr, "/health").await;
        assert!(
            health.starts_with("HTTP/1.1 200") && health.contains("\"status\":\"outage\""),
            "{health}"
        );
        metrics.in_outage.store(false, Relaxed);

        let text = get(addr, "/metrics").await;
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(
            text.contains("content-type: application/openmetrics-text; version=1.0.0"),
            "{text}"
        );
        assert!(text.contains("emtoken_indexer_lag_blocks 20"), "{text}");
        assert!(
            text.contains("emtoken_build_info{version=\"") && text.ends_with("# EOF\n"),
            "{text}"
        );

        assert!(get(addr, "/nope").await.starts_with("HTTP/1.1 404"));
        server.abort();
    }

    #[tokio::test]
    async fn a_taken_port_is_a_clear_error() {
        let taken = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let error = bind(local(&taken)).await.unwrap_err();
        assert!(
            format!("{error:#}").contains("cannot listen on --metrics-addr 127.0.0.1:"),
            "{error:#}"
        );
    }
}
