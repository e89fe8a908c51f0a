//! `emtoken serve`: the indexer and the platform's HTTP API in one process, on one database.

use std::{
    io::IsTerminal,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::Duration,
};

use alloy::{primitives::Address, signers::local::PrivateKeySigner};
use anyhow::Context;
use clap::{Args, ValueEnum};
use emtoken_api::{
    ApiState, CrashPoint, Onboarding, Platform, SchedulerConfig, SmsSender, SystemClock,
    acquirer::{Acquirer, Simulator},
    ops::{IndexerView, Readiness},
    webhook_acquirer::WebhookAcquirer,
};
use emtoken_sdk::{EmTokenClient, NetworkProfile, Role, Web3Signer};
use tokio::{net::TcpListener, sync::watch};

use super::{database::Open, index};
use crate::{args, logging, metrics_server, output::Output, signals};

/// Index the chain and serve the platform's HTTP API over the index.
///
/// Everything `emtoken index` does, plus the API of the platform's guide on --listen: wallets,
/// movements and holds read from the index; transfers, holds, cash-outs and wallet registrations
/// sent as transactions signed with the platform's operator key (and compliance key for
/// registrations); the bank side (SEPA cash-ins, payouts executed or rejected) for the bank's key.
/// API keys: `emtoken api-key create` (before starting, when the embedded database is used). The
/// OpenAPI document is served at /api/v1/openapi.json, and Swagger UI over it at /docs. Card cash-ins
/// are charged by the built-in simulator (test cards: docs/api.md), or by a payment provider with
/// --acquirer-url and --acquirer-secret-file (its protocol: docs/acquirer.md), which posts its
/// decisions back to --public-url.
///
/// Example: `EMTOKEN_OPERATOR_KEY=0x… EMTOKEN_COMPLIANCE_KEY=0x… emtoken serve --rpc http://127.0.0.1:8545
/// --contract 0x5fbdb2315678afecb367f032d93f642f64180aa3 --listen 127.0.0.1:8080`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    index: index::IndexArgs,

    /// Where the API listens, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080", value_parser = args::listen_addr)]
    listen: SocketAddr,

    /// Private key (hex) of the operator role: signs transfers, holds (as notary), payouts and mints.
    /// Development chains only (31337, 1337, 2018): elsewhere use --operator-keystore or
    /// --operator-web3signer.
    #[arg(
        long,
        env = "EMTOKEN_OPERATOR_KEY",
        value_name = "HEX",
        hide_env_values = true,
        required_unless_present_any = ["operator_keystore", "operator_web3signer"],
        conflicts_with_all = ["operator_keystore", "operator_web3signer"]
    )]
    operator_key: Option<String>,

    /// The operator's key as an encrypted JSON keystore (Web3 Secret Storage, as geth, clef, `cast
    /// wallet import` or `emtoken keystore new` write it), opened with --operator-password-file, or
    /// with a password typed on the terminal when serve runs on one.
    #[arg(
        long,
        env = "EMTOKEN_OPERATOR_KEYSTORE",
        value_name = "FILE",
        conflicts_with = "operator_web3signer"
    )]
    operator_keystore: Option<PathBuf>,

    /// The file holding the operator keystore's password (its first line).
    #[arg(long, env = "EMTOKEN_OPERATOR_PASSWORD_FILE", value_name = "FILE")]
    operator_password_file: Option<PathBuf>,

    /// The operator signs through the Web3Signer at this URL (`web3signer eth1`, e.g.
    /// http://127.0.0.1:9000), which holds the key of --operator-address: checked at start (up, the
    /// key held, a probe signed for this chain).
    #[arg(
        long,
        env = "EMTOKEN_OPERATOR_WEB3SIGNER",
        value_name = "URL",
        value_parser = args::public_url,
        hide_env_values = true,
        requires = "operator_address"
    )]
    operator_web3signer: Option<String>,

    /// The operator's address, whose key --operator-web3signer holds.
    #[arg(
        long,
        env = "EMTOKEN_OPERATOR_ADDRESS",
        value_name = "ADDR",
        value_parser = args::address,
        requires = "operator_web3signer"
    )]
    operator_address: Option<Address>,

    /// Private key (hex) of the compliance role: registers and freezes wallets and sets KYC levels (default: the operator key).
    #[arg(
        long,
        env = "EMTOKEN_COMPLIANCE_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    compliance_key: Option<String>,

    /// The compliance key as an encrypted JSON keystore, opened with --compliance-password-file, or
    /// with a password typed on the terminal when serve runs on one.
    #[arg(
        long,
        env = "EMTOKEN_COMPLIANCE_KEYSTORE",
        value_name = "FILE",
        conflicts_with = "compliance_key"
    )]
    compliance_keystore: Option<PathBuf>,

    /// The file holding the compliance keystore's password (its first line).
    #[arg(long, env = "EMTOKEN_COMPLIANCE_PASSWORD_FILE", value_name = "FILE")]
    compliance_password_file: Option<PathBuf>,

    /// The compliance role signs through the Web3Signer at this URL, which holds the key of
    /// --compliance-address (it may be the operator's Web3Signer).
    #[arg(
        long,
        env = "EMTOKEN_COMPLIANCE_WEB3SIGNER",
        value_name = "URL",
        value_parser = args::public_url,
        hide_env_values = true,
        conflicts_with_all = ["compliance_key", "compliance_keystore"],
        requires = "compliance_address"
    )]
    compliance_web3signer: Option<String>,

    /// The compliance role's address, whose key --compliance-web3signer holds.
    #[arg(
        long,
        env = "EMTOKEN_COMPLIANCE_ADDRESS",
        value_name = "ADDR",
        value_parser = args::address,
        requires = "compliance_web3signer"
    )]
    compliance_address: Option<Address>,

    /// How to send transactions: anvil (EIP-1559) or besu (legacy, gas price 0).
    #[arg(long, value_enum, default_value = "anvil")]
    profile: Profile,

    /// Send SMS (phone codes) by POSTing JSON `{"id","to","text","userId"}` to this gateway URL; a
    /// failure is tried again twice (after 250 ms, then 500 ms) before the code is void and the request
    /// answers 503.
    #[arg(long, value_name = "URL", conflicts_with = "sms_outbox")]
    sms_webhook: Option<String>,

    /// Before the bank side accepts a top-up or a withdrawal, POST the case as JSON to this AML screening
    /// service and record its answer (`{"result": "clear" | "review" | "block", "reference": …}`): review
    /// needs the acceptance to name its reviewer, block refuses it, and a service that cannot answer
    /// makes the acceptance a 503. Without it, decisions are recorded UNSCREENED.
    #[arg(long, value_name = "URL", env = "EMTOKEN_AML_SCREENING_URL")]
    aml_screening_url: Option<String>,

    /// Keep SMS in the database's outbox instead of sending them (`emtoken sms outbox` reads it):
    /// development only, refused unless `--profile anvil` or a development chain (id 31337 or 1337,
    /// or 2018: Besu's dev network, which `scripts/devnet up --profile besu` plays).
    #[arg(long)]
    sms_outbox: bool,

    /// With --sms-outbox: also write the outbox's messages to this file, one JSON object a line (as
    /// `emtoken sms outbox --json` shows them), rewritten at start and appended to within 200 ms of each
    /// message: for readers that do not run `emtoken sms outbox` (which reads through serve while serve
    /// holds the embedded database), e.g. `emtoken demo --sms-outbox-file` and the tests.
    #[arg(long, value_name = "PATH", requires = "sms_outbox")]
    sms_outbox_file: Option<std::path::PathBuf>,

    /// The most wallets a user may have (unsubscribed ones not counted).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_wallets_per_user: u32,

    /// The most ACTIVE favourite external accounts a wallet may have.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    max_favourites_per_wallet: u32,

    /// How late a scheduled operation's date missed while no `serve` ran may still be paid, in hours:
    /// a date due longer ago is recorded FAILED instead (docs/api.md, Scheduled operations).
    #[arg(long, value_name = "HOURS", default_value_t = 168, value_parser = clap::value_parser!(u32).range(0..=87600))]
    schedule_catch_up_hours: u32,

    /// The address browsers and the acquirer reach this API at, http(s) (payment pages' links and
    /// the acquirer's callbacks are made from it), e.g. https://api.example.com [default:
    /// http://<--listen>].
    #[arg(long, value_name = "URL", value_parser = args::public_url)]
    public_url: Option<String>,

    /// Charge cards through the payment provider at this address instead of the built-in simulator:
    /// the webhook protocol of docs/acquirer.md (charges POSTed to URL/charges, decisions posted back
    /// to --public-url/api/v1/acquirer/callbacks). With --acquirer-secret-file.
    #[arg(long, value_name = "URL", value_parser = args::public_url, requires = "acquirer_secret_file")]
    acquirer_url: Option<String>,

    /// The file holding the secret shared with the provider of --acquirer-url, which signs requests
    /// and callbacks both ways: at least 32 bytes, a line ending after them dropped (e.g. `openssl
    /// rand -hex 32 > FILE`).
    #[arg(long, value_name = "PATH", requires = "acquirer_url")]
    acquirer_secret_file: Option<PathBuf>,

    /// How long the built-in simulator takes to answer a charge, in milliseconds [default: 0]. Not
    /// with --acquirer-url.
    #[arg(long, value_name = "N", value_parser = args::millis_or_zero, allow_negative_numbers = true, conflicts_with = "acquirer_url")]
    acquirer_latency_ms: Option<u64>,

    /// `GET /ready` answers 503 once the indexer has indexed nothing new for this many seconds while
    /// the node's head is ahead of it (a stalled indexer).
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=86400))]
    stall_seconds: u32,

    /// Requests a second each API key may send on average; beyond it a 429 with Retry-After, nothing
    /// done (0: no limit). Counted per process.
    #[arg(long, value_name = "N", env = "EMTOKEN_RATE_LIMIT", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    rate_limit: u32,

    /// Let clients register webhook endpoints on private, loopback and link-local addresses
    /// (development and tests; otherwise a client could have the platform call its own network).
    #[arg(long)]
    webhooks_allow_private_addresses: bool,

    /// Requests an API key may send at once before --rate-limit applies (default: twice the limit).
    #[arg(long, value_name = "N", requires = "rate_limit", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    rate_burst: Option<u32>,
}

