//! A local stand-in for Web3Signer (`web3signer eth1`) holding private keys: `GET /upcheck`, `GET
//! /api/v1/eth1/publicKeys` (the keys as 64-byte uncompressed hex, as Web3Signer lists them) and the
//! JSON-RPC method `eth_signTransaction` on `POST /`, which builds the transaction from its fields with
//! the chain id of its own configuration (as Web3Signer does) and signs it. Modes make it misbehave:
//! a signature by another key, HTTP 500 on every request.

#![allow(dead_code, unreachable_pub)]

use std::{
    str::FromStr,
    sync::{Arc, Mutex},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256},
    signers::local::PrivateKeySigner,
};
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

/// How the fake answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// As Web3Signer: signs with the key of `from`.
    Honest,
    /// Signs with another key than the one of `from` (a signature that recovers elsewhere).
    WrongSignature,
    /// HTTP 500 on every request.
    Error500,
}

/// One transaction the fake signed.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The `from` it was asked to sign for.
    pub from: Address,
    /// The transaction's nonce (2^64-1 for serve's start-up probe).
    pub nonce: u64,
    /// The signed transaction's hash.
    pub hash: B256,
}

struct Inner {
    keys: Vec<PrivateKeySigner>,
    chain_id: u64,
    mode: Mode,
    signed: Mutex<Vec<Signed>>,
}

/// A running fake Web3Signer on 127.0.0.1; stops when dropped.
pub struct FakeWeb3Signer {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWeb3Signer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeWeb3Signer {
    /// Starts a fake holding `keys`, configured for `chain_id`, answering as `mode` says.
    pub async fn start(keys: Vec<PrivateKeySigner>, chain_id: u64, mode: Mode) -> Self {
        let inner = Arc::new(Inner {
            keys,
            chain_id,
            mode,
            signed: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/upcheck", get(upcheck))
            .route("/api/v1/eth1/publicKeys", get(public_keys))
            .route("/", post(json_rpc))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake web3signer");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve the fake");
        });
        Self { url, inner, task }
    }

    /// What it signed so far, in order.
    pub fn signed(&self) -> Vec<Signed> {
        self.inner.signed.lock().unwrap().clone()
    }
}

/// A key's public key as Web3Signer lists it: 0x and 64 bytes (uncompressed, without the 0x04 prefix).
pub fn public_key_hex(key: &PrivateKeySigner) -> String {
    let point = key.credential().verifying_key().to_encoded_point(false);
    alloy::hex::encode_prefixed(&point.as_bytes()[1..])
}

fn server_error() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
}

async fn upcheck(State(inner): State<Arc<Inner>>) -> Response {
    if inner.mode == Mode::Error500 {
        return server_error();
    }
    ([("content-type", "text/plain; charset=utf-8")], "OK").into_response()
}

async fn public_keys(State(inner): State<Arc<Inner>>) -> Response {
    if inner.mode == Mode::Error500 {
        return server_error();
    }
    let keys: Vec<String> = inner.keys.iter().map(public_key_hex).collect();
    Json(keys).into_response()
}

fn rpc_error(id: &Value, code: i64, message: &str) -> Response {
    Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}))
        .into_response()
}

async fn json_rpc(State(inner): State<Arc<Inner>>, Json(request): Json<Value>) -> Response {
    if inner.mode == Mode::Error500 {
        return server_error();
    }
    let id = request["id"].clone();
    if request["method"] != "eth_signTransaction" {
        return rpc_error(&id, -32601, "Method not found");
    }
    let params = &request["params"][0];
    let Some(from) = params["from"]
        .as_str()
        .and_then(|f| Address::from_str(f).ok())
    else {
        return rpc_error(&id, -32602, "Invalid params");
    };
    let Some(key) = inner.keys.iter().find(|k| k.address() == from) else {
        return rpc_error(&id, -32000, "From address is not an unlocked account");
    };
    let quantity = |name: &str| -> Option<u128> {
        let text = params[name].as_str()?;
        u128::from_str_radix(text.trim_start_matches("0x"), 16).ok()
    };
    // Web3Signer's eth_signTransaction needs the nonce.
    let Some(nonce) = quantity("nonce").and_then(|n| u64::try_from(n).ok()) else {
        return rpc_error(&id, -32602, "Invalid params");
    };
    let gas_limit = quantity("gas").map_or(90_000, |g| u64::try_from(g).unwrap_or(u64::MAX));
    let to = params["to"]
        .as_str()
        .and_then(|t| Address::from_str(t).ok())
        .map_or(TxKind::Create, TxKind::Call);
    let value = params["value"]
        .as_str()
        .and_then(|v| U256::from_str(v).ok())
        .unwrap_or_default();
    let input = params["data"]
        .as_str()
        .or_else(|| params["input"].as_str())
        .and_then(|d| Bytes::from_str(d).ok())
        .unwrap_or_default();
    let signing_key = match inner.mode {
        Mode::WrongSignature => PrivateKeySigner::random(),
        _ => key.clone(),
    };
    let envelope: TxEnvelope = match (quantity("maxFeePerGas"), quantity("maxPriorityFeePerGas")) {
        (Some(max_fee_per_gas), Some(max_priority_fee_per_gas)) => {
            let mut tx = TxEip1559 {
                chain_id: inner.chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas,
                max_priority_fee_per_gas,
                to,
                value,
                input,
                ..TxEip1559::default()
            };
            let signature = signing_key.sign_transaction_sync(&mut tx).unwrap();
            tx.into_signed(signature).into()
        }
        _ => {
            let mut tx = TxLegacy {
                chain_id: Some(inner.chain_id),
                nonce,
                gas_price: quantity("gasPrice").unwrap_or(0),
                gas_limit,
                to,
                value,
                input,
            };
            let signature = signing_key.sign_transaction_sync(&mut tx).unwrap();
            tx.into_signed(signature).into()
        }
    };
    inner.signed.lock().unwrap().push(Signed {
        from,
        nonce,
        hash: *envelope.tx_hash(),
    });
    let raw = alloy::hex::encode_prefixed(envelope.encoded_2718());
    Json(json!({"jsonrpc": "2.0", "id": id, "result": raw})).into_response()
}
