//! What the demo prints: the wallets, their movements and holds, the scheduled operation, and how to
//! try the API by hand.

use emtoken_api::answers::Movement;
use serde::Serialize;

use super::{Demo, DemoWallet, Played, scheduled::ScheduledView};
use crate::table::{Align, Table};

/// The demo's result (`--json` prints it as is).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Summary {
    pub(super) api: String,
    /// The onboarding's steps, in order.
    pub(super) onboarding: Vec<String>,
    pub(super) users: Vec<UserView>,
    pub(super) wallets: Vec<WalletView>,
    pub(super) holds: Vec<HoldView>,
    /// A's monthly payment to B and its next dates.
    pub(super) scheduled_operation: ScheduledView,
    /// The second currency's wallets, when the demo played it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) second_currency: Option<SecondView>,
    pub(super) curl: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<CheckView>,
}

/// A user as the API shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UserView {
    pub(super) name: &'static str,
    pub(super) id: String,
    pub(super) full_name: String,
    pub(super) document_number: String,
    pub(super) mobile_phone: String,
    pub(super) mobile_phone_verified: bool,
    pub(super) status: String,
    pub(super) kyc_level: Option<i16>,
    pub(super) dlt_address: String,
}

/// A wallet as the API shows it, with its movements.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WalletView {
    pub(super) name: &'static str,
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) dlt_address: String,
    pub(super) iban: Option<String>,
    pub(super) kyc_level: Option<i16>,
    pub(super) balance: String,
    pub(super) available_balance: String,
    pub(super) held_balance: String,
    pub(super) status: String,
    pub(super) movements: Vec<MovementView>,
}

/// A movement: the API's fields the tables show; `counterparty` is the other wallet (A or B), or the
/// bank account.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MovementView {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) status: String,
    pub(super) amount: String,
    pub(super) concept: Option<String>,
    pub(super) counterparty: String,
    #[serde(skip)]
    pub(super) origin_wallet_id: Option<String>,
    #[serde(skip)]
    pub(super) target_wallet_id: Option<String>,
}

/// A hold of the demo.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HoldView {
    pub(super) id: String,
    pub(super) status: String,
    pub(super) held_value: String,
    pub(super) executed_value: String,
    pub(super) remaining_value: String,
}

/// The second currency's part: A's and B's wallets of it, and the refusal across currencies.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SecondView {
    pub(super) code: String,
    /// (owner, wallet id, balance, currency as the API shows it).
    pub(super) wallets: Vec<SecondWallet>,
    pub(super) refused: String,
}

/// A wallet of the second currency.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SecondWallet {
    pub(super) name: &'static str,
    pub(super) id: String,
    pub(super) balance: String,
    pub(super) currency: Option<String>,
    pub(super) contract_address: String,
}

/// The check's verdict.
#[derive(Debug, Serialize)]
struct CheckView {
    passed: bool,
    differences: Vec<String>,
}

