//! The HTTP API under load: `emtoken serve` (indexer and API in one process) on each database, a wallet
//! with thousands of movements attached to a bench client's user (onboarded first), and 200 concurrent clients (hyper, keep-alive)
//! hitting `GET …/wallets/{walletId}`, then `GET …/movements?size=20`, then `size=200`, each for a bounded
//! time. Meanwhile one transfer from that wallet every [`TRANSFER_EVERY`]: submit → 202 (the request
//! recorded, signed and handed to the node) and submit → SUCCESS (polled through the API).

use std::{
    path::Path,
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use anyhow::{Context, bail};
use http_body_util::Full;
use hyper::body::Bytes;
use serde::Serialize;

use crate::{
    chain::Chain,
    child::Timed,
    http::{exchange, get_request},
    indexer::{Target, show, tail, wait_until},
    lag::{Latency, api_key, bank_key, serve_command},
    stats::per_second,
};

/// How often a transfer is submitted during the load.
const TRANSFER_EVERY: Duration = Duration::from_millis(500);
/// How often a submitted transfer's movement is polled until SUCCESS.
const SUCCESS_POLL: Duration = Duration::from_millis(20);

/// One endpoint under load.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EndpointLoad {
    /// `GET wallet`, `GET movements size=20`, …
    pub(crate) endpoint: String,
    /// 2xx answers.
    pub(crate) requests: u64,
    /// Other answers and transport errors.
    pub(crate) errors: u64,
    /// 2xx answers per second of the run.
    pub(crate) requests_per_second: u64,
    /// Latency of the 2xx answers.
    pub(crate) latency: Latency,
}

/// The API stage on one database.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiLoad {
    /// `server` or `embedded`.
    pub(crate) database: String,
    /// The `emtoken serve` command.
    pub(crate) serve_command: String,
    /// Movements of the wallet read (as the API's first page says).
    pub(crate) wallet_movements: u64,
    /// Concurrent clients.
    pub(crate) concurrency: usize,
    /// Seconds per endpoint.
    pub(crate) seconds: u64,
    /// One entry per endpoint, in the order run.
    pub(crate) endpoints: Vec<EndpointLoad>,
    /// Transfers submitted during the load.
    pub(crate) transfers: usize,
    /// Transfer submitted → 202.
    pub(crate) submit_to_accepted: Latency,
    /// Transfer submitted → its TRANSFER_OUT movement SUCCESS through the API.
    pub(crate) submit_to_success: Latency,
}

/// The stage's settings.
#[derive(Debug)]
pub(crate) struct ApiSetup<'a> {
    /// The `emtoken` binary.
    pub(crate) emtoken: &'a Path,
    /// The database, indexed by an earlier stage.
    pub(crate) target: Target,
    /// Wallets by movements, most first: the first the API attaches is read (many movements) and pays
    /// the transfers, the next receives them (platform addresses are refused as wallets).
    pub(crate) wallets: Vec<Address>,
    /// Concurrent clients.
    pub(crate) concurrency: usize,
    /// Time per endpoint.
    pub(crate) duration: Duration,
    /// Where child logs go.
    pub(crate) logs: &'a Path,
}

/// The registered wallets with the most indexed movements on the server's index (five): the busiest first
/// (it is read and pays the transfers), then the others by balance, lowest first (the next attachable one
/// receives the transfers: the one with the most room under its KYC level's balance limit, which a wallet
/// of the workload may have reached).
pub(crate) async fn busiest_wallets(database_url: &str) -> anyhow::Result<Vec<Address>> {
    use sqlx::Connection;
    let mut db = sqlx::PgConnection::connect(database_url).await?;
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as(
        "WITH busiest AS (
             SELECT w.address, w.head_total, row_number() OVER (ORDER BY count(*) DESC, w.address) AS rank
             FROM movements m JOIN wallets w ON w.id = m.wallet_id
             WHERE w.status = 'READY' AND NOT w.frozen GROUP BY w.address, w.head_total ORDER BY rank LIMIT 5)
         SELECT address FROM busiest ORDER BY rank = 1 DESC, head_total, rank",
    )
    .fetch_all(&mut db)
    .await?;
    db.close().await?;
    Ok(rows
        .into_iter()
        .filter(|(a,)| a.len() == 20)
        .map(|(a,)| Address::from_slice(&a))
        .collect())
}

