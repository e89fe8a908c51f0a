//! `emtoken demo`: plays the platform's step-by-step guide against a running API, prints what it
//! made, and with `--check` verifies every record it expects.

mod card;
mod check;
mod currency;
mod http;
mod onboarding;
mod reads;
mod report;
mod scheduled;

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use hyper::StatusCode;
use serde_json::{Value, json};

use emtoken_api::answers::{
    CashInAccepted, CashOutAccepted, CashOutDecision, Decision, Hold, HoldStatus, TransferAccepted,
};
use serde::de::DeserializeOwned;

use self::{
    http::{Api, wait_for},
    onboarding::{Outbox, PERSONS},
    report::Summary,
};
use super::database::DatabaseArgs;
use crate::output::Output;

/// Play the platform's guide through the HTTP API: two users onboarded, a card cash-in on the payment
/// page, a KYC level and an IBAN, a SEPA cash-in, a transfer, two holds (one executed in part, one
/// released), a cash-out paid by the bank and a monthly payment scheduled.
///
/// Creates two persons as users (A at --address, or a generated address; B at a generated one), each
/// with a fresh DNI and mobile phone; asks for each a phone code, reads it from the development SMS
/// outbox (`emtoken serve --sms-outbox`: --sms-outbox-file, or the database) and validates it; waits
/// until each user's first wallet is READY and the user ACTIVATED. A funds its wallet with 25.00 by card:
/// a payment page (`successUrl`/`rejectUrl` of an example shop), its form posted as a browser posts it
/// with the simulator's approved test card, the redirect to the shop's success page read (not
/// followed). The bank raises A to KYC level 1
/// (with its evidence) and A's wallet gets an IBAN (create-iban); B stays at level 0. Then: cash-in of
/// 100.00 to A by its IBAN (bank key), transfer of 10.50 to B, hold of 5.00 executed for 3.00 (the rest
/// is released), hold of 2.00 released, cash-out of 20.00 to a bank account executed by the bank, and a
/// scheduled operation: 10.00 from A to B MONTHLY, 12 dates from the next 31st at 09:00+01:00 (more than
/// a day ahead, so nothing is paid while the demo runs; its dates show the end-of-month rule). Every
/// POST carries a fresh Idempotency-Key. Prints the onboarding, the users, the wallets and their
/// movements, the holds, the scheduled operation and its next 10 dates, and a curl line to try the API
/// by hand. Progress goes to stderr.
///
/// Every answer is read as the API's own type (a missing or mistyped field stops the demo, naming the
/// call). With --check it waits until no movement is PENDING and verifies users, balances, movements,
/// holds and the scheduled operation's next dates; it exits non-zero naming each difference (expected
/// vs found).
///
/// Example: `emtoken demo --api http://127.0.0.1:8080 --key emt_… --bank-key emt_… --sms-outbox-file
/// .devnet/sms-outbox.jsonl --check`.
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

    /// Address of user A (its first wallet's; 0x and 40 hex digits); default: one the platform generates.
    #[arg(long, value_name = "ADDR", value_parser = crate::args::address)]
    address: Option<alloy_primitives::Address>,

    /// Read the phone codes from this file, as `emtoken serve --sms-outbox --sms-outbox-file PATH` writes
    /// it; without it, from the development outbox of the database (--database-url or --data-dir: not
    /// the embedded database of a running serve, which serves that process alone).
    #[arg(long, value_name = "PATH")]
    sms_outbox_file: Option<std::path::PathBuf>,

    #[command(flatten)]
    database: DatabaseArgs,

    /// Wait until every movement is final and verify every record; exit non-zero on a difference.
    #[arg(long)]
    check: bool,

    /// The administrator's API key (`emtoken api-key create --admin`): with --second-token, the demo
    /// registers the currencies and issuers itself.
    #[arg(
        long,
        env = "EMTOKEN_ADMIN_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    admin_key: Option<String>,

    /// A second EmToken on the same chain, of another currency (--second-currency): the demo registers
    /// it (and the served token, as EUR) through the admin side, opens wallets of that currency for A
    /// and B, credits A, pays B, and shows a payment across currencies refused. Needs --admin-key.
    #[arg(long, value_name = "ADDR", value_parser = crate::args::address)]
    second_token: Option<alloy_primitives::Address>,

    /// The second token's currency code.
    #[arg(long, value_name = "CODE", default_value = "USD")]
    second_currency: String,

    /// The second token's decimals.
    #[arg(long, value_name = "N", default_value = "6")]
    second_decimals: u8,

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

