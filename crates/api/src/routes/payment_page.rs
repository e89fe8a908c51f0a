//! The payment page of a card cash-in (`/pay/{token}`): where the cardholder types the card, once,
//! within 15 minutes of the page's making. Submitted, the card is charged through the acquirer like
//! card data a client sends, and the browser goes to the cash-in's `successUrl` (charged: the money
//! is minted a few seconds later) or `rejectUrl` (refused). A 3-D Secure challenge sends the browser to
//! the acquirer's challenge first, which comes back here.
//!
//! Plain HTML, no script, one inline style allowed by its hash. Every answer carries strict security
//! headers: a Content-Security-Policy that allows nothing but that style and forms posted here (and
//! the redirects to the cash-in's two addresses), no framing, no caching, no referrer (the page's
//! address is its key). The card's fields go to the acquirer and nowhere else: not to logs, not back
//! into a page.
//!
//! The built-in simulator's 3-D Secure challenge pages (`/simulator/3ds/{reference}`) are here too.

use std::sync::LazyLock;

use axum::{
    extract::{Path, State, rejection::FormRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use emtoken_store::api::CardCashInRow;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::card_cash_ins::{
    Settled, charge, expire_page, mint_call, row_token, settle, settle_again,
};
use crate::{
    ApiState, Problem,
    acquirer::Decision,
    cards::{Brand, CardData, CheckedCard},
    views,
};

/// The pages' one style.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}\
main{max-width:26rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:.5rem;\
box-shadow:0 1px 3px #0003}h1{font-size:1.4rem;margin-top:0}label{display:block;margin-top:1rem;\
font-weight:600}input{display:block;width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem;\
margin-top:.25rem;border:1px solid #6b7280;border-radius:.25rem}input[aria-invalid=true]{border:2px solid #b91c1c}\
button{margin-top:1.5rem;width:100%;font-size:1.1rem;padding:.75rem;background:#1d4ed8;color:#fff;\
border:0;border-radius:.25rem;cursor:pointer}button.secondary{background:#4b5563}\
.alert{background:#fee2e2;border:1px solid #b91c1c;padding:.75rem;border-radius:.25rem}.alert p{margin:0}\
.note{color:#4b5563;font-size:.9rem}a{color:#1d4ed8}";

/// The CSP source of [`STYLE`].
static STYLE_HASH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE))
    )
});

/// How often the waiting page looks again, in seconds.
const REFRESH_SECONDS: u32 = 2;

/// A page with the security headers; `form_targets`: where its forms may post (and be redirected to)
/// besides this origin.
fn html(status: StatusCode, body: String, form_targets: &[&str]) -> Response {
    let mut form_action = String::from("'self'");
    for target in form_targets {
        if let Ok(url) = url::Url::parse(target) {
            form_action.push(' ');
            form_action.push_str(&url.origin().ascii_serialization());
        }
    }
    let csp = format!(
        "default-src 'none'; style-src {}; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'",
        *STYLE_HASH
    );
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Never without a policy: the strictest one if the shop's origins do not fit a header.
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
    });
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    secure(headers);
    response
}

/// The headers every answer of these pages carries (redirects included).
fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, max-age=0"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A 303 to `to`.
fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    secure(response.headers_mut());
    response
}

/// `text` made safe for HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: `title` (also the heading) and `main`'s content; `head`: more of the head.
fn document(title: &str, head: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\">{head}<title>{title}</title><style>{STYLE}</style></head>\
<body><main><h1>{title}</h1>{main}</main></body></html>\n",
        title = escape(title),
    )
}

/// A page that only tells something.
fn message(status: StatusCode, title: &str, text: &str, link: Option<(&str, &str)>) -> Response {
    let mut main = format!("<p id=\"message\">{}</p>", escape(text));
    let mut targets = vec![];
    if let Some((href, label)) = link {
        main.push_str(&format!(
            "<p><a id=\"back\" href=\"{}\">{}</a></p>",
            escape(href),
            escape(label)
        ));
        targets.push(href);
    }
    html(status, document(title, "", &main), &targets)
}

/// The page of an unknown or malformed link.
fn unknown() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Payment link not found",
        "This payment link does not exist. Check the address, or ask the shop for a new link.",
        None,
    )
}

/// The page of a link that expired unused.
fn expired_page(row: &CardCashInRow) -> Response {
    message(
        StatusCode::GONE,
        "Payment link expired",
        "This payment link has expired: payment links work for 15 minutes. Nothing was charged.",
        row.reject_url
            .as_deref()
            .map(|url| (url, "Back to the shop")),
    )
}