/// Runs the stage on one database: the chain must be mining (automine).
pub(crate) async fn run(chain: &Chain, setup: &ApiSetup<'_>) -> anyhow::Result<ApiLoad> {
    let database = match setup.target {
        Target::Server(_) => "server",
        Target::Embedded(_) => "embedded",
    };
    let key = api_key(setup.emtoken, &setup.target).await?;
    let bank = bank_key(setup.emtoken, &setup.target).await?;
    let port = crate::http::free_port()?;
    let sms = setup.logs.join(format!("api-{database}-sms-outbox.jsonl"));
    let cmd = serve_command(setup.emtoken, chain, &setup.target, port, &sms)?;
    let serve_command = show(&cmd);
    let (out, err) = (
        setup.logs.join(format!("api-{database}.out")),
        setup.logs.join(format!("api-{database}.err")),
    );
    let serve = Timed::spawn(
        cmd,
        Stdio::from(std::fs::File::create(&out)?),
        Stdio::from(std::fs::File::create(&err)?),
    )?;
    let base = format!("http://127.0.0.1:{port}/api/v1/public");
    let result = measure(&base, (&key, &bank), &sms, setup, database, serve_command).await;
    serve.stop(Duration::from_secs(30)).await?;
    result.with_context(|| {
        format!(
            "emtoken serve's log ends: {}",
            tail(&std::fs::read_to_string(&err).unwrap_or_default(), 10)
        )
    })
}

async fn measure(
    base: &str,
    (key, bank_key): (&str, &str),
    sms: &Path,
    setup: &ApiSetup<'_>,
    database: &str,
    serve_command: String,
) -> anyhow::Result<ApiLoad> {
    let wallets_url = format!("{base}/wallets");
    wait_until(Duration::from_secs(300), Duration::from_millis(100), || {
        let url = wallets_url.clone();
        async move { Ok(crate::http::get(&url, Some(key)).await.is_ok()) }
    })
    .await
    .context("waiting for the API to answer")?;
    // The wallets go to an ACTIVATED user (onboarded first: its first wallet READY once indexed).
    let root = base.strip_suffix("/api/v1/public").unwrap_or(base);
    let users =
        crate::onboard::users_for(root, (key, bank_key), sms, 2, Duration::from_secs(300)).await?;
    let mut attached = Vec::new();
    for address in &setup.wallets {
        match attach(&wallets_url, key, &users[0], *address).await {
            Ok(id) => attached.push(id),
            Err(error) => tracing::info!("not a user wallet: {error:#}"),
        }
        if attached.len() == 2 {
            break;
        }
    }
    let [wallet, receiver] = <[String; 2]>::try_from(attached)
        .map_err(|_| anyhow::anyhow!("fewer than two of the busiest wallets could be attached"))?;
    let first: serde_json::Value = serde_json::from_str(
        &crate::http::get(
            &format!("{base}/wallets/{wallet}/movements?size=1"),
            Some(key),
        )
        .await?,
    )?;
    let wallet_movements = first["page"]["totalElements"].as_u64().unwrap_or(0);

    let stop = Arc::new(AtomicBool::new(false));
    let transfers = tokio::spawn(transfers(
        base.to_owned(),
        key.to_owned(),
        wallet.clone(),
        receiver,
        Arc::clone(&stop),
    ));
    let mut endpoints = Vec::new();
    for (name, path) in [
        ("GET wallet", format!("{base}/wallets/{wallet}")),
        (
            "GET movements size=20",
            format!("{base}/wallets/{wallet}/movements?size=20"),
        ),
        (
            "GET movements size=200",
            format!("{base}/wallets/{wallet}/movements?size=200"),
        ),
    ] {
        endpoints.push(load(name, &path, key, setup.concurrency, setup.duration).await);
    }
    stop.store(true, Ordering::Relaxed);
    let (accepted, success) = transfers.await??;
    Ok(ApiLoad {
        database: database.to_owned(),
        serve_command,
        wallet_movements,
        concurrency: setup.concurrency,
        seconds: setup.duration.as_secs(),
        endpoints,
        transfers: accepted.len(),
        submit_to_accepted: Latency::of(&accepted),
        submit_to_success: Latency::of(&success),
    })
}

