//! Reads beside `serve` on the embedded database (issue 19): while serve holds the folder, `wallets`,
//! `movements`, `holds`, `sms outbox` and `api-key list` ask it over `<data-dir>/serve.sock` and print
//! what its API shows, exactly as they print it from the folder once serve has stopped; writes beside
//! it fail with a message saying serve holds the folder; a socket a SIGKILLed serve left confuses
//! neither the readers nor the next serve.

mod common;

use std::{os::unix::fs::PermissionsExt, path::Path, process::Output};

use common::{
    Db,
    api::{Http, Serve, api_key, funded_wallets, get, http, post, wait_for},
    failure, success,
};
use emtoken_test_utils::{DevNode, ProfileName};
use emtoken_workload::{Deployed, LOAD_ANVIL_ARGS};
use serde_json::{Value, json};

/// What a write beside serve says.
fn held(db: &Db) -> String {
    format!(
        "serve holds the embedded database in {}: stop it, or use the HTTP API / a PostgreSQL server \
         (--database-url)",
        db.data_dir().display()
    )
}

fn json_of(output: &Output) -> Value {
    serde_json::from_str(&success(output)).expect("JSON on stdout")
}

fn socket(db: &Db) -> std::path::PathBuf {
    db.data_dir().join("serve.sock")
}

