//! The demo's second currency: with the administrator's key and a second token, the catalogue gets the
//! served token's currency and the second one with their issuers, A and B open wallets of the second
//! currency, A is credited and pays B in it, and a payment from it to a wallet of the first currency is
//! refused.

use anyhow::{Context, bail};
use hyper::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use emtoken_api::answers::{CashInAccepted, TransferAccepted, WalletRegistered};

use super::{Demo, DemoWallet, PUBLIC, check, http::wait_for, step};

/// The first currency: the served token's (the devnet's euro).
const FIRST: (&str, &str, u8) = ("EUR", "Euro", 2);
/// What A is credited with, and pays B, in the second currency (its decimals' worth of digits).
pub(super) const SECOND_CASH_IN: &str = "50";
pub(super) const SECOND_TRANSFER: &str = "12.345678";

/// The second currency to show: its token, code, name and decimals, and the admin's key.
#[derive(Debug, Clone)]
pub(super) struct SecondCurrency {
    pub(super) admin_key: String,
    pub(super) token: alloy_primitives::Address,
    pub(super) code: String,
    pub(super) decimals: u8,
}

/// What the second-currency part did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SecondPlayed {
    pub(super) code: String,
    pub(super) decimals: u8,
    /// A's and B's wallets of the second currency.
    #[serde(skip)]
    pub(super) a: DemoWallet,
    #[serde(skip)]
    pub(super) b: DemoWallet,
    /// The API's words refusing a payment from A's wallet of the second currency to B's first wallet.
    pub(super) refused: String,
}

impl Demo {
    /// Registers `currency` (409: it is there already) and returns its id.
    async fn currency(
        &self,
        admin: &str,
        code: &str,
        name: &str,
        decimals: u8,
    ) -> anyhow::Result<String> {
        let reply = self
            .api
            .post(
                admin,
                "/api/v1/admin/currencies",
                &json!({ "code": code, "name": name, "decimals": decimals }),
            )
            .await?;
        match reply.status {
            StatusCode::CREATED => Ok(id_of(&reply.body)?),
            StatusCode::CONFLICT => {
                let list = self
                    .api
                    .get(admin, "/api/v1/admin/currencies?size=1000")
                    .await?
                    .expect(StatusCode::OK, "GET currencies")?;
                list["_embedded"]["currencies"]
                    .as_array()
                    .and_then(|all| all.iter().find(|c| c["code"] == code))
                    .map(id_of)
                    .transpose()?
                    .with_context(|| format!("currency {code} exists and is not listed"))
            }
            other => bail!("POST currency {code}: {other}: {}", reply.body),
        }
    }

    /// Registers `token` as `legal_id`'s issue of `currency` (409: registered already).
    async fn issuer(
        &self,
        admin: &str,
        (name, legal_id): (&str, &str),
        currency: &str,
        token: alloy_primitives::Address,
    ) -> anyhow::Result<()> {
        let reply = self
            .api
            .post(
                admin,
                "/api/v1/admin/issuers",
                &json!({ "name": name, "legalId": legal_id, "currencyId": currency,
                         "tokenAddress": format!("{token:#x}") }),
            )
            .await?;
        match reply.status {
            StatusCode::CREATED | StatusCode::CONFLICT => Ok(()),
            other => bail!("POST issuer {legal_id}: {other}: {}", reply.body),
        }
    }

