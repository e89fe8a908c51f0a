//! [`WebhookAcquirer`]: a payment provider reached over HTTP, as docs/acquirer.md describes for whoever
//! writes its adapter. The platform POSTs each charge to `{base}/charges` (once per reference: the
//! provider answers a repeat with its first decision and charges nothing more), asks
//! `GET {base}/charges/{reference}` what became of one, and takes the provider's decisions later from
//! callbacks it posts to `{public URL}/api/v1/acquirer/callbacks`. Both ways are signed with a secret
//! the two share ([`signature`]).
//!
//! The provider's answers become a [`Decision`]: APPROVED, DECLINED (also from a 4xx whose body says
//! DECLINED), PENDING. Anything else — no connection, no answer within 10 s, a 5xx, another 4xx, a
//! redirect, a body that is not the protocol's — is [`Unreachable`]: the platform knows nothing of the
//! charge and asks again by its reference. Card data is in the charge's body only: never in a log, an
//! error or a `Debug`.

pub mod signature;

use std::{path::Path, time::Duration};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::acquirer::{
    Acquirer, BoxFuture, Callback, CallbackError, Charge, Decision, Unreachable,
};
use signature::Key;

/// How long the platform waits for the provider's answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The path, under the platform's public address, that callbacks are posted to.
pub const CALLBACK_PATH: &str = "/api/v1/acquirer/callbacks";

/// The longest reason or authorization code taken from the provider (longer ones are cut).
const MAX_TEXT: usize = 200;

/// A payment provider behind the webhook protocol (docs/acquirer.md).
pub struct WebhookAcquirer {
    /// `{base}/charges`.
    charges: String,
    /// Where the provider posts its callbacks.
    callback_url: String,
    key: Key,
    http: reqwest::Client,
}

impl std::fmt::Debug for WebhookAcquirer {
    /// Shows the addresses, never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookAcquirer")
            .field("charges", &self.charges)
            .field("callback_url", &self.callback_url)
            .finish_non_exhaustive()
    }
}

impl WebhookAcquirer {
    /// The provider at `base` (an http or https address; charges go to `{base}/charges`) sharing
    /// `secret` (at least 32 bytes) with the platform reached at `public_url`; Err says what is wrong.
    pub fn new(base: &str, secret: &[u8], public_url: &str) -> Result<Self, String> {
        let invalid = |what: String| format!("the acquirer's {what}");
        let url = url::Url::parse(base)
            .map_err(|e| invalid(format!("address {base} is not an absolute address ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid(format!("address {base} is not an http(s) address")));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(format!("address {base} has a query or a fragment")));
        }
        let key = Key::new(secret).map_err(invalid)?;
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| invalid(format!("HTTP client cannot be made: {e}")))?;
        Ok(Self {
            charges: format!("{}/charges", base.trim_end_matches('/')),
            callback_url: format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/')),
            key,
            http,
        })
    }

    /// [`WebhookAcquirer::new`] with the secret read from `path`: the file's bytes, without the line
    /// ending after them (`openssl rand -hex 32 > FILE` makes a good one).
    pub fn with_secret_file(base: &str, path: &Path, public_url: &str) -> Result<Self, String> {
        let text = Zeroizing::new(std::fs::read(path).map_err(|e| {
            format!(
                "cannot read the acquirer's shared secret from {}: {e}",
                path.display()
            )
        })?);
        let secret = text
            .strip_suffix(b"\n")
            .map_or(&text[..], |s| s.strip_suffix(b"\r").unwrap_or(s));
        Key::new(secret).map_err(|why| format!("the acquirer's {why}, in {}", path.display()))?;
        Self::new(base, secret, public_url)
    }

    /// Where the provider posts its callbacks.
    pub fn callback_url(&self) -> &str {
        &self.callback_url
    }

    /// Sends `request` (its body already signed into it) and reads the provider's answer: `Ok(None)`
    /// for a 404 when `absent_is_none`.
    async fn ask(
        &self,
        request: reqwest::RequestBuilder,
        absent_is_none: bool,
    ) -> Result<Option<Decision>, Unreachable> {
        let response = request
            .send()
            .await
            .map_err(|e| Unreachable(format!("the acquirer cannot be reached: {e}")))?;
        let status = response.status();
        if absent_is_none && status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Unreachable(format!("the acquirer's answer was cut: {e}")))?;
        let answer = serde_json::from_slice::<Answer>(&body);
        match status.as_u16() {
            200..=202 => answer
                .map_err(|e| format!("not an answer of the protocol ({e})"))
                .and_then(Answer::decision)
                .map(Some)
                .map_err(|why| Unreachable(format!("the acquirer answered {status}: {why}"))),
            400..=499 => match answer.ok().map(Answer::decision) {
                Some(Ok(declined @ Decision::Declined { .. })) => Ok(Some(declined)),
                _ => Err(Unreachable(format!(
                    "the acquirer refused the request ({status}) without declining the card"
                ))),
            },
            _ => Err(Unreachable(format!("the acquirer answered {status}"))),
        }
    }
}

/// `0x` and the reference's 64 hex digits: how the protocol writes a reference.
fn reference_text(reference: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(reference))
}

/// The body of `POST {base}/charges`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChargeBody<'a> {
    reference: String,
    amount: &'a str,
    currency: &'static str,
    card: CardBody<'a>,
    return_url: Option<&'a str>,
    callback_url: &'a str,
}

