//! Users for the API stages: the API attaches wallets to ACTIVATED users only, so the bench onboards a
//! few persons first (created, phone verified with the code `emtoken serve --sms-outbox-file` wrote,
//! first wallet READY), raises them to the bench wallets' KYC level ([`WALLET_LEVEL`], no limits: the
//! platform keeps a user's wallets at the user's level, and would lower the attached ones otherwise) and
//! attaches the chain's wallets to them, at most [`WALLETS_PER_USER`] each.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use emtoken_workload::WALLET_LEVEL;
use serde_json::{Value, json};

/// `emtoken serve --max-wallets-per-user` of the API stages.
pub(crate) const WALLETS_PER_USER: usize = 1000;

/// The flags `emtoken serve` takes for the bench's users: SMS to the development outbox, written to
/// `sms` too (the embedded database serves serve alone), and room for many wallets per user.
pub(crate) fn serve_args(sms: &Path) -> Vec<String> {
    vec![
        "--sms-outbox".into(),
        "--sms-outbox-file".into(),
        sms.display().to_string(),
        "--max-wallets-per-user".into(),
        WALLETS_PER_USER.to_string(),
    ]
}

/// A DNI with its check letter.
fn dni(n: u32) -> String {
    let letters = b"TRWAGMYFPDXBNJZSQVHLCKE";
    format!("{n:08}{}", char::from(letters[(n % 23) as usize]))
}

/// Onboards enough users of the key's client (a fresh client: numbers from 1) for `wallets` attached
/// wallets (each user's first wallet counts), at KYC level [`WALLET_LEVEL`] (set with the bank's key):
/// their ids. `api` is the API's root URL.
pub(crate) async fn users_for(
    api: &str,
    (key, bank_key): (&str, &str),
    sms: &Path,
    wallets: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<String>> {
    let public = format!("{api}/api/v1/public");
    let count = wallets.div_ceil(WALLETS_PER_USER - 1).max(1);
    let mut users = vec![];
    for n in 1..=u32::try_from(count)? {
        let person = json!({
            "name": "Bench",
            "firstSurname": "User",
            "documentType": "DNI",
            "documentNumber": dni(20_000_000 + n),
            "birthDate": "1990-01-01",
            "nationality": "ES",
            "email": "bench@example.com",
            "mobilePhone": format!("+3461{n:07}"),
            "address": {"street": "Calle Mayor 1", "city": "Madrid", "postalCode": "28013", "country": "ES"}
        });
        let created = post(&format!("{api}/api/v2/public/users/natural"), key, &person).await?;
        let user = created["id"]
            .as_str()
            .with_context(|| format!("the created user has no id: {created}"))?
            .to_owned();
        post(
            &format!("{public}/users/{user}/request-otp"),
            key,
            &json!({}),
        )
        .await?;
        let code = code(sms, &user, timeout).await?;
        post(
            &format!("{public}/users/{user}/validate-otp"),
            key,
            &json!({ "code": code }),
        )
        .await?;
        users.push(user);
    }
    let started = Instant::now();
    for user in &users {
        let url = format!("{public}/users/{user}");
        wait(
            &url,
            key,
            "ACTIVATED (first wallet READY)",
            started,
            timeout,
            |u| u["status"] == "ACTIVATED",
        )
        .await?;
        let change = post(
            &format!("{api}/api/v1/bank/users/{user}/kyc"),
            bank_key,
            &json!({ "kycLevel": WALLET_LEVEL, "evidence": "emtoken-bench: a bench user" }),
        )
        .await?;
        for wallet in change["walletIds"].as_array().into_iter().flatten() {
            let wallet = wallet.as_str().unwrap_or_default();
            let url = format!("{public}/wallets/{wallet}");
            wait(
                &url,
                key,
                "at the bench's KYC level",
                started,
                timeout,
                |w| w["kycLevel"] == WALLET_LEVEL,
            )
            .await?;
        }
    }
    Ok(users)
}

/// Polls GET `url` until `done` holds.
async fn wait(
    url: &str,
    key: &str,
    what: &str,
    started: Instant,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> anyhow::Result<()> {
    loop {
        let found: Value = serde_json::from_str(&crate::http::get(url, Some(key)).await?)?;
        if done(&found) {
            return Ok(());
        }
        if started.elapsed() > timeout {
            bail!("{url} was not {what} within {timeout:?}: {found}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The user the `n`-th attached wallet goes to.
pub(crate) fn user_of(users: &[String], n: usize) -> &str {
    &users[(n / (WALLETS_PER_USER - 1)).min(users.len() - 1)]
}

async fn post(url: &str, key: &str, body: &Value) -> anyhow::Result<Value> {
    let answer = crate::http::post_json(url, key, body).await?;
    Ok(serde_json::from_str(&answer).unwrap_or(Value::Null))
}

/// The newest phone code the outbox file holds for `user` (waits for it).
async fn code(sms: &Path, user: &str, timeout: Duration) -> anyhow::Result<String> {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(sms).unwrap_or_default();
        if let Some(m) = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .rfind(|m| m["userId"] == user)
        {
            let text = m["text"].as_str().unwrap_or_default();
            // "Your <client> verification code: 123456. …": the client's name may hold digits too.
            let after = text.rfind("code: ").map_or(text, |at| &text[at..]);
            return after
                .split(|c: char| !c.is_ascii_digit())
                .find(|run| run.len() == 6)
                .map(str::to_owned)
                .with_context(|| format!("no code in the SMS {text:?}"));
        }
        if started.elapsed() > timeout {
            bail!(
                "no SMS for user {user} in {} within {timeout:?}",
                sms.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
