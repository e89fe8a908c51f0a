//! A remote signer speaking Web3Signer's API: the key stays in Web3Signer (its keystores, a vault, an
//! HSM), which signs each transaction the client sends.
//!
//! Transactions are signed by Web3Signer's JSON-RPC method `eth_signTransaction` (`POST URL/` with the
//! transaction's fields and `from` set to the signer's address), the method its documentation gives
//! for signing a transaction to submit later with `eth_sendRawTransaction`. Its REST endpoint
//! `POST URL/api/v1/eth1/sign/{public key}` signs opaque data instead: Web3Signer could not tell a
//! transaction from any other bytes. Web3Signer signs with the chain id of its own configuration
//! (`web3signer eth1 --chain-id`); the signed transaction it answers is decoded and used only when it
//! is the very transaction asked for (the same signing hash: chain id, nonce, fees, gas, recipient,
//! value and data) and its signature recovers to the configured address.
//!
//! [`Web3Signer::check`] asks, before anything is sent, that the signer is up (`GET URL/upcheck`),
//! that it holds the address's key (`GET URL/api/v1/eth1/publicKeys`) and that it signs a probe
//! transaction for this chain that recovers to the address (a transaction no chain can ever include:
//! its nonce is 2^64-1, refused by EIP-2681).

use std::time::Duration;

use alloy::{
    consensus::{SignableTransaction, TxEnvelope, TxLegacy},
    eips::Decodable2718,
    network::TxSigner,
    primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256},
};
use serde_json::{Value, json};

/// How long one request to the signer may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A transaction signer that asks a Web3Signer (`web3signer eth1`) at a URL to sign for one address.
///
/// It is an alloy [`TxSigner`]: give it to [`crate::ClientBuilder::tx_signer`] and the client signs
/// through it as with a local key.
#[derive(Debug, Clone)]
pub struct Web3Signer {
    /// The base URL, without a trailing `/`.
    url: String,
    address: Address,
    http: reqwest::Client,
}

/// Why the remote signer could not sign, or did not sign as asked: it names the signer's URL and the
/// address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("web3signer {url} for {address}: {reason}")]
pub struct Web3SignerError {
    /// The signer's URL.
    pub url: String,
    /// The address it signs for.
    pub address: Address,
    /// What went wrong, and what to do.
    pub reason: String,
}

