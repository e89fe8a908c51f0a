//! `emtoken demo`: plays the platform's step-by-step guide against a running API, prints what it
//! made, and with `--check` verifies every record it expects.

mod check;
mod http;
mod reads;
mod report;

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use hyper::StatusCode;
use serde_json::{Value, json};

use emtoken_api::answers::{
    CashInAccepted, CashOutAccepted, CashOutDecision, Decision, Hold, HoldStatus, TransferAccepted,
    WalletRegistered, WalletStatus,
};
use serde::de::DeserializeOwned;

use self::{
    http::{Api, wait_for},
    report::Summary,
};
use crate::output::Output;

/// Play the platform's guide through the HTTP API: two users' wallets, a SEPA cash-in, a transfer,
/// two holds (one executed in part, one released) and a cash-out paid by the bank.
///
/// Registers a wallet for a new user at --address (or a generated address) and one for a second user
/// with a generated address, waits until both are READY, then: cash-in of 100.00 to the first by its
/// IBAN (bank key), transfer of 10.50 to the second, hold of 5.00 executed for 3.00 (the rest is
/// released), hold of 2.00 released, cash-out of 20.00 to a bank account executed by the bank. Every
/// POST carries a fresh Idempotency-Key. Prints the wallets and their movements, and a curl line to
/// try the API by hand. Progress goes to stderr.
///
/// Every answer is read as the API's own type (a missing or mistyped field stops the demo, naming the
/// call). With --check it waits until no movement is PENDING and verifies balances, movements and holds;
/// it exits non-zero naming each difference (expected vs found).
///
/// Example: `emtoken demo --api http://127.0.0.1:8080 --key emt_… --bank-key emt_… --check`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Base URL of the API, e.g. `http://127.0.0.1:8080`.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    api: String,

    /// A client's API key (`emtoken api-key create --client NAME`).
    #[arg(
        long,
        env = "EMTOKEN_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    key: String,

    /// The bank integration's API key (`emtoken api-key create --client NAME --bank`).
    #[arg(
        long,
        env = "EMTOKEN_BANK_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    bank_key: String,

    /// Address of the first user's wallet (0x and 40 hex digits); default: one the platform generates.
    #[arg(long, value_name = "ADDR", value_parser = crate::args::address)]
    address: Option<alloy_primitives::Address>,

    /// Wait until every movement is final and verify every record; exit non-zero on a difference.
    #[arg(long)]
    check: bool,

    /// Longest wait for each awaited state, in seconds.
    #[arg(long, value_name = "SECS", default_value = "120")]
    timeout: u64,
}

/// Base of the public endpoints.
const PUBLIC: &str = "/api/v1/public";
/// The bank account of the cash-out.
const PAYOUT_IBAN: &str = "ES91 2100 0418 4502 0005 1332";
/// The transfer's concept, expected on its movements.
const TRANSFER_CONCEPT: &str = "Dinner at Casa Pepe";

/// A wallet the demo registered.
#[derive(Debug, Clone)]
struct DemoWallet {
    /// "A" or "B".
    name: &'static str,
    id: String,
    user_id: String,
    address: String,
    iban: String,
}

/// What the demo did, for the summary and the check.
#[derive(Debug)]
struct Played {
    a: DemoWallet,
    b: DemoWallet,
    /// The hold executed in part, and the released one.
    executed_hold: String,
    released_hold: String,
}

/// The API, the keys and what the answers looked like.
struct Demo {
    api: Api,
    key: String,
    bank_key: String,
    timeout: Duration,
}