/// The items of a list the API answers at `url`.
async fn items(http: &Http, url: &str, key: &str, name: &str) -> Vec<Value> {
    let (status, page) = get(http, url, key).await.expect("the API answers");
    assert_eq!(status, 200, "{page}");
    page["_embedded"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        .clone()
}

/// The outputs of every read command: (arguments, output).
fn reads(db: &Db, a: &str, b: &str) -> Vec<(Vec<String>, Output)> {
    let mut all = vec![];
    for json in [true, false] {
        for args in [
            vec!["wallets"],
            vec!["wallets", "--system"],
            vec!["movements", "--wallet", a],
            vec!["movements", "--wallet", b],
            vec!["holds", "--wallet", a],
            vec!["sms", "outbox"],
            vec!["api-key", "list"],
        ] {
            let mut args: Vec<&str> = args;
            if json {
                args.insert(0, "--json");
            }
            let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
            let borrowed: Vec<&str> = args.iter().map(String::as_str).collect();
            let output = db.emtoken(&borrowed);
            all.push((args, output));
        }
    }
    all
}

/// A command that must fail, with the text (and `--json`) error it printed.
fn refused(db: &Db, args: &[&str]) -> String {
    failure(&db.emtoken(args))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_beside_serve_show_what_its_api_shows_and_what_the_folder_shows_after() {
    let db = Db::embedded();
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let client_key = api_key(&db, "acme", false);
    let bank_key = api_key(&db, "bank", true);
    let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    let base = serve.base.clone();
    let http = http();
    serve.start();
    serve.ready(&http).await;
    let wallets = funded_wallets(
        &http,
        &serve,
        (&client_key, &bank_key),
        &[Some("100.00"), Some("25.50")],
    )
    .await;
    let (a, b) = (wallets[0].clone(), wallets[1].clone());
    let wallets_url = format!("{base}/api/v1/public/wallets");

    // A transfer A→B and a hold A→B, settled.
    let (status, body) = post(
        &http,
        &format!("{wallets_url}/{a}/transfer"),
        &client_key,
        &json!({ "amount": "10.25", "targetWalletId": b, "concept": "rent" }),
        None,
    )
    .await
    .expect("the API answers");
    assert_eq!(status, 202, "{body}");
    let (status, body) = post(
        &http,
        &format!("{wallets_url}/{a}/hold"),
        &client_key,
        &json!({ "amount": "5.00", "targetWalletId": b, "concept": "deposit" }),
        None,
    )
    .await
    .expect("the API answers");
    assert_eq!(status, 202, "{body}");
    wait_for(&http, &format!("{wallets_url}/{a}"), &client_key, |w| {
        w["availableBalance"] == "84.75" && w["heldBalance"] == "5.00"
    })
    .await;
    for w in [&a, &b] {
        wait_for(
            &http,
            &format!("{wallets_url}/{w}/movements?size=100"),
            &client_key,
            |page| {
                page["_embedded"]["movements"]
                    .as_array()
                    .is_some_and(|ms| ms.iter().all(|m| m["status"] == "SUCCESS"))
            },
        )
        .await;
    }
    wait_for(
        &http,
        &format!("{wallets_url}/{a}/holds"),
        &client_key,
        |page| page["_embedded"]["holds"][0]["status"] == "CREATED",
    )
    .await;

    // Serve answers on its socket, which only its user may use.
    let mode = std::fs::metadata(socket(&db)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");

    // wallets: each as the API shows it.
    let listed = json_of(&db.emtoken(&["--json", "wallets"]));
    let listed = listed.as_array().expect("an array");
    for id in [&a, &b] {
        let (_, api) = get(&http, &format!("{wallets_url}/{id}"), &client_key)
            .await
            .expect("the API answers");
        let cli = listed
            .iter()
            .find(|w| w["id"] == id.as_str())
            .unwrap_or_else(|| panic!("no wallet {id} in {listed:#?}"));
        for field in [
            "dltAddress",
            "balance",
            "availableBalance",
            "heldBalance",
            "status",
            "userId",
        ] {
            assert_eq!(cli[field], api[field], "{field} of {id}: {cli:#} / {api:#}");
        }
    }
    let a_row = listed.iter().find(|w| w["id"] == a.as_str()).unwrap();
    assert_eq!(
        (
            &a_row["balance"],
            &a_row["availableBalance"],
            &a_row["heldBalance"]
        ),
        (&json!("89.75"), &json!("84.75"), &json!("5.00"))
    );

    // movements: the API's, by id, type, amount and status.
    for (id, expected) in [
        (
            &a,
            vec![
                ("BANK_ACCOUNT_CASHIN", "100.00"),
                ("TRANSFER_OUT", "10.25"),
                ("LOCK", "5.00"),
            ],
        ),
        (
            &b,
            vec![("BANK_ACCOUNT_CASHIN", "25.50"), ("TRANSFER_IN", "10.25")],
        ),
    ] {
        let cli = json_of(&db.emtoken(&["--json", "movements", "--wallet", id]));
        let cli = cli.as_array().expect("an array");
        let api = items(
            &http,
            &format!("{wallets_url}/{id}/movements?size=100"),
            &client_key,
            "movements",
        )
        .await;
        let key = |m: &Value| {
            (
                m["id"].as_str().unwrap_or_default().to_owned(),
                m["type"].as_str().unwrap_or_default().to_owned(),
                m["amount"].as_str().unwrap_or_default().to_owned(),
                m["status"].as_str().unwrap_or_default().to_owned(),
            )
        };
        let mut from_cli: Vec<_> = cli.iter().map(key).collect();
        let mut from_api: Vec<_> = api.iter().map(key).collect();
        from_cli.sort();
        from_api.sort();
        assert_eq!(from_cli, from_api, "movements of {id}");
        let kinds: Vec<(&str, &str)> = cli
            .iter()
            .map(|m| (m["type"].as_str().unwrap(), m["amount"].as_str().unwrap()))
            .collect();
        assert_eq!(kinds, expected, "movements of {id}");
    }

    // holds: the API's.
    let cli = json_of(&db.emtoken(&["--json", "holds", "--wallet", &a]));
    let api = items(
        &http,
        &format!("{wallets_url}/{a}/holds"),
        &client_key,
        "holds",
    )
    .await;
    assert_eq!(cli.as_array().unwrap().len(), 1, "{cli:#}");
    assert_eq!(api.len(), 1, "{api:#?}");
    for field in [
        "id",
        "heldValue",
        "executedValue",
        "payerWalletId",
        "payeeWalletId",
    ] {
        assert_eq!(cli[0][field], api[0][field], "{field}: {cli:#} / {api:#?}");
    }
    assert_eq!(cli[0]["status"], "CREATED");
    assert_eq!(cli[0]["heldValue"], "5.00");

    // sms outbox: the phone codes serve sent, as it wrote them to its outbox file.
    let cli = json_of(&db.emtoken(&["--json", "sms", "outbox"]));
    let file: Vec<Value> = std::fs::read_to_string(&serve.sms)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(cli, Value::Array(file));
    assert_eq!(cli.as_array().unwrap().len(), 2, "{cli:#}");

    // api-key list: the two keys made before serve started.
    let cli = json_of(&db.emtoken(&["--json", "api-key", "list"]));
    let mut clients: Vec<&str> = cli
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["client"].as_str().unwrap())
        .collect();
    clients.sort_unstable();
    assert_eq!(clients, ["acme", "bank"], "{cli:#}");

    // An error of the query prints as it would from the folder.
    let unknown = "0x00000000000000000000000000000000000000aa";
    let beside_text = refused(&db, &["movements", "--wallet", unknown]);
    assert!(
        beside_text.contains(&format!("no wallet {unknown} in the index")),
        "{beside_text}"
    );
    let beside_json = refused(&db, &["--json", "holds", "--wallet", unknown]);

    // Writes beside serve: refused, saying why and what to do.
    for args in [
        vec!["api-key", "create", "--client", "late"],
        vec!["api-key", "revoke", "--client", "acme"],
        vec![
            "currencies",
            "add",
            "--code",
            "GBP",
            "--name",
            "Pound",
            "--decimals",
            "2",
        ],
    ] {
        let text = refused(&db, &args);
        assert_eq!(text.trim_end(), format!("error: {}", held(&db)), "{args:?}");
        let mut json_args = vec!["--json"];
        json_args.extend(&args);
        let error: Value = serde_json::from_str(refused(&db, &json_args).trim()).unwrap();
        assert_eq!(error["error"], held(&db).as_str(), "{error}");
    }

    let beside = reads(&db, &a, &b);
    for (args, output) in &beside {
        success(output);
        assert!(!output.stdout.is_empty(), "{args:?}");
    }

    // Serve stops cleanly and takes its socket away; the same reads then read the folder.
    let (exit, _) = serve.terminate();
    assert!(exit.success(), "serve exited with {exit}");
    assert!(
        !socket(&db).exists(),
        "the socket is left after a clean stop"
    );
    let direct = reads(&db, &a, &b);
    for ((args, there), (_, here)) in beside.iter().zip(&direct) {
        assert_eq!(
            String::from_utf8_lossy(&there.stdout),
            success(here),
            "emtoken {} beside serve and on the folder",
            args.join(" ")
        );
    }
    assert_eq!(
        refused(&db, &["movements", "--wallet", unknown]),
        beside_text
    );
    assert_eq!(
        refused(&db, &["--json", "holds", "--wallet", unknown]),
        beside_json
    );
    // The folder is free again: writes work.
    success(&db.emtoken(&["api-key", "create", "--client", "late"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_socket_a_killed_serve_left_confuses_neither_readers_nor_the_next_serve() {
    let db = Db::embedded();
    let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    api_key(&db, "acme", false);
    let mut serve = Serve::new(&db, &node, d.endpoint(), &d.address.to_string());
    let http = http();
    serve.start();
    serve.ready(&http).await;
    // The clients of the keys, by name.
    let keys = |db: &Db| -> Vec<String> {
        let mut names: Vec<String> = json_of(&db.emtoken(&["--json", "api-key", "list"]))
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["client"].as_str().unwrap().to_owned())
            .collect();
        names.sort_unstable();
        names
    };
    assert_eq!(keys(&db), ["acme"]);

    // SIGKILL: the socket file stays, answering nothing.
    serve.kill();
    assert!(
        socket(&db).exists(),
        "a killed serve cannot remove its socket"
    );
    assert!(std::os::unix::net::UnixStream::connect(socket(&db)).is_err());

    // Readers read the folder; writers write it.
    assert_eq!(keys(&db), ["acme"]);
    // The accounts the deployment registered, and no user's.
    let wallets = json_of(&db.emtoken(&["--json", "wallets"]));
    assert!(
        wallets
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["userId"].is_null()),
        "{wallets:#}"
    );
    assert_eq!(
        json_of(&db.emtoken(&["--json", "sms", "outbox"])),
        json!([])
    );
    api_key(&db, "second", false);
    assert_eq!(keys(&db), ["acme", "second"]);

    // The next serve replaces the socket and answers on it.
    serve.start();
    serve.ready(&http).await;
    assert_eq!(keys(&db), ["acme", "second"]);
    let text = refused(&db, &["api-key", "create", "--client", "third"]);
    assert!(text.contains(&held(&db)), "{text}");
    assert!(
        read(&serve.log()).contains("replaced the socket"),
        "{}",
        read(&serve.log())
    );
    let (exit, _) = serve.terminate();
    assert!(exit.success(), "serve exited with {exit}");
    assert!(!socket(&db).exists());
    assert_eq!(keys(&db), ["acme", "second"]);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
