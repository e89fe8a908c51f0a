//! The fault-injecting JSON-RPC proxy against a real anvil: Besu's log-range error, 429s, transient
//! failures, batches, and the error shapes an alloy provider sees for each.

use std::error::Error as _;

use alloy::{
    network::TransactionBuilder,
    providers::{Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    transports::{
        TransportErrorKind,
        http::reqwest::{self, StatusCode, Url},
        layers::{RateLimitRetryPolicy, RetryPolicy},
    },
};
use emtoken_test_utils::{DevNode, ProfileName, ProxyRules, ProxyStats, Role, RpcProxy};
use serde_json::{Value, json};

/// Init code that emits one LOG1 (topic 0x2a, no data) and deploys nothing.
const EMIT_LOG: [u8; 8] = [0x60, 0x2a, 0x60, 0x00, 0x60, 0x00, 0xa1, 0x00];
/// Blocks with a log, in the chain [`chain_with_logs`] builds; its head is block 123.
const LOG_BLOCKS: [u64; 3] = [1, 42, 83];
const HEAD: u64 = 123;

const RANGE_LIMIT: ProxyRules = ProxyRules {
    max_log_range: Some(50),
    rate_limit_one_in: None,
    transient_one_in: None,
    seed: 0,
    newest_block_in_mining: false,
    refuse_creation_calls: false,
    refuse_simulate: false,
};

/// A dev node whose chain is [`HEAD`] blocks long, with a log in each of [`LOG_BLOCKS`].
async fn chain_with_logs() -> anyhow::Result<DevNode> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let provider = ProviderBuilder::new()
        .wallet(node.signer(Role::Alice)?)
        .connect_http(node.endpoint_url());
    for _ in LOG_BLOCKS {
        let tx = TransactionRequest::default().with_deploy_code(EMIT_LOG.to_vec());
        provider.send_transaction(tx).await?.get_receipt().await?;
        provider
            .raw_request::<_, Value>("anvil_mine".into(), json!(["0x28"]))
            .await?;
    }
    assert_eq!(provider.get_block_number().await?, HEAD);
    Ok(node)
}

/// POSTs a JSON body; the status, and the body if it is JSON.
async fn post(url: &Url, body: &Value) -> reqwest::Result<(StatusCode, Option<Value>)> {
    let response = reqwest::Client::new()
        .post(url.clone())
        .json(body)
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await.ok()))
}

fn get_logs(id: u64, filter: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "eth_getLogs", "params": [filter]})
}

fn range_error(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {
        "code": -32005, "message": "Requested range exceeds maximum RPC range limit"
    }})
}

#[tokio::test]
async fn an_in_range_get_logs_passes_and_answers_as_upstream() -> anyhow::Result<()> {
    let node = chain_with_logs().await?;
    let proxy = RpcProxy::spawn(node.endpoint_url(), RANGE_LIMIT).await?;
    let call = get_logs(1, json!({"fromBlock": "0x1", "toBlock": "0x32"}));

    let (status, through) = post(&proxy.endpoint_url(), &call).await?;
    let (_, direct) = post(&node.endpoint_url(), &call).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(through, direct);
    let logs = through
        .as_ref()
        .and_then(|b| b["result"].as_array())
        .expect("a result");
    assert_eq!(logs.len(), 2, "logs of blocks 1 and 42: {through:?}");
    let expected = ProxyStats {
        requests: 1,
        forwarded: 1,
        largest_forwarded_log_range: 50,
        ..ProxyStats::default()
    };
    assert_eq!(proxy.stats(), expected);
    Ok(())
}

#[tokio::test]
async fn an_over_range_get_logs_gets_besus_error() -> anyhow::Result<()> {
    let node = chain_with_logs().await?;
    let proxy = RpcProxy::spawn(node.endpoint_url(), RANGE_LIMIT).await?;
    let call = get_logs(7, json!({"fromBlock": "0x1", "toBlock": "0x33"}));

    let (status, body) = post(&proxy.endpoint_url(), &call).await?;
    assert_eq!(
        status,
        StatusCode::OK,
        "besu answers range errors with HTTP 200"
    );
    assert_eq!(body, Some(range_error(7)));
    let expected = ProxyStats {
        requests: 1,
        range_rejections: 1,
        ..ProxyStats::default()
    };
    assert_eq!(proxy.stats(), expected);
    Ok(())
}

