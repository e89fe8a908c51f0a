//! Bad flags fail before anything is opened: a one-line message naming the flag and the value, a
//! non-zero exit, and nothing written.

mod common;

use common::{Db, emtoken, failure};

const CONTRACT: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

/// `emtoken index` with `extra` flags on a fresh database must fail with `expected` in stderr.
async fn index_refuses(extra: &[&str], expected: &[&str]) {
    let db = Db::fresh().await;
    let mut args = vec!["index", "--until-head"];
    args.extend_from_slice(extra);
    let stderr = failure(&db.emtoken(&args));
    let first = stderr.lines().next().unwrap_or_default();
    for part in expected {
        assert!(
            first.contains(part),
            "{part:?} not in the first line of: {stderr}"
        );
    }
    assert!(db.untouched().await, "something was written");
}

#[tokio::test]
async fn a_bad_contract_address_is_refused() {
    for bad in [
        "0x12",
        "5fbdb2315678afecb367f032d93f642f64180aa3",
        "0xzzbdb2315678afecb367f032d93f642f64180aa3",
    ] {
        index_refuses(
            &["--rpc", "http://127.0.0.1:8545", "--contract", bad],
            &["--contract", bad, "0x followed by 40 hex digits"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_bad_rpc_url_is_refused() {
    for bad in ["localhost:8545", "not a url", "ws://127.0.0.1:8545"] {
        index_refuses(
            &["--rpc", bad, "--contract", CONTRACT],
            &["--rpc", bad, "http://"],
        )
        .await;
    }
    index_refuses(
        &[
            "--rpc",
            "http://127.0.0.1:8545",
            "--ws",
            "http://127.0.0.1:8546",
            "--contract",
            CONTRACT,
        ],
        &["--ws", "ws://"],
    )
    .await;
}

#[tokio::test]
async fn negative_numbers_are_refused() {
    for flag in ["--from-block", "--confirmations", "--poll-interval-ms"] {
        index_refuses(
            &[
                "--rpc",
                "http://127.0.0.1:8545",
                "--contract",
                CONTRACT,
                flag,
                "-1",
            ],
            &[flag, "'-1'"],
        )
        .await;
    }
}

#[tokio::test]
async fn a_bad_metrics_address_is_refused() {
    index_refuses(
        &[
            "--rpc",
            "http://127.0.0.1:8545",
            "--contract",
            CONTRACT,
            "--metrics-addr",
            "9100",
        ],
        &["--metrics-addr", "HOST:PORT"],
    )
    .await;
}

#[test]
fn a_bad_database_url_is_refused_from_the_flag_and_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = failure(&emtoken(
        dir.path(),
        &["wallets", "--database-url", "mysql://localhost/x"],
    ));
    assert!(
        stderr.contains("--database-url") && stderr.contains("mysql://localhost/x"),
        "{stderr}"
    );

    let out = common::command(dir.path(), &["wallets"])
        .env("DATABASE_URL", "localhost:5432")
        .output()
        .unwrap();
    let stderr = failure(&out);
    assert!(
        stderr.contains("--database-url") && stderr.contains("postgres://"),
        "{stderr}"
    );
    assert!(!dir.path().join(".emtoken").exists());
}

#[test]
fn a_bad_wallet_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["movements", "holds"] {
        let stderr = failure(&emtoken(dir.path(), &[command, "--wallet", "alice"]));
        assert!(
            stderr.starts_with("error: invalid value 'alice' for '--wallet <ADDR|UUID>'"),
            "{stderr}"
        );
    }
}

#[test]
fn readers_need_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = failure(&emtoken(dir.path(), &["wallets"]));
    assert_eq!(
        stderr.trim(),
        "error: no index in .emtoken/db: run `emtoken index` first, or pass --data-dir or --database-url"
    );
    assert!(!dir.path().join(".emtoken").exists());
}

/// `emtoken serve` with `extra` flags and `env` on a fresh database must fail before anything is opened,
/// with each of `expected` in its message and nothing written.
async fn serve_refuses(extra: &[&str], env: &[(&str, &str)], expected: &[&str]) {
    let db = Db::fresh().await;
    let mut args = vec![
        "serve",
        "--rpc",
        "http://127.0.0.1:9",
        "--contract",
        CONTRACT,
        "--operator-key",
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    ];
    args.extend_from_slice(extra);
    let db_args = db.args();
    args.extend(db_args.iter().map(String::as_str));
    let mut command = common::command(db.dir.path(), &args);
    for (name, value) in env {
        command.env(name, value);
    }
    let stderr = failure(&command.output().unwrap());
    assert!(stderr.starts_with("error: "), "{stderr}");
    for part in expected {
        assert!(stderr.contains(part), "{part:?} not in: {stderr}");
    }
    assert!(db.untouched().await, "something was written");
}

#[tokio::test]
async fn serve_refuses_bad_acquirer_and_public_url_flags() {
    let url = ["--acquirer-url", "http://127.0.0.1:9"];
    serve_refuses(&url, &[], &["--acquirer-secret-file <PATH>"]).await;
    serve_refuses(
        &["--acquirer-secret-file", "secret"],
        &[],
        &["--acquirer-url <URL>"],
    )
    .await;
    serve_refuses(
        &[
            &url[..],
            &[
                "--acquirer-secret-file",
                "secret",
                "--acquirer-latency-ms",
                "5",
            ],
        ]
        .concat(),
        &[],
        &["--acquirer-latency-ms", "cannot be used with"],
    )
    .await;
    for (flag, bad) in [
        ("--acquirer-url", "ftp://psp.example"),
        ("--acquirer-url", "psp.example"),
        ("--public-url", "https://api.example/?a=1"),
        ("--public-url", "api.example"),
        ("--acquirer-latency-ms", "-1"),
    ] {
        serve_refuses(&[flag, bad], &[], &[flag, bad]).await;
    }
}

#[tokio::test]
async fn serve_refuses_a_short_or_missing_secret_and_an_unknown_crash_point() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.secret");
    std::fs::write(&short, "0123456789\n").unwrap();
    let short = short.display().to_string();
    let url = ["--acquirer-url", "http://127.0.0.1:9"];
    serve_refuses(
        &[&url[..], &["--acquirer-secret-file", &short]].concat(),
        &[],
        &["--acquirer-secret-file", "10 bytes", "at least 32", &short],
    )
    .await;
    let missing = dir.path().join("none").display().to_string();
    serve_refuses(
        &[&url[..], &["--acquirer-secret-file", &missing]].concat(),
        &[],
        &["cannot read", &missing],
    )
    .await;
    serve_refuses(
        &[],
        &[("EMTOKEN_CRASH_AT", "somewhere")],
        &["EMTOKEN_CRASH_AT", "somewhere", "card-approved"],
    )
    .await;
}