impl Web3Signer {
    /// A signer asking the Web3Signer at `url` (`http://` or `https://`, e.g. `http://127.0.0.1:9000`)
    /// to sign for `address`. Nothing is asked yet: see [`Web3Signer::check`].
    pub fn new(url: &str, address: Address) -> Result<Self, Web3SignerError> {
        let base = url.trim().trim_end_matches('/').to_owned();
        let error = |reason: String| Web3SignerError {
            url: base.clone(),
            address,
            reason,
        };
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| error(format!("not a URL ({e}): give http(s)://HOST:PORT")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(error("not an http(s) URL: give http(s)://HOST:PORT".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| error(format!("cannot make an HTTP client: {e}")))?;
        Ok(Self {
            url: base,
            address,
            http,
        })
    }

    /// The signer's URL (without a trailing `/`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it signs for.
    pub fn address(&self) -> Address {
        self.address
    }

    fn error(&self, reason: impl Into<String>) -> Web3SignerError {
        Web3SignerError {
            url: self.url.clone(),
            address: self.address,
            reason: reason.into(),
        }
    }

    /// Checks the signer before use: it is up (`GET /upcheck`), holds the key of the address (`GET
    /// /api/v1/eth1/publicKeys`; skipped when the signer does not serve that list) and signs, for
    /// `chain_id`, a probe transaction whose signature recovers to the address (a signer configured
    /// with another chain id, or holding another key under this address, is refused here rather than
    /// at the first transaction). The probe can never be included in a block (nonce 2^64-1).
    pub async fn check(&self, chain_id: u64) -> Result<(), Web3SignerError> {
        let (status, body) = self.get("/upcheck").await?;
        if status != 200 {
            return Err(self.error(format!(
                "GET {}/upcheck answered HTTP {status}{}: the signer is not up; see its log",
                self.url,
                excerpt(&body)
            )));
        }
        match self.get("/api/v1/eth1/publicKeys").await? {
            (200, body) => {
                let held = held_addresses(&body).map_err(|reason| {
                    self.error(format!("GET {}/api/v1/eth1/publicKeys: {reason}", self.url))
                })?;
                if !held.contains(&self.address) {
                    let listed = if held.is_empty() {
                        "none".to_owned()
                    } else {
                        held.iter()
                            .map(Address::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    return Err(self.error(format!(
                        "the signer holds no key for this address (it holds: {listed}): load the key \
                         into it (web3signer eth1 --key-store-path) or give the address it holds"
                    )));
                }
            }
            // A signer that lists no keys: the probe below tells whether it signs for the address.
            (404 | 405, _) => {}
            (status, body) => {
                return Err(self.error(format!(
                    "GET {}/api/v1/eth1/publicKeys answered HTTP {status}{}",
                    self.url,
                    excerpt(&body)
                )));
            }
        }
        self.sign(&probe(chain_id, self.address)).await.map(|_| ())
    }

    /// Has the signer sign `tx` (legacy or EIP-1559, with a chain id) through `eth_signTransaction`;
    /// its signature once checked: the signed transaction must be `tx` itself and recover to the
    /// address.
    pub async fn sign(
        &self,
        tx: &dyn SignableTransaction<Signature>,
    ) -> Result<Signature, Web3SignerError> {
        let params = sign_params(self.address, tx).map_err(|reason| self.error(reason))?;
        let raw = self.sign_transaction(params).await?;
        verify_signed(&raw, tx.signature_hash(), tx.chain_id(), self.address)
            .map_err(|reason| self.error(reason))
    }

    /// `eth_signTransaction` with `params`: the signed transaction's bytes.
    async fn sign_transaction(&self, params: Value) -> Result<Bytes, Web3SignerError> {
        let request = json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_signTransaction",
            "params": [params],
        });
        let endpoint = format!("{}/", self.url);
        let response = self
            .http
            .post(&endpoint)
            .json(&request)
            .send()
            .await
            .map_err(|e| self.unreachable("POST", &endpoint, &e))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| self.unreachable("POST", &endpoint, &e))?;
        let answer: Option<Value> = serde_json::from_str(&body).ok();
        // A JSON-RPC error may come with any status.
        if let Some(error) = answer.as_ref().and_then(|a| a.get("error")) {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message");
            let code = error.get("code").map(Value::to_string).unwrap_or_default();
            return Err(self.error(format!(
                "eth_signTransaction was refused: {message} (code {code}){}",
                if message.contains("unlocked") {
                    ": the signer holds no key for this address"
                } else {
                    ""
                }
            )));
        }
        if status != 200 {
            return Err(self.error(format!(
                "POST {endpoint} (eth_signTransaction) answered HTTP {status}{}",
                excerpt(&body)
            )));
        }
        let result = answer
            .as_ref()
            .and_then(|a| a.get("result"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                self.error(format!(
                    "eth_signTransaction answered no signed transaction{}",
                    excerpt(&body)
                ))
            })?;
        result.parse::<Bytes>().map_err(|_| {
            self.error(format!(
                "eth_signTransaction answered {:?}, not the hex of a signed transaction",
                result.chars().take(80).collect::<String>()
            ))
        })
    }

    /// GET `path`: the status and the body.
    async fn get(&self, path: &str) -> Result<(u16, String), Web3SignerError> {
        let endpoint = format!("{}{path}", self.url);
        let response = self
            .http
            .get(&endpoint)
            .send()
            .await
            .map_err(|e| self.unreachable("GET", &endpoint, &e))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| self.unreachable("GET", &endpoint, &e))?;
        Ok((status, body))
    }

