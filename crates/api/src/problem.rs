//! Errors as the platform guide's HTTP conventions give them: a status and
//! `{"errors":[{"status":…,"detail":…}]}`.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

use crate::answers::{ErrorEntry, Errors};

/// An HTTP error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Its status.
    pub status: StatusCode,
    /// What was wrong, for the caller.
    pub detail: String,
    /// Seconds after which trying again makes sense (`Retry-After`).
    pub retry_after: Option<u32>,
}

impl Problem {
    /// Any status.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// The same answer with a `Retry-After` of `seconds`.
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400: a field of the request is wrong (`field: what`).
    pub fn bad(field: &str, detail: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("{field}: {detail}"))
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// 409: the target's state does not allow it.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }

    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 500, logged; the caller sees a generic message.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "api request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: the platform logged it",
        )
    }

    /// 503: the chain node or the database cannot be reached.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
    }

    /// The JSON body.
    pub fn body(&self) -> Errors {
        Errors {
            errors: vec![ErrorEntry {
                status: self.status.as_u16(),
                detail: self.detail.clone(),
            }],
        }
    }
}

impl From<emtoken_store::Error> for Problem {
    fn from(error: emtoken_store::Error) -> Self {
        Problem::internal(error)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
