//! Driving `emtoken serve` as a child process over HTTP: start, kill (SIGKILL or SIGTERM), wait for it,
//! and JSON requests with or without an Idempotency-Key.

use std::{
    net::TcpListener,
    process::{Child, Stdio},
    time::{Duration, Instant},
};

use emtoken_test_utils::{DevNode, Role};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use serde_json::Value;

use super::{Db, command, success};

/// The HTTP client.
pub type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// One answer: status and body; None when the connection failed (the server is down).
pub async fn post(
    http: &Http,
    url: &str,
    key: &str,
    body: &Value,
    idempotency: Option<&str>,
) -> Option<(u16, Value)> {
    let mut request = hyper::Request::post(url)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json");
    if let Some(k) = idempotency {
        request = request.header("idempotency-key", k);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(30), http.request(request))
        .await
        .ok()?
        .ok()?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    Some((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

pub async fn get(http: &Http, url: &str, key: &str) -> Option<(u16, Value)> {
    let request = hyper::Request::get(url)
        .header("authorization", format!("Bearer {key}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), http.request(request))
        .await
        .ok()?
        .ok()?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    Some((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// A running `emtoken serve`, restartable.
pub struct Serve {
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    pub dir: std::path::PathBuf,
    pub child: Option<Child>,
    pub base: String,
}

impl Serve {
    pub fn start(&mut self) {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut cmd = command(&self.dir, &args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start emtoken serve");
        self.child = Some(child);
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }

    pub async fn ready(&self, http: &Http) {
        let started = Instant::now();
        loop {
            let request = hyper::Request::get(format!("{}/api/v1/openapi.json", self.base))
                .body(Full::new(Bytes::new()))
                .unwrap();
            if let Ok(Ok(r)) =
                tokio::time::timeout(Duration::from_secs(2), http.request(request)).await
                && r.status().is_success()
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "emtoken serve did not come up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn key_of(node: &DevNode, role: Role) -> String {
    alloy::hex::encode_prefixed(node.signer(role).unwrap().to_bytes())
}

/// A new HTTP client.
pub fn http() -> Http {
    Client::builder(TokioExecutor::new()).build_http()
}

impl Serve {
    /// `emtoken serve` on `db` for the contract of `d`, on a free port, with the dev role keys.
    pub fn new(db: &Db, node: &DevNode, rpc: &str, contract: &str) -> Self {
        let port = free_port();
        let mut args = vec![
            "serve".to_owned(),
            "--rpc".into(),
            rpc.to_owned(),
            "--contract".into(),
            contract.to_owned(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(db.args());
        Self {
            args,
            env: vec![
                ("EMTOKEN_OPERATOR_KEY", key_of(node, Role::Operator)),
                ("EMTOKEN_COMPLIANCE_KEY", key_of(node, Role::Compliance)),
            ],
            dir: db.dir.path().to_owned(),
            child: None,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Sends SIGTERM and waits for the process to exit; its exit status and how long it took.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, Duration) {
        let mut child = self.child.take().expect("a running serve");
        let started = Instant::now();
        let pid = child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", pid.as_str()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let status = child.wait().expect("wait for serve");
        (status, started.elapsed())
    }
}

/// Polls GET `url` until `done` holds (60 s).
pub async fn wait_for(http: &Http, url: &str, key: &str, done: impl Fn(&Value) -> bool) {
    let started = Instant::now();
    loop {
        if let Some((200, body)) = get(http, url, key).await
            && done(&body)
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out on {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new API key for `client` (the bank's with `bank`).
pub fn api_key(db: &Db, client: &str, bank: bool) -> String {
    let mut args = vec!["--json", "api-key", "create", "--client", client];
    if bank {
        args.push("--bank");
    }
    let out: Value = serde_json::from_str(&success(&db.emtoken(&args))).unwrap();
    out["apiKey"].as_str().unwrap().to_owned()
}

/// Registers `funds.len()` wallets for new users through the API at `base`, waits for them to be READY,
/// credits each its amount (`None`: nothing) through the bank side and waits for it to be available;
/// their ids, in order.
pub async fn funded_wallets(
    http: &Http,
    base: &str,
    (client_key, bank_key): (&str, &str),
    funds: &[Option<&str>],
) -> Vec<String> {
    let wallets_url = format!("{base}/api/v1/public/wallets");
    let mut wallets = vec![];
    for _ in funds {
        let body = serde_json::json!({ "userId": uuid::Uuid::new_v4() });
        let (status, body) = post(http, &wallets_url, client_key, &body, None)
            .await
            .expect("the API answers");
        assert_eq!(status, 201, "{body}");
        wallets.push(body["walletId"].as_str().expect("walletId").to_owned());
    }
    for (w, amount) in wallets.iter().zip(funds) {
        wait_for(http, &format!("{wallets_url}/{w}"), client_key, |b| {
            b["status"] == "READY"
        })
        .await;
        if let Some(amount) = amount {
            let body = serde_json::json!({ "walletId": w, "amount": amount });
            let (status, body) = post(
                http,
                &format!("{base}/api/v1/bank/cashIns"),
                bank_key,
                &body,
                None,
            )
            .await
            .expect("the API answers");
            assert_eq!(status, 202, "{body}");
        }
    }
    for (w, amount) in wallets.iter().zip(funds) {
        if let Some(amount) = amount {
            wait_for(http, &format!("{wallets_url}/{w}"), client_key, |b| {
                b["availableBalance"] == *amount
            })
            .await;
        }
    }
    wallets
}
