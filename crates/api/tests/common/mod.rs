//! The API over a real chain: anvil with EmToken deployed, the indexer following it into a fresh
//! PostgreSQL database, and the router driven in-process (requests as a client would send them).

#![allow(dead_code, unreachable_pub)]

pub mod cards;

use std::time::{Duration, Instant};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use emtoken_api::{ApiState, ManualClock, Onboarding, Platform, SmsSender};
use emtoken_indexer::{Config, Indexer};
use emtoken_store::{Store, api::ClientRole};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tokio::sync::watch;
use tower::ServiceExt;

/// A running platform: node, indexer, API.
pub struct Platform_ {
    pub node: DevNode,
    /// The nodes of other chains the platform serves tokens on (`serve --chain-rpc`).
    pub other_nodes: Vec<DevNode>,
    pub deployed: Deployed,
    pub store: Store,
    pub app: Router,
    pub state: ApiState,
    pub client_key: String,
    pub other_key: String,
    pub bank_key: String,
    pub admin_key: String,
    /// The API's clock: codes expire and limits pass when a test moves it.
    pub clock: ManualClock,
    /// The same API over HTTP (for browsers and callbacks), e.g. `http://127.0.0.1:41234`: the
    /// state's public address.
    pub base: String,
    stop: watch::Sender<bool>,
}

/// Starts everything on a fresh database.
pub async fn platform(pool: PgPool) -> Platform_ {
    platform_with(pool, None).await
}

/// [`platform`] with `acquirer` (default: the built-in simulator without latency).
pub async fn platform_with(
    pool: PgPool,
    acquirer: Option<std::sync::Arc<dyn emtoken_api::acquirer::Acquirer>>,
) -> Platform_ {
    platform_reached_at(pool, |_| acquirer).await
}

/// [`platform_with`] the acquirer `acquirer` makes for the platform's public address (`base`): one
/// whose callbacks come back to this platform.
pub async fn platform_reached_at(
    pool: PgPool,
    acquirer: impl FnOnce(&str) -> Option<std::sync::Arc<dyn emtoken_api::acquirer::Acquirer>>,
) -> Platform_ {
    start(pool, acquirer, vec![]).await
}

/// [`platform`] with nodes of other chains (`serve --chain-rpc` for each): one anvil per chain id in
/// `chains`, with the same accounts.
pub async fn platform_beside(pool: PgPool, chains: &[u64]) -> Platform_ {
    let others = chains
        .iter()
        .map(|chain| {
            DevNode::spawn_with_args(ProfileName::Dev, &["--chain-id", &chain.to_string()])
                .expect("anvil of another chain")
        })
        .collect();
    start(pool, |_| None, others).await
}

