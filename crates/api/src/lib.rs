//! The platform's HTTP API (axum) over the EmToken index: the user, wallet, movement, hold, transfer
//! and cash-out endpoints of the platform's guide, plus the bank side (SEPA cash-ins, payouts executed
//! or rejected).
//!
//! Reads come from the indexer's database. Writes become transactions signed with the platform's keys
//! (the operator is every wallet's default operator and the notary of API holds); the API answers 202
//! once the node has the transaction, and the outcome shows up through the indexer. Requests carry
//! API keys (`Authorization: Bearer …`, see [`new_api_key`]) and may carry an `Idempotency-Key`.
//!
//! Card data for card cash-ins is encrypted with temporal keys the client gets sealed with its RSA key
//! ([`cards`]).
//!
//! Every answer is a type of [`answers`]; the OpenAPI document (`/api/v1/openapi.json`, Swagger UI at
//! `/docs`) is generated from them and from the handlers' annotations.

pub mod acquirer;
pub mod answers;
mod auth;
mod body;
pub mod cards;
mod clock;
pub mod commission;
mod contact;
mod crash;
mod docs;
mod drain;
mod error;
mod expiry;
mod fields;
mod follow;
mod iban;
mod idempotency;
mod identity;
pub mod issuers;
mod openapi;
pub mod ops;
mod otp;
mod paging;
mod platform;
mod post;
mod problem;
pub mod rate;
mod routes;
mod schedule;
mod scheduler;
mod screening;
mod sms;
pub mod telemetry;
mod tokens;
mod views;
pub mod webhook_acquirer;
pub mod webhooks;

use std::sync::Arc;

use alloy::primitives::Address;
use axum::Router;
use emtoken_store::Store;

pub use auth::{KEY_ID_BYTES, hash_api_key, key_id, new_api_key};
pub use clock::{Clock, ManualClock, SystemClock};
pub use crash::{CRASH_AT, CrashPoint};
pub use drain::Drain;
pub use error::{Error, Result};
pub use expiry::release_expired_holds;
pub use follow::follow_up;
pub use platform::{Platform, SETTLE_AFTER};
pub use problem::Problem;
pub use scheduler::{Round, SchedulerConfig, run_due, scheduler};
pub use screening::{Screened, Screening, ScreeningQuestion, ScreeningResult};
pub use sms::{Sms, SmsSender, WEBHOOK_TRIES};
pub use webhooks::{WebhookDelivery, deliver_webhooks};

/// A token the API serves: the platform's own (`ApiState::chain`) or another registered on its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// The token's ledger: the `chainId` of its rows (the chain's id for the platform's own token).
    pub chain_id: i64,
    /// The EVM chain's id.
    pub evm_chain_id: i64,
    /// The EmToken contract.
    pub contract: Address,
    /// Token decimals.
    pub decimals: u8,
    /// The network's name (`dltNetwork`).
    pub network: String,
    /// The currency the token issues (None while no issuer of it is registered).
    pub currency: Option<String>,
    /// The token's issuer (None while none is registered).
    pub issuer_id: Option<uuid::Uuid>,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The database (the indexer's).
    pub store: Store,
    /// The platform's own token (`serve --contract`); the other tokens served are looked up by ledger
    /// (see `tokens`).
    pub chain: Arc<ChainInfo>,
    /// The platform's chain clients (of its own token; they, and their clients on other chains, sign for
    /// every token served).
    pub platform: Arc<Platform>,
    /// Requests in flight, and whether the API is shutting down.
    pub drain: Arc<Drain>,
    /// How users are onboarded: the clock, the SMS sender, the wallets a user may have.
    pub onboarding: Arc<Onboarding>,
    /// Who charges cards (default: the built-in simulator).
    pub acquirer: Arc<dyn acquirer::Acquirer>,
    /// The live temporal keys of card data (in memory only; their times are `onboarding.clock`'s).
    pub temporal_keys: Arc<cards::TemporalKeys>,
    /// The address browsers reach this API at, without a trailing slash (payment pages' links are
    /// made from it): `emtoken serve --public-url`.
    pub public_url: Arc<str>,
    /// Where the process aborts, a test hook (`EMTOKEN_CRASH_AT`); None in production.
    pub crash_at: Option<CrashPoint>,
    /// The AML screening asked before the bank side accepts a top-up or a withdrawal
    /// (`emtoken serve --aml-screening-url`; default none: decisions are recorded UNSCREENED).
    pub screening: Arc<Screening>,
    /// The tokens served, as looked up so far.
    pub(crate) tokens: Arc<tokens::Tokens>,
    /// What `GET /ready` watches (default: the database only).
    pub readiness: Arc<ops::Readiness>,
    /// Requests each API key may send (default: no limit).
    pub rate_limits: Arc<rate::RateLimits>,
    /// How webhooks are delivered, and where endpoints may be (default: public addresses only).
    pub webhooks: Arc<WebhookDelivery>,
    /// Request durations and webhook attempts (`serve` exposes them on its metrics port).
    pub metrics: telemetry::ApiMetrics,
}

