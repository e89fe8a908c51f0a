//! The API over a real chain: anvil with EmToken deployed, the indexer following it into a fresh
//! PostgreSQL database, and the router driven in-process (requests as a client would send them).

#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, Instant};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use emtoken_api::{ApiState, Platform};
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
    pub deployed: Deployed,
    pub store: Store,
    pub app: Router,
    pub state: ApiState,
    pub client_key: String,
    pub other_key: String,
    pub bank_key: String,
    stop: watch::Sender<bool>,
}

/// Starts everything on a fresh database.
pub async fn platform(pool: PgPool) -> Platform_ {
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
    let state = ApiState::new(
        store.clone(),
        Platform {
            operator,
            compliance,
        },
        "devnet",
    );
    let app = emtoken_api::router(state.clone());
    // As `emtoken serve` does: requests whose follow-up was interrupted (a lost receipt lookup under
    // load) are settled from the chain.
    tokio::spawn(std::sync::Arc::clone(&state.platform).sweep(
        store.clone(),
        Duration::from_secs(1),
        stopped.clone(),
    ));
    let mut keys = vec![];
    for (name, role) in [
        ("acme", ClientRole::Client),
        ("globex", ClientRole::Client),
        ("bank", ClientRole::Bank),
    ] {
        let client = store.ensure_client(name, role).await.unwrap();
        let (key, hash) = emtoken_api::new_api_key();
        store.add_api_key(client.id, hash, &key[..8]).await.unwrap();
        keys.push(key);
    }
    Platform_ {
        node,
        deployed,
        store,
        app,
        state,
        bank_key: keys.pop().unwrap(),
        other_key: keys.pop().unwrap(),
        client_key: keys.pop().unwrap(),
        stop,
    }
}

impl Drop for Platform_ {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
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

    /// Registers a wallet for a new user with the client's key and waits for it to be READY.
    pub async fn wallet(&self, key: &str) -> Value {
        let user = uuid::Uuid::new_v4();
        let a = self
            .post(
                key,
                "/api/v1/public/wallets",
                serde_json::json!({ "userId": user }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        let id = a.body["walletId"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/public/wallets/{id}");
        let answer = self.raw(Method::GET, &path, Some(key), None, &[]).await;
        if answer.body["status"] == "READY" {
            return answer.body;
        }
        let start = Instant::now();
        loop {
            let a = self.raw(Method::GET, &path, Some(key), None, &[]).await;
            if a.body["status"] == "READY" {
                return a.body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "wallet {id} never READY: {a:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
