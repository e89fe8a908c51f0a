//! Webhooks: where clients may have events sent, and their delivery from the outbox the database's
//! triggers write (migration 0026) in the transaction of each change.
//!
//! A delivery is a `POST` of `{"id", "type", "sequence", "createdAt", "data"}` with the headers
//! `EmToken-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>` (as the acquirer's
//! protocol signs, [`crate::webhook_acquirer::signature`]), `EmToken-Event-Id` and `EmToken-Event-Type`.
//! A 2xx answer within the timeout delivers it; anything else is tried again after 5 s, then twice as
//! long each time up to an hour, for 24 hours from the event. At least once: a receiver deduplicates on
//! the event id. One process delivers at a time (the leader), but a claim is for a minute in any case,
//! so two never send the same delivery at once.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    time::{Duration, Instant},
};

use chrono::Utc;
use emtoken_store::{
    Store,
    api::{AttemptOutcome, DueDelivery},
};
use tokio::sync::watch;

use crate::webhook_acquirer::signature;

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// The wait after a first failed attempt; each next one doubles, up to `max_retry`.
    pub first_retry: Duration,
    /// The longest wait between attempts.
    pub max_retry: Duration,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
    /// Whether endpoints may be on private, loopback or link-local addresses (development; in
    /// production a client could otherwise make the platform call its own network).
    pub allow_private_addresses: bool,
    /// How often the outbox is looked at while it has nothing due.
    pub idle: Duration,
    /// Where attempts are counted.
    pub metrics: crate::telemetry::ApiMetrics,
}

impl Default for WebhookDelivery {
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(5),
            max_retry: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            allow_private_addresses: false,
            idle: Duration::from_millis(500),
            metrics: crate::telemetry::ApiMetrics::default(),
        }
    }
}

/// Deliveries claimed at once.
const BATCH: i64 = 32;

/// The header naming the event.
pub const EVENT_ID_HEADER: &str = "EmToken-Event-Id";
/// The header naming the event's type.
pub const EVENT_TYPE_HEADER: &str = "EmToken-Event-Type";

/// Whether `ip` is one a client may not have the platform call (its own or a private network).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => private_v4(v4),
            None => private_v6(v6),
        },
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// Why a webhook's destination may not be called now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadDestination {
    /// Its host has no address (now): a delivery fails and is tried again.
    #[error("{0}")]
    Unresolved(String),
    /// It is on a private, loopback or link-local address while those are not allowed.
    #[error("{0}")]
    Private(String),
}

/// Checks where `url` leads: Err says why it may not be called (it does not resolve, or resolves to a
/// private address while those are not allowed). At registration a host that does not resolve yet is
/// let through ([`check_registration`]); a delivery to it fails and is tried again.
pub async fn check_destination(url: &url::Url, allow_private: bool) -> Result<(), BadDestination> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| BadDestination::Unresolved(format!("host {host} does not resolve: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(BadDestination::Unresolved(format!(
            "host {host} has no address"
        )));
    }
    if !allow_private && let Some(ip) = addresses.into_iter().find(|ip| is_private(*ip)) {
        return Err(BadDestination::Private(format!(
            "host {host} is at {ip}, a private, loopback or link-local address: webhooks go to public addresses only"
        )));
    }
    Ok(())
}

/// Delivers what the outbox has due, until `stop`.
pub async fn deliver_webhooks(
    store: Store,
    config: WebhookDelivery,
    mut stop: watch::Receiver<bool>,
) {
    let http = match reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("emtoken-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "no HTTP client: webhooks are not delivered");
            return;
        }
    };
    let mut unreadable = false;
    loop {
        if *stop.borrow() {
            return;
        }
        let due = match store.claim_webhook_deliveries(BATCH).await {
            Ok(due) => {
                if std::mem::take(&mut unreadable) {
                    tracing::info!("the webhook outbox can be read again");
                }
                due
            }
            Err(error) => {
                if !std::mem::replace(&mut unreadable, true) {
                    tracing::warn!(%error, "cannot read the webhook outbox: trying again");
                }
                Vec::new()
            }
        };
        if due.is_empty() {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                () = tokio::time::sleep(config.idle) => continue,
            }
        }
        // Each endpoint's deliveries in the order of their events; endpoints side by side.
        let mut by_endpoint: std::collections::BTreeMap<uuid::Uuid, Vec<DueDelivery>> =
            Default::default();
        for d in due {
            by_endpoint.entry(d.endpoint_id).or_default().push(d);
        }
        let sends = by_endpoint.into_values().map(|deliveries| {
            let (http, store, config) = (&http, &store, &config);
            async move {
                for d in deliveries {
                    let outcome = attempt(http, config, &d).await;
                    if let Err(error) = store.record_webhook_attempt(&d, &outcome).await {
                        tracing::warn!(%error, event = %d.event_id, "cannot record a webhook attempt (it is tried again)");
                    }
                }
            }
        });
        futures::future::join_all(sends).await;
    }
}