    fn unreachable(&self, method: &str, endpoint: &str, e: &reqwest::Error) -> Web3SignerError {
        // The causes below reqwest's own message, which repeats the URL.
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            causes.push(s.to_string());
            source = s.source();
        }
        let cause = if causes.is_empty() {
            e.to_string()
        } else {
            causes.join(": ")
        };
        self.error(format!(
            "{method} {endpoint} failed ({cause}): check the URL and that web3signer runs (web3signer eth1)"
        ))
    }
}

#[async_trait::async_trait]
impl TxSigner<Signature> for Web3Signer {
    fn address(&self) -> Address {
        self.address
    }

    async fn sign_transaction(
        &self,
        tx: &mut dyn SignableTransaction<Signature>,
    ) -> alloy::signers::Result<Signature> {
        self.sign(tx).await.map_err(alloy::signers::Error::other)
    }
}

/// A transaction no chain can include (nonce 2^64-1: EIP-2681), sent to itself: what [`Web3Signer::check`]
/// has the signer sign.
fn probe(chain_id: u64, address: Address) -> TxLegacy {
    TxLegacy {
        chain_id: Some(chain_id),
        nonce: u64::MAX,
        gas_price: 0,
        gas_limit: 21_000,
        to: TxKind::Call(address),
        value: U256::ZERO,
        input: Bytes::new(),
    }
}

/// The `eth_signTransaction` parameter of `tx` sent from `from`: its fields as JSON-RPC quantities and
/// data. Web3Signer signs legacy transactions (with `gasPrice`) and EIP-1559 ones (`maxFeePerGas` and
/// `maxPriorityFeePerGas`), always for a chain id; others are refused here.
pub(crate) fn sign_params(
    from: Address,
    tx: &dyn SignableTransaction<Signature>,
) -> Result<Value, String> {
    let quantity = |n: u128| format!("{n:#x}");
    let mut params = serde_json::Map::new();
    params.insert("from".into(), json!(from));
    if let TxKind::Call(to) = tx.kind() {
        params.insert("to".into(), json!(to));
    }
    params.insert("gas".into(), json!(quantity(u128::from(tx.gas_limit()))));
    params.insert("nonce".into(), json!(quantity(u128::from(tx.nonce()))));
    params.insert("value".into(), json!(format!("{:#x}", tx.value())));
    if !tx.input().is_empty() {
        params.insert("data".into(), json!(tx.input()));
    }
    let chain_id = tx.chain_id().ok_or(
        "the transaction has no chain id: web3signer signs every transaction for its chain (EIP-155)",
    )?;
    params.insert("chainId".into(), json!(quantity(u128::from(chain_id))));
    if tx.access_list().is_some_and(|list| !list.is_empty()) {
        return Err(
            "the transaction has an access list, which web3signer's eth_signTransaction cannot sign"
                .into(),
        );
    }
    match tx.ty() {
        0 => {
            let price = tx.gas_price().unwrap_or_default();
            params.insert("gasPrice".into(), json!(quantity(price)));
        }
        2 => {
            params.insert("maxFeePerGas".into(), json!(quantity(tx.max_fee_per_gas())));
            params.insert(
                "maxPriorityFeePerGas".into(),
                json!(quantity(tx.max_priority_fee_per_gas().unwrap_or_default())),
            );
        }
        other => {
            return Err(format!(
                "a transaction of type {other}: web3signer's eth_signTransaction signs legacy (0) and \
                 EIP-1559 (2) transactions"
            ));
        }
    }
    Ok(Value::Object(params))
}