/// How users are onboarded.
#[derive(Debug, Clone)]
pub struct Onboarding {
    /// The clock of phone codes.
    pub clock: Arc<dyn Clock>,
    /// Where SMS go.
    pub sms: SmsSender,
    /// The most wallets a user may have, unsubscribed ones not counted.
    pub max_wallets: u32,
    /// The most ACTIVE favourite external accounts a wallet may have.
    pub max_favourites: u32,
}

impl Default for Onboarding {
    /// The system's clock, no SMS sender, 5 wallets a user, 5 favourite external accounts a wallet.
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            sms: SmsSender::None,
            max_wallets: 5,
            max_favourites: 5,
        }
    }
}

impl ApiState {
    /// State for `platform` (whose operator client names the contract and chain) over `store`.
    pub fn new(store: Store, platform: Platform, network: impl Into<String>) -> Self {
        let chain_id = i64::try_from(platform.operator.chain_id()).unwrap_or(i64::MAX);
        let chain = ChainInfo {
            chain_id,
            evm_chain_id: chain_id,
            contract: platform.operator.address(),
            decimals: platform.operator.decimals(),
            network: network.into(),
            currency: None,
            issuer_id: None,
        };
        Self {
            store,
            chain: Arc::new(chain),
            platform: Arc::new(platform),
            drain: Arc::new(Drain::default()),
            onboarding: Arc::new(Onboarding::default()),
            acquirer: Arc::new(acquirer::Simulator::default()),
            temporal_keys: Arc::new(cards::TemporalKeys::new()),
            public_url: Arc::from("http://127.0.0.1:8080"),
            crash_at: None,
            screening: Arc::new(Screening::None),
            tokens: Arc::default(),
            readiness: Arc::default(),
            rate_limits: Arc::default(),
            webhooks: Arc::default(),
            metrics: telemetry::ApiMetrics::default(),
        }
    }

    /// With webhooks delivered as `delivery` says (`serve --webhooks-allow-private-addresses`), their
    /// attempts counted in this state's metrics.
    #[must_use]
    pub fn with_webhooks(mut self, delivery: WebhookDelivery) -> Self {
        self.webhooks = Arc::new(WebhookDelivery {
            metrics: self.metrics.clone(),
            ..delivery
        });
        self
    }

    /// The same state aborting the process at `point` (a test hook: see [`CrashPoint`]).
    #[must_use]
    pub fn with_crash_at(mut self, point: Option<CrashPoint>) -> Self {
        self.crash_at = point;
        self
    }

    /// The same state asking `screening` before the bank side accepts a top-up or a withdrawal.
    #[must_use]
    pub fn with_screening(mut self, screening: Screening) -> Self {
        self.screening = Arc::new(screening);
        self
    }

    /// With every API key limited to `limit` (`serve --rate-limit`).
    #[must_use]
    pub fn with_rate_limit(mut self, limit: rate::RateLimit) -> Self {
        self.rate_limits = Arc::new(rate::RateLimits::new(limit));
        self
    }

    /// With `readiness` behind `GET /ready` (`serve` watches its indexer).
    #[must_use]
    pub fn with_readiness(mut self, readiness: ops::Readiness) -> Self {
        self.readiness = Arc::new(readiness);
        self
    }

    /// The same state reached by browsers at `url` (a trailing slash is dropped).
    #[must_use]
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = Arc::from(url.trim_end_matches('/'));
        self
    }

    /// The same state with `acquirer`.
    #[must_use]
    pub fn with_acquirer(mut self, acquirer: Arc<dyn acquirer::Acquirer>) -> Self {
        self.acquirer = acquirer;
        self
    }

    /// The same state with `onboarding`.
    #[must_use]
    pub fn with_onboarding(mut self, onboarding: Onboarding) -> Self {
        self.onboarding = Arc::new(onboarding);
        self
    }
}

/// The API's routes.
///
/// A `GET` (or `HEAD`) holds one of the store's read permits for its whole run, key lookup included:
/// reads queue in front of the pool while writes (POSTs, the indexer) go straight to it, so a crowd
/// of reads never stands between a write and the connection (see [`Store::read_permit`]).
pub fn router(state: ApiState) -> Router {
    let drain = Arc::clone(&state.drain);
    let store = state.store.clone();
    let limits = Arc::clone(&state.rate_limits);
    let metrics = state.metrics.clone();
    let audit = state.store.clone();
    routes::router()
        .with_state(state)
        .merge(docs::router())
        .layer(axum::middleware::from_fn(move |request, next| {
            read_turn(store.clone(), request, next)
        }))
        .layer(axum::middleware::from_fn(move |request, next| {
            rate::RateLimits::layer(Arc::clone(&limits), request, next)
        }))
        .layer(axum::middleware::from_fn(move |request, next| {
            Drain::layer(Arc::clone(&drain), request, next)
        }))
        .layer(axum::middleware::from_fn(move |request, next| {
            ops::access_log(metrics.clone(), audit.clone(), request, next)
        }))
}

/// Runs a read-only request with a read permit of the store; any other request as it comes.
async fn read_turn(
    store: Store,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method();
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        let _turn = store.read_permit().await;
        next.run(request).await
    } else {
        next.run(request).await
    }
}

/// The OpenAPI document of the API for a token of `decimals` (what `/api/v1/openapi.json` serves).
pub fn openapi_json(decimals: u8) -> serde_json::Value {
    openapi::document(decimals)
}