async fn start(
    pool: PgPool,
    acquirer: impl FnOnce(&str) -> Option<std::sync::Arc<dyn emtoken_api::acquirer::Acquirer>>,
    other_nodes: Vec<DevNode>,
) -> Platform_ {
    let node = DevNode::spawn(ProfileName::Dev).expect("anvil");
    let deployed = Deployed::deploy(&node).await.expect("deploy");
    let store = Store::from_pool(pool).await.expect("store");
    let mut config = Config::new(deployed.endpoint(), deployed.address);
    config.poll_interval = Duration::from_millis(20);
    let indexer = Box::pin(Indexer::start(config, store.clone()))
        .await
        .expect("indexer");
    let (stop, stopped) = watch::channel(false);
    let indexer_stop = stopped.clone();
    tokio::spawn(async move { Box::pin(indexer.run(indexer_stop)).await });
    let operator = deployed
        .builder(Role::Operator)
        .unwrap()
        .connect(deployed.address)
        .await
        .unwrap();
    let compliance = deployed
        .builder(Role::Compliance)
        .unwrap()
        .connect(deployed.address)
        .await
        .unwrap();
    let platform =
        Platform::new(operator, compliance).with_chain_rpcs(chain_rpcs(&other_nodes).await);
    let state = ApiState::new(store.clone(), platform, "devnet");
    let clock = ManualClock::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = state
        .with_onboarding(Onboarding {
            clock: std::sync::Arc::new(clock.clone()),
            sms: SmsSender::Outbox,
            max_wallets: 5,
            max_favourites: 5,
        })
        .with_public_url(&base);
    if let Some(acquirer) = acquirer(&base) {
        state = state.with_acquirer(acquirer);
    }
    let app = emtoken_api::router(state.clone());
    let served = app.clone();
    let mut serve_stop = stopped.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, served)
            .with_graceful_shutdown(async move {
                let _ = serve_stop.wait_for(|s| *s).await;
            })
            .await;
    });
    // As `emtoken serve` does: requests whose follow-up was interrupted (a lost receipt lookup under
    // load) are settled from the chain.
    tokio::spawn(std::sync::Arc::clone(&state.platform).sweep(
        store.clone(),
        Duration::from_secs(1),
        stopped.clone(),
    ));
    // As `emtoken serve` does: what a request left half done with users is finished.
    tokio::spawn(emtoken_api::follow_up(
        state.clone(),
        Duration::from_millis(500),
        stopped.clone(),
    ));
    let mut keys = vec![];
    for (name, role) in [
        ("acme", ClientRole::Client),
        ("globex", ClientRole::Client),
        ("bank", ClientRole::Bank),
        ("admin", ClientRole::Admin),
    ] {
        let client = store.ensure_client(name, role).await.unwrap();
        let (key, hash) = emtoken_api::new_api_key();
        store.add_api_key(client.id, hash, &key[..8]).await.unwrap();
        keys.push(key);
    }
    Platform_ {
        node,
        other_nodes,
        deployed,
        store,
        app,
        state,
        admin_key: keys.pop().unwrap(),
        bank_key: keys.pop().unwrap(),
        other_key: keys.pop().unwrap(),
        client_key: keys.pop().unwrap(),
        clock,
        base,
        stop,
    }
}

