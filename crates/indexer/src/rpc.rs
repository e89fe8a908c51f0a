//! The node, as the indexer needs it: heads, headers, logs in adaptive ranges and balances at a block,
//! every call retried with jittered exponential backoff on rate limits and transient failures.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering::Relaxed},
    },
    time::Duration,
};

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, Log, TransactionRequest},
    sol_types::SolValue,
    transports::{RpcError, TransportErrorKind},
};
use chrono::{DateTime, Utc};
use emtoken_sdk::bindings::{EmToken, EmTokenBalanceReader};
use futures::{StreamExt, TryStreamExt, stream};
use rand::Rng;

use crate::{Error, Metrics, Result, decode::timestamp};

/// A block header's facts the indexer keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub number: u64,
    pub hash: B256,
    pub parent_hash: B256,
    pub time: DateTime<Utc>,
}

/// How an RPC failure should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The node refuses the size of the request (block range or result count): ask for less.
    TooLarge,
    /// Rate limit, overload, dropped connection: try again later.
    Transient,
    /// Anything else: give up.
    Fatal,
}

/// Classifies an RPC error. Besu answers an over-long `eth_getLogs` range with -32005 ("Exceeds
/// maximum RPC range limit"); other nodes say "query returned more than N results", "block range too
/// large" or "limit exceeded".
pub(crate) fn classify(error: &RpcError<TransportErrorKind>) -> Failure {
    match error {
        RpcError::ErrorResp(payload) => {
            let message = payload.message.to_lowercase();
            if message.contains("rate")
                || message.contains("too many requests")
                || payload.code == 429
            {
                Failure::Transient
            } else if payload.code == -32005
                || [
                    "range",
                    "more than",
                    "too many",
                    "too large",
                    "limit",
                    "exceed",
                ]
                .iter()
                .any(|m| message.contains(m))
            {
                Failure::TooLarge
            } else if payload.code == -32603
                || message.contains("timeout")
                || message.contains("busy")
            {
                Failure::Transient
            } else {
                Failure::Fatal
            }
        }
        RpcError::Transport(TransportErrorKind::HttpError(http)) => {
            // Busy, overloaded or a gateway between: worth another try. Other 5xx (501 Not Implemented,
            // 505, …) say the request will never work there.
            if matches!(
                http.status,
                408 | 429 | 500 | 502 | 503 | 504 | 520..=524 | 529
            ) {
                Failure::Transient
            } else if http.status == 413 {
                Failure::TooLarge
            } else {
                Failure::Fatal
            }
        }
        RpcError::Transport(TransportErrorKind::Custom(_) | TransportErrorKind::BackendGone)
        | RpcError::NullResp
        | RpcError::DeserError { .. } => Failure::Transient,
        _ => Failure::Fatal,
    }
}

/// A node's error for people: an HTTP error's body (often a whole HTML page) cut to the first characters
/// of its text; anything else to its first 300 characters.
pub(crate) fn summary(error: &RpcError<TransportErrorKind>) -> String {
    match error {
        RpcError::Transport(TransportErrorKind::HttpError(http)) => {
            let text = shorten(&text_of(&http.body), 160);
            if text.is_empty() {
                format!("HTTP {}", http.status)
            } else {
                format!("HTTP {}: {text}", http.status)
            }
        }
        other => shorten(&other.to_string(), 300),
    }
}

/// The text of `body`: markup left out, whitespace runs made one space.
fn text_of(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if in_tag => {}
            c => text.push(if c.is_control() { ' ' } else { c }),
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to `max` characters, with "…" when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Retry policy for node calls.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts after the first before giving up.
    pub retries: u32,
    /// First backoff; doubles each time, with ±50 % jitter.
    pub base: Duration,
    /// Largest backoff.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 8,
            base: Duration::from_millis(100),
            max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max);
        let jitter = rand::rng().random_range(0.5..1.5);
        exp.mul_f64(jitter)
    }
}

/// The node behind the indexer.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    provider: DynProvider,
    contract: Address,
    retry: RetryPolicy,
    metrics: Arc<Metrics>,
    /// Set once the node has refused the balance reader's `eth_call` while answering the same balances
    /// one call per account (a gas cap too low for it, say): balances are then read one account at a time.
    reader_refused: Arc<AtomicBool>,
}

/// Accounts per balance reader call: its answer (32 + 64 bytes per account) stays well under the 24,576
/// bytes a created contract's code may have, and its gas (~20,000 per account, the answer's code deposit
/// included: ~5M) under the usual `eth_call` gas caps.
pub(crate) const READER_ACCOUNTS: usize = 256;