impl Summary {
    /// Reads the wallets, movements and holds back from the API, as its answer types.
    pub(super) async fn collect(demo: &Demo, played: &Played) -> anyhow::Result<Self> {
        let mut users = vec![];
        for wallet in [&played.a, &played.b] {
            let u = demo.user(&wallet.user_id).await?;
            users.push(UserView {
                name: wallet.name,
                id: wallet.user_id.clone(),
                full_name: [Some(u.name), u.first_surname, u.second_surname]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                document_number: u.document_number,
                mobile_phone: u.mobile_phone,
                mobile_phone_verified: u.mobile_phone_verified,
                status: u.status.to_string(),
                kyc_level: u.kyc_level,
                dlt_address: u.dlt_address,
            });
        }
        let mut wallets = vec![];
        for wallet in [&played.a, &played.b] {
            let w = demo.wallet(&wallet.id).await?;
            let movements = demo
                .movements(wallet)
                .await?
                .iter()
                .map(|m| movement(m, played))
                .collect();
            wallets.push(WalletView {
                name: wallet.name,
                id: wallet.id.clone(),
                user_id: w.user_id.map(|u| u.to_string()).unwrap_or_default(),
                dlt_address: w.dlt_address,
                iban: w.iban,
                kyc_level: w.kyc_level,
                balance: w.balance,
                available_balance: w.available_balance,
                held_balance: w.held_balance,
                status: w.status.to_string(),
                movements,
            });
        }
        let mut holds = vec![];
        for id in [&played.executed_hold, &played.released_hold] {
            let h = demo.get_hold(&played.a, id).await?;
            holds.push(HoldView {
                id: id.clone(),
                status: h.status.to_string(),
                held_value: h.held_value,
                executed_value: h.executed_value,
                remaining_value: h.remaining_value,
            });
        }
        let second_currency = match &played.second {
            Some(second) => {
                let mut wallets = vec![];
                for w in [&second.a, &second.b] {
                    let read = demo.wallet(&w.id).await?;
                    wallets.push(SecondWallet {
                        name: w.name,
                        id: w.id.clone(),
                        balance: read.balance,
                        currency: read.currency,
                        contract_address: read.contract_address,
                    });
                }
                Some(SecondView {
                    code: second.code.clone(),
                    wallets,
                    refused: second.refused.clone(),
                })
            }
            None => None,
        };
        Ok(Self {
            api: demo.api.base().to_owned(),
            onboarding: demo.notes.clone(),
            users,
            wallets,
            holds,
            scheduled_operation: ScheduledView::collect(demo, played).await?,
            second_currency,
            curl: format!(
                "curl -H 'Authorization: Bearer {}' {}/api/v1/public/wallets",
                demo.key,
                demo.api.base()
            ),
            check: None,
        })
    }

    /// With the check's differences, when it ran.
    pub(super) fn with_check(mut self, differences: Option<Vec<String>>) -> Self {
        self.check = differences.map(|differences| CheckView {
            passed: differences.is_empty(),
            differences,
        });
        self
    }