/// `serve --chain-rpc` for `nodes`: each node's chain id and URL.
async fn chain_rpcs(nodes: &[DevNode]) -> std::collections::BTreeMap<u64, String> {
    let mut rpcs = std::collections::BTreeMap::new();
    for node in nodes {
        let url = node.endpoint_url().to_string();
        let chain = alloy::providers::Provider::get_chain_id(
            &alloy::providers::ProviderBuilder::new()
                .connect(&url)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
        rpcs.insert(chain, url);
    }
    rpcs
}

impl Drop for Platform_ {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// A DNI with its check letter.
pub fn dni(n: u32) -> String {
    let letters = b"TRWAGMYFPDXBNJZSQVHLCKE";
    format!("{n:08}{}", char::from(letters[(n % 23) as usize]))
}

/// A person's body.
pub fn person(document: &str, phone: &str) -> Value {
    serde_json::json!({
        "name": "Ana María",
        "firstSurname": "García",
        "secondSurname": "López",
        "documentType": "DNI",
        "documentNumber": document,
        "birthDate": "1990-05-17",
        "nationality": "ES",
        "email": "ana@example.com",
        "mobilePhone": phone,
        "address": {
            "street": "Calle Mayor 1",
            "city": "Madrid",
            "postalCode": "28013",
            "region": "Madrid",
            "country": "ES"
        }
    })
}

/// The code an SMS carries: the six digits after its last "code: ".
pub fn code_in(text: &str) -> String {
    let (_, after) = text
        .rsplit_once("code: ")
        .unwrap_or_else(|| panic!("no code in {text:?}"));
    let code: String = after.chars().take(6).collect();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{text:?}"
    );
    code
}

/// An answer: status and JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    /// The first error's detail.
    pub fn detail(&self) -> String {
        self.body["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Platform_ {
    /// Sends a request with `key` (None: no Authorization), a raw body and extra headers.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            req = req.header("authorization", format!("Bearer {key}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Answer { status, body }
    }

    /// GET with the client's key.
    pub async fn get(&self, path: &str) -> Answer {
        self.raw(Method::GET, path, Some(&self.client_key), None, &[])
            .await
    }

    /// GET with the bank's key.
    pub async fn bank_get(&self, path: &str) -> Answer {
        self.raw(Method::GET, path, Some(&self.bank_key), None, &[])
            .await
    }

    /// POST JSON with `key`.
    pub async fn post(&self, key: &str, path: &str, body: Value) -> Answer {
        self.raw(Method::POST, path, Some(key), Some(&body.to_string()), &[])
            .await
    }

    /// Polls GET `path` until `done` holds (20 s).
    pub async fn wait_for(&self, path: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let a = self.get(path).await;
            if a.status == StatusCode::OK && done(&a.body) {
                return a.body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}: last {a:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends a request with `key` and a JSON body.
    /// POSTs `body` with `key` and `Idempotency-Key: idempotency`.
    pub async fn post_keyed(
        &self,
        key: &str,
        path: &str,
        body: &Value,
        idempotency: &str,
    ) -> Answer {
        self.raw(
            Method::POST,
            path,
            Some(key),
            Some(&body.to_string()),
            &[("idempotency-key", idempotency)],
        )
        .await
    }

    pub async fn send(&self, method: Method, key: &str, path: &str, body: Value) -> Answer {
        self.raw(method, path, Some(key), Some(&body.to_string()), &[])
            .await
    }

    /// Creates a person as a user of the client of `key` (a fresh DNI and phone); its id.
    pub async fn user(&self, key: &str) -> String {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let a = self
            .post(
                key,
                "/api/v2/public/users/natural",
                person(&dni(10_000_000 + n), &format!("+3460{:07}", n % 10_000_000)),
            )
            .await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{a:?}");
        a.body["id"].as_str().unwrap().to_owned()
    }

    /// The newest code the development outbox holds for `user`.
    pub async fn code(&self, user: &str) -> String {
        let messages = self
            .store
            .outbox(Some(user.parse().unwrap()))
            .await
            .unwrap();
        let text = &messages.last().expect("no SMS for the user").text;
        code_in(text)
    }

    /// Verifies `user`'s phone with the code the outbox got; the user's answer.
    pub async fn verify(&self, key: &str, user: &str) -> Value {
        let sent = self
            .post(
                key,
                &format!("/api/v1/public/users/{user}/request-otp"),
                Value::Null,
            )
            .await;
        assert_eq!(sent.status, StatusCode::ACCEPTED, "{sent:?}");
        let code = self.code(user).await;
        let ok = self
            .post(
                key,
                &format!("/api/v1/public/users/{user}/validate-otp"),
                serde_json::json!({ "code": code }),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
        ok.body
    }

    /// Waits until GET `path` with `key` satisfies `done` (20 s).
    pub async fn wait_with(
        &self,
        key: &str,
        path: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let a = self.raw(Method::GET, path, Some(key), None, &[]).await;
            if a.status == StatusCode::OK && done(&a.body) {
                return a.body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}: last {a:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Onboards a new user of the client of `key` (created, phone verified, first wallet READY: the
    /// user ACTIVATED); the user's id and its wallet.
    pub async fn onboard(&self, key: &str) -> (String, Value) {
        let user = self.user(key).await;
        self.verify(key, &user).await;
        let wallets = self
            .wait_with(
                key,
                &format!("/api/v1/public/wallets?userId={user}"),
                "the first wallet READY",
                |page| page["_embedded"]["wallets"][0]["status"] == "READY",
            )
            .await;
        self.wait_with(
            key,
            &format!("/api/v1/public/users/{user}"),
            "ACTIVATED",
            |u| u["status"] == "ACTIVATED",
        )
        .await;
        (user, wallets["_embedded"]["wallets"][0].clone())
    }

    /// The compliance side sets `user`'s KYC level (evidence given); waits until every wallet of the
    /// user shows it.
    pub async fn kyc(&self, user: &str, level: u8) {
        let set = self
            .post(
                &self.bank_key,
                &format!("/api/v1/bank/users/{user}/kyc"),
                serde_json::json!({ "kycLevel": level, "evidence": "KYC-TEST: documents checked" }),
            )
            .await;
        assert_eq!(set.status, StatusCode::ACCEPTED, "{set:?}");
        let wallets = set.body["walletIds"].as_array().unwrap().clone();
        for w in wallets {
            let path = format!("/api/v1/public/wallets/{}", w.as_str().unwrap());
            let owner = self
                .raw(Method::GET, &path, Some(&self.client_key), None, &[])
                .await;
            let key = if owner.status == StatusCode::OK {
                &self.client_key
            } else {
                &self.other_key
            };
            self.wait_with(key, &path, "the wallet's new level", |w| {
                w["kycLevel"] == level
            })
            .await;
        }
    }

    /// Gives a wallet of the client's its IBAN (its user at KYC level 1 or more); the wallet.
    pub async fn iban(&self, wallet: &str) -> Value {
        let a = self
            .post(
                &self.client_key,
                &format!("/api/v1/public/wallets/{wallet}/create-iban"),
                Value::Null,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{a:?}");
        assert!(a.body["iban"].is_string(), "{a:?}");
        a.body
    }

    /// A READY wallet of a new, onboarded user of the client of `key`.
    pub async fn wallet(&self, key: &str) -> Value {
        self.onboard(key).await.1
    }

    /// Credits a wallet through the bank side and waits for the balance.
    pub async fn fund(&self, wallet: &str, amount: &str, expect_balance: &str) {
        let a = self
            .post(
                &self.bank_key,
                "/api/v1/bank/cashIns",
                serde_json::json!({ "walletId": wallet, "amount": amount }),
            )
            .await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{a:?}");
        self.wait_for(
            &format!("/api/v1/public/wallets/{wallet}"),
            "the cash-in",
            |w| w["balance"] == expect_balance,
        )
        .await;
    }

    /// The state of another `serve` process over `store` (this platform's database, through the same pool
    /// or connections of its own): its own chain clients, so its own nonce bookkeeping.
    pub async fn other_process(&self, store: Store) -> ApiState {
        let connect = |role| async move {
            self.deployed
                .builder(role)
                .unwrap()
                .connect(self.deployed.address)
                .await
                .unwrap()
        };
        let platform = Platform::new(
            connect(emtoken_test_utils::Role::Operator).await,
            connect(emtoken_test_utils::Role::Compliance).await,
        )
        .with_chain_rpcs(chain_rpcs(&self.other_nodes).await);
        ApiState::new(store, platform, "devnet")
    }

    /// Deploys a further token (`symbol`, `decimals`) on the platform's chain, with the platform's keys
    /// in their roles, and indexes it as `emtoken index` does a registered token (its own ledger).
    pub async fn second_token(&self, name: &str, symbol: &str, decimals: u8) -> Deployed {
        let token = Deployed::deploy_token(&self.node, name, symbol, decimals)
            .await
            .expect("deploy a further token");
        self.follow(token.address).await;
        token
    }

    /// Indexes the further token at `address` as `emtoken index` does a registered one.
    pub async fn follow(&self, address: alloy::primitives::Address) {
        self.index_further(self.deployed.endpoint().to_owned(), address)
            .await;
    }

    /// Indexes the token at `address` on the other chain whose node is `node`, as `emtoken index
    /// --chain-rpc` does a token registered there.
    pub async fn follow_on(&self, node: &DevNode, address: alloy::primitives::Address) {
        self.index_further(node.endpoint_url().to_string(), address)
            .await;
    }

    async fn index_further(&self, endpoint: String, address: alloy::primitives::Address) {
        let mut config = Config::new(endpoint, address);
        config.poll_interval = Duration::from_millis(20);
        config.secondary = true;
        let indexer = Box::pin(Indexer::start(config, self.store.clone()))
            .await
            .expect("indexer of the further token");
        let stopped = self.stop.subscribe();
        tokio::spawn(async move { Box::pin(indexer.run(stopped)).await });
    }

    /// Rows of api_requests and the chain's block number: what "nothing written, nothing sent" compares.
    pub async fn footprint(&self) -> (i64, u64) {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM api_requests")
            .fetch_one(self.store.pool())
            .await
            .unwrap();
        let block = alloy::providers::Provider::get_block_number(self.deployed.operator.provider())
            .await
            .unwrap();
        (n, block)
    }
}

/// The API state of a second process beside `p` ([`Platform_::other_process`]) with its own
/// connections to `p`'s database and `p`'s clock.
pub async fn second_state(p: &Platform_) -> ApiState {
    let options = p.store.pool().connect_options().as_ref().clone();
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .connect_with(options)
        .await
        .unwrap();
    let store = Store::from_pool(own).await.expect("store");
    p.other_process(store)
        .await
        .with_onboarding(Onboarding {
            clock: std::sync::Arc::new(p.clock.clone()),
            sms: SmsSender::Outbox,
            max_wallets: 5,
            max_favourites: 5,
        })
        .with_public_url(&p.base)
}
