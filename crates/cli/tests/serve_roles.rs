//! `emtoken serve` checks its keys on chain before it serves: a key without the role it signs for stops
//! the start with an error naming the flag, the account and the role, and nothing is served. Started,
//! its API port answers `/health` and, once the index has caught up, `/ready`.

mod common;

use std::time::{Duration, Instant};

use common::{
    Db,
    api::{Serve, key_of},
};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;

/// Runs `serve` to its end (60 s at most): its exit status and its log.
fn run_to_end(serve: &mut Serve) -> (std::process::ExitStatus, String) {
    serve.start();
    let mut child = serve.child.take().expect("serve started");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for serve") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("serve did not stop");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (
        status,
        std::fs::read_to_string(serve.log()).unwrap_or_default(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_to_start_with_a_key_that_lacks_its_role() {
    let db = Db::fresh().await;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let alice = d.address_of(Role::Alice);
    for (variable, flag, role) in [
        ("EMTOKEN_OPERATOR_KEY", "--operator-key", "OPERATOR_ROLE"),
        (
            "EMTOKEN_COMPLIANCE_KEY",
            "--compliance-key",
            "COMPLIANCE_ROLE",
        ),
    ] {
        let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
        for (k, v) in &mut serve.env {
            if *k == variable {
                *v = key_of(&node, Role::Alice);
            }
        }
        let (status, log) = run_to_end(&mut serve);
        assert!(!status.success(), "{flag}: {log}");
        assert!(
            log.contains(&format!("{flag} {alice} does not hold the {role} role")),
            "{flag}: {log}"
        );
        assert!(!log.contains("serving the API"), "{log}");
        std::fs::remove_file(serve.log()).ok();
    }
    // With the right keys it starts, and says when it is ready: alive, and caught up with the chain.
    let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    serve.start();
    let http = common::api::http();
    serve.ready(&http).await;
    let health = common::api::get(&http, &format!("{}/health", serve.base), "").await;
    assert_eq!(
        health.map(|(s, b)| (s, b["status"].clone())),
        Some((200, "ok".into()))
    );
    let started = Instant::now();
    loop {
        match common::api::get(&http, &format!("{}/ready", serve.base), "").await {
            Some((200, body)) => {
                assert_eq!(body["status"], "ready", "{body}");
                assert!(body["indexed"].as_i64().unwrap() >= 0, "{body}");
                break;
            }
            other => assert!(
                started.elapsed() < Duration::from_secs(30),
                "never ready: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