impl Node {
    pub(crate) fn connect(
        url: &str,
        contract: Address,
        retry: RetryPolicy,
        metrics: Arc<Metrics>,
    ) -> Result<Self> {
        let url = url
            .parse()
            .map_err(|e| Error::Config(format!("rpc url {url:?}: {e}")))?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        Ok(Self {
            provider,
            contract,
            retry,
            metrics,
            reader_refused: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Runs `call`, retrying transient failures; a size refusal is returned to the caller at once. Its
    /// time, retries included, goes to the call's duration metric.
    async fn retried<T, F, Fut>(&self, what: &str, call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        let started = std::time::Instant::now();
        let result = self.retrying(what, call).await;
        self.metrics.rpc_call(what, started.elapsed());
        result
    }

    async fn retrying<T, F, Fut>(&self, what: &str, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(error) => match classify(&error) {
                    Failure::Transient if attempt < self.retry.retries => {
                        let delay = self.retry.delay(attempt);
                        tracing::debug!(%error, call = what, attempt, ?delay, "transient rpc failure, retrying");
                        attempt += 1;
                        self.metrics.rpc_retries.fetch_add(1, Relaxed);
                        tokio::time::sleep(delay).await;
                    }
                    Failure::Transient => {
                        return Err(Error::Unreachable {
                            call: what.to_owned(),
                            message: format!(
                                "still failing after {} attempts: {}",
                                attempt + 1,
                                summary(&error)
                            ),
                        });
                    }
                    Failure::TooLarge => return Err(Error::TooLarge(summary(&error))),
                    Failure::Fatal => {
                        return Err(Error::Rpc {
                            call: what.to_owned(),
                            message: summary(&error),
                        });
                    }
                },
            }
        }
    }

    pub(crate) async fn chain_id(&self) -> Result<u64> {
        self.retried("eth_chainId", || self.provider.get_chain_id())
            .await
    }

    pub(crate) async fn head(&self) -> Result<u64> {
        self.retried("eth_blockNumber", || self.provider.get_block_number())
            .await
    }

    /// The header of block `number`, None when the chain is shorter.
    pub(crate) async fn header(&self, number: u64) -> Result<Option<Header>> {
        let block = self
            .retried("eth_getBlockByNumber", || {
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Number(number))
                    .into_future()
            })
            .await?;
        block
            .map(|b| {
                Ok(Header {
                    number: b.header.number,
                    hash: b.header.hash,
                    parent_hash: b.header.parent_hash,
                    time: timestamp(b.header.timestamp)?,
                })
            })
            .transpose()
    }

    /// The contract's logs of blocks `from..=to`, or [`Error::TooLarge`] if the node refuses the range.
    pub(crate) async fn logs(&self, from: u64, to: u64) -> Result<Vec<Log>> {
        let filter = Filter::new()
            .address(self.contract)
            .from_block(from)
            .to_block(to);
        self.retried("eth_getLogs", || self.provider.get_logs(&filter))
            .await
    }

    /// Whether the contract has code at block `number` (for finding the deployment block).
    pub(crate) async fn has_code_at(&self, number: u64) -> Result<bool> {
        let code = self
            .retried("eth_getCode", || {
                self.provider
                    .get_code_at(self.contract)
                    .block_id(BlockId::number(number))
                    .into_future()
            })
            .await?;
        Ok(!code.is_empty())
    }

    /// Whether the contract is an EmToken, read before anything is written: it answers ERC-165 as the
    /// standard says (true for ERC-165's own id, false for 0xffffffff, which no contract may claim — a
    /// contract that answers every call with 1 claims it), claims AccessControl and ERC-20, and has a
    /// `version()` of 1 or more. `Ok(Err(why))` when it is not.
    pub(crate) async fn identity(&self) -> Result<std::result::Result<u64, String>> {
        let token = EmToken::new(self.contract, &self.provider);
        let mut claims = vec![];
        for id in [ERC165_ID, NO_INTERFACE_ID, ACCESS_CONTROL_ID, ERC20_ID] {
            let claim = self
                .retried("supportsInterface", || async {
                    answer_or_refusal(token.supportsInterface(id.into()).call().await)
                })
                .await?;
            claims.push(claim);
        }
        let version = self
            .retried("version", || async {
                answer_or_refusal(token.version().call().await)
            })
            .await?;
        let why = match (claims.as_slice(), version) {
            ([Some(true), Some(false), Some(true), Some(true)], Some(v)) if v >= U256::from(1) => {
                return Ok(Ok(u64::try_from(v).unwrap_or(u64::MAX)));
            }
            ([Some(true), Some(true), ..], _) => {
                "it claims every interface (ERC-165 supportsInterface(0xffffffff) is true)"
            }
            ([Some(true), Some(false), Some(true), Some(true)], _) => {
                "it has no version() of 1 or more"
            }
            ([Some(true), Some(false), ..], _) => {
                "it does not claim AccessControl and ERC-20 (ERC-165)"
            }
            _ => "it does not answer ERC-165's supportsInterface",
        };
        Ok(Err(why.to_owned()))
    }