/// With `--json`, errors are one JSON line on stderr — usage errors (exit 2) and failures (exit 1) —
/// with the message, its kind and its causes; without it, the one-line text stays.
#[tokio::test]
async fn with_json_errors_are_json() {
    let db = Db::fresh().await;
    let out = db.emtoken(&["--json", "wallets", "--nope"]);
    assert_eq!(out.status.code(), Some(2));
    let error: serde_json::Value =
        serde_json::from_slice(&out.stderr).expect("a JSON error on stderr");
    assert_eq!(error["kind"], "usage", "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("'--nope'"),
        "{error}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = emtoken(
        dir.path(),
        &[
            "--json",
            "api-key",
            "list",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no result on stdout");
    let error: serde_json::Value =
        serde_json::from_slice(&out.stderr).expect("a JSON error on stderr");
    assert_eq!(error["kind"], "failed", "{error}");
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot open the database at --database-url"),
        "{error}"
    );
    assert!(!error["causes"].as_array().unwrap().is_empty(), "{error}");
    // Text without --json.
    let text = failure(&db.emtoken(&["wallets", "--nope"]));
    assert!(
        text.starts_with("error: unexpected argument '--nope'"),
        "{text}"
    );
}

/// `emtoken completions SHELL` prints a completion script naming the subcommands and their flags.
#[test]
fn completion_scripts_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_emtoken()"),
        ("zsh", "#compdef emtoken"),
        ("fish", "complete -c emtoken"),
    ] {
        let out = emtoken(dir.path(), &["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["serve", "api-key", "chain-rpc", "rate-limit"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let out = emtoken(dir.path(), &["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

/// `--config FILE`: its values sit under the environment and the flags; `config show` prints what a
/// command would run with, secrets masked; a key that is no flag is refused before anything is opened.
#[test]
fn the_configuration_file_sits_under_the_environment_and_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    std::fs::write(dir.path().join("operator.key"), format!("{key}\n")).unwrap();
    std::fs::write(
        dir.path().join("emtoken.toml"),
        format!(
            "rpc = \"http://127.0.0.1:1\"\ncontract = \"{CONTRACT}\"\n\
             operator_key_file = \"{}\"\ndatabase_url = \"postgres://emtoken:hunter2@db:5432/emtoken\"\n\
             rate_limit = 10\nlisten = \"127.0.0.1:9001\"\ndata_dir = \"from-file\"\n",
            dir.path().join("operator.key").display()
        ),
    )
    .unwrap();

    // The file's value, then the environment's over it.
    let show = |env: &[(&str, &str)]| {
        let mut command =
            common::command(dir.path(), &["config", "show", "--config", "emtoken.toml"]);
        command.envs(env.iter().copied());
        common::success(&command.output().unwrap())
    };
    let text = show(&[]);
    assert!(text.contains("rate_limit = 10  # file\n"), "{text}");
    assert!(
        text.contains("listen = \"127.0.0.1:9001\"  # file\n"),
        "{text}"
    );
    assert!(text.contains("stall_seconds = 30  # default\n"), "{text}");
    assert!(
        text.contains("operator_key = \"********\"  # file (operator_key_file: "),
        "{text}"
    );
    assert!(
        text.contains("database_url = \"postgres://emtoken:***@db:5432/emtoken\"  # file"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains(&key[2..]),
        "a secret shown: {text}"
    );
    let text = show(&[
        ("EMTOKEN_RATE_LIMIT", "7"),
        ("DATABASE_URL", "postgres://other:pw2@h/d"),
    ]);
    assert!(
        text.contains("rate_limit = 7  # env EMTOKEN_RATE_LIMIT\n"),
        "{text}"
    );
    assert!(
        text.contains("database_url = \"postgres://other:***@h/d\"  # env DATABASE_URL"),
        "{text}"
    );
    assert!(!text.contains("pw2"), "{text}");

    // A read command takes the file's database flags; a typed flag wins over the file.
    std::fs::write(dir.path().join("db.toml"), "data_dir = \"from-file\"\n").unwrap();
    let stderr = failure(&emtoken(
        dir.path(),
        &["wallets", "--config", "db.toml", "--data-dir", "typed"],
    ));
    assert!(stderr.contains("no index in typed"), "{stderr}");
    let out = common::command(dir.path(), &["wallets"])
        .env("EMTOKEN_CONFIG", "db.toml")
        .output()
        .unwrap();
    let stderr = failure(&out);
    assert!(stderr.contains("no index in from-file"), "{stderr}");

    // Refusals name the file and the key, exit 2, and open nothing.
    std::fs::write(
        dir.path().join("typo.toml"),
        "data_dir = \"x\"\ndatabse_url = \"postgres://a/b\"\n",
    )
    .unwrap();
    let out = emtoken(dir.path(), &["index", "--config", "typo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = failure(&out);
    assert!(
        stderr.starts_with("error: typo.toml: unknown key `databse_url`"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("bad.toml"),
        format!("rpc = \"http://127.0.0.1:1\"\ncontract = \"{CONTRACT}\"\nconfirmations = -1\ndata_dir = \"x\"\n"),
    )
    .unwrap();
    let out = emtoken(dir.path(), &["index", "--config", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = failure(&out);
    assert!(
        stderr.starts_with(
            "error: bad.toml: key `confirmations`: invalid value '-1' for '--confirmations <N>'"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join("x").exists() && !dir.path().join(".emtoken").exists());
}