/// The body of a delivery.
fn body(d: &DueDelivery) -> String {
    serde_json::json!({
        "id": d.event_id,
        "type": d.event_type,
        "sequence": d.seq,
        "createdAt": crate::views::time(d.created_at),
        "data": d.data,
    })
    .to_string()
}

/// One attempt of `d`, and what follows from it.
async fn attempt(
    http: &reqwest::Client,
    config: &WebhookDelivery,
    d: &DueDelivery,
) -> AttemptOutcome {
    let started = Instant::now();
    let result = send(http, config, d).await;
    let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let (status, error) = match result {
        Ok(status) if (200..300).contains(&status) => (Some(status), None),
        Ok(status) => (
            Some(status),
            Some(format!("the endpoint answered HTTP {status}")),
        ),
        Err(error) => (None, Some(error)),
    };
    let retry_at = error.as_ref().and_then(|_| {
        let now = Utc::now();
        (now < d.give_up_at).then(|| (now + retry_after(config, d.attempt)).min(d.give_up_at))
    });
    config.metrics.webhook_attempt(match (&error, retry_at) {
        (None, _) => "delivered",
        (Some(_), Some(_)) => "retried",
        (Some(_), None) => "failed",
    });
    match (&error, retry_at) {
        (None, _) => {
            tracing::debug!(event = %d.event_id, endpoint = %d.endpoint_id, "webhook delivered")
        }
        (Some(e), Some(at)) => {
            tracing::info!(event = %d.event_id, endpoint = %d.endpoint_id, attempt = d.attempt, error = %e, retry_at = %at, "webhook not delivered: trying again")
        }
        (Some(e), None) => {
            tracing::warn!(event = %d.event_id, endpoint = %d.endpoint_id, attempt = d.attempt, error = %e, "webhook not delivered within 24 hours: given up")
        }
    }
    AttemptOutcome {
        status,
        error,
        duration_ms,
        retry_at,
    }
}

/// The wait after failed attempt number `attempt` (from 1): the first wait, doubled each time, at most
/// the longest.
fn retry_after(config: &WebhookDelivery, attempt: i32) -> chrono::Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let wait = config
        .first_retry
        .saturating_mul(1u32 << doublings)
        .min(config.max_retry);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1))
}

/// POSTs `d`: the endpoint's status, or why there is none.
async fn send(
    http: &reqwest::Client,
    config: &WebhookDelivery,
    d: &DueDelivery,
) -> Result<i32, String> {
    let url = url::Url::parse(&d.url).map_err(|e| format!("not a URL: {e}"))?;
    check_destination(&url, config.allow_private_addresses)
        .await
        .map_err(|e| e.to_string())?;
    let key = signature::Key::new(&d.secret).map_err(|e| format!("signing key: {e}"))?;
    let body = body(d);
    let response = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(signature::HEADER, key.sign(Utc::now(), body.as_bytes()))
        .header(EVENT_ID_HEADER, d.event_id.to_string())
        .header(EVENT_TYPE_HEADER, &d.event_type)
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} ms", config.timeout.as_millis())
            } else if e.is_connect() {
                "cannot connect to the endpoint".to_owned()
            } else {
                format!("the request failed: {e}")
            }
        })?;
    Ok(i32::from(response.status().as_u16()))
}

/// The check at registration: a private destination is refused; a host that does not resolve now is
/// accepted (its name may be set up after the endpoint, or the resolver be down for a moment): its
/// deliveries fail, logged, until it resolves.
pub async fn check_registration(url: &url::Url, allow_private: bool) -> Result<(), String> {
    match check_destination(url, allow_private).await {
        Err(BadDestination::Unresolved(why)) => {
            tracing::info!(url = %url, %why, "a webhook endpoint registered before its host resolves");
            Ok(())
        }
        Err(BadDestination::Private(why)) => Err(why),
        Ok(()) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_told_apart() {
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "1.1.1.1", "100.128.0.1", "2001:4860:4860::8888"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn waits_double_up_to_the_longest() {
        let config = WebhookDelivery::default();
        let secs: Vec<i64> = [1, 2, 3, 10, 11, 40]
            .iter()
            .map(|a| retry_after(&config, *a).num_seconds())
            .collect();
        assert_eq!(secs, [5, 10, 20, 2560, 3600, 3600]);
    }

    #[tokio::test]
    async fn destinations_private_unless_allowed() {
        let local = url::Url::parse("http://127.0.0.1:9/hook").unwrap();
        let error = check_destination(&local, false).await.unwrap_err();
        assert!(
            matches!(&error, BadDestination::Private(why) if why.contains("private, loopback")),
            "{error}"
        );
        check_destination(&local, true).await.unwrap();
        let metadata = url::Url::parse("http://169.254.169.254/latest").unwrap();
        assert!(check_destination(&metadata, false).await.is_err());
    }
}
