//! The payment page in a real browser: headless Chromium driven over WebDriver (chromedriver), against
//! the platform over HTTP (anvil, the indexer, PostgreSQL) and a shop's two pages. The cardholder types
//! a good card and lands on the shop's success page with the wallet credited; a declined card lands on
//! the reject page; a card with a mistake gets the form back naming the field; a card that needs 3-D
//! Secure passes the simulator's challenge; an expired link shows its expiry. Screenshots of each step
//! are saved under target/browser-tests/.
//!
//! Needs `chromium` and `chromedriver` (Debian `chromium`, `chromium-driver`; scripts/test installs
//! them when missing). Without them the test is skipped, unless `EMTOKEN_BROWSER_TESTS=required` (set
//! by scripts/test): then it fails.

mod common;

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::{http::StatusCode, response::Html, routing::get};
use common::{Platform_, platform};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const W: &str = "/api/v1/public/wallets";

/// chromedriver, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A program on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|path| path.is_file())
}

/// chromedriver and chromium, or None (the test skips) unless they are required.
fn browser_programs() -> Option<(PathBuf, PathBuf)> {
    let driver = which("chromedriver");
    let chromium = which("chromium").or_else(|| which("chromium-browser"));
    match (driver, chromium) {
        (Some(driver), Some(chromium)) => Some((driver, chromium)),
        _ => {
            assert!(
                std::env::var("EMTOKEN_BROWSER_TESTS").as_deref() != Ok("required"),
                "chromium and chromedriver are required (EMTOKEN_BROWSER_TESTS=required) but missing: apt-get install chromium chromium-driver"
            );
            eprintln!(
                "skipped: chromium or chromedriver missing (apt-get install chromium chromium-driver)"
            );
            None
        }
    }
}

/// Starts chromedriver on a free port and waits for it.
async fn driver(program: &PathBuf) -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { child, url }
}

