//! A JSON-RPC proxy in front of anvil that misbehaves like production nodes: Besu's `eth_getLogs`
//! range limit, HTTP 429 rate limits and transient failures (HTTP 503, dropped connections); and anvil
//! caught while mining (a state read at its head answered from the block it is mining).

mod mining;

use std::{
    io,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use alloy::transports::http::reqwest::{
    self, Url,
    header::{CONTENT_TYPE, HeaderValue},
};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode, body::Incoming, server::conn::http1};
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use tokio::{
    net::TcpListener,
    task::{JoinHandle, JoinSet},
};

use crate::{Error, Result};

/// The JSON-RPC error code of Besu's `EXCEEDS_RPC_MAX_BLOCK_RANGE`.
const RANGE_ERROR_CODE: i64 = -32005;
/// The message of Besu's `EXCEEDS_RPC_MAX_BLOCK_RANGE` (`RpcErrorType.java`).
const RANGE_ERROR_MESSAGE: &str = "Requested range exceeds maximum RPC range limit";

/// How the proxy misbehaves. The default forwards everything untouched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyRules {
    /// Reject an `eth_getLogs` whose `toBlock - fromBlock + 1` exceeds this the way Besu does: HTTP 200
    /// with JSON-RPC error -32005 "Requested range exceeds maximum RPC range limit". Besu itself rejects
    /// only `toBlock - fromBlock > max`, one block more lenient; a client that stays within this is
    /// within Besu's limit too.
    pub max_log_range: Option<u64>,
    /// Answer roughly one POST in N with HTTP 429 Too Many Requests (plain-text body, no `Retry-After`).
    pub rate_limit_one_in: Option<u32>,
    /// Fail roughly one POST in N with a transient error: HTTP 503 first, then a connection closed
    /// without an answer, alternating.
    pub transient_one_in: Option<u32>,
    /// Seeds the random choices, so a run that sends the same requests in the same order fails the same.
    pub seed: u64,
    /// Show the node as if its newest block were still being mined: the head is the block below it, and
    /// an `eth_call` at that head answers from the newest state, as anvil does while mining (single
    /// calls only; see `mining.rs`).
    pub newest_block_in_mining: bool,
    /// Refuse an `eth_call` without a recipient (creation code run as a call, as the indexer's balance
    /// reader is) the way a node does when the call needs more gas than its `eth_call` cap: JSON-RPC error
    /// -32000 "gas required exceeds allowance". Single calls only.
    pub refuse_creation_calls: bool,
    /// Answer `eth_simulateV1` as a node without it does: JSON-RPC error -32601 "the method
    /// eth_simulateV1 does not exist/is not available". Single calls only.
    pub refuse_simulate: bool,
}

/// What the proxy did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// HTTP requests received.
    pub requests: u64,
    /// HTTP requests forwarded to the upstream (a batch counts once).
    pub forwarded: u64,
    /// `eth_getLogs` calls answered with the range error (each element of a batch counts).
    pub range_rejections: u64,
    /// Requests answered with HTTP 429.
    pub rate_limited: u64,
    /// Requests failed with HTTP 503 or a dropped connection.
    pub transient_failures: u64,
    /// The widest block range (`toBlock - fromBlock + 1`) of a forwarded `eth_getLogs`; 0 if none.
    pub largest_forwarded_log_range: u64,
    /// `eth_call`s at the visible head answered from the newest state (`newest_block_in_mining`).
    pub state_reads_ahead: u64,
    /// Single `eth_call`s without a recipient (creation code run as a call) received.
    pub creation_calls: u64,
    /// Of those, the ones refused (`refuse_creation_calls`).
    pub creation_calls_refused: u64,
    /// Single `eth_simulateV1` calls received (refused or not).
    pub simulations: u64,
    /// Single `eth_estimateGas` calls received.
    pub estimates: u64,
}

/// A fault-injecting JSON-RPC proxy on `127.0.0.1` and a free port; stops when dropped.
///
/// Every request goes to the upstream URL whatever its path. Faults are decided only for POST requests,
/// in arrival order (so only sequential requests fail reproducibly); other methods pass untouched.
#[derive(Debug)]
pub struct RpcProxy {
    endpoint: Url,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl RpcProxy {
    /// Starts a proxy in front of `upstream`, the HTTP JSON-RPC URL of a node.
    pub async fn spawn(upstream: impl AsRef<str>, rules: ProxyRules) -> Result<Self> {
        let upstream = upstream.as_ref();
        let fail = |source: Box<dyn std::error::Error + Send + Sync>| Error::Proxy {
            upstream: upstream.to_owned(),
            source,
        };
        let url = Url::parse(upstream).map_err(|e| fail(e.into()))?;
        let bound = TcpListener::bind(("127.0.0.1", 0)).await;
        let listener = bound.map_err(|e| fail(e.into()))?;
        let addr = listener.local_addr().map_err(|e| fail(e.into()))?;
        let endpoint = Url::parse(&format!("http://{addr}")).map_err(|e| fail(e.into()))?;
        let shared = Arc::new(Shared {
            upstream: url,
            client: reqwest::Client::new(),
            rules,
            rng: Mutex::new(StdRng::seed_from_u64(rules.seed)),
            stats: Mutex::default(),
        });
        let server = tokio::spawn(serve(listener, shared.clone()));
        Ok(Self {
            endpoint,
            shared,
            server,
        })
    }

    /// The proxy's HTTP JSON-RPC URL, `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> Url {
        self.endpoint.clone()
    }