/// The signature of the signed transaction `raw` when it is the transaction whose signing hash is
/// `expected` (of chain `chain_id`) and it recovers to `address`; else why not.
pub(crate) fn verify_signed(
    raw: &[u8],
    expected: B256,
    chain_id: Option<u64>,
    address: Address,
) -> Result<Signature, String> {
    let envelope = TxEnvelope::decode_2718(&mut &raw[..]).map_err(|e| {
        format!(
            "the signer answered {} bytes that are not a signed transaction ({e})",
            raw.len()
        )
    })?;
    if envelope.signature_hash() != expected {
        use alloy::consensus::Transaction as _;
        let signed_chain = envelope.chain_id();
        return Err(match (signed_chain, chain_id) {
            (Some(signed), Some(wanted)) if signed != wanted => format!(
                "the signer signed for chain id {signed}, this chain is {wanted}: start web3signer with \
                 `eth1 --chain-id {wanted}`"
            ),
            _ => {
                "the signer signed a transaction other than the one asked for (its fields differ): \
                  refusing it"
                    .into()
            }
        });
    }
    let signature = *envelope.signature();
    let signer = signature
        .recover_address_from_prehash(&expected)
        .map_err(|e| format!("the signer's signature recovers no address ({e}): refusing it"))?;
    if signer != address {
        return Err(format!(
            "the signer's signature recovers to {signer}, not to this address: refusing it (does the \
             signer hold another key under this address?)"
        ));
    }
    Ok(signature)
}

/// The addresses of the keys a `GET /api/v1/eth1/publicKeys` body lists (a JSON array of hex public
/// keys: 64 bytes uncompressed without the 0x04 prefix, as Web3Signer lists them, or with it, or 33
/// bytes compressed).
pub(crate) fn held_addresses(body: &str) -> Result<Vec<Address>, String> {
    let keys: Vec<String> = serde_json::from_str(body).map_err(|_| {
        format!(
            "answered {:?}, not a JSON array of public keys",
            body.chars().take(80).collect::<String>()
        )
    })?;
    keys.iter()
        .map(|key| address_of_public_key(key).ok_or_else(|| format!("{key:?} is not a public key")))
        .collect()
}

/// The address of a secp256k1 public key in hex.
pub(crate) fn address_of_public_key(key: &str) -> Option<Address> {
    let digits = key.trim().trim_start_matches("0x");
    let bytes = alloy::hex::decode(digits).ok()?;
    match bytes.len() {
        64 => Some(Address::from_slice(&keccak256(&bytes)[12..])),
        65 | 33 => {
            let key = alloy::signers::k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes).ok()?;
            Some(Address::from_public_key(&key))
        }
        _ => None,
    }
}

/// Up to 200 characters of a body, for an error: ` (body: …)`, or nothing when empty.
fn excerpt(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    let cut: String = body.chars().take(200).collect();
    format!(" (body: {cut})")
}

#[cfg(test)]
mod tests {
    use alloy::{
        consensus::{SignableTransaction, TxEip1559},
        eips::Encodable2718,
        network::TxSignerSync,
        signers::local::PrivateKeySigner,
    };

    use super::*;

    fn signed_raw(key: &PrivateKeySigner, mut tx: TxLegacy) -> Vec<u8> {
        let signature = key.sign_transaction_sync(&mut tx).unwrap();
        TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
    }

    #[test]
    fn an_honest_signature_is_taken() {
        let key = PrivateKeySigner::random();
        let tx = probe(31_337, key.address());
        let raw = signed_raw(&key, tx.clone());
        let signature =
            verify_signed(&raw, tx.signature_hash(), Some(31_337), key.address()).unwrap();
        assert_eq!(
            signature
                .recover_address_from_prehash(&tx.signature_hash())
                .unwrap(),
            key.address()
        );
    }

    #[test]
    fn a_signature_of_another_key_is_refused() {
        let key = PrivateKeySigner::random();
        let other = PrivateKeySigner::random();
        let tx = probe(31_337, key.address());
        let raw = signed_raw(&other, tx.clone());
        let e = verify_signed(&raw, tx.signature_hash(), Some(31_337), key.address()).unwrap_err();
        assert!(
            e.contains(&format!(
                "recovers to {}, not to this address",
                other.address()
            )),
            "{e}"
        );
    }

    #[test]
    fn another_chain_or_another_transaction_is_refused() {
        let key = PrivateKeySigner::random();
        let tx = probe(31_337, key.address());
        let raw = signed_raw(&key, probe(1, key.address()));
        let e = verify_signed(&raw, tx.signature_hash(), Some(31_337), key.address()).unwrap_err();
        assert!(
            e.contains("signed for chain id 1, this chain is 31337")
                && e.contains("--chain-id 31337"),
            "{e}"
        );
        let mut other = tx.clone();
        other.gas_limit = 50_000;
        let raw = signed_raw(&key, other);
        let e = verify_signed(&raw, tx.signature_hash(), Some(31_337), key.address()).unwrap_err();
        assert!(e.contains("other than the one asked for"), "{e}");
    }

