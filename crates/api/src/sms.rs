//! How the platform sends SMS: to a gateway's webhook (production), or into the database's outbox
//! (development only: `emtoken sms outbox` reads it, and `serve --sms-outbox-file` copies it to a file
//! for the demo). A message is never logged: it may
//! carry a code.

use std::time::Duration;

use emtoken_store::Store;
use serde::Serialize;
use uuid::Uuid;

/// Tries of a webhook before the message is given up.
pub const WEBHOOK_TRIES: u32 = 3;

/// Where SMS go.
#[derive(Debug, Clone)]
pub enum SmsSender {
    /// Nowhere: sending answers 503 (no sender configured).
    None,
    /// POSTed as JSON to a gateway (`--sms-webhook`), retried with backoff.
    Webhook {
        /// The gateway's URL.
        url: String,
        /// The HTTP client.
        http: reqwest::Client,
        /// The first wait between tries (doubled each time).
        backoff: Duration,
    },
    /// Kept in the database's outbox (development).
    Outbox,
}

/// One SMS, as the webhook receives it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sms<'a> {
    /// The message's id (a retry of the same message carries the same id: a gateway can drop repeats).
    pub id: Uuid,
    /// The number, E.164.
    pub to: &'a str,
    /// The text.
    pub text: &'a str,
    /// The user it is for.
    pub user_id: Uuid,
}

/// A client for the service at `url`, an http(s) URL, 10 s per call; Err says what is wrong with the
/// URL. Shared by the services the platform calls out to (SMS gateway, AML screening).
pub(crate) fn http_client(url: &str) -> Result<reqwest::Client, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url} is not an http(s) URL"));
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))
}

impl SmsSender {
    /// A webhook sender for `url`, an http(s) URL (10 s per try; waits 250 ms, then 500 ms between
    /// tries); Err says what is wrong with the URL.
    pub fn webhook(url: &str) -> Result<Self, String> {
        let http = http_client(url)?;
        Ok(Self::Webhook {
            url: url.to_owned(),
            http,
            backoff: Duration::from_millis(250),
        })
    }

    /// Sends `sms`; Err names why it could not (the caller answers 503).
    pub(crate) async fn send(&self, store: &Store, sms: &Sms<'_>) -> Result<(), String> {
        match self {
            SmsSender::None => {
                Err("no SMS sender is configured (emtoken serve --sms-webhook)".into())
            }
            SmsSender::Outbox => store
                .outbox_add(Some(sms.user_id), sms.to, sms.text)
                .await
                .map_err(|e| format!("cannot keep the SMS in the outbox: {e}")),
            SmsSender::Webhook { url, http, backoff } => {
                let mut wait = *backoff;
                let mut last = String::new();
                for attempt in 1..=WEBHOOK_TRIES {
                    match http.post(url.as_str()).json(sms).send().await {
                        Ok(res) if res.status().is_success() => return Ok(()),
                        // A 4xx is the gateway refusing this message: no retry changes that.
                        Ok(res) if res.status().is_client_error() => {
                            return Err(format!(
                                "the SMS gateway refused the message: {}",
                                res.status()
                            ));
                        }
                        Ok(res) => last = format!("the SMS gateway answered {}", res.status()),
                        Err(e) => last = format!("the SMS gateway cannot be reached: {e}"),
                    }
                    tracing::warn!(attempt, tries = WEBHOOK_TRIES, error = %last, "SMS not sent");
                    if attempt < WEBHOOK_TRIES {
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                }
                Err(last)
            }
        }
    }
}