/// A headless Chromium session.
async fn browser(driver: &Driver, chromium: &PathBuf) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=900,1000", "--disable-extensions", "--no-first-run"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The shop: its success and reject pages. Its address.
async fn shop() -> String {
    let app = axum::Router::new()
        .route(
            "/paid",
            get(|| async {
                Html("<!doctype html><title>Shop: paid</title><h1 id=\"shop\">Thank you</h1>")
            }),
        )
        .route(
            "/refused",
            get(|| async {
                Html("<!doctype html><title>Shop: refused</title><h1 id=\"shop\">Payment refused</h1>")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// Saves a screenshot of the page as target/browser-tests/`name`.png.
async fn screenshot(browser: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// A payment page for `amount` into `wallet`, going back to the shop: the answer.
async fn page(p: &Platform_, wallet: &str, amount: &str, shop: &str) -> Value {
    let a = p
        .post(
            &p.client_key,
            &format!("{W}/{wallet}/cards/cashIns"),
            json!({ "amount": amount, "concept": "Order 1042",
                    "successUrl": format!("{shop}/paid"), "rejectUrl": format!("{shop}/refused") }),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert!(
        a.body["paymentUrl"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/pay/", p.base)),
        "{a:?}"
    );
    a.body
}

/// Types a card into the open payment page and submits it.
async fn type_card(browser: &Client, number: &str, expiration: &str, cvv: &str) {
    for (id, text) in [
        ("owner", "Ana María García"),
        ("number", number),
        ("expiration", expiration),
        ("cvv", cvv),
    ] {
        let input = browser.find(Locator::Id(id)).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }
    browser
        .find(Locator::Id("pay"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the browser is at `url`.
async fn lands_on(browser: &Client, url: &str) {
    let url = url::Url::parse(url).unwrap();
    let start = Instant::now();
    loop {
        let now = browser.current_url().await.unwrap();
        if now == url {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the browser is at {now}, not {url}: {}",
            browser.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of element `id`.
async fn text_of(browser: &Client, id: &str) -> String {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_cardholder_pays_on_the_payment_page_in_a_browser(pool: sqlx::PgPool) {
    let Some((driver_program, chromium)) = browser_programs() else {
        return;
    };
    let p = platform(pool).await;
    let shop = shop().await;
    let wallet = p.wallet(&p.client_key).await;
    let id = wallet["id"].as_str().unwrap().to_owned();
    let driver = driver(&driver_program).await;
    let browser = browser(&driver, &chromium).await;

    // 1. A good card: the form, typed, submitted; the shop's success page; the wallet credited.
    let first = page(&p, &id, "25.00", &shop).await;
    let url = first["paymentUrl"].as_str().unwrap().to_owned();
    browser.goto(&url).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "Pay by card");
    assert_eq!(text_of(&browser, "amount").await, "25.00 EUR");
    assert_eq!(text_of(&browser, "concept").await, "Order 1042");
    // Accessible: the page's language, and every field with its label.
    let html = browser.find(Locator::Css("html")).await.unwrap();
    assert_eq!(html.attr("lang").await.unwrap().as_deref(), Some("en"));
    for id in ["owner", "number", "expiration", "cvv"] {
        let label = browser
            .find(Locator::Css(&format!("label[for='{id}']")))
            .await
            .unwrap_or_else(|_| panic!("no label for {id}"));
        assert!(!label.text().await.unwrap().is_empty());
        let input = browser.find(Locator::Id(id)).await.unwrap();
        assert_eq!(
            input.attr("required").await.unwrap().as_deref(),
            Some("true")
        );
    }
    screenshot(&browser, "1-form").await;
    // A mistake first: the form comes back naming the field, the number not repeated.
    type_card(&browser, "4242 4242 4242 4241", "12/30", "123").await;
    // The click returns before the answer is shown: wait for it.
    let error = browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(error.starts_with("Card number:"), "{error}");
    assert!(error.contains("Luhn"), "{error}");
    let number = browser.find(Locator::Id("number")).await.unwrap();
    assert_eq!(
        number.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(number.prop("value").await.unwrap().as_deref(), Some(""));
    assert!(!browser.source().await.unwrap().contains("4241"));
    screenshot(&browser, "2-mistake").await;
    type_card(&browser, "4242 4242 4242 4242", "12/30", "123").await;
    lands_on(&browser, &format!("{shop}/paid")).await;
    assert_eq!(text_of(&browser, "shop").await, "Thank you");
    screenshot(&browser, "3-paid").await;
    let movement = first["movementId"].as_str().unwrap();
    let done = p
        .wait_for(&format!("{W}/{id}/movements/{movement}"), "the mint", |m| {
            m["status"] == "SUCCESS"
        })
        .await;
    assert_eq!(done["type"], "CARD_CASHIN");
    assert_eq!(done["amount"], "25.00");
    p.wait_for(&format!("{W}/{id}"), "the balance", |w| {
        w["balance"] == "25.00"
    })
    .await;
    // The link is used: it leads to the shop, never to a form again.
    browser.goto(&url).await.unwrap();
    lands_on(&browser, &format!("{shop}/paid")).await;

    // 2. A declined card: the shop's reject page; the movement ERROR; nothing credited.
    let second = page(&p, &id, "10.00", &shop).await;
    browser
        .goto(second["paymentUrl"].as_str().unwrap())
        .await
        .unwrap();
    type_card(&browser, "4000 0000 0000 0002", "12/30", "123").await;
    lands_on(&browser, &format!("{shop}/refused")).await;
    screenshot(&browser, "4-refused").await;
    let movement = second["movementId"].as_str().unwrap();
    let refused = p.get(&format!("{W}/{id}/movements/{movement}")).await.body;
    assert_eq!(refused["status"], "ERROR", "{refused}");

    // 3. A card that needs 3-D Secure: the simulator's challenge, passed; the shop's success page.
    let third = page(&p, &id, "5.00", &shop).await;
    browser
        .goto(third["paymentUrl"].as_str().unwrap())
        .await
        .unwrap();
    type_card(&browser, "4000 0000 0000 3220", "12/30", "123").await;
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("pass"))
        .await
        .unwrap();
    assert_eq!(browser.title().await.unwrap(), "Confirm the payment");
    screenshot(&browser, "5-challenge").await;
    browser
        .find(Locator::Id("pass"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    lands_on(&browser, &format!("{shop}/paid")).await;
    p.wait_for(&format!("{W}/{id}"), "the balance", |w| {
        w["balance"] == "30.00"
    })
    .await;

    // 4. A link not used for 15 minutes: expired, its movement ERROR.
    let fourth = page(&p, &id, "7.00", &shop).await;
    let movement = fourth["movementId"].as_str().unwrap();
    let waiting = p.get(&format!("{W}/{id}/movements/{movement}")).await.body;
    assert_eq!(waiting["status"], "PENDING", "{waiting}");
    p.clock.advance(chrono::Duration::minutes(16));
    browser
        .goto(fourth["paymentUrl"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(browser.title().await.unwrap(), "Payment link expired");
    assert!(text_of(&browser, "message").await.contains("expired"));
    screenshot(&browser, "6-expired").await;
    let expired = p.get(&format!("{W}/{id}/movements/{movement}")).await.body;
    assert_eq!(expired["status"], "ERROR", "{expired}");
    assert_eq!(p.get(&format!("{W}/{id}")).await.body["balance"], "30.00");
    browser.close().await.unwrap();
}