#[tokio::test]
async fn block_tags_resolve_against_the_upstream_head() -> anyhow::Result<()> {
    let node = chain_with_logs().await?;
    let proxy = RpcProxy::spawn(node.endpoint_url(), RANGE_LIMIT).await?;
    let hex = |n: u64| format!("{n:#x}");
    let block_83 = ProviderBuilder::new()
        .connect_http(node.endpoint_url())
        .get_block_by_number(83.into())
        .await?
        .expect("block 83");
    // anvil: safe = head - 32, finalized = head - 64.
    let cases = [
        (json!({"fromBlock": hex(HEAD - 49)}), true),
        (json!({"fromBlock": hex(HEAD - 50)}), false),
        (
            json!({"fromBlock": hex(HEAD - 49), "toBlock": "latest"}),
            true,
        ),
        (
            json!({"fromBlock": hex(HEAD - 50), "toBlock": "pending"}),
            false,
        ),
        (json!({}), true),
        (json!({"fromBlock": "earliest", "toBlock": "0x31"}), true),
        (json!({"fromBlock": "earliest", "toBlock": "0x32"}), false),
        (json!({"fromBlock": "earliest", "toBlock": "latest"}), false),
        (json!({"fromBlock": "safe"}), true),
        (json!({"fromBlock": "finalized", "toBlock": "safe"}), true),
        (json!({"fromBlock": "finalized"}), false),
        (json!({"blockHash": block_83.header.hash}), true),
    ];
    for (id, (filter, passes)) in (1..).zip(cases) {
        let (_, body) = post(&proxy.endpoint_url(), &get_logs(id, filter.clone())).await?;
        let body = body.expect("a JSON answer");
        if passes {
            assert!(body["result"].is_array(), "{filter} should pass: {body}");
        } else {
            assert_eq!(body, range_error(id), "{filter} should be rejected");
        }
    }
    let stats = proxy.stats();
    assert_eq!((stats.forwarded, stats.range_rejections), (7, 5));
    assert_eq!(stats.largest_forwarded_log_range, 50);
    Ok(())
}

/// The statuses of `count` sequential `eth_chainId` calls through a fresh proxy.
async fn statuses(node: &DevNode, rules: ProxyRules, count: usize) -> anyhow::Result<Vec<u16>> {
    let proxy = RpcProxy::spawn(node.endpoint_url(), rules).await?;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    let client = reqwest::Client::new();
    let mut statuses = Vec::with_capacity(count);
    for _ in 0..count {
        let response = client.post(proxy.endpoint_url()).json(&call).send().await?;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().get("retry-after").is_none());
        }
        statuses.push(response.status().as_u16());
    }
    let limited = statuses.iter().filter(|&&s| s == 429).count() as u64;
    assert_eq!(proxy.stats().rate_limited, limited);
    assert_eq!(proxy.stats().forwarded, count as u64 - limited);
    Ok(statuses)
}

#[tokio::test]
async fn rate_limits_come_at_the_set_frequency_and_repeat_for_a_seed() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let rules = ProxyRules {
        rate_limit_one_in: Some(4),
        seed: 7,
        ..ProxyRules::default()
    };

    let first = statuses(&node, rules, 200).await?;
    let limited = first.iter().filter(|&&s| s == 429).count();
    assert!(
        (25..=75).contains(&limited),
        "{limited} of 200 rate-limited, about 50 expected"
    );
    assert!(first.iter().all(|&s| s == 200 || s == 429));
    assert_eq!(
        statuses(&node, rules, 200).await?,
        first,
        "same seed, same 429s"
    );
    let other = ProxyRules { seed: 8, ..rules };
    assert_ne!(
        statuses(&node, other, 200).await?,
        first,
        "another seed, other 429s"
    );
    Ok(())
}