/// A user the demo onboarded, and its first wallet.
#[derive(Debug, Clone)]
struct DemoWallet {
    /// "A" or "B".
    name: &'static str,
    id: String,
    user_id: String,
    address: String,
    /// After create-iban (A only).
    iban: Option<String>,
    document: String,
    phone: String,
}

/// What the demo did, for the summary and the check.
#[derive(Debug)]
struct Played {
    a: DemoWallet,
    b: DemoWallet,
    /// The hold executed in part, and the released one.
    executed_hold: String,
    released_hold: String,
    /// The scheduled operation's id, and its start date (as sent).
    scheduled: String,
    scheduled_start: chrono::DateTime<chrono::FixedOffset>,
    /// The second currency's part, when it was played.
    second: Option<currency::SecondPlayed>,
}

/// The API, the keys, where the codes are, and the onboarding's steps.
struct Demo {
    api: Api,
    key: String,
    bank_key: String,
    timeout: Duration,
    outbox: Outbox,
    /// What the onboarding did, for the report.
    notes: Vec<String>,
    /// The second currency to show, if any.
    second: Option<currency::SecondCurrency>,
}

/// Runs `emtoken demo`.
pub(crate) async fn run(args: DemoArgs, output: Output) -> anyhow::Result<()> {
    let second = match (args.second_token, &args.admin_key) {
        (Some(token), Some(admin_key)) => {
            if !(args.second_currency.len() == 3
                && args.second_currency.bytes().all(|b| b.is_ascii_uppercase()))
            {
                bail!(
                    "--second-currency '{}' is not a code of three capital letters (e.g. USD)",
                    args.second_currency
                );
            }
            Some(currency::SecondCurrency {
                admin_key: admin_key.clone(),
                token,
                code: args.second_currency.clone(),
                decimals: args.second_decimals,
            })
        }
        (Some(_), None) => bail!(
            "--second-token needs --admin-key (or EMTOKEN_ADMIN_KEY): the demo registers the currencies"
        ),
        (None, _) => None,
    };
    let mut demo = Demo {
        api: Api::new(&args.api)?,
        key: args.key,
        bank_key: args.bank_key,
        timeout: Duration::from_secs(args.timeout),
        outbox: match args.sms_outbox_file {
            Some(path) => Outbox::File(path),
            None => Outbox::Database(args.database),
        },
        notes: vec![],
        second,
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
    /// A step of the onboarding: shown now on stderr, and in the report.
    fn note(&mut self, text: String) {
        step(&text);
        self.notes.push(text);
    }
}

impl Demo {
    /// Plays the guide, waiting after each step for what the next one needs.
    async fn play(&mut self, address: Option<alloy_primitives::Address>) -> anyhow::Result<Played> {
        let [person_a, person_b] = &PERSONS;
        let mut a = self
            .onboard(person_a, address.map(|a| format!("{a:#x}")))
            .await?;
        let b = self.onboard(person_b, None).await?;
        step("users A and B ACTIVATED, their wallets READY");
        // A's first money: 25.00 by card, typed on the payment page.
        self.card_cash_in(&a, "25.00", "25.00").await?;
        // A's cash-in comes by IBAN: the user needs KYC level 1 for one (B stays at level 0).
        self.raise_kyc(&a, 1).await?;
        self.create_iban(&mut a).await?;
        let iban = a.iban.clone().unwrap_or_default();

        let answer: CashInAccepted = self
            .post(
                true,
                "/api/v1/bank/cashIns",
                json!({ "iban": iban, "amount": "100.00", "concept": "SEPA cash-in from the user's bank" }),
                "SEPA cash-in",
            )
            .await?;
        step(&format!(
            "SEPA cash-in of 100.00 to {iban} accepted (request {})",
            answer.id
        ));
        self.await_wallet(&a, "balance 125.00 after the cash-in", |w| {
            check::amount(&w.balance) == Some(check::dec("125"))
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

        // A pays B every month from now on: all of its dates lie ahead, no money moves in the demo.
        let scheduled_start = scheduled::next_31st(chrono::Utc::now());
        let scheduled = self.schedule_monthly(&a, &b, scheduled_start).await?;
        let second = match self.second.clone() {
            Some(second) => {
                let served = self.wallet(&a.id).await?.contract_address;
                let served = served
                    .parse()
                    .with_context(|| format!("wallet A's contractAddress '{served}'"))?;
                Some(self.second_currency(&second, served, &a, &b).await?)
            }
            None => None,
        };
        Ok(Played {
            a,
            b,
            executed_hold,
            released_hold,
            scheduled,
            scheduled_start,
            second,
        })
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
                    StatusCode::CONFLICT => {
                        Err(format!("409 {}", reply.body["errors"][0]["detail"]))
                    }
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