/// The page shown while the acquirer decides: it looks again every few seconds.
fn waiting_page() -> Response {
    let head = format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">");
    html(
        StatusCode::OK,
        document(
            "Payment in progress",
            &head,
            "<p id=\"message\" role=\"status\">Your payment is being processed. This page updates by itself; \
             do not pay again.</p>",
        ),
        &[],
    )
}

/// The page that takes the browser to another site's 3-D Secure challenge.
fn to_challenge(challenge: &str) -> Response {
    let head = format!(
        "<meta http-equiv=\"refresh\" content=\"0;url={}\">",
        escape(challenge)
    );
    let main = format!(
        "<p id=\"message\">Your bank asks you to confirm the payment.</p>\
         <p><a id=\"challenge\" href=\"{}\">Continue to your bank</a></p>",
        escape(challenge)
    );
    html(
        StatusCode::OK,
        document("Confirm with your bank", &head, &main),
        &[],
    )
}

/// What a field of the form had wrong, to show beside it.
#[derive(Debug)]
struct FieldError {
    /// The field's id (`owner`, `number`, `expiration`, `cvv`), or `form`.
    field: &'static str,
    /// What was wrong, for the cardholder.
    text: String,
}

/// The form of page `row`; `owner` and `expiration` as typed before an error (never the number or
/// the code).
async fn form_page(
    state: &ApiState,
    row: &CardCashInRow,
    error: Option<&FieldError>,
    owner: &str,
    expiration: &str,
) -> Response {
    let token = row.page_token.as_deref().unwrap_or_default();
    // In the wallet's token's decimals and currency (the platform's own token is the euro until an
    // issuer registration names its currency).
    let chain = match row_token(state, row).await {
        Ok(token) => token.chain,
        Err(_) => std::sync::Arc::clone(&state.chain),
    };
    let amount = format!(
        "{} {}",
        views::amount(&chain, row.amount),
        chain.currency.as_deref().unwrap_or("EUR")
    );
    let mut main = format!(
        "<p>Amount: <strong id=\"amount\">{}</strong></p>",
        escape(&amount)
    );
    if let Some(concept) = &row.concept {
        main.push_str(&format!(
            "<p>For: <span id=\"concept\">{}</span></p>",
            escape(concept)
        ));
    }
    if let Some(error) = error {
        main.push_str(&format!(
            "<div class=\"alert\" role=\"alert\" id=\"error\"><p>{}</p></div>",
            escape(&error.text)
        ));
    }
    let input = |id: &str, label: &str, attrs: &str, value: &str| {
        let invalid = error.is_some_and(|e| e.field == id);
        format!(
            "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" {attrs} required \
             value=\"{}\"{}>",
            escape(value),
            if invalid {
                " aria-invalid=\"true\" aria-describedby=\"error\""
            } else {
                ""
            }
        )
    };
    main.push_str(&format!(
        "<form method=\"post\" action=\"/pay/{token}\" id=\"card\">{}{}{}{}\
<button type=\"submit\" id=\"pay\">Pay {}</button></form>",
        input(
            "owner",
            "Name on the card",
            "autocomplete=\"cc-name\" maxlength=\"100\"",
            owner
        ),
        input(
            "number",
            "Card number",
            "autocomplete=\"cc-number\" inputmode=\"numeric\" maxlength=\"23\"",
            ""
        ),
        input(
            "expiration",
            "Expiry date (MM/YY)",
            "autocomplete=\"cc-exp\" inputmode=\"numeric\" maxlength=\"7\" placeholder=\"MM/YY\"",
            expiration
        ),
        input(
            "cvv",
            "Security code (CVV, 3 or 4 digits)",
            "autocomplete=\"cc-csc\" inputmode=\"numeric\" maxlength=\"4\"",
            ""
        ),
        escape(&amount),
    ));
    if let Some(expires) = row.page_expires_at {
        main.push_str(&format!(
            "<p class=\"note\">Visa and Mastercard. This page works once, until {} UTC.</p>",
            expires.format("%H:%M")
        ));
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(status, document("Pay by card", "", &main), &forms_go(row))
}

/// Where a page's form may end up: the cash-in's two addresses (the redirect after the post).
fn forms_go(row: &CardCashInRow) -> Vec<&str> {
    [row.success_url.as_deref(), row.reject_url.as_deref()]
        .into_iter()
        .flatten()
        .collect()
}

/// The cash-in of a page's token (None for a malformed or unknown one).
async fn page_row(state: &ApiState, token: &str) -> Result<Option<CardCashInRow>, Problem> {
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    Ok(state.store.card_cash_in_by_page(token).await?)
}

/// `GET /pay/{token}`: the form while the page takes a card; after it, where the payment stands (a
/// waiting page, the challenge, or the way back to the shop).
pub(crate) async fn payment_page(
    State(state): State<ApiState>,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let Some(row) = page_row(&state, &token).await? else {
        return Ok(unknown());
    };
    if row.state == "AWAITING_CARD" {
        let now = state.onboarding.clock.now();
        if row.page_expires_at.is_some_and(|end| end <= now) {
            expire_page(&state, &row, now).await?;
            let row = state.store.card_cash_in(row.id).await?.unwrap_or(row);
            return Ok(after(&state, &row, None).await);
        }
        return Ok(form_page(&state, &row, None, "", "").await);
    }
    Ok(after(&state, &row, None).await)
}

/// The page's form as posted. `Debug` shows none of it.
#[derive(Deserialize)]
pub(crate) struct PageForm {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    expiration: String,
    #[serde(default)]
    cvv: String,
}

impl std::fmt::Debug for PageForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageForm { .. }")
    }
}

