//! AML screening before the bank side accepts a top-up or a withdrawal: the platform asks a screening
//! service (`emtoken serve --aml-screening-url`) and records its answer with the decision. CLEAR lets
//! the acceptance go on; REVIEW lets it go on only when a person who reviewed it is named
//! (`reviewedBy`); BLOCK refuses it (the bank side declines instead). Without a service configured,
//! decisions are recorded as UNSCREENED (development; production configures one: docs/operations.md).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Problem;

/// Where screening questions go.
#[derive(Debug, Clone, Default)]
pub enum Screening {
    /// Nowhere: every decision is recorded UNSCREENED.
    #[default]
    None,
    /// POSTed as JSON to a screening service.
    Service {
        /// The service's URL.
        url: String,
        /// The HTTP client (10 s per question).
        http: reqwest::Client,
    },
}

/// What is screened, as the service receives it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreeningQuestion {
    /// This question's id (a new one each time the bank side asks to accept).
    pub id: Uuid,
    /// TOP_UP or WITHDRAWAL.
    pub operation: &'static str,
    /// The top-up's or withdrawal's movement id.
    pub subject_id: Uuid,
    /// The wallet credited or debited.
    pub wallet_id: Uuid,
    /// Its user, if the platform knows one.
    pub user_id: Option<Uuid>,
    /// The user's name, if known.
    pub user_name: Option<String>,
    /// The amount, a decimal string.
    pub amount: String,
    /// The currency's code, if the token has one.
    pub currency: Option<String>,
    /// The bank account (withdrawals) or the bank's BIC (top-ups).
    pub counterparty: Option<String>,
    /// The payer's reference (top-ups).
    pub reference: Option<String>,
}

/// The service's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScreeningResult {
    /// Nothing found: accept.
    Clear,
    /// A possible match: a person must review it before accepting.
    Review,
    /// A match: do not accept.
    Block,
    /// No service configured: not screened.
    Unscreened,
}

impl ScreeningResult {
    /// The text kept in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clear => "CLEAR",
            Self::Review => "REVIEW",
            Self::Block => "BLOCK",
            Self::Unscreened => "UNSCREENED",
        }
    }
}

/// The service's answer (`{"result": "clear" | "review" | "block", "reference": "…"}`; the result in
/// any letter case).
#[derive(Debug, Clone, Deserialize)]
struct Answer {
    result: String,
    #[serde(default)]
    reference: Option<String>,
}

/// A screening's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// The verdict.
    pub result: ScreeningResult,
    /// The service's own reference of its check (at most 200 characters kept).
    pub reference: Option<String>,
}

impl Screening {
    /// A service at `url`, an http(s) URL; Err says what is wrong with it.
    pub fn service(url: &str) -> Result<Self, String> {
        let http = crate::sms::http_client(url)?;
        Ok(Self::Service {
            url: url.to_owned(),
            http,
        })
    }

    /// Asks about `question`: the verdict, or a 503 when the service cannot answer (nothing is decided
    /// then).
    pub(crate) async fn screen(&self, question: &ScreeningQuestion) -> Result<Screened, Problem> {
        let (url, http) = match self {
            Screening::None => {
                return Ok(Screened {
                    result: ScreeningResult::Unscreened,
                    reference: None,
                });
            }
            Screening::Service { url, http } => (url, http),
        };
        let unavailable = |why: String| {
            tracing::warn!(error = %why, subject = %question.subject_id, "AML screening failed");
            Problem::unavailable(format!(
                "the AML screening service cannot answer ({why}): nothing was decided; try again"
            ))
            .retry_after(5)
        };
        let res = http
            .post(url.as_str())
            .json(question)
            .send()
            .await
            .map_err(|e| unavailable(format!("cannot be reached: {e}")))?;
        if !res.status().is_success() {
            return Err(unavailable(format!("it answered {}", res.status())));
        }
        let answer: Answer = res
            .json()
            .await
            .map_err(|e| unavailable(format!("its answer is not the expected JSON: {e}")))?;
        let result = match answer.result.to_ascii_lowercase().as_str() {
            "clear" => ScreeningResult::Clear,
            "review" => ScreeningResult::Review,
            "block" => ScreeningResult::Block,
            other => {
                return Err(unavailable(format!(
                    "its result '{other}' is none of clear, review, block"
                )));
            }
        };
        let reference = answer
            .reference
            .map(|r| r.chars().filter(|c| !c.is_control()).take(200).collect());
        Ok(Screened { result, reference })
    }
}

/// Whether `screened` lets the acceptance go on, given who reviewed it: Err is the 409 to answer.
pub(crate) fn allows(screened: &Screened, reviewed_by: Option<&str>) -> Result<(), Problem> {
    match screened.result {
        ScreeningResult::Clear | ScreeningResult::Unscreened => Ok(()),
        ScreeningResult::Review if reviewed_by.is_some() => Ok(()),
        ScreeningResult::Review => Err(Problem::conflict(
            "the AML screening asks for a review: accept again naming who reviewed it (reviewedBy), or decline it",
        )),
        ScreeningResult::Block => Err(Problem::conflict(
            "the AML screening blocked it: it cannot be accepted; decline it",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_needs_a_reviewer_and_block_is_never_accepted() {
        let s = |result| Screened {
            result,
            reference: None,
        };
        assert!(allows(&s(ScreeningResult::Clear), None).is_ok());
        assert!(allows(&s(ScreeningResult::Unscreened), None).is_ok());
        assert!(allows(&s(ScreeningResult::Review), None).is_err());
        assert!(allows(&s(ScreeningResult::Review), Some("J. Doe")).is_ok());
        assert!(allows(&s(ScreeningResult::Block), Some("J. Doe")).is_err());
    }

    #[test]
    fn only_http_urls_are_services() {
        assert!(Screening::service("http://127.0.0.1:9/screen").is_ok());
        assert!(Screening::service("ftp://x/screen").is_err());
        assert!(Screening::service("not a url").is_err());
    }
}