/// Transaction style of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Profile {
    /// EIP-1559 fees (anvil, public chains).
    Anvil,
    /// Legacy transactions at gas price 0 (Besu QBFT/IBFT permissioned networks).
    Besu,
}

/// How a role signs: a local key (raw, or opened from its keystore), or a remote signer.
#[derive(Debug, Clone)]
enum Key {
    /// A private key in this process; `raw` when it came as hex from a flag or the environment.
    Local {
        signer: PrivateKeySigner,
        raw: bool,
        /// The flag that gave it (`--operator-key`, `--operator-keystore`).
        flag: String,
    },
    /// A Web3Signer holding the key.
    Remote(Web3Signer),
}

impl Key {
    /// Whether the key came as raw hex (development chains only).
    fn raw(&self) -> bool {
        matches!(self, Self::Local { raw: true, .. })
    }
}

/// The flags that give a role's key.
struct KeyFlags<'a> {
    raw: Option<&'a str>,
    keystore: Option<&'a std::path::Path>,
    password: Option<&'a std::path::Path>,
    web3signer: Option<&'a str>,
    address: Option<Address>,
}

/// A role's key: raw, opened from its keystore, or held by a Web3Signer.
fn signer(flags: KeyFlags<'_>, role: &str) -> anyhow::Result<Key> {
    if let Some(url) = flags.web3signer {
        let address = flags.address.ok_or_else(|| {
            anyhow::anyhow!(
                "--{role}-web3signer needs --{role}-address: the address whose key it holds"
            )
        })?;
        let remote = Web3Signer::new(url, address)
            .map_err(|e| anyhow::anyhow!("--{role}-web3signer: {e}"))?;
        return Ok(Key::Remote(remote));
    }
    if let Some(file) = flags.keystore {
        let password = keystore_password(role, file, flags.password)?;
        let signer = PrivateKeySigner::decrypt_keystore(file, password.as_str()).map_err(|e| {
            let with = if flags.password.is_some() {
                format!("--{role}-password-file")
            } else {
                "the password typed".to_owned()
            };
            anyhow::anyhow!(
                "--{role}-keystore {}: cannot open it with {with}: {e}",
                file.display()
            )
        })?;
        return Ok(Key::Local {
            signer,
            raw: false,
            flag: format!("--{role}-keystore"),
        });
    }
    let key = flags.raw.ok_or_else(|| {
        anyhow::anyhow!("give --{role}-key, --{role}-keystore or --{role}-web3signer")
    })?;
    let signer = key
        .trim()
        .parse::<PrivateKeySigner>()
        .map_err(|_| anyhow::anyhow!("--{role}-key is not a private key (64 hex digits)"))?;
    Ok(Key::Local {
        signer,
        raw: true,
        flag: format!("--{role}-key"),
    })
}