impl Drop for PageForm {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.number.zeroize();
        self.cvv.zeroize();
        self.owner.zeroize();
        self.expiration.zeroize();
    }
}

/// `POST /pay/{token}`: the card typed. Checked (the form again, with what was wrong), charged once,
/// then the way to `successUrl` or `rejectUrl` (or the challenge, or the waiting page).
pub(crate) async fn pay(
    State(state): State<ApiState>,
    Path(token): Path<String>,
    form: Result<axum::Form<PageForm>, FormRejection>,
) -> Result<Response, Problem> {
    let Some(row) = page_row(&state, &token).await? else {
        return Ok(unknown());
    };
    let now = state.onboarding.clock.now();
    if row.state != "AWAITING_CARD" {
        return Ok(after(&state, &row, None).await);
    }
    if row.page_expires_at.is_some_and(|end| end <= now) {
        expire_page(&state, &row, now).await?;
        let row = state.store.card_cash_in(row.id).await?.unwrap_or(row);
        return Ok(after(&state, &row, None).await);
    }
    let Ok(axum::Form(form)) = form else {
        let error = FieldError {
            field: "form",
            text: "The form could not be read: fill it in again.".into(),
        };
        return Ok(form_page(&state, &row, Some(&error), "", "").await);
    };
    let card = match check(&form, now) {
        Ok(card) => card,
        Err(error) => {
            return Ok(form_page(&state, &row, Some(&error), &form.owner, &form.expiration).await);
        }
    };
    drop(form);
    if !state
        .store
        .take_card_page(row.id, card.brand.as_str(), &card.last_four, now)
        .await?
    {
        // Used (another submission got here first) or expired meanwhile.
        let row = state.store.card_cash_in(row.id).await?.unwrap_or(row);
        return Ok(after(&state, &row, None).await);
    }
    let row = state.store.card_cash_in(row.id).await?.unwrap_or(row);
    // The wallet may have taken other money since the page was made: its limits are checked again
    // before the card is charged (refused: declined, nothing charged).
    let decision = match mintable(&state, &row).await {
        Ok(()) => {
            let return_url = format!("{}/pay/{token}", state.public_url);
            charge(&state, &row, &card, Some(&return_url)).await
        }
        Err(reason) => Ok(Decision::Declined { reason }),
    };
    drop(card);
    let settled = settle::<()>(&state, None, &row, decision).await;
    let row = state.store.card_cash_in(row.id).await?.unwrap_or(row);
    Ok(after(&state, &row, Some(settled)).await)
}

/// Whether the contract takes cash-in `row`'s mint now; Err says why not (for the decline).
async fn mintable(state: &ApiState, row: &CardCashInRow) -> Result<(), String> {
    let wallet = state
        .store
        .wallet(emtoken_store::WalletRef::Id(row.wallet_id))
        .await
        .map_err(|e| format!("not charged: the wallet could not be read ({e})"))?
        .ok_or("not charged: no such wallet")?;
    let token = state
        .token_of(&wallet)
        .await
        .map_err(|problem| format!("not charged: {}", problem.detail))?;
    let call = mint_call(&token, &wallet.address, row)
        .map_err(|problem| format!("not charged: {}", problem.detail))?;
    state.platform.check(&call).await.map_err(|problem| {
        if problem.status == StatusCode::CONFLICT {
            format!(
                "not charged: the wallet cannot take this amount now ({})",
                problem.detail
            )
        } else {
            format!(
                "not charged: the wallet's limits could not be checked ({})",
                problem.detail
            )
        }
    })
}