/// Runs `emtoken demo`.
pub(crate) async fn run(args: DemoArgs, output: Output) -> anyhow::Result<()> {
    let mut demo = Demo {
        api: Api::new(&args.api)?,
        key: args.key,
        bank_key: args.bank_key,
        timeout: Duration::from_secs(args.timeout),
    };
    let played = demo.play(args.address).await.context("the demo stopped")?;
    if args.check {
        demo.settle(&played).await?;
    }
    let summary = Summary::collect(&demo, &played).await?;
    let differences = if args.check {
        Some(check::verify(&played, &summary))
    } else {
        None
    };
    let summary = summary.with_check(differences.clone());
    output.print(&summary, Summary::describe)?;
    if let Some(differences) = differences
        && !differences.is_empty()
    {
        bail!(
            "the check found {} difference(s):\n  {}",
            differences.len(),
            differences.join("\n  ")
        );
    }
    Ok(())
}

fn step(text: &str) {
    eprintln!("demo: {text}");
}

impl Demo {
    /// Plays the guide, waiting after each step for what the next one needs.
    async fn play(&mut self, address: Option<alloy_primitives::Address>) -> anyhow::Result<Played> {
        let a = self
            .register("A", address.map(|a| format!("{a:#x}")))
            .await?;
        let b = self.register("B", None).await?;
        for wallet in [&a, &b] {
            self.await_wallet(wallet, "status READY", |w| w.status == WalletStatus::Ready)
                .await?;
        }
        step("wallets A and B are READY");

        let answer: CashInAccepted = self
            .post(
                true,
                "/api/v1/bank/cashIns",
                json!({ "iban": a.iban, "amount": "100.00", "concept": "SEPA cash-in from the user's bank" }),
                "SEPA cash-in",
            )
            .await?;
        step(&format!(
            "SEPA cash-in of 100.00 to {} accepted (request {})",
            a.iban, answer.id
        ));
        self.await_wallet(&a, "balance 100.00 after the cash-in", |w| {
            check::amount(&w.balance) == Some(check::dec("100"))
        })
        .await?;

        let answer: TransferAccepted = self
            .post(
                false,
                &format!("{PUBLIC}/wallets/{}/transfer", a.id),
                json!({ "amount": "10.50", "concept": TRANSFER_CONCEPT, "targetWalletId": b.id }),
                "transfer A→B",
            )
            .await?;
        let movement = answer.movement_id.to_string();
        step(&format!(
            "transfer of 10.50 A→B accepted (movement {movement})"
        ));
        self.await_movement(&a, &movement, "the transfer").await?;

        let executed_hold = self.hold(&a, &b, "5.00", "Deposit for the flat").await?;
        self.post::<Hold>(
            false,
            &format!("{PUBLIC}/wallets/{}/hold/{executed_hold}/executeHold", a.id),
            json!({ "amount": "3.00", "concept": "Deposit, the part owed" }),
            "executeHold",
        )
        .await?;
        step("hold executed for 3.00 (the other 2.00 released)");
        self.await_hold(&a, &executed_hold, HoldStatus::Executed)
            .await?;

        let released_hold = self.hold(&a, &b, "2.00", "Booking guarantee").await?;
        self.post::<Hold>(
            false,
            &format!("{PUBLIC}/wallets/{}/hold/{released_hold}/releaseHold", a.id),
            json!({ "concept": "Booking cancelled" }),
            "releaseHold",
        )
        .await?;
        step("hold released");
        self.await_hold(&a, &released_hold, HoldStatus::ReleasedByNotary)
            .await?;

        let answer: CashOutAccepted = self
            .post(
                false,
                &format!("{PUBLIC}/wallets/{}/cashOuts", a.id),
                json!({ "iban": { "accountNumber": PAYOUT_IBAN }, "amount": "20.00", "concept": "Back to my bank account" }),
                "cash-out",
            )
            .await?;
        let movement = answer.movement_id.to_string();
        step(&format!(
            "cash-out of 20.00 to {PAYOUT_IBAN} ordered (movement {movement})"
        ));
        self.bank_execute(&movement).await?;
        step("cash-out executed by the bank");
        self.await_movement(&a, &movement, "the cash-out").await?;
        Ok(Played {
            a,
            b,
            executed_hold,
            released_hold,
        })
    }

