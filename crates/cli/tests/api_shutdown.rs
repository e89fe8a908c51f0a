//! Graceful shutdown of `emtoken serve`: SIGTERM while requests are in flight answers none of them with
//! a 500; requests arriving meanwhile get 503 with Retry-After (or find the port closed); the process
//! exits cleanly within the drain limit; what was answered 202 is on chain after a restart.

mod common;

use std::{sync::Arc, time::Duration};

use common::{
    Db,
    api::{Serve, api_key, funded_wallets, http, post, wait_for},
};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_requests_in_flight_finish_and_refuses_new_ones_with_503() {
    let db = match std::env::var("DATABASE_URL") {
        Ok(_) => Db::fresh().await,
        Err(_) => Db::embedded(),
    };
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    let base = serve.base.clone();
    let http = http();
    serve.start();
    serve.ready(&http).await;

    let wallets_url = format!("{base}/api/v1/public/wallets");
    let wallets = funded_wallets(
        &http,
        &serve,
        (&client_key, &bank_key),
        &[Some("100.00"), None],
    )
    .await;
    let (a, b) = (wallets[0].clone(), wallets[1].clone());

    // 60 transfers of 1.00 on their way when SIGTERM arrives, and more arriving after it.
    let url = Arc::new(format!("{wallets_url}/{a}/transfer"));
    let mut sends = vec![];
    let t0 = std::time::Instant::now();
    for n in 0..60 {
        let (http, url, key, b) = (http.clone(), url.clone(), client_key.clone(), b.clone());
        sends.push(tokio::spawn(async move {
            if n >= 40 {
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            let body = json!({ "amount": "1.00", "targetWalletId": b });
            let answer = post(&http, &url, &key, &body, Some(&format!("t-{n}"))).await;
            (n, answer)
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (exit, took) = serve.terminate();
    eprintln!(
        "SIGTERM after {:?}; serve exited {took:?} later",
        t0.elapsed() - took
    );
    assert!(exit.success(), "serve exited with {exit} after SIGTERM");
    assert!(
        took < Duration::from_secs(20),
        "serve took {took:?} to stop"
    );

    let mut accepted = vec![];
    let mut refused = 0;
    for send in sends {
        let (n, answer) = send.await.unwrap();
        match answer {
            Some((202, _)) => accepted.push(n),
            Some((503, body)) => {
                assert!(body.to_string().contains("shutting down"), "{body}");
                refused += 1;
            }
            // The port was closed already: the request never reached the platform.
            None => refused += 1,
            Some((status, body)) => panic!("request {n} answered {status}: {body}"),
        }
    }
    eprintln!(
        "{} accepted, {refused} refused or not reached",
        accepted.len()
    );

    // After a restart, every 202 is a transfer: the wallet paid exactly that many euros.
    serve.start();
    serve.ready(&http).await;
    let left = format!("{}.00", 100 - accepted.len());
    wait_for(&http, &format!("{wallets_url}/{a}"), &client_key, |w| {
        w["availableBalance"] == left.as_str()
    })
    .await;
    // Retrying an accepted key gives its first answer.
    if let Some(n) = accepted.first() {
        let (status, _) = post(
            &http,
            &url,
            &client_key,
            &json!({ "amount": "1.00", "targetWalletId": b }),
            Some(&format!("t-{n}")),
        )
        .await
        .unwrap();
        assert_eq!(status, 202);
    }
    serve.kill();
}