/// The password of a role's keystore: the first line of its password file, else typed on the terminal
/// (without echo) when standard input is one; without either, an error naming the missing flag.
fn keystore_password(
    role: &str,
    keystore: &std::path::Path,
    file: Option<&std::path::Path>,
) -> anyhow::Result<String> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).with_context(|| {
            format!("--{role}-password-file {}: cannot read it", file.display())
        })?;
        return Ok(text.lines().next().unwrap_or_default().to_owned());
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "--{role}-keystore {} needs its password: give --{role}-password-file FILE (or \
         EMTOKEN_{}_PASSWORD_FILE), or start serve on a terminal to type it",
        keystore.display(),
        role.to_ascii_uppercase()
    );
    rpassword::prompt_password(format!(
        "password of the {role} keystore {}: ",
        keystore.display()
    ))
    .with_context(|| {
        format!(
            "--{role}-keystore {}: cannot read its password from the terminal; give --{role}-password-file",
            keystore.display()
        )
    })
}

async fn client(args: &ServeArgs, key: &Key, role: &str) -> anyhow::Result<EmTokenClient> {
    let profile = match args.profile {
        Profile::Anvil => NetworkProfile::Anvil,
        Profile::Besu => NetworkProfile::Besu,
    };
    let builder = EmTokenClient::builder(args.index.rpc.clone());
    let builder = match key {
        Key::Local { signer, .. } => builder.signer(signer.clone()),
        Key::Remote(remote) => builder.tx_signer(remote.clone()),
    };
    builder
        .profile(profile)
        .receipt_timeout(Duration::from_secs(120))
        .connect(args.index.contract)
        .await
        .with_context(|| {
            format!(
                "cannot reach the contract on {} with the {role} key",
                args.index.rpc
            )
        })
}