    /// Registers a wallet for a new user.
    async fn register(
        &mut self,
        name: &'static str,
        address: Option<String>,
    ) -> anyhow::Result<DemoWallet> {
        let user_id = uuid::Uuid::new_v4().to_string();
        let mut body = json!({ "userId": user_id });
        if let Some(address) = &address {
            body["dltAddress"] = json!(address);
        }
        let reply = self
            .api
            .post(&self.key, &format!("{PUBLIC}/wallets"), &body)
            .await?;
        if reply.status == StatusCode::CONFLICT {
            bail!(
                "wallet {name}: the API refused address {}: {}; the demo registers new wallets: pass another --address, or restart the devnet",
                address.as_deref().unwrap_or("(generated)"),
                reply.body["detail"]
                    .as_str()
                    .unwrap_or(&reply.body.to_string())
            );
        }
        let answer: WalletRegistered =
            reply.answer(StatusCode::CREATED, &format!("register wallet {name}"))?;
        let wallet = DemoWallet {
            name,
            id: answer.wallet_id.to_string(),
            user_id,
            address: answer.dlt_address,
            iban: answer
                .iban
                .with_context(|| format!("register wallet {name}: the answer has no IBAN"))?,
        };
        step(&format!(
            "wallet {name} registered: {} at {} (IBAN {}), {}",
            wallet.id, wallet.address, wallet.iban, answer.status
        ));
        Ok(wallet)
    }

    /// Puts `amount` on hold from `payer` to `payee` and waits until it is CREATED; its id.
    async fn hold(
        &mut self,
        payer: &DemoWallet,
        payee: &DemoWallet,
        amount: &str,
        concept: &str,
    ) -> anyhow::Result<String> {
        let answer: Hold = self
            .post(
                false,
                &format!("{PUBLIC}/wallets/{}/hold", payer.id),
                json!({ "amount": amount, "targetWalletId": payee.id, "concept": concept }),
                "hold",
            )
            .await?;
        let id = answer.id.to_string();
        step(&format!(
            "hold of {amount} A→B requested ({id}, {})",
            answer.status
        ));
        self.await_hold(payer, &id, HoldStatus::Created).await?;
        Ok(id)
    }

    /// POSTs with the bank's key (`bank`) or the client's, expecting 202 and the API's answer `T`.
    async fn post<T: DeserializeOwned>(
        &mut self,
        bank: bool,
        path: &str,
        body: Value,
        call: &str,
    ) -> anyhow::Result<T> {
        let key = if bank { &self.bank_key } else { &self.key };
        self.api
            .post(key, path, &body)
            .await?
            .answer(StatusCode::ACCEPTED, &format!("POST {call}"))
    }

    /// Executes a cash-out as the bank, retrying while the API says it is not on chain yet (409).
    async fn bank_execute(&mut self, movement: &str) -> anyhow::Result<()> {
        let path = format!("/api/v1/bank/cashOuts/{movement}/execute");
        let (api, key) = (&self.api, &self.bank_key);
        let answer: Value = wait_for(
            &format!("the bank to accept executing cash-out {movement}"),
            self.timeout,
            async || {
                let reply = api.post(key, &path, &json!({})).await?;
                Ok(match reply.status {
                    StatusCode::ACCEPTED => Ok(reply.body),
                    StatusCode::CONFLICT => Err(format!("409 {}", reply.body["detail"])),
                    _ => bail!("execute cash-out: {}: {}", reply.status, reply.body),
                })
            },
        )
        .await?;
        let decision: CashOutDecision = serde_json::from_value(answer.clone()).with_context(|| {
            format!("POST bank execute cash-out: the answer is not the API's CashOutDecision: {answer}")
        })?;
        if decision.decision != Decision::Execute {
            bail!(
                "POST bank execute cash-out: the answer's decision is {:?}",
                decision.decision
            );
        }
        Ok(())
    }
}
