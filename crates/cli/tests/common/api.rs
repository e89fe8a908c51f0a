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
    /// Where serve writes the development outbox's SMS (`--sms-outbox-file`): the phone codes.
    pub sms: std::path::PathBuf,
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
        // Its log, kept across restarts: tests read what it wrote.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .expect("serve's log file");
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start emtoken serve");
        self.child = Some(child);
    }

    /// Where serve's log (its stderr) goes.
    pub fn log(&self) -> std::path::PathBuf {
        self.dir.join("serve.log")
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
    /// `emtoken serve` on `db` for the contract of `d`, on a free port, with the dev role keys; SMS go to
    /// the development outbox, written to `sms` too (the embedded database serves serve alone).
    pub fn new(db: &Db, node: &DevNode, rpc: &str, contract: &str) -> Self {
        let port = free_port();
        let sms = db.dir.path().join("sms-outbox.jsonl");
        let mut args = vec![
            "serve".to_owned(),
            "--rpc".into(),
            rpc.to_owned(),
            "--contract".into(),
            contract.to_owned(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--sms-outbox".into(),
            "--sms-outbox-file".into(),
            sms.display().to_string(),
        ];
        args.extend(db.args());
        Self {
            sms,
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

/// A DNI with its check letter.
pub fn dni(n: u32) -> String {
    let letters = b"TRWAGMYFPDXBNJZSQVHLCKE";
    format!("{n:08}{}", char::from(letters[(n % 23) as usize]))
}

/// The newest phone code `serve --sms-outbox-file` wrote for `user` (waits for it, 30 s).
pub async fn code(sms: &std::path::Path, user: &str) -> String {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(sms).unwrap_or_default();
        let newest = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .rfind(|m| m["userId"] == user);
        if let Some(m) = newest {
            let text = m["text"].as_str().unwrap_or_default();
            // "Your <client> verification code: 123456. …": the client's name may hold digits too.
            let after = text.rfind("code: ").map_or(text, |at| &text[at..]);
            return after
                .split(|c: char| !c.is_ascii_digit())
                .find(|run| run.len() == 6)
                .unwrap_or_else(|| panic!("no code in {text:?}"))
                .to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no SMS for user {user} in {}",
            sms.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Onboards `count` new persons as users of the client of `client_key` through the API at `base`: each
/// created (DNI and phone from `first` on), its phone verified with the code `sms` got; their ids. Their
/// first wallets are on their way (`first_wallets` waits for them).
pub async fn onboard(
    http: &Http,
    base: &str,
    sms: &std::path::Path,
    client_key: &str,
    first: u32,
    count: u32,
) -> Vec<String> {
    let mut users = vec![];
    for n in first..first + count {
        let person = serde_json::json!({
            "name": "Ana María",
            "firstSurname": "García",
            "documentType": "DNI",
            "documentNumber": dni(10_000_000 + n),
            "birthDate": "1990-05-17",
            "nationality": "ES",
            "email": "ana@example.com",
            "mobilePhone": format!("+3460{:07}", n % 10_000_000),
            "address": {"street": "Calle Mayor 1", "city": "Madrid", "postalCode": "28013", "country": "ES"}
        });
        let (status, body) = post(
            http,
            &format!("{base}/api/v2/public/users/natural"),
            client_key,
            &person,
            None,
        )
        .await
        .expect("the API answers");
        assert_eq!(status, 202, "{body}");
        let user = body["id"].as_str().expect("id").to_owned();
        let users_url = format!("{base}/api/v1/public/users/{user}");
        let (status, body) = post(
            http,
            &format!("{users_url}/request-otp"),
            client_key,
            &Value::Null,
            None,
        )
        .await
        .expect("the API answers");
        assert_eq!(status, 202, "{body}");
        let code = code(sms, &user).await;
        let (status, body) = post(
            http,
            &format!("{users_url}/validate-otp"),
            client_key,
            &serde_json::json!({ "code": code }),
            None,
        )
        .await
        .expect("the API answers");
        assert_eq!(status, 200, "{body}");
        users.push(user);
    }
    users
}

/// Waits until each user's first wallet is READY and the user ACTIVATED; the wallets' ids, in order.
pub async fn first_wallets(
    http: &Http,
    base: &str,
    client_key: &str,
    users: &[String],
) -> Vec<String> {
    let mut wallets = vec![];
    for user in users {
        let url = format!("{base}/api/v1/public/wallets?userId={user}");
        wait_for(http, &url, client_key, |page| {
            page["_embedded"]["wallets"][0]["status"] == "READY"
        })
        .await;
        wait_for(
            http,
            &format!("{base}/api/v1/public/users/{user}"),
            client_key,
            |u| u["status"] == "ACTIVATED",
        )
        .await;
        let (_, page) = get(http, &url, client_key).await.expect("the API answers");
        wallets.push(
            page["_embedded"]["wallets"][0]["id"]
                .as_str()
                .expect("a wallet id")
                .to_owned(),
        );
    }
    wallets
}

/// Onboards `funds.len()` new users through the API of `serve` (each a person, phone verified with the
/// code of the development outbox, first wallet READY: ACTIVATED, KYC level 0), credits each wallet its
/// amount (`None`: nothing) through the bank side and waits for it to be available; the wallets' ids,
/// in order.
pub async fn funded_wallets(
    http: &Http,
    serve: &Serve,
    (client_key, bank_key): (&str, &str),
    funds: &[Option<&str>],
) -> Vec<String> {
    let base = serve.base.as_str();
    let wallets_url = format!("{base}/api/v1/public/wallets");
    let count = u32::try_from(funds.len()).expect("a few wallets");
    let users = onboard(http, base, &serve.sms, client_key, 1, count).await;
    let wallets = first_wallets(http, base, client_key, &users).await;
    for (w, amount) in wallets.iter().zip(funds) {
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

/// The chain's operator transfers (decoded `OperatorTransferExecuted` events) of `d`'s contract from
/// `from_block` on.
pub async fn operator_transfers(
    d: &emtoken_workload::Deployed,
    from_block: u64,
) -> Vec<emtoken_sdk::bindings::EmToken::OperatorTransferExecuted> {
    use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent};
    use emtoken_sdk::bindings::EmToken::OperatorTransferExecuted;
    let logs = d
        .operator
        .provider()
        .get_logs(
            &Filter::new()
                .address(d.address)
                .event_signature(OperatorTransferExecuted::SIGNATURE_HASH)
                .from_block(from_block),
        )
        .await
        .expect("the node's logs");
    logs.iter()
        .map(|log| {
            OperatorTransferExecuted::decode_log(&log.inner)
                .expect("an OperatorTransferExecuted")
                .data
        })
        .collect()
}

/// A transfer's reply when it is final: 202, 400, 404, 422, or a 409 other than "still being handled";
/// None for what a retry with the same key must follow (no answer, 503, the first still on its way).
pub fn final_answer(reply: Option<(u16, Value)>) -> Option<(u16, Value)> {
    match reply {
        Some((status @ (202 | 400 | 404 | 422), answer)) => Some((status, answer)),
        Some((409, answer)) if !answer.to_string().contains("still being handled") => {
            Some((409, answer))
        }
        _ => None,
    }
}

/// The movement ids (TRANSFER_OUT) of `d`'s operator transfers on chain from `from_block` on, once there
/// are `expected` of them or 120 s have passed.
pub async fn transfers_on_chain(
    d: &emtoken_workload::Deployed,
    from_block: u64,
    expected: usize,
) -> Vec<String> {
    let chain_id = i64::try_from(d.operator.chain_id()).expect("a chain id");
    let started = Instant::now();
    loop {
        let ids: Vec<String> = operator_transfers(d, from_block)
            .await
            .iter()
            .map(|event| {
                emtoken_store::ids::record_movement_id(
                    chain_id,
                    emtoken_store::vocabulary::RecordKind::OperatorTransfer,
                    &event.transferId.0,
                    emtoken_store::vocabulary::Role::Out,
                )
                .to_string()
            })
            .collect();
        if ids.len() >= expected || started.elapsed() > Duration::from_secs(120) {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