    /// The token's decimals.
    pub(crate) async fn decimals(&self) -> Result<u8> {
        let token = EmToken::new(self.contract, &self.provider);
        self.retried("decimals", || async {
            token.decimals().call().await.map_err(contract_error)
        })
        .await
    }

    /// `balanceOf` and `balanceOnHold` of each of `accounts` (at most [`READER_ACCOUNTS`]), in their order,
    /// at the block with hash `block`: one `eth_call` of [`EmTokenBalanceReader`]'s creation code, which runs
    /// the reads on that block's state. A node that refuses it while it answers the reads one account at a
    /// time is asked one account at a time from then on. [`Error::StateUnavailable`] when the node keeps no
    /// state that old.
    pub(crate) async fn balances_of(
        &self,
        accounts: &[Address],
        block: B256,
    ) -> Result<Vec<(U256, U256)>> {
        let mut refusal = None;
        if !self.reader_refused.load(Relaxed) {
            match self.read_balances(accounts, block).await {
                Ok(balances) => return Ok(balances),
                // A node down answers neither way (the reads below fail alike); one up that fails the
                // reader only is asked one account at a time (a node answering an internal error to it,
                // say).
                Err(e) => refusal = Some(e),
            }
        }
        // Both reads of an account at once, 8 accounts at a time.
        let balances: Vec<(U256, U256)> = stream::iter(accounts.to_vec())
            .map(|account| self.balances_at(account, block))
            .buffered(8)
            .try_collect()
            .await?;
        if let Some(error) = refusal
            && !matches!(error, Error::Unreachable { .. })
            && !self.reader_refused.swap(true, Relaxed)
        {
            tracing::warn!(%error, "the node refuses the balance reader's eth_call but answers balanceOf: reading balances one account at a time");
        }
        Ok(balances)
    }

    /// The balance reader's `eth_call` (see [`Node::balances_of`]) and its answer, checked.
    async fn read_balances(&self, accounts: &[Address], block: B256) -> Result<Vec<(U256, U256)>> {
        let mut input = EmTokenBalanceReader::BYTECODE.to_vec();
        input.extend_from_slice(&(self.contract, accounts.to_vec()).abi_encode_params());
        // No recipient: the node runs the creation code and answers what it returns.
        let call = TransactionRequest::default().input(Bytes::from(input).into());
        let answer: Bytes = self
            .retried("EmTokenBalanceReader", || async {
                self.provider
                    .call(call.clone())
                    .block(BlockId::hash(block))
                    .await
            })
            .await?;
        let words: Vec<U256> = answer
            .chunks(32)
            .map(|word| U256::try_from_be_slice(word).unwrap_or(U256::MAX))
            .collect();
        if answer.len() != 32 * (1 + 2 * accounts.len())
            || words.first() != Some(&U256::from(accounts.len()))
        {
            return Err(Error::Node(format!(
                "the balance reader answered {} bytes for {} accounts",
                answer.len(),
                accounts.len()
            )));
        }
        Ok(words[1..]
            .chunks(2)
            .map(|pair| (pair[0], pair[1]))
            .collect())
    }

    /// `balanceOf` and `balanceOnHold` of `account` at the block with hash `block`;
    /// [`Error::StateUnavailable`] when the node keeps no state that old.
    pub(crate) async fn balances_at(&self, account: Address, block: B256) -> Result<(U256, U256)> {
        let token = EmToken::new(self.contract, &self.provider);
        let at = BlockId::hash(block);
        // An eth_call has no range: a "too large"-looking refusal here is a node without the block's state
        // (anvil after --load-state answers -32602 "BlockOutOfRangeError").
        let unavailable = |error: Error| match error {
            Error::Rpc { message, .. } | Error::TooLarge(message) => Error::StateUnavailable {
                block: block.to_string(),
                message,
            },
            other => other,
        };
        // Both reads at once: a follower's next batch waits for its comparison.
        let (gross, held) = tokio::join!(
            self.retried("balanceOf", || async {
                token
                    .balanceOf(account)
                    .block(at)
                    .call()
                    .await
                    .map_err(contract_error)
            }),
            self.retried("balanceOnHold", || async {
                token
                    .balanceOnHold(account)
                    .block(at)
                    .call()
                    .await
                    .map_err(contract_error)
            })
        );
        Ok((gross.map_err(unavailable)?, held.map_err(unavailable)?))
    }
}

/// ERC-165's own interface id.
const ERC165_ID: [u8; 4] = [0x01, 0xff, 0xc9, 0xa7];
/// The id ERC-165 says no contract may claim.
const NO_INTERFACE_ID: [u8; 4] = [0xff, 0xff, 0xff, 0xff];
/// OpenZeppelin's IAccessControl.
const ACCESS_CONTROL_ID: [u8; 4] = [0x79, 0x65, 0xdb, 0x0b];
/// IERC20.
const ERC20_ID: [u8; 4] = [0x36, 0x37, 0x2b, 0x07];