    /// What the proxy did so far.
    pub fn stats(&self) -> ProxyStats {
        *self.shared.stats()
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every open connection.
        self.server.abort();
    }
}

#[derive(Debug)]
struct Shared {
    upstream: Url,
    client: reqwest::Client,
    rules: ProxyRules,
    rng: Mutex<StdRng>,
    stats: Mutex<ProxyStats>,
}

type Reply = Response<Full<Bytes>>;

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        let shared = shared.clone();
        let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
        connections.spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        while connections.try_join_next().is_some() {}
    }
}

/// Answers one request; an `Err` makes hyper close the connection without an answer.
async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> io::Result<Reply> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
    shared.stats().requests += 1;
    if parts.method != Method::POST {
        return Ok(shared.forward(parts.method, body).await);
    }
    if let Some(fault) = shared.fault() {
        return fault;
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return Ok(shared.forward(parts.method, body).await);
    };
    let batch = payload.is_array();
    let calls = match payload {
        Value::Array(calls) => calls,
        call => vec![call],
    };
    if !batch && is_creation_call(&calls[0]) {
        let mut stats = shared.stats();
        stats.creation_calls += 1;
        if shared.rules.refuse_creation_calls {
            stats.creation_calls_refused += 1;
            let body = json!({
                "jsonrpc": "2.0",
                "id": calls[0].get("id"),
                "error": {"code": -32000, "message": "gas required exceeds allowance (5000000)"},
            });
            return Ok(reply(StatusCode::OK, JSON, body.to_string()));
        }
    }
    if !batch {
        let method = calls[0].get("method").and_then(Value::as_str);
        let mut stats = shared.stats();
        match method {
            Some("eth_estimateGas") => stats.estimates += 1,
            Some("eth_simulateV1") => {
                stats.simulations += 1;
                if shared.rules.refuse_simulate {
                    let body = json!({
                        "jsonrpc": "2.0",
                        "id": calls[0].get("id"),
                        "error": {
                            "code": -32601,
                            "message": "the method eth_simulateV1 does not exist/is not available",
                        },
                    });
                    return Ok(reply(StatusCode::OK, JSON, body.to_string()));
                }
            }
            _ => {}
        }
    }
    if shared.rules.newest_block_in_mining
        && !batch
        && let Some(answer) = shared.mining_view(&calls[0]).await
    {
        return Ok(answer);
    }
    let (mut head, mut rejected, mut widest) = (None, Vec::with_capacity(calls.len()), 0);
    for call in &calls {
        let range = shared.log_range(call, &mut head).await;
        let over = matches!((range, shared.rules.max_log_range), (Some(r), Some(max)) if r > max);
        rejected.push(over.then(|| range_error(call)));
        widest = widest.max(range.filter(|_| !over).unwrap_or(0));
    }
    let rejections = rejected.iter().flatten().count() as u64;
    if rejections == 0 {
        let reply = shared.forward(parts.method, body).await;
        shared.record_range(widest);
        return Ok(reply);
    }
    shared.stats().range_rejections += rejections;
    // Forward the rest of a batch as a batch; a single call over range has no rest.
    let rest: Vec<&Value> = (calls.iter().zip(&rejected))
        .filter_map(|(call, rejection)| rejection.is_none().then_some(call))
        .collect();
    let mut answers = Vec::new();
    if !rest.is_empty() {
        let reply = shared
            .forward(parts.method, json!(rest).to_string().into())
            .await;
        shared.record_range(widest);
        let (head, body) = reply.into_parts();
        let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
        match serde_json::from_slice(&body) {
            Ok(Value::Array(upstream)) => answers = upstream,
            _ => return Ok(Response::from_parts(head, Full::new(body))),
        }
    }
    // Keep the batch's order: each forwarded call takes the upstream answer with its id.
    let mut merged = Vec::with_capacity(calls.len());
    for (call, rejection) in calls.iter().zip(rejected) {
        let answer = answers.iter().position(|a| a.get("id") == call.get("id"));
        merged.extend(rejection.or_else(|| answer.map(|at| answers.remove(at))));
    }
    merged.extend(answers);
    let body = if batch {
        Value::Array(merged)
    } else {
        merged.remove(0)
    };
    Ok(reply(StatusCode::OK, JSON, body.to_string()))
}