    #[test]
    fn malformed_answers_are_refused() {
        let key = PrivateKeySigner::random();
        let tx = probe(31_337, key.address());
        for raw in [&b""[..], b"\x01\x02\x03", &[0u8; 65]] {
            let e =
                verify_signed(raw, tx.signature_hash(), Some(31_337), key.address()).unwrap_err();
            assert!(e.contains("not a signed transaction"), "{e}");
        }
    }

    #[test]
    fn public_keys_give_addresses() {
        let key = PrivateKeySigner::random();
        let point = key.credential().verifying_key().to_encoded_point(false);
        let uncompressed = point.as_bytes();
        assert_eq!(uncompressed.len(), 65);
        let web3signer = alloy::hex::encode_prefixed(&uncompressed[1..]);
        let prefixed = alloy::hex::encode_prefixed(uncompressed);
        let compressed = alloy::hex::encode_prefixed(
            key.credential()
                .verifying_key()
                .to_encoded_point(true)
                .as_bytes(),
        );
        for text in [&web3signer, &prefixed, &compressed] {
            assert_eq!(address_of_public_key(text), Some(key.address()), "{text}");
        }
        assert_eq!(
            held_addresses(&format!("[\"{web3signer}\"]")).unwrap(),
            vec![key.address()]
        );
        assert!(
            held_addresses("OK")
                .unwrap_err()
                .contains("not a JSON array")
        );
        assert!(
            held_addresses("[\"0x1234\"]")
                .unwrap_err()
                .contains("not a public key")
        );
    }

    #[test]
    fn parameters_carry_the_transaction() {
        let from = Address::repeat_byte(0x11);
        let to = Address::repeat_byte(0x22);
        let legacy = TxLegacy {
            chain_id: Some(2018),
            nonce: 7,
            gas_price: 0,
            gas_limit: 100_000,
            to: TxKind::Call(to),
            value: U256::ZERO,
            input: Bytes::from_static(&[0xde, 0xad]),
        };
        let p = sign_params(from, &legacy).unwrap();
        assert_eq!(p["from"], json!(from));
        assert_eq!(p["to"], json!(to));
        assert_eq!(p["nonce"], "0x7");
        assert_eq!(p["gas"], "0x186a0");
        assert_eq!(p["gasPrice"], "0x0");
        assert_eq!(p["data"], "0xdead");
        assert_eq!(p["chainId"], "0x7e2");
        assert!(p.get("maxFeePerGas").is_none());
        let eip1559 = TxEip1559 {
            chain_id: 31_337,
            nonce: 1,
            gas_limit: 21_000,
            max_fee_per_gas: 2_000_000_000,
            max_priority_fee_per_gas: 1,
            to: TxKind::Create,
            ..TxEip1559::default()
        };
        let p = sign_params(from, &eip1559).unwrap();
        assert!(p.get("to").is_none() && p.get("gasPrice").is_none());
        assert_eq!(p["maxFeePerGas"], "0x77359400");
        assert_eq!(p["maxPriorityFeePerGas"], "0x1");
        let unprotected = TxLegacy {
            chain_id: None,
            ..legacy
        };
        assert!(
            sign_params(from, &unprotected)
                .unwrap_err()
                .contains("no chain id")
        );
    }

    #[test]
    fn a_bad_url_is_refused() {
        for url in ["not a url", "ftp://signer:9000", "127.0.0.1:9000"] {
            let e = Web3Signer::new(url, Address::ZERO).unwrap_err();
            assert!(e.to_string().starts_with("web3signer "), "{e}");
        }
        let s = Web3Signer::new("http://127.0.0.1:9000/", Address::ZERO).unwrap();
        assert_eq!(s.url(), "http://127.0.0.1:9000");
    }
}