/// The flag that names a role's key in errors: `--operator-key`, `--operator-keystore`, or
/// `--operator-address` (of a remote signer).
fn key_flag(key: &Key, role: &str) -> String {
    match key {
        Key::Local { flag, .. } => flag.clone(),
        Key::Remote(_) => format!("--{role}-address"),
    }
}

/// Refuses to start unless the operator key holds the operator role on the contract and the compliance
/// key the compliance role (else the first write would fail, after the API said it was up); warns when
/// the operator may mint nothing (cash-ins would be refused).
async fn check_roles(
    operator: &EmTokenClient,
    compliance: &EmTokenClient,
    [operator_flag, compliance_flag]: [&str; 2],
) -> anyhow::Result<()> {
    let contract = operator.address();
    for (client, role, flag) in [
        (operator, Role::Operator, operator_flag),
        (compliance, Role::Compliance, compliance_flag),
    ] {
        let account = client
            .signer()
            .ok_or_else(|| anyhow::anyhow!("{flag}: the client does not sign"))?;
        let holds = client
            .has_role(role, account)
            .await
            .with_context(|| format!("cannot read the roles of {account} on {contract:#x}"))?;
        anyhow::ensure!(
            holds,
            "{flag} {account} does not hold the {} role on the token {contract:#x}: grant it (the token's \
             admin: grantRole) or start with the key that holds it",
            role.name()
        );
    }
    let account = operator.signer().unwrap_or_default();
    match operator.minter_allowance(account).await {
        Ok(allowance) if allowance.base_units().is_zero() => tracing::warn!(
            operator = %account,
            "the operator key may mint nothing on this token (minter allowance 0): cash-ins will be refused until the minter admin sets one"
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "cannot read the operator's minter allowance"),
    }
    Ok(())
}

/// Chain ids of development chains, where `--sms-outbox` is allowed with `--profile besu` too, and raw
/// private keys are: anvil's, Hardhat's and Ganache's, Besu's dev network (`scripts/devnet up --profile
/// besu`).
const DEVELOPMENT_CHAINS: [u64; 3] = [31_337, 1_337, 2_018];

/// Where `serve` sends SMS.
fn sms_sender(args: &ServeArgs, chain_id: u64) -> anyhow::Result<SmsSender> {
    if args.sms_outbox {
        anyhow::ensure!(
            args.profile == Profile::Anvil || DEVELOPMENT_CHAINS.contains(&chain_id),
            "--sms-outbox keeps phone codes in the database: development only (--profile anvil, or a development chain: {DEVELOPMENT_CHAINS:?}; this one is {chain_id}); use --sms-webhook"
        );
        return Ok(SmsSender::Outbox);
    }
    Ok(match &args.sms_webhook {
        Some(url) => SmsSender::webhook(url).map_err(|e| anyhow::anyhow!("--sms-webhook: {e}"))?,
        None => {
            tracing::warn!(
                "no SMS sender (--sms-webhook, or --sms-outbox in development): users cannot verify their phones"
            );
            SmsSender::None
        }
    })
}

/// The address browsers and the acquirer reach the API at: `--public-url`, else `http://<--listen>`.
fn public_url(args: &ServeArgs) -> String {
    match &args.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            if args.listen.ip().is_unspecified() {
                tracing::warn!(
                    listen = %args.listen,
                    "no --public-url: payment pages and acquirer callbacks use http://{}, which no browser reaches; set --public-url",
                    args.listen
                );
            }
            format!("http://{}", args.listen)
        }
    }
}