/// Attaches an on-chain wallet to the key's client (to `user`, ACTIVATED): its id.
async fn attach(url: &str, key: &str, user: &str, wallet: Address) -> anyhow::Result<String> {
    let body = serde_json::json!({ "userId": user, "dltAddress": format!("{wallet:#x}") });
    let answer: serde_json::Value = serde_json::from_str(
        &crate::http::post_json(url, key, &body)
            .await
            .with_context(|| format!("attaching {wallet:#x} through the API"))?,
    )?;
    // The wallet's id is the last segment of its self link.
    answer["_links"]["self"]["href"]
        .as_str()
        .and_then(|href| href.rsplit('/').next())
        .map(str::to_owned)
        .with_context(|| format!("the API's wallet has no id: {answer}"))
}

/// `concurrency` clients GET `url` in a loop for `duration`.
async fn load(
    name: &str,
    url: &str,
    key: &str,
    concurrency: usize,
    duration: Duration,
) -> EndpointLoad {
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + duration;
    let clients: Vec<_> = (0..concurrency)
        .map(|_| {
            let (url, key, errors) = (url.to_owned(), key.to_owned(), Arc::clone(&errors));
            tokio::spawn(async move {
                let mut micros = Vec::new();
                while Instant::now() < until {
                    let begun = Instant::now();
                    let ok = match get_request(&url, &key) {
                        Ok(request) => exchange(request)
                            .await
                            .is_ok_and(|(status, _)| status.is_success()),
                        Err(_) => false,
                    };
                    if ok {
                        micros.push(i64::try_from(begun.elapsed().as_micros()).unwrap_or(i64::MAX));
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                micros
            })
        })
        .collect();
    let mut micros = Vec::new();
    for client in clients {
        micros.extend(client.await.unwrap_or_default());
    }
    let elapsed = started.elapsed();
    let requests = micros.len() as u64;
    EndpointLoad {
        endpoint: name.to_owned(),
        requests,
        errors: errors.load(Ordering::Relaxed),
        requests_per_second: per_second(requests, elapsed),
        latency: Latency::of(&micros),
    }
}

/// One-cent transfers from `wallet` to `receiver` every [`TRANSFER_EVERY`] until `stop`: the submit → 202
/// and submit → SUCCESS latencies in µs.
async fn transfers(
    base: String,
    key: String,
    wallet: String,
    receiver: String,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<(Vec<i64>, Vec<i64>)> {
    let mut ticker = tokio::time::interval(TRANSFER_EVERY);
    let mut pending = Vec::new();
    let mut accepted = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        ticker.tick().await;
        let body =
            serde_json::json!({ "amount": "0.01", "targetWalletId": receiver, "concept": "bench" });
        let request = hyper::Request::post(format!("{base}/wallets/{wallet}/transfer"))
            .header(hyper::header::AUTHORIZATION, format!("Bearer {key}"))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .body(Full::new(Bytes::from(serde_json::to_vec(&body)?)))?;
        let submitted = Instant::now();
        let (status, answer) = exchange(request).await?;
        if status != hyper::StatusCode::ACCEPTED {
            bail!(
                "transfer answered {status}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        accepted.push(i64::try_from(submitted.elapsed().as_micros()).unwrap_or(i64::MAX));
        let answer: serde_json::Value = serde_json::from_slice(&answer)?;
        let movement = answer["movementId"]
            .as_str()
            .context("the transfer's answer has no movementId")?
            .to_owned();
        let (base, key, wallet) = (base.clone(), key.clone(), wallet.clone());
        pending.push(tokio::spawn(async move {
            let url = format!("{base}/wallets/{wallet}/movements/{movement}");
            loop {
                if let Ok((status, body)) = exchange(get_request(&url, &key)?).await
                    && status.is_success()
                    && serde_json::from_slice::<serde_json::Value>(&body)
                        .is_ok_and(|m| m["status"] == "SUCCESS")
                {
                    return anyhow::Ok(
                        i64::try_from(submitted.elapsed().as_micros()).unwrap_or(i64::MAX),
                    );
                }
                anyhow::ensure!(
                    submitted.elapsed() < Duration::from_secs(120),
                    "transfer {movement} not SUCCESS after 120 s"
                );
                tokio::time::sleep(SUCCESS_POLL).await;
            }
        }));
    }
    let mut success = Vec::new();
    for task in pending {
        success.push(task.await??);
    }
    Ok((accepted, success))
}