/// The card of a charge.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CardBody<'a> {
    number: &'a str,
    exp_month: u32,
    exp_year: u32,
    cvv: &'a str,
    owner: &'a str,
}

/// The provider's answer to a charge or to a question about one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    status: String,
    authorization: Option<String>,
    reason: Option<String>,
    challenge_url: Option<String>,
}

/// `text` cut to [`MAX_TEXT`] characters, None when empty.
fn short(text: Option<String>) -> Option<String> {
    let text = text?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(MAX_TEXT).collect())
}

impl Answer {
    /// The decision this answer tells; Err says why it tells none.
    fn decision(self) -> Result<Decision, String> {
        match self.status.as_str() {
            "APPROVED" => Ok(Decision::Approved {
                authorization: short(self.authorization)
                    .ok_or("APPROVED without an authorization")?,
            }),
            "DECLINED" => Ok(Decision::Declined {
                reason: short(self.reason).unwrap_or_else(|| "declined by the acquirer".into()),
            }),
            "PENDING" => {
                let challenge = match self.challenge_url {
                    Some(url) => {
                        let parsed = url::Url::parse(&url)
                            .map_err(|_| "challengeUrl is not an absolute address")?;
                        if !matches!(parsed.scheme(), "http" | "https") {
                            return Err("challengeUrl is not an http(s) address".into());
                        }
                        Some(url)
                    }
                    None => None,
                };
                Ok(Decision::Pending { challenge })
            }
            other => Err(format!(
                "status {:?} is none of APPROVED, DECLINED, PENDING",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// The body of a callback.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackBody {
    event_id: String,
    reference: String,
    status: String,
    authorization: Option<String>,
    reason: Option<String>,
}

impl CallbackBody {
    /// The callback this body tells.
    fn read(body: &[u8]) -> Result<Callback, CallbackError> {
        let malformed = |why: &str| CallbackError::Malformed(why.to_owned());
        let body: Self = serde_json::from_slice(body)
            .map_err(|e| CallbackError::Malformed(format!("not a callback ({e})")))?;
        if !(1..=200).contains(&body.event_id.chars().count()) {
            return Err(malformed("eventId has 1 to 200 characters"));
        }
        let reference = body
            .reference
            .strip_prefix("0x")
            .filter(|digits| digits.len() == 64)
            .and_then(|digits| hex::decode(digits).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| malformed("reference is 0x followed by 64 hex digits"))?;
        if !matches!(body.status.as_str(), "APPROVED" | "DECLINED") {
            return Err(malformed("status is APPROVED or DECLINED"));
        }
        let answer = Answer {
            status: body.status,
            authorization: body.authorization,
            reason: body.reason,
            challenge_url: None,
        };
        Ok(Callback {
            event_id: body.event_id,
            reference,
            decision: answer.decision().map_err(CallbackError::Malformed)?,
        })
    }
}

impl Acquirer for WebhookAcquirer {
    fn charge<'a>(
        &'a self,
        charge: &'a Charge<'a>,
    ) -> BoxFuture<'a, Result<Decision, Unreachable>> {
        Box::pin(async move {
            let reference = reference_text(&charge.reference);
            let request = ChargeBody {
                reference: reference.clone(),
                amount: charge.amount,
                currency: "EUR",
                card: CardBody {
                    number: charge.number,
                    exp_month: charge.exp_month,
                    exp_year: charge.exp_year,
                    cvv: charge.cvv,
                    owner: charge.owner,
                },
                return_url: charge.return_url,
                callback_url: &self.callback_url,
            };
            // The body holds the card: written once into a buffer large enough (no copies left by
            // growing it) and zeroized once sent.
            let mut body = Zeroizing::new(Vec::with_capacity(1024));
            serde_json::to_writer(&mut *body, &request)
                .map_err(|e| Unreachable(format!("cannot write the charge: {e}")))?;
            let signed = self.key.sign(Utc::now(), &body);
            let request = self
                .http
                .post(&self.charges)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("Idempotency-Key", &reference)
                .header(signature::HEADER, signed)
                .body(bytes::Bytes::from_owner(body));
            self.ask(request, false).await?.ok_or_else(|| {
                Unreachable("the acquirer answered a charge without a decision".into())
            })
        })
    }

    fn decision<'a>(
        &'a self,
        reference: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<Decision>, Unreachable>> {
        Box::pin(async move {
            let url = format!("{}/{}", self.charges, reference_text(reference));
            let request = self
                .http
                .get(url)
                .header(signature::HEADER, self.key.sign(Utc::now(), b""));
            self.ask(request, true).await
        })
    }

    fn charge_timeout(&self) -> Duration {
        TIMEOUT
    }

    fn callback(
        &self,
        headers: &axum::http::HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Callback, CallbackError> {
        let header =
            match headers.get(signature::HEADER) {
                None => None,
                Some(value) => Some(value.to_str().map_err(|_| {
                    CallbackError::Refused(signature::Refused::Malformed.to_string())
                })?),
            };
        self.key
            .verify(header, body, now)
            .map_err(|refused| CallbackError::Refused(refused.to_string()))?;
        CallbackBody::read(body)
    }
}

#[cfg(test)]
mod tests;
