//! A's first money: a card cash-in through the payment page, as the cardholder's browser does it.

use anyhow::{Context, bail};
use emtoken_api::answers::CardPaymentPage;
use hyper::StatusCode;
use serde_json::json;

use super::{Demo, DemoWallet, PUBLIC, check, step};

/// The shop's pages the payment page sends the browser back to (the demo reads the redirect and
/// does not follow it: nothing needs to answer there).
const SHOP_PAID: &str = "https://shop.example/paid";
const SHOP_REFUSED: &str = "https://shop.example/refused";

/// The simulator's card that is approved (docs/api.md lists the test cards).
const TEST_CARD: &str = "4242 4242 4242 4242";

impl Demo {
    /// Funds `wallet` with `amount` by card: a payment page, the card typed into its form, the
    /// browser sent to the shop's success page; waits for the balance `then`.
    pub(super) async fn card_cash_in(
        &mut self,
        wallet: &DemoWallet,
        amount: &str,
        then: &str,
    ) -> anyhow::Result<()> {
        let reply = self
            .api
            .post(
                &self.key,
                &format!("{PUBLIC}/wallets/{}/cards/cashIns", wallet.id),
                &json!({ "amount": amount, "concept": "Card cash-in on the payment page",
                         "successUrl": SHOP_PAID, "rejectUrl": SHOP_REFUSED }),
            )
            .await?;
        let page: CardPaymentPage =
            reply.answer(StatusCode::CREATED, "POST card cash-in (payment page)")?;
        step(&format!(
            "payment page for {amount} to A: {} (movement {}, until {})",
            page.payment_url, page.movement_id, page.expires_at
        ));
        let form = self.api.page(&page.payment_url).await?;
        if form.status != StatusCode::OK || !form.text.contains("id=\"card\"") {
            bail!(
                "GET {}: expected the card form (200), got {}: {}",
                page.payment_url,
                form.status,
                form.text
            );
        }
        let expiry = format!(
            "12/{:02}",
            (chrono::Datelike::year(&chrono::Utc::now()) + 3) % 100
        );
        let done = self
            .api
            .submit(
                &page.payment_url,
                &[
                    ("owner", "Ana García"),
                    ("number", TEST_CARD),
                    ("expiration", &expiry),
                    ("cvv", "123"),
                ],
            )
            .await
            .context("submitting the card on the payment page")?;
        if done.status != StatusCode::SEE_OTHER || done.location.as_deref() != Some(SHOP_PAID) {
            bail!(
                "POST {}: expected a redirect to {SHOP_PAID}, got {} to {:?}: {}",
                page.payment_url,
                done.status,
                done.location,
                done.text
            );
        }
        step(&format!(
            "card {TEST_CARD} typed on the payment page: charged, the browser sent to {SHOP_PAID}"
        ));
        let want = check::dec(then);
        self.await_wallet(
            wallet,
            &format!("balance {then} after the card cash-in"),
            |w| check::amount(&w.balance) == Some(want),
        )
        .await
    }
}