/// The card of a form, checked at `now`; the first thing wrong, in the cardholder's words.
fn check(form: &PageForm, now: chrono::DateTime<chrono::Utc>) -> Result<CheckedCard, FieldError> {
    let digits: String = form
        .number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let Some(brand) = Brand::of_number(&digits) else {
        return Err(FieldError {
            field: "number",
            text: "Card number: only Visa and Mastercard cards are taken; check the number.".into(),
        });
    };
    let expiration: String = form
        .expiration
        .chars()
        .filter(|c| !matches!(c, '/' | ' '))
        .collect();
    let data = CardData::new(
        form.owner.clone(),
        digits,
        expiration,
        form.cvv.trim().to_owned(),
    );
    CheckedCard::check(brand.as_str(), data, now).map_err(|problem| {
        let (field, label) = [
            ("card.number", ("number", "Card number")),
            ("card.expiration", ("expiration", "Expiry date")),
            ("card.cvv", ("cvv", "Security code")),
            ("card.owner", ("owner", "Name on the card")),
        ]
        .into_iter()
        .find(|(prefix, _)| problem.detail.starts_with(prefix))
        .map_or(("form", "Card"), |(_, found)| found);
        let what = problem
            .detail
            .split_once(": ")
            .map_or(problem.detail.as_str(), |(_, what)| what);
        FieldError {
            field,
            text: format!("{label}: {what}"),
        }
    })
}

/// Where the browser goes once page `row` took its card (or expired): `settled` is what the charge
/// just came to, if this request charged it.
async fn after(
    state: &ApiState,
    row: &CardCashInRow,
    settled: Option<Result<Settled, Problem>>,
) -> Response {
    let success = row.success_url.as_deref().unwrap_or("/");
    let reject = row.reject_url.as_deref().unwrap_or("/");
    let settled = match settled {
        Some(settled) => settled,
        None => match row.state.as_str() {
            "AWAITING_CARD" => return unknown(),
            "EXPIRED" => return expired_page(row),
            "DECLINED" | "MINT_FAILED" => return redirect(reject),
            "APPROVED" | "MINTING" | "MINTED" => return redirect(success),
            _ => charging(state, row).await,
        },
    };
    match settled {
        Ok(Settled::Approved) => redirect(success),
        // The platform's own challenge (the simulator's): there. Another site's: through a page, as
        // the form may only lead to this site and the shop (its Content-Security-Policy).
        Ok(Settled::Pending {
            challenge: Some(challenge),
        }) if challenge.starts_with('/') => redirect(&challenge),
        Ok(Settled::Pending {
            challenge: Some(challenge),
        }) => to_challenge(&challenge),
        Ok(Settled::Pending { challenge: None }) => waiting_page(),
        Err(problem) if problem.status.is_server_error() => {
            tracing::warn!(cash_in = %row.id, error = %problem.detail, "payment page: not settled yet");
            waiting_page()
        }
        // Declined (402), or not mintable (409): refused.
        Err(_) => redirect(reject),
    }
}

/// Where CHARGING cash-in `row` stands: the acquirer's decision, settled if it has one; pending
/// while a charge may still be on its way (never declined from here: the follow-up does that).
async fn charging(state: &ApiState, row: &CardCashInRow) -> Result<Settled, Problem> {
    let Ok(reference) = <[u8; 32]>::try_from(row.reference.as_slice()) else {
        return Err(Problem::internal("a reference of the wrong length"));
    };
    match state.acquirer.decision(&reference).await {
        Ok(Some(Decision::Pending { challenge })) => Ok(Settled::Pending { challenge }),
        Ok(Some(decision)) => settle::<()>(state, None, row, Ok(decision)).await,
        Ok(None) | Err(_) => {
            if chrono::Utc::now() - row.updated_at > chrono::Duration::minutes(1) {
                // Long enough that the follow-up settles it: what it came to.
                settle_again::<()>(state, None, row).await
            } else {
                Ok(Settled::Pending { challenge: None })
            }
        }
    }
}