/// Who charges cards: the provider of `--acquirer-url`, else the built-in simulator.
fn acquirer(args: &ServeArgs, public_url: &str) -> anyhow::Result<Arc<dyn Acquirer>> {
    Ok(match (&args.acquirer_url, &args.acquirer_secret_file) {
        (Some(url), Some(secret)) => {
            let acquirer = WebhookAcquirer::with_secret_file(url, secret, public_url)
                .map_err(|e| anyhow::anyhow!("--acquirer-url / --acquirer-secret-file: {e}"))?;
            tracing::info!(
                acquirer = url,
                callbacks = acquirer.callback_url(),
                "cards are charged by the acquirer"
            );
            Arc::new(acquirer)
        }
        _ => Arc::new(Simulator::new(Duration::from_millis(
            args.acquirer_latency_ms.unwrap_or(0),
        ))),
    })
}

/// Runs `emtoken serve`.
pub(crate) async fn run(args: ServeArgs, output: Output) -> anyhow::Result<()> {
    let bar = None;
    logging::init(
        output.is_json() || !std::io::stderr().is_terminal(),
        &logging::crates_at("info"),
        bar,
    );
    // What the flags and the environment name, before anything is opened.
    let crash_at = CrashPoint::from_env().map_err(|e| anyhow::anyhow!(e))?;
    if let Some(point) = crash_at {
        tracing::warn!(
            ?point,
            "{}: this process aborts there (a test hook)",
            emtoken_api::CRASH_AT
        );
    }
    let public_url = public_url(&args);
    let acquirer = acquirer(&args, &public_url)?;
    let operator_key = signer(
        KeyFlags {
            raw: args.operator_key.as_deref(),
            keystore: args.operator_keystore.as_deref(),
            password: args.operator_password_file.as_deref(),
            web3signer: args.operator_web3signer.as_deref(),
            address: args.operator_address,
        },
        "operator",
    )?;
    let (compliance_key, compliance_flag) = if args.compliance_key.is_some()
        || args.compliance_keystore.is_some()
        || args.compliance_web3signer.is_some()
    {
        let key = signer(
            KeyFlags {
                raw: args.compliance_key.as_deref(),
                keystore: args.compliance_keystore.as_deref(),
                password: args.compliance_password_file.as_deref(),
                web3signer: args.compliance_web3signer.as_deref(),
                address: args.compliance_address,
            },
            "compliance",
        )?;
        let flag = key_flag(&key, "compliance");
        (key, flag)
    } else {
        // Without a compliance key the operator's signs both.
        (operator_key.clone(), key_flag(&operator_key, "operator"))
    };
    let operator = client(&args, &operator_key, "operator").await?;
    let compliance = client(&args, &compliance_key, "compliance").await?;
    // Raw keys in flags or the environment are for development chains only.
    let chain = operator.chain_id();
    if operator_key.raw() || compliance_key.raw() {
        anyhow::ensure!(
            DEVELOPMENT_CHAINS.contains(&chain),
            "raw private keys (--operator-key, --compliance-key) are refused on chain {chain}, which is not a \
             development chain ({DEVELOPMENT_CHAINS:?}): give the keys as keystores (--operator-keystore, \
             --compliance-keystore with their password files) or through a remote signer \
             (--operator-web3signer, --compliance-web3signer)"
        );
        tracing::warn!(
            chain,
            "the platform's keys are raw private keys from flags or the environment: fine on a development chain, use keystores or a remote signer elsewhere"
        );
    }
    // A remote signer is checked before anything is sent: up, holding the key, signing for this chain.
    let mut checked: Vec<(&str, Address)> = Vec::new();
    for (key, role) in [(&operator_key, "operator"), (&compliance_key, "compliance")] {
        if let Key::Remote(remote) = key {
            if checked.contains(&(remote.url(), remote.address())) {
                continue;
            }
            checked.push((remote.url(), remote.address()));
            remote
                .check(chain)
                .await
                .map_err(|e| anyhow::anyhow!("--{role}-web3signer: {e}"))?;
            tracing::info!(
                role,
                signer = remote.url(),
                address = %remote.address(),
                "the {role} key is held by a remote signer (web3signer): checked"
            );
        }
    }
    check_roles(
        &operator,
        &compliance,
        [&key_flag(&operator_key, "operator"), &compliance_flag],
    )
    .await?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on --listen {}", args.listen))?;
    let metrics_listener = match args.index.metrics_addr {
        Some(addr) => Some(metrics_server::bind(addr).await?),
        None => None,
    };
    let (stop, stopped) = watch::channel(false);
    signals::on_shutdown(stop)?;
    let store = args.index.database.open(Open::Create).await?;
    // On the embedded database, the read commands ask this process (commands/socket.rs).
    let reads = super::socket::listen(&args.index.database, &store);
    let network = args
        .index
        .network
        .clone()
        .unwrap_or_else(|| format!("chain-{}", operator.chain_id()));
    let platform = Platform::new(operator, compliance)
        .with_chain_rpcs(args.index.chain_rpcs.iter().cloned().collect());
    let state_chain_id = platform.operator.chain_id();
    let sms = sms_sender(&args, state_chain_id)?;
    let screening = match &args.aml_screening_url {
        Some(url) => emtoken_api::Screening::service(url)
            .map_err(|e| anyhow::anyhow!("--aml-screening-url: {e}"))?,
        None => {
            tracing::warn!(
                "no AML screening service (--aml-screening-url): top-ups and withdrawals are accepted UNSCREENED"
            );
            emtoken_api::Screening::None
        }
    };
    // One set of figures for the process: its indexer's while it leads, the leader's progress as the
    // database shows it while it stands by. `/ready` and the metrics port read them.
    let figures = Arc::new(emtoken_indexer::Metrics::default());
    figures.indexed.store(-1, Relaxed);
    let probe = {
        let m = Arc::clone(&figures);
        Arc::new(move || IndexerView {
            head: m.head.load(Relaxed),
            indexed: m.indexed.load(Relaxed),
            caught_up: m.caught_up.load(Relaxed),
            outage: m.in_outage.load(Relaxed),
        })
    };
    let readiness = Readiness::watching(probe, Duration::from_secs(u64::from(args.stall_seconds)));
    let mut state = ApiState::new(store.clone(), platform, network).with_readiness(readiness);
    if args.rate_limit > 0 {
        let burst = args
            .rate_burst
            .unwrap_or_else(|| args.rate_limit.saturating_mul(2));
        tracing::info!(
            per_second = args.rate_limit,
            burst,
            "API keys are rate limited"
        );
        state = state.with_rate_limit(emtoken_api::rate::RateLimit {
            per_second: args.rate_limit,
            burst,
        });
    }
    let state = state
        .with_onboarding(Onboarding {
            clock: Arc::new(SystemClock),
            sms,
            max_wallets: args.max_wallets_per_user,
            max_favourites: args.max_favourites_per_wallet,
        })
        .with_acquirer(acquirer)
        .with_public_url(&public_url)
        .with_crash_at(crash_at)
        .with_screening(screening)
        .with_webhooks(emtoken_api::WebhookDelivery {
            allow_private_addresses: args.webhooks_allow_private_addresses,
            ..emtoken_api::WebhookDelivery::default()
        });
    let settled = state
        .platform
        .recover(&store)
        .await
        .context("cannot settle the requests a previous run left on their way")?;
    if settled > 0 {
        tracing::warn!(settled, "settled requests a previous run left on their way");
    }
    // What must run in one process at a time, started in each term of the lead: settling requests others
    // left on their way, the follow-up, the scheduler, webhook deliveries.
    let duties = {
        let (state, store) = (state.clone(), store.clone());
        let catch_up = chrono::Duration::hours(i64::from(args.schedule_catch_up_hours));
        move |term: watch::Receiver<bool>| {
            vec![
                tokio::spawn(std::sync::Arc::clone(&state.platform).sweep(
                    store.clone(),
                    Duration::from_secs(2),
                    term.clone(),
                )),
                tokio::spawn(emtoken_api::follow_up(
                    state.clone(),
                    Duration::from_secs(2),
                    term.clone(),
                )),
                tokio::spawn(emtoken_api::scheduler(
                    state.clone(),
                    SchedulerConfig {
                        catch_up,
                        ..SchedulerConfig::default()
                    },
                    term.clone(),
                )),
                tokio::spawn(emtoken_api::deliver_webhooks(
                    store.clone(),
                    (*state.webhooks).clone(),
                    term,
                )),
            ]
        }
    };
    let node = state.platform.operator.clone();
    let mirror = args
        .sms_outbox_file
        .clone()
        .map(|path| tokio::spawn(mirror_outbox(store.clone(), path, stopped.clone())));
    let drain = std::sync::Arc::clone(&state.drain);
    let api_metrics = state.metrics.clone();
    let state_readiness = Arc::clone(&state.readiness);
    let app = emtoken_api::router(state);
    let addr = listener.local_addr()?;
    let mut api_stop = stopped.clone();
    let chain_id = i64::try_from(state_chain_id).unwrap_or(i64::MAX);
    let waiting = store.clone();
    let server = tokio::spawn(async move {
        // Serve once the indexer has recorded the chain (wallets registered before would have no chain).
        while !waiting
            .chains()
            .await
            .is_ok_and(|chains| chains.iter().any(|c| c.chain_id == chain_id))
        {
            if *api_stop.borrow() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tracing::info!(
            "serving the API on http://{addr}/api/v1/public (OpenAPI: http://{addr}/api/v1/openapi.json, viewer: http://{addr}/docs)"
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // Stop: new requests get 503 while those in flight finish (at most DRAIN_LIMIT).
                let _ = api_stop.wait_for(|s| *s).await;
                drain.begin();
                let pending = drain.in_flight();
                if !drain.idle(DRAIN_LIMIT).await {
                    tracing::warn!(
                        left = drain.in_flight(),
                        "requests still in flight after {DRAIN_LIMIT:?}: stopping anyway"
                    );
                } else if pending > 0 {
                    tracing::info!(pending, "requests in flight finished");
                }
            })
            .await
    });
    // The indexer finishes (or rolls back) its batch; the API drains; then the database closes.
    // Who asks `/ready` sees a stall however seldom they ask.
    let observer = {
        let readiness = Arc::clone(&state_readiness);
        tokio::spawn(async move {
            loop {
                readiness.observe();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let metrics_server = metrics_listener.map(|l| {
        let mut registry = metrics_server::registry(&figures);
        api_metrics.register(&mut registry);
        metrics_server::spawn(l, Arc::clone(&figures), registry)
    });
    let result = lead_or_stand_by(
        &args.index,
        &store,
        stopped,
        &figures,
        &node,
        chain_id,
        duties,
    )
    .await;
    observer.abort();
    if let Some(server) = metrics_server {
        server.abort();
    }
    match tokio::time::timeout(DRAIN_LIMIT + Duration::from_secs(5), server).await {
        Ok(Ok(Err(error))) => tracing::warn!(%error, "the API stopped with an error"),
        Ok(_) => {}
        Err(_) => tracing::warn!("the API did not stop in time"),
    }
    if let Some(mirror) = mirror {
        mirror.abort();
    }
    if let Some(reads) = reads {
        reads.stop().await;
    }
    let closed = store.close().await.context("cannot close the database");
    result?;
    closed?;
    Ok(())
}

/// Indexes while this process holds the lead of the database ([`index::LEAD`]) and runs the `duties`
/// that must run in one process at a time; stands by while another process leads, showing its progress
/// (as the database and the node tell it) in `figures`, and takes over within a second or two of the
/// lead coming free. A process that loses the lead (its lock's connection broke) stops indexing and its
/// duties and stands by again; a write it had on its way is refused by the checkpoint's fence. Returns
/// when stopped, or when the indexer stops with an error while leading.
async fn lead_or_stand_by(
    args: &index::IndexArgs,
    store: &emtoken_store::Store,
    mut stopped: watch::Receiver<bool>,
    figures: &Arc<emtoken_indexer::Metrics>,
    node: &EmTokenClient,
    chain_id: i64,
    duties: impl Fn(watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>>,
) -> anyhow::Result<()> {
    let mut standing_by: Option<std::time::Instant> = None;
    loop {
        // Stand by until the lead is free.
        let lease = loop {
            if *stopped.borrow() {
                return Ok(());
            }
            match store.try_lead(index::LEAD).await {
                Ok(Some(lease)) => break lease,
                Ok(None) => {
                    if standing_by.is_none() {
                        tracing::info!(
                            "another process indexes this database: standing by (serving the API, taking over when it stops)"
                        );
                        standing_by = Some(std::time::Instant::now());
                    }
                    show_the_leaders_progress(store, node, chain_id, figures).await;
                }
                Err(error) => {
                    figures.in_outage.store(true, Relaxed);
                    tracing::debug!(%error, "cannot ask the database for the lead");
                }
            }
            tokio::select! {
                _ = stopped.wait_for(|s| *s) => return Ok(()),
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        };
        match standing_by.take() {
            Some(since) => tracing::warn!(
                stood_by_ms = since.elapsed().as_millis() as u64,
                "took over the lead: this process indexes and runs the background duties now"
            ),
            None => tracing::info!("this process leads: it indexes and runs the background duties"),
        }
        let (term, term_rx) = watch::channel(false);
        let term = Arc::new(term);
        let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let tasks = duties(term_rx.clone());
        // Ends the term when the process stops or the lead is lost; hands the lease back.
        let watcher = {
            let (term, lost, mut stopped, mut ended) = (
                Arc::clone(&term),
                Arc::clone(&lost),
                stopped.clone(),
                term_rx.clone(),
            );
            let mut lease = lease;
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = async { let _ = stopped.wait_for(|s| *s).await; } => break,
                        () = async { let _ = ended.wait_for(|s| *s).await; } => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {
                            if !lease.holds().await {
                                tracing::warn!("lost the lead (its database connection broke): stopping indexing and the background duties");
                                lost.store(true, Relaxed);
                                break;
                            }
                        }
                    }
                }
                term.send_replace(true);
                lease
            })
        };
        let result = index::index(
            args,
            store.clone(),
            term_rx,
            None,
            None,
            Some(Arc::clone(figures)),
        )
        .await;
        term.send_replace(true);
        for task in tasks {
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                tracing::warn!("a background duty did not stop within 10 s");
            }
        }
        if let Ok(lease) = watcher.await {
            lease.release().await;
        }
        if *stopped.borrow() {
            return result.map(|_| ());
        }
        if lost.load(Relaxed) {
            if let Err(error) = result {
                tracing::info!(error = %format!("{error:#}"), "the indexer of the lost term stopped");
            }
            standing_by = Some(std::time::Instant::now());
            continue;
        }
        // Another process wrote the index under this one (it took the lead while this one's database
        // connections were coming back): nothing was written twice; stand by.
        if let Err(error) = &result
            && superseded(error)
        {
            tracing::warn!(error = %format!("{error:#}"), "another process indexes now: standing by");
            standing_by = Some(std::time::Instant::now());
            continue;
        }
        return result.map(|_| ());
    }
}

/// Whether `error` is the fence's: another process moved the index's checkpoint.
fn superseded(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<emtoken_indexer::Error>(),
            Some(emtoken_indexer::Error::Store(
                emtoken_store::Error::Superseded { .. }
            ))
        ) || matches!(
            cause.downcast_ref::<emtoken_store::Error>(),
            Some(emtoken_store::Error::Superseded { .. })
        )
    })
}

