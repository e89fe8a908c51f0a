//! KYC levels: clients never choose them; the compliance side (the bank key) sets them, and only to
//! levels the token has a tier for.

mod common;

use axum::http::StatusCode;
use common::platform;
use serde_json::json;

const W: &str = "/api/v1/public/wallets";

#[sqlx::test(migrations = false)]
async fn kyc_levels_are_set_by_the_compliance_side_only(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let w = p.wallet(&p.client_key).await;
    let id = w["id"].as_str().unwrap().to_owned();
    assert_eq!(w["kycLevel"], 0, "new wallets start at level 0: {w:?}");
    let path = format!("/api/v1/bank/wallets/{id}/kycLevel");
    let by_client = p.post(&p.client_key, &path, json!({ "kycLevel": 1 })).await;
    assert_eq!(by_client.status, StatusCode::FORBIDDEN, "{by_client:?}");
    // A level without a tier on chain: the contract refuses it, nothing is recorded or sent.
    let before = p.footprint().await;
    let tierless = p.post(&p.bank_key, &path, json!({ "kycLevel": 255 })).await;
    assert_eq!(tierless.status, StatusCode::CONFLICT, "{tierless:?}");
    assert!(
        tierless.detail().contains("KycLevelWithoutTier"),
        "{}",
        tierless.detail()
    );
    assert_eq!(p.footprint().await, before);
    let bad = p.post(&p.bank_key, &path, json!({ "kycLevel": 256 })).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{bad:?}");
    let set = p.post(&p.bank_key, &path, json!({ "kycLevel": 1 })).await;
    assert_eq!(set.status, StatusCode::ACCEPTED, "{set:?}");
    p.wait_for(&format!("{W}/{id}"), "level 1", |w| w["kycLevel"] == 1)
        .await;
}