/// A view's answer: Some(value); None when the contract refuses it or answers what does not decode (not
/// the contract expected); the node's failures as errors (retried when transient).
fn answer_or_refusal<T>(
    result: std::result::Result<T, alloy::contract::Error>,
) -> std::result::Result<Option<T>, RpcError<TransportErrorKind>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(alloy::contract::Error::TransportError(e)) => match classify(&e) {
            // A revert ("execution reverted") is the contract's answer.
            Failure::Fatal if matches!(e, RpcError::ErrorResp(_)) => Ok(None),
            _ => Err(e),
        },
        Err(_) => Ok(None),
    }
}

fn contract_error(error: alloy::contract::Error) -> RpcError<TransportErrorKind> {
    match error {
        alloy::contract::Error::TransportError(e) => e,
        other => RpcError::local_usage_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use alloy::rpc::json_rpc::ErrorPayload;

    use super::*;

    fn answer(code: i64, message: &str) -> RpcError<TransportErrorKind> {
        RpcError::ErrorResp(ErrorPayload {
            code,
            message: message.to_owned().into(),
            data: None,
        })
    }

    #[test]
    fn size_refusals_shrink_rate_limits_wait_the_rest_fails() {
        // Besu's EXCEEDS_RPC_MAX_BLOCK_RANGE, and other nodes' ways of saying the same.
        assert_eq!(
            classify(&answer(
                -32005,
                "Requested range exceeds maximum RPC range limit"
            )),
            Failure::TooLarge
        );
        assert_eq!(
            classify(&answer(-32602, "query returned more than 10000 results")),
            Failure::TooLarge
        );
        assert_eq!(
            classify(&answer(-32000, "block range too large")),
            Failure::TooLarge
        );
        // Rate limits said in JSON-RPC, and over HTTP.
        assert_eq!(
            classify(&answer(-32005, "daily request rate exceeded")),
            Failure::Transient
        );
        assert_eq!(
            classify(&answer(429, "Too Many Requests")),
            Failure::Transient
        );
        let http = |status| {
            RpcError::Transport(TransportErrorKind::HttpError(
                alloy::transports::HttpError {
                    status,
                    body: String::new(),
                },
            ))
        };
        assert_eq!(classify(&http(429)), Failure::Transient);
        assert_eq!(classify(&http(503)), Failure::Transient);
        assert_eq!(classify(&http(502)), Failure::Transient);
        assert_eq!(classify(&http(401)), Failure::Fatal);
        // Not implemented there: failing at once, not nine times.
        assert_eq!(classify(&http(501)), Failure::Fatal);
        assert_eq!(classify(&http(505)), Failure::Fatal);
        assert_eq!(
            classify(&RpcError::Transport(TransportErrorKind::BackendGone)),
            Failure::Transient
        );
        // A method the node does not have is not worth retrying.
        assert_eq!(
            classify(&answer(-32601, "Method not found")),
            Failure::Fatal
        );
    }

    #[test]
    fn http_error_pages_are_summarised() {
        let page = format!(
            "<!DOCTYPE html>\n<html><head><title>501 Not Implemented</title><style>body {{ color: red }}</style></head>\n<body>\n  <h1>Not   Implemented</h1>\n<p>{}</p></body></html>",
            "The server does not support this method. ".repeat(40)
        );
        let error = RpcError::Transport(TransportErrorKind::HttpError(
            alloy::transports::HttpError {
                status: 501,
                body: page,
            },
        ));
        let text = summary(&error);
        assert!(text.starts_with("HTTP 501: 501 Not Implemented"), "{text}");
        assert!(
            text.contains("Not Implemented The server does not"),
            "{text}"
        );
        assert!(!text.contains('<') && !text.contains('\n'), "{text}");
        assert!(text.chars().count() <= "HTTP 501: ".len() + 161, "{text}");
        assert!(text.ends_with('…'), "{text}");
        let empty = RpcError::Transport(TransportErrorKind::HttpError(
            alloy::transports::HttpError {
                status: 404,
                body: "  ".into(),
            },
        ));
        assert_eq!(summary(&empty), "HTTP 404");
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy {
            retries: 8,
            base: Duration::from_millis(100),
            max: Duration::from_secs(5),
        };
        for attempt in 0..12 {
            let expected =
                Duration::from_millis(100 * (1 << attempt.min(16))).min(Duration::from_secs(5));
            let delay = policy.delay(attempt);
            assert!(
                delay >= expected.mul_f64(0.5) && delay <= expected.mul_f64(1.5),
                "{attempt}: {delay:?}"
            );
        }
    }
}