    /// The text output.
    pub(super) fn describe(&self) -> String {
        let mut out = format!("API: {}/api/v1/public\n\nonboarding\n", self.api);
        for (n, note) in self.onboarding.iter().enumerate() {
            out.push_str(&format!("{:>2}. {note}\n", n + 1));
        }
        out.push_str("\nusers\n");
        let mut table = Table::new(&[
            ("user", Align::Left),
            ("id", Align::Left),
            ("name", Align::Left),
            ("document", Align::Left),
            ("phone", Align::Left),
            ("verified", Align::Left),
            ("status", Align::Left),
            ("kyc", Align::Right),
        ]);
        for u in &self.users {
            table.row(vec![
                u.name.to_owned(),
                u.id.clone(),
                u.full_name.clone(),
                u.document_number.clone(),
                u.mobile_phone.clone(),
                if u.mobile_phone_verified { "yes" } else { "no" }.to_owned(),
                u.status.clone(),
                level(u.kyc_level),
            ]);
        }
        out.push_str(&table.render());
        out.push_str("\n\nwallets\n");
        let mut table = Table::new(&[
            ("wallet", Align::Left),
            ("id", Align::Left),
            ("user", Align::Left),
            ("address", Align::Left),
            ("iban", Align::Left),
            ("kyc", Align::Right),
            ("balance", Align::Right),
            ("available", Align::Right),
            ("held", Align::Right),
            ("status", Align::Left),
        ]);
        for w in &self.wallets {
            table.row(vec![
                w.name.to_owned(),
                w.id.clone(),
                w.user_id.clone(),
                w.dlt_address.clone(),
                w.iban.clone().unwrap_or_else(|| "-".to_owned()),
                level(w.kyc_level),
                w.balance.clone(),
                w.available_balance.clone(),
                w.held_balance.clone(),
                w.status.clone(),
            ]);
        }
        out.push_str(&table.render());
        for w in &self.wallets {
            out.push_str(&format!("\n\nmovements of wallet {} ({})\n", w.name, w.id));
            let mut table = Table::new(&[
                ("type", Align::Left),
                ("status", Align::Left),
                ("amount", Align::Right),
                ("concept", Align::Left),
                ("counterparty", Align::Left),
            ]);
            for m in &w.movements {
                table.row(vec![
                    m.kind.clone(),
                    m.status.clone(),
                    m.amount.clone(),
                    m.concept.clone().unwrap_or_else(|| "-".to_owned()),
                    m.counterparty.clone(),
                ]);
            }
            out.push_str(&table.render());
        }
        out.push_str("\n\nholds of wallet A\n");
        let mut table = Table::new(&[
            ("id", Align::Left),
            ("status", Align::Left),
            ("held", Align::Right),
            ("executed", Align::Right),
            ("remaining", Align::Right),
        ]);
        for h in &self.holds {
            table.row(vec![
                h.id.clone(),
                h.status.clone(),
                h.held_value.clone(),
                h.executed_value.clone(),
                h.remaining_value.clone(),
            ]);
        }
        out.push_str(&table.render());
        out.push_str("\n\n");
        out.push_str(&self.scheduled_operation.describe());
        if let Some(second) = &self.second_currency {
            out.push_str(&format!("\n\nwallets in {}\n", second.code));
            let mut table = Table::new(&[
                ("wallet", Align::Left),
                ("id", Align::Left),
                ("currency", Align::Left),
                ("token", Align::Left),
                ("balance", Align::Right),
            ]);
            for w in &second.wallets {
                table.row(vec![
                    w.name.to_owned(),
                    w.id.clone(),
                    w.currency.clone().unwrap_or_else(|| "-".to_owned()),
                    w.contract_address.clone(),
                    w.balance.clone(),
                ]);
            }
            out.push_str(&table.render());
            out.push_str(&format!(
                "\na transfer across currencies is refused: {}",
                second.refused
            ));
        }
        out.push_str(&format!("\n\ntry it: {}", self.curl));
        if let Some(check) = &self.check {
            if check.passed {
                out.push_str(if self.second_currency.is_some() {
                    "\ncheck: passed (users, balances, movements, holds, the scheduled operation and the second currency's wallets as expected; every answer the API's type)"
                } else {
                    "\ncheck: passed (users, balances, movements, holds and the scheduled operation as expected; every answer the API's type)"
                });
            } else {
                out.push_str(&format!(
                    "\ncheck: FAILED, {} difference(s):\n  {}",
                    check.differences.len(),
                    check.differences.join("\n  ")
                ));
            }
        }
        out
    }
}

/// A KYC level as the tables show it.
fn level(level: Option<i16>) -> String {
    level.map_or_else(|| "-".to_owned(), |l| l.to_string())
}

/// A movement of the API as the tables show it.
fn movement(m: &Movement, played: &Played) -> MovementView {
    let label = |id: &str| -> String {
        [&played.a, &played.b]
            .into_iter()
            .find(|w: &&DemoWallet| w.id == id)
            .map_or_else(|| id.to_owned(), |w| format!("wallet {}", w.name))
    };
    let origin = m.origin_wallet_id.map(|id| id.to_string());
    let target = m.target_wallet_id.map(|id| id.to_string());
    let counterparty = match m.kind.as_str() {
        "TRANSFER_OUT" => target.as_deref().map(label),
        "TRANSFER_IN" => origin.as_deref().map(label),
        "BANK_ACCOUNT_CASHIN" | "BANK_ACCOUNT_CASHOUT" => Some(
            m.iban
                .as_deref()
                .map_or_else(|| "bank (SEPA)".to_owned(), |iban| format!("bank {iban}")),
        ),
        _ => m.iban.clone(),
    }
    .unwrap_or_else(|| "-".to_owned());
    MovementView {
        id: m.id.to_string(),
        kind: m.kind.to_string(),
        status: m.status.to_string(),
        amount: m.amount.clone(),
        concept: m.concept.clone(),
        counterparty,
        origin_wallet_id: origin,
        target_wallet_id: target,
    }
}