/// While standing by: the leader's progress, from its checkpoint in the database and the node's head,
/// in the figures `/ready` reads (an outage when either does not answer).
async fn show_the_leaders_progress(
    store: &emtoken_store::Store,
    node: &EmTokenClient,
    chain_id: i64,
    figures: &emtoken_indexer::Metrics,
) {
    use alloy::providers::Provider;
    let checkpoint = async {
        let mut tx = store.begin(chain_id).await?;
        tx.checkpoint().await
    };
    let (checkpoint, head) = tokio::join!(checkpoint, node.provider().get_block_number());
    match (checkpoint, head) {
        (Ok(checkpoint), Ok(head)) => {
            let indexed = checkpoint.as_ref().map_or(-1, |c| c.block_number);
            figures.head.store(head, Relaxed);
            figures.indexed.store(indexed, Relaxed);
            if let Some(c) = checkpoint {
                figures.final_block.store(c.final_block, Relaxed);
            }
            if indexed >= 0 && indexed as u64 >= head {
                figures.caught_up.store(true, Relaxed);
            }
            figures.in_outage.store(false, Relaxed);
        }
        _ => figures.in_outage.store(true, Relaxed),
    }
}

/// How long a stop waits for the API's requests in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// `--sms-outbox-file`: writes the development outbox's messages to `path`, one JSON line each (the file
/// is rewritten with those already kept, then appended to), looking every 200 ms until stopped.
async fn mirror_outbox(
    store: emtoken_store::Store,
    path: std::path::PathBuf,
    mut stopped: watch::Receiver<bool>,
) {
    use std::io::Write;
    let mut file = match std::fs::File::create(&path) {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "cannot write --sms-outbox-file");
            return;
        }
    };
    let mut last = 0;
    loop {
        match store.outbox(None).await {
            Ok(messages) => {
                let from = last;
                for m in messages.into_iter().filter(|m| m.id > from) {
                    last = m.id;
                    let line =
                        serde_json::to_string(&super::sms::Message::from(m)).unwrap_or_default();
                    if let Err(error) = writeln!(file, "{line}").and_then(|()| file.flush()) {
                        tracing::error!(path = %path.display(), %error, "cannot write --sms-outbox-file");
                        return;
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the SMS outbox for --sms-outbox-file")
            }
        }
        tokio::select! {
            _ = stopped.wait_for(|s| *s) => return,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}
