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

/// `emtoken keystore new` encrypts a key; `serve` opens keystores with their password files and signs
/// with them; a wrong password stops the start; raw keys are refused off development chains.
#[tokio::test(flavor = "multi_thread")]
async fn serve_signs_with_keystores_and_refuses_raw_keys_off_development_chains() {
    let db = Db::fresh().await;
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let dir = db.dir.path().to_owned();
    let password = dir.join("keys.pass");
    std::fs::write(&password, "correct horse battery\n").unwrap();
    let keystore = |role: Role, name: &str| {
        let out = dir.join(name);
        let mut cmd = common::command(
            &dir,
            &[
                "--json",
                "keystore",
                "new",
                "--out",
                out.to_str().unwrap(),
                "--password-file",
                password.to_str().unwrap(),
            ],
        );
        cmd.env("EMTOKEN_KEY", key_of(&node, role));
        let written: serde_json::Value =
            serde_json::from_str(&common::success(&cmd.output().unwrap())).unwrap();
        assert_eq!(
            written["address"],
            format!("{:#x}", d.address_of(role)),
            "{written}"
        );
        out
    };
    let operator = keystore(Role::Operator, "operator.json");
    let compliance = keystore(Role::Compliance, "compliance.json");
    let text = std::fs::read_to_string(&operator).unwrap();
    assert!(
        text.contains("\"crypto\"") && text.contains("scrypt"),
        "{text}"
    );
    assert!(
        !text.contains(&key_of(&node, Role::Operator)[2..]),
        "the key is encrypted"
    );
    // Never overwritten; a short password refused.
    let mut again = common::command(
        &dir,
        &[
            "keystore",
            "new",
            "--out",
            operator.to_str().unwrap(),
            "--password-file",
            password.to_str().unwrap(),
            "--generate",
        ],
    );
    let e = common::failure(&again.output().unwrap());
    assert!(e.contains("never overwritten"), "{e}");
    let short = dir.join("short.pass");
    std::fs::write(&short, "abc\n").unwrap();
    let out = dir.join("new.json");
    let mut weak = common::command(
        &dir,
        &[
            "keystore",
            "new",
            "--out",
            out.to_str().unwrap(),
            "--password-file",
            short.to_str().unwrap(),
            "--generate",
        ],
    );
    let e = common::failure(&weak.output().unwrap());
    assert!(e.contains("at least 8 characters"), "{e}");
    assert!(!out.exists());

    let with_keystores = |password: &std::path::Path| {
        let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
        serve.env = vec![
            ("EMTOKEN_OPERATOR_KEYSTORE", operator.display().to_string()),
            (
                "EMTOKEN_OPERATOR_PASSWORD_FILE",
                password.display().to_string(),
            ),
            (
                "EMTOKEN_COMPLIANCE_KEYSTORE",
                compliance.display().to_string(),
            ),
            (
                "EMTOKEN_COMPLIANCE_PASSWORD_FILE",
                password.display().to_string(),
            ),
        ];
        serve
    };
    // A wrong password: refused, naming the keystore.
    let wrong = dir.join("wrong.pass");
    std::fs::write(&wrong, "not the password\n").unwrap();
    let (status, log) = run_to_end(&mut with_keystores(&wrong));
    assert!(!status.success(), "{log}");
    assert!(
        log.contains("--operator-keystore") && log.contains("cannot open it"),
        "{log}"
    );
    // The right one: it starts, its keys hold their roles.
    let mut serve = with_keystores(&password);
    serve.start();
    serve.ready(&common::api::http()).await;
    drop(serve);

    // Raw keys on a chain that is not a development chain: refused.
    let production = DevNode::spawn_with_args(ProfileName::Dev, &["--chain-id", "4242"]).unwrap();
    let p = Deployed::deploy(&production).await.unwrap();
    let mut serve = Serve::new(&db, &production, p.endpoint(), &p.address.to_string());
    let (status, log) = run_to_end(&mut serve);
    assert!(!status.success(), "{log}");
    assert!(
        log.contains(
            "raw private keys (--operator-key, --compliance-key) are refused on chain 4242"
        ),
        "{log}"
    );
}