    /// The catalogue (both currencies and their issuers), A's and B's wallets of the second currency,
    /// A credited by the bank, A paying B, and a payment across currencies refused.
    pub(super) async fn second_currency(
        &mut self,
        second: &SecondCurrency,
        served_token: alloy_primitives::Address,
        a: &DemoWallet,
        b: &DemoWallet,
    ) -> anyhow::Result<SecondPlayed> {
        let admin = second.admin_key.as_str();
        let (code, name, decimals) = FIRST;
        let first = self.currency(admin, code, name, decimals).await?;
        self.issuer(
            admin,
            ("EmToken Money SA", "DEMO-ISSUER-EUR"),
            &first,
            served_token,
        )
        .await?;
        let other = self
            .currency(admin, &second.code, &second.code, second.decimals)
            .await?;
        self.issuer(
            admin,
            ("EmToken Dollar Inc", "DEMO-ISSUER-2"),
            &other,
            second.token,
        )
        .await?;
        step(&format!(
            "catalogue: {code} (the served token) and {} ({}) with their issuers",
            second.code, second.token
        ));
        let mut wallets = vec![];
        for owner in [a, b] {
            // A token registered a moment ago is followed within seconds: until then, 503.
            let (api, key) = (&self.api, &self.key);
            let body = json!({ "userId": owner.user_id, "currency": second.code });
            let call = format!("POST {} wallet of {}", second.code, owner.name);
            let answer = wait_for(
                &format!(
                    "the platform to open {}'s {} wallet",
                    owner.name, second.code
                ),
                self.timeout,
                async || {
                    let reply = api.post(key, &format!("{PUBLIC}/wallets"), &body).await?;
                    Ok(match reply.status {
                        StatusCode::SERVICE_UNAVAILABLE => {
                            Err(format!("503 {}", reply.body["errors"][0]["detail"]))
                        }
                        _ => Ok(reply),
                    })
                },
            )
            .await?;
            let registered: WalletRegistered = answer.answer(StatusCode::CREATED, &call)?;
            let wallet = DemoWallet {
                id: registered.wallet_id.to_string(),
                address: registered.dlt_address.clone(),
                iban: None,
                ..owner.clone()
            };
            self.await_wallet(&wallet, "READY", |w| w.status.to_string() == "READY")
                .await?;
            step(&format!(
                "{} wallet of {} READY ({})",
                second.code, owner.name, wallet.id
            ));
            wallets.push(wallet);
        }
        let (a2, b2) = (wallets.remove(0), wallets.remove(0));
        let credited: CashInAccepted = self
            .post(
                true,
                "/api/v1/bank/cashIns",
                json!({ "walletId": a2.id, "amount": SECOND_CASH_IN, "concept": "Dollars from the user's bank" }),
                "cash-in of the second currency",
            )
            .await?;
        step(&format!(
            "cash-in of {SECOND_CASH_IN} {} to A accepted (request {})",
            second.code, credited.id
        ));
        self.await_wallet(&a2, "its first dollars", |w| {
            check::amount(&w.balance) == Some(check::dec(SECOND_CASH_IN))
        })
        .await?;
        let paid: TransferAccepted = self
            .post(
                false,
                &format!("{PUBLIC}/wallets/{}/transfer", a2.id),
                json!({ "amount": SECOND_TRANSFER, "targetWalletId": b2.id, "concept": "Dollars for B" }),
                "transfer A→B in the second currency",
            )
            .await?;
        self.await_movement(
            &a2,
            &paid.movement_id.to_string(),
            "the transfer in the second currency",
        )
        .await?;
        step(&format!(
            "transfer of {SECOND_TRANSFER} {} A→B final",
            second.code
        ));
        let refused = self
            .api
            .post(
                &self.key,
                &format!("{PUBLIC}/wallets/{}/transfer", a2.id),
                &json!({ "amount": "1", "targetWalletId": b.id }),
            )
            .await?;
        if refused.status != StatusCode::CONFLICT {
            bail!(
                "a transfer from A's {} wallet to B's {code} wallet: expected 409, got {}: {}",
                second.code,
                refused.status,
                refused.body
            );
        }
        let refused = refused.body["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        step(&format!("a transfer across currencies refused: {refused}"));
        Ok(SecondPlayed {
            code: second.code.clone(),
            decimals: second.decimals,
            a: a2,
            b: b2,
            refused,
        })
    }
}

fn id_of(v: &Value) -> anyhow::Result<String> {
    v["id"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("an answer without its id: {v}"))
}

/// The check of the second currency: each wallet shows it, with the balance the demo left.
pub(super) fn verify(
    played: &SecondPlayed,
    wallets: &[(String, String, Option<String>)],
) -> Vec<String> {
    let mut out = vec![];
    let paid = check::dec(SECOND_TRANSFER);
    let expected = [("A", check::dec(SECOND_CASH_IN) - paid), ("B", paid)];
    for ((name, want), (_, balance, currency)) in expected.iter().zip(wallets) {
        if currency.as_deref() != Some(played.code.as_str()) {
            out.push(format!(
                "{name}'s second wallet: expected currency {}, found {currency:?}",
                played.code
            ));
        }
        if check::amount(balance) != Some(*want) {
            out.push(format!(
                "{name}'s {} wallet balance: expected {want}, found {balance}",
                played.code
            ));
        }
        // Shown in the currency's decimals.
        if balance.split('.').nth(1).map(str::len) != Some(usize::from(played.decimals)) {
            out.push(format!(
                "{name}'s {} wallet balance {balance}: expected {} decimals",
                played.code, played.decimals
            ));
        }
    }
    if !played.refused.contains("same token") {
        out.push(format!(
            "the transfer across currencies: expected a refusal naming the tokens, found '{}'",
            played.refused
        ));
    }
    out
}