/// `GET /simulator/3ds/{reference}`: the built-in simulator's 3-D Secure challenge.
pub(crate) async fn simulator_challenge(
    State(state): State<ApiState>,
    Path(reference): Path<String>,
) -> Response {
    let (Some(simulator), Some(reference)) = (state.acquirer.simulator(), parse_ref(&reference))
    else {
        return challenge_unknown();
    };
    if !simulator.challenge_waiting(&reference) {
        return challenge_unknown();
    }
    let action = format!("/simulator/3ds/{}", hex::encode(reference));
    let main = format!(
        "<p id=\"message\">Simulated 3-D Secure: your bank asks you to confirm this payment. \
         (A real bank would send a code to your phone or ask its app.)</p>\
<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"outcome\" value=\"pass\">\
<button type=\"submit\" id=\"pass\">Confirm the payment</button></form>\
<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"outcome\" value=\"fail\">\
<button type=\"submit\" id=\"fail\" class=\"secondary\">Cancel: do not pay</button></form>"
    );
    html(
        StatusCode::OK,
        document("Confirm the payment", "", &main),
        &[],
    )
}

/// The form of a challenge.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChallengeForm {
    outcome: String,
}

/// `POST /simulator/3ds/{reference}`: the challenge passed or failed; back to the payment page.
pub(crate) async fn simulator_challenge_done(
    State(state): State<ApiState>,
    Path(reference): Path<String>,
    form: Result<axum::Form<ChallengeForm>, FormRejection>,
) -> Response {
    let (Some(simulator), Some(reference), Ok(axum::Form(form))) =
        (state.acquirer.simulator(), parse_ref(&reference), form)
    else {
        return challenge_unknown();
    };
    let passed = match form.outcome.as_str() {
        "pass" => true,
        "fail" => false,
        _ => return challenge_unknown(),
    };
    // Back through a page, not a redirect: the payment page then sends the browser on to the shop,
    // which this page's forms may not lead to (its Content-Security-Policy).
    match simulator.complete_challenge(&reference, passed) {
        Some(back) => {
            let head = format!(
                "<meta http-equiv=\"refresh\" content=\"0;url={}\">",
                escape(&back)
            );
            let main = format!(
                "<p id=\"message\" role=\"status\">{}</p><p><a id=\"back\" href=\"{}\">Back to the payment</a></p>",
                if passed {
                    "Payment confirmed."
                } else {
                    "Payment cancelled."
                },
                escape(&back)
            );
            html(
                StatusCode::OK,
                document("Back to the payment", &head, &main),
                &[],
            )
        }
        None => challenge_unknown(),
    }
}

/// A challenge's reference in its address.
fn parse_ref(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// The page of a challenge that does not exist or is over.
fn challenge_unknown() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No payment to confirm",
        "There is no payment waiting for confirmation here: it was confirmed, cancelled or has lapsed.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn pages_allow_their_style_and_forms_to_the_shop_only() {
        let page = html(
            StatusCode::OK,
            document("t", "", ""),
            &[
                "https://shop.example/ok?x=1",
                "http://other.example:8081/no",
            ],
        );
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains(
                "form-action 'self' https://shop.example http://other.example:8081; frame-ancestors 'none'"
            ),
            "{csp}"
        );
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store, max-age=0");
        assert_eq!(page.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(page.headers()[header::REFERRER_POLICY], "no-referrer");
        // The hash is the style's: a browser applies it.
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        assert!(csp.contains(&digest));
    }

    #[test]
    fn form_errors_name_the_field_and_never_repeat_the_card() {
        let now = chrono::Utc::now();
        let form = |number: &str, expiration: &str, cvv: &str| PageForm {
            owner: "Ana García".into(),
            number: number.into(),
            expiration: expiration.into(),
            cvv: cvv.into(),
        };
        let e = check(&form("1234 5678 9012 3456", "12/30", "123"), now).unwrap_err();
        assert_eq!(e.field, "number");
        let e = check(&form("4242 4242 4242 4241", "12/30", "123"), now).unwrap_err();
        assert_eq!(e.field, "number");
        assert!(e.text.contains("Luhn"), "{}", e.text);
        assert!(!e.text.contains("4241"));
        let e = check(&form("4242424242424242", "01/20", "123"), now).unwrap_err();
        assert_eq!(e.field, "expiration");
        let e = check(&form("4242424242424242", "12/30", "12"), now).unwrap_err();
        assert_eq!(e.field, "cvv");
        let card = check(&form("5555-5555-5555-4444", "12 / 30", "123"), now).unwrap();
        assert_eq!(card.brand, Brand::Mastercard);
        assert_eq!(card.last_four, "4444");
    }
}