#[tokio::test]
async fn transient_failures_alternate_503_and_dropped_connections() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let rules = ProxyRules {
        transient_one_in: Some(3),
        seed: 1,
        ..ProxyRules::default()
    };
    let proxy = RpcProxy::spawn(node.endpoint_url(), rules).await?;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []});

    // One client (building one costs ~80 ms), so a dropped connection is one its pool had.
    let client = reqwest::Client::new();
    let (mut ok, mut unavailable, mut dropped) = (0u64, 0u64, 0u64);
    for _ in 0..120 {
        match client.post(proxy.endpoint_url()).json(&call).send().await {
            Ok(r) if r.status() == StatusCode::OK => ok += 1,
            Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => unavailable += 1,
            Ok(r) => panic!("unexpected {}", r.status()),
            Err(e) => {
                assert!(
                    e.is_request() && !e.is_timeout(),
                    "not a dropped connection: {e:?}"
                );
                dropped += 1;
            }
        }
    }
    assert!(
        unavailable > 0 && dropped > 0,
        "{unavailable} 503s, {dropped} drops"
    );
    assert!(
        unavailable.abs_diff(dropped) <= 1,
        "{unavailable} 503s, {dropped} drops"
    );
    let stats = proxy.stats();
    assert_eq!(stats.requests, 120, "the client retried a request");
    assert_eq!(stats.transient_failures, unavailable + dropped);
    assert_eq!(stats.forwarded, ok);
    Ok(())
}

#[tokio::test]
async fn a_batch_gets_the_range_error_only_where_it_is_over_range() -> anyhow::Result<()> {
    let node = chain_with_logs().await?;
    let proxy = RpcProxy::spawn(node.endpoint_url(), RANGE_LIMIT).await?;
    let in_range = get_logs(3, json!({"fromBlock": "0x2a", "toBlock": "0x5b"}));
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        get_logs(2, json!({"fromBlock": "0x0", "toBlock": "latest"})),
        in_range,
        {"jsonrpc": "2.0", "id": 4, "method": "eth_blockNumber", "params": []},
    ]);

    let (status, body) = post(&proxy.endpoint_url(), &batch).await?;
    assert_eq!(status, StatusCode::OK);
    let (_, direct) = post(&node.endpoint_url(), &in_range).await?;
    let answers = body
        .as_ref()
        .and_then(Value::as_array)
        .expect("a batch answer");
    let ids: Vec<_> = answers.iter().map(|a| a["id"].as_u64()).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(
        answers[0]["result"],
        json!(format!("{:#x}", node.profile().chain_id))
    );
    assert_eq!(answers[1], range_error(2));
    assert_eq!(Some(&answers[2]), direct.as_ref());
    assert_eq!(answers[3]["result"], json!(format!("{HEAD:#x}")));

    let all_over = json!([
        get_logs(5, json!({"fromBlock": "0x0"})),
        get_logs(6, json!({"fromBlock": "0x0", "toBlock": "0x32"})),
    ]);
    let (_, body) = post(&proxy.endpoint_url(), &all_over).await?;
    assert_eq!(body, Some(json!([range_error(5), range_error(6)])));

    let expected = ProxyStats {
        requests: 2,
        forwarded: 1,
        range_rejections: 3,
        largest_forwarded_log_range: 50,
        ..ProxyStats::default()
    };
    assert_eq!(proxy.stats(), expected);
    Ok(())
}