/// An `eth_call` whose transaction has no recipient: the node runs its input as creation code.
fn is_creation_call(call: &Value) -> bool {
    call.get("method").and_then(Value::as_str) == Some("eth_call")
        && call
            .pointer("/params/0")
            .is_some_and(|tx| tx.get("to").is_none_or(Value::is_null))
}

impl Shared {
    fn stats(&self) -> MutexGuard<'_, ProxyStats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes the widest range of a forwarded request.
    fn record_range(&self, widest: u64) {
        let mut stats = self.stats();
        stats.largest_forwarded_log_range = stats.largest_forwarded_log_range.max(widest);
    }

    /// Throws the dice for one POST; each set rule rolls every time, so a seed gives one sequence.
    fn fault(&self) -> Option<io::Result<Reply>> {
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        let mut one_in = |n: Option<u32>| n.is_some_and(|n| rng.random_ratio(1, n.max(1)));
        let limited = one_in(self.rules.rate_limit_one_in);
        let transient = one_in(self.rules.transient_one_in);
        let mut stats = self.stats();
        if limited {
            stats.rate_limited += 1;
            Some(Ok(reply(
                StatusCode::TOO_MANY_REQUESTS,
                TEXT,
                "Too Many Requests",
            )))
        } else if !transient {
            None
        } else if stats.transient_failures.is_multiple_of(2) {
            stats.transient_failures += 1;
            Some(Ok(reply(
                StatusCode::SERVICE_UNAVAILABLE,
                TEXT,
                "Service Unavailable",
            )))
        } else {
            stats.transient_failures += 1;
            Some(Err(io::Error::other(
                "connection dropped by the proxy rules",
            )))
        }
    }

    /// The block span of an `eth_getLogs` call with a resolvable range; `None` for anything else.
    async fn log_range(&self, call: &Value, head: &mut Option<u64>) -> Option<u64> {
        if call.get("method")?.as_str()? != "eth_getLogs" {
            return None;
        }
        let filter = call.get("params")?.get(0)?.as_object()?;
        if filter.contains_key("blockHash") {
            return None;
        }
        let from = self.block_number(filter.get("fromBlock"), head).await?;
        let to = self.block_number(filter.get("toBlock"), head).await?;
        Some((to + 1).saturating_sub(from))
    }

    /// Resolves a block parameter the way Besu does for logs (absent and "pending" mean "latest").
    async fn block_number(&self, param: Option<&Value>, head: &mut Option<u64>) -> Option<u64> {
        match param.map_or(Some("latest"), Value::as_str)? {
            "earliest" => Some(0),
            "latest" | "pending" => {
                if head.is_none() {
                    *head = quantity(self.call("eth_blockNumber", json!([])).await?.as_str()?);
                }
                *head
            }
            tag @ ("safe" | "finalized") => {
                let block = self
                    .call("eth_getBlockByNumber", json!([tag, false]))
                    .await?;
                quantity(block.get("number")?.as_str()?)
            }
            number => quantity(number),
        }
    }

    /// Asks the upstream itself (not counted as forwarded); `None` unless it answers with a result.
    async fn call(&self, method: &str, params: Value) -> Option<Value> {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let sent = self
            .client
            .post(self.upstream.clone())
            .json(&request)
            .send();
        let mut answer: Value = sent.await.ok()?.json().await.ok()?;
        Some(answer.get_mut("result")?.take())
    }

    /// Sends a body to the upstream and hands back its answer (502 if it cannot be reached).
    async fn forward(&self, method: Method, body: Bytes) -> Reply {
        let request = self.client.request(method, self.upstream.clone());
        let sent = request.header(CONTENT_TYPE, JSON).body(body).send().await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => return reply(StatusCode::BAD_GATEWAY, TEXT, format!("upstream: {e}")),
        };
        let (status, headers) = (response.status(), response.headers().clone());
        let Ok(body) = response.bytes().await else {
            return reply(StatusCode::BAD_GATEWAY, TEXT, "upstream answer cut short");
        };
        self.stats().forwarded += 1;
        let content_type = headers.get(CONTENT_TYPE).cloned().unwrap_or(JSON);
        reply(status, content_type, body)
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");
const TEXT: HeaderValue = HeaderValue::from_static("text/plain");

fn reply(status: StatusCode, content_type: HeaderValue, body: impl Into<Bytes>) -> Reply {
    let mut reply = Response::new(Full::new(body.into()));
    *reply.status_mut() = status;
    reply.headers_mut().insert(CONTENT_TYPE, content_type);
    reply
}

fn quantity(hex: &str) -> Option<u64> {
    u64::from_str_radix(hex.strip_prefix("0x")?, 16).ok()
}

fn range_error(call: &Value) -> Value {
    let error = json!({"code": RANGE_ERROR_CODE, "message": RANGE_ERROR_MESSAGE});
    json!({"jsonrpc": "2.0", "id": call.get("id").unwrap_or(&Value::Null), "error": error})
}