#[tokio::test]
async fn alloy_sees_the_range_error_as_an_error_response() -> anyhow::Result<()> {
    let node = chain_with_logs().await?;
    let proxy = RpcProxy::spawn(node.endpoint_url(), RANGE_LIMIT).await?;
    let provider = ProviderBuilder::new().connect_http(proxy.endpoint_url());

    assert_eq!(
        provider
            .get_logs(&Filter::new().from_block(1).to_block(50))
            .await?
            .len(),
        2
    );
    let err = provider
        .get_logs(&Filter::new().from_block(1).to_block(51))
        .await
        .expect_err("over range");
    eprintln!("-32005: {err}\n{err:?}");
    let payload = err.as_error_resp().expect("an error response");
    assert_eq!(payload.code, -32005);
    assert_eq!(
        payload.message,
        "Requested range exceeds maximum RPC range limit"
    );
    assert_eq!(
        err.to_string(),
        "server returned an error response: error code -32005: \
         Requested range exceeds maximum RPC range limit"
    );
    // A trap for the indexer: alloy's default retry policy takes -32005 for Infura's rate limit and
    // would retry the same range, so the range error must be matched before retrying.
    assert!(RateLimitRetryPolicy::default().should_retry(&err));
    Ok(())
}

#[tokio::test]
async fn alloy_sees_429_503_and_drops_as_transport_errors() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let always = |rules: ProxyRules| RpcProxy::spawn(node.endpoint_url(), rules);
    let limited = always(ProxyRules {
        rate_limit_one_in: Some(1),
        ..ProxyRules::default()
    })
    .await?;
    let failing = always(ProxyRules {
        transient_one_in: Some(1),
        ..ProxyRules::default()
    })
    .await?;

    let provider = ProviderBuilder::new().connect_http(limited.endpoint_url());
    let err = provider.get_block_number().await.expect_err("429");
    eprintln!("429: {err}\n{err:?}");
    let http = err
        .as_transport_err()
        .and_then(TransportErrorKind::as_http_error);
    assert_eq!(
        http.map(|h| (h.status, h.body.as_str())),
        Some((429, "Too Many Requests"))
    );
    assert!(http.is_some_and(|h| h.is_rate_limit_err()));
    assert_eq!(
        err.to_string(),
        "HTTP error 429 with body: Too Many Requests"
    );
    assert!(RateLimitRetryPolicy::default().should_retry(&err));
    // Only POSTs are rate-limited.
    let get = reqwest::get(limited.endpoint_url()).await?;
    assert_ne!(get.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.stats().forwarded, 1);

    // The transient rule alternates: the first failure is a 503, the second a dropped connection.
    let provider = ProviderBuilder::new().connect_http(failing.endpoint_url());
    let err = provider.get_block_number().await.expect_err("503");
    eprintln!("503: {err}\n{err:?}");
    let http = err
        .as_transport_err()
        .and_then(TransportErrorKind::as_http_error);
    assert!(http.is_some_and(|h| h.status == 503 && h.is_temporarily_unavailable()));
    assert_eq!(
        err.to_string(),
        "HTTP error 503 with body: Service Unavailable"
    );
    assert!(RateLimitRetryPolicy::default().should_retry(&err));

    let err = provider.get_block_number().await.expect_err("dropped");
    eprintln!("dropped: {err}\n{err:?}");
    let custom = err
        .as_transport_err()
        .and_then(TransportErrorKind::as_custom);
    let reqwest = custom
        .and_then(|c| c.downcast_ref::<reqwest::Error>())
        .expect("a reqwest error");
    assert!(reqwest.is_request() && !reqwest.is_connect() && !reqwest.is_timeout());
    let hyper = std::iter::successors(reqwest.source(), |&e| e.source())
        .find_map(|e| e.downcast_ref::<hyper::Error>())
        .expect("a hyper error under the reqwest error");
    assert!(hyper.is_incomplete_message(), "{hyper:?}");
    assert!(
        !RateLimitRetryPolicy::default().should_retry(&err),
        "alloy's default policy does not retry a dropped connection"
    );
    Ok(())
}

#[tokio::test]
async fn dropping_the_proxy_stops_it() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let proxy = RpcProxy::spawn(node.endpoint_url(), ProxyRules::default()).await?;
    let url = proxy.endpoint_url();
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
    assert_eq!(post(&url, &call).await?.0, StatusCode::OK);
    drop(proxy);
    // The accept loop is aborted; let the runtime get to it.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let err = post(&url, &call)
        .await
        .expect_err("the proxy still answers");
    assert!(err.is_connect(), "{err:?}");
    Ok(())
}
