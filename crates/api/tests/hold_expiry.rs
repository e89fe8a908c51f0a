//! Holds that expire: the follow-up releases every open hold whose expiration the chain has reached
//! (RELEASED_ON_EXPIRATION, with its RELEASE movement), once, also with several processes on one
//! database; perpetual holds and holds not yet expired are never touched. Time is the chain's: the
//! tests move anvil's clock.

mod common;

use std::time::{Duration, Instant};

use alloy::{primitives::B256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use axum::http::StatusCode;
use common::{Platform_, platform};
use emtoken_api::release_expired_holds;
use emtoken_sdk::{Amount, MintKind, OperationId, bindings::EmToken::HoldReleased};
use emtoken_test_utils::Role;
use serde_json::{Value, json};

const W: &str = "/api/v1/public/wallets";

/// The chain's time: the newest block's timestamp.
async fn chain_time(p: &Platform_) -> u64 {
    let provider = p.deployed.operator.provider();
    let number = provider.get_block_number().await.unwrap();
    provider
        .get_block_by_number(number.into())
        .await
        .unwrap()
        .expect("the newest block")
        .header
        .timestamp
}

/// An anvil call whose answer does not matter.
async fn anvil(p: &Platform_, method: &'static str, params: Value) {
    let params: Vec<Value> = params.as_array().cloned().unwrap_or_default();
    let _: Value = p
        .deployed
        .operator
        .provider()
        .raw_request(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"));
}

/// Moves the chain's clock to `seconds` past its newest block and mines a block there.
async fn advance_chain(p: &Platform_, seconds: u64) {
    anvil(p, "evm_increaseTime", json!([seconds])).await;
    anvil(p, "evm_mine", json!([])).await;
}

/// A time `ahead` from now for the API (the wall clock) and the chain both, in whole seconds.
async fn ahead(p: &Platform_, ahead: Duration) -> u64 {
    let wall = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    wall.max(chain_time(p).await) + ahead.as_secs()
}

/// How many `HoldReleased` logs the node has for `hold_key`.
async fn released_logs(p: &Platform_, hold_key: B256) -> usize {
    let filter = Filter::new()
        .address(p.deployed.address)
        .event_signature(HoldReleased::SIGNATURE_HASH)
        .topic1(hold_key)
        .from_block(0);
    p.deployed
        .operator
        .provider()
        .get_logs(&filter)
        .await
        .unwrap()
        .len()
}

/// Creates a hold of `amount` from wallet `payer` to `payee` through the API, expiring at `expiration`
/// (UNIX seconds; None: perpetual); waits until it is CREATED. Its answer.
async fn hold(
    p: &Platform_,
    payer: &str,
    payee: &str,
    amount: &str,
    expiration: Option<u64>,
) -> Value {
    let mut body = json!({ "amount": amount, "targetWalletId": payee });
    if let Some(at) = expiration {
        let at = chrono::DateTime::from_timestamp(i64::try_from(at).unwrap(), 0).unwrap();
        body["expiration"] = json!(at.to_rfc3339());
    }
    let made = p
        .post(&p.client_key, &format!("{W}/{payer}/hold"), body)
        .await;
    assert_eq!(made.status, StatusCode::ACCEPTED, "{made:?}");
    let id = made.body["id"].as_str().unwrap().to_owned();
    p.wait_for(&format!("{W}/{payer}/holds/{id}"), "hold created", |h| {
        h["status"] == "CREATED"
    })
    .await
}

/// The key of a hold answer.
fn key_of(hold: &Value) -> B256 {
    hold["holdKey"].as_str().unwrap().parse().unwrap()
}

/// The platform's requests about a hold other than its creation: (kind, state, error, client).
async fn requests_about(
    p: &Platform_,
    hold_id: &str,
) -> Vec<(String, String, Option<String>, uuid::Uuid)> {
    sqlx::query_as(
        "SELECT kind, state, error, client_id FROM api_requests
         WHERE record_id = $1 AND kind <> 'HOLD' ORDER BY created_at",
    )
    .bind(hold_id.parse::<uuid::Uuid>().unwrap())
    .fetch_all(p.store.pool())
    .await
    .unwrap()
}

/// Checks that hold `id` (key `key`) was released once: one `HoldReleased` on chain, and of the
/// platform's requests about it only its release on expiration, mined without error.
async fn released_once(p: &Platform_, id: &str, key: B256) {
    assert_eq!(released_logs(p, key).await, 1);
    let requests = requests_about(p, id).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    let (kind, state, error, _) = &requests[0];
    assert_eq!(
        (kind.as_str(), state.as_str(), error),
        ("RELEASE_EXPIRED_HOLD", "MINED", &None),
    );
}

/// The RELEASE movements of a wallet (answers).
async fn releases(p: &Platform_, wallet: &str) -> Vec<Value> {
    let page = p.get(&format!("{W}/{wallet}/movements?size=100")).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    page.body["_embedded"]["movements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "RELEASE")
        .cloned()
        .collect()
}

/// Two funded READY wallets of the client: the payer (20.00) and the payee.
async fn wallets(p: &Platform_) -> (String, String) {
    let a = p.wallet(&p.client_key).await;
    let b = p.wallet(&p.client_key).await;
    let (ia, ib) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    p.fund(ia, "20.00", "20.00").await;
    (ia.to_owned(), ib.to_owned())
}

/// A hold of 5.00 made through the API, a minute long, of a payer funded with 20.00.
struct Expiring {
    /// The payer's wallet.
    payer: String,
    /// The hold as created.
    held: Value,
    /// Its id.
    id: String,
    /// Its path under the payer's wallet.
    path: String,
    /// When it expires (UNIX seconds).
    expiration: u64,
}

/// Makes an [`Expiring`] hold and waits until it is CREATED.
async fn expiring(p: &Platform_) -> Expiring {
    let (payer, payee) = wallets(p).await;
    let expiration = ahead(p, Duration::from_secs(60)).await;
    let held = hold(p, &payer, &payee, "5.00", Some(expiration)).await;
    let id = held["id"].as_str().unwrap().to_owned();
    let path = format!("{W}/{payer}/holds/{id}");
    Expiring {
        payer,
        held,
        id,
        path,
        expiration,
    }
}

#[sqlx::test(migrations = false)]
async fn an_expired_hold_is_released_on_expiration(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let Expiring {
        payer: ia,
        held,
        id,
        path,
        expiration,
    } = expiring(&p).await;
    p.wait_for(&format!("{W}/{ia}"), "the amount held", |w| {
        w["availableBalance"] == "15.00" && w["heldBalance"] == "5.00"
    })
    .await;

    // Before its expiration (chain time), rounds of the follow-up leave it open.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(release_expired_holds(&p.state).await.unwrap(), 0);
    assert_eq!(p.get(&path).await.body["status"], "CREATED");
    assert!(requests_about(&p, &id).await.is_empty());

    // Past it, with the node keeping transactions in its pool: the release is on its way.
    anvil(&p, "evm_setAutomine", json!([false])).await;
    advance_chain(&p, expiration + 5 - chain_time(&p).await).await;
    p.wait_for(&path, "the release on its way", |h| {
        h["status"] == "PENDING_DLT_EXPIRATION"
    })
    .await;
    let wallet = p.get(&format!("{W}/{ia}")).await.body;
    assert_eq!(wallet["availableBalance"], "15.00", "{wallet}");

    // Mined and indexed: released on expiration, the money available again.
    anvil(&p, "evm_setAutomine", json!([true])).await;
    anvil(&p, "evm_mine", json!([])).await;
    let released = p
        .wait_for(&path, "the release indexed", |h| {
            h["status"] == "RELEASED_ON_EXPIRATION"
        })
        .await;
    assert_eq!(released["remainingValue"], "0.00", "{released}");
    p.wait_for(&format!("{W}/{ia}"), "the amount available again", |w| {
        w["availableBalance"] == "20.00" && w["heldBalance"] == "0.00"
    })
    .await;
    let moved = releases(&p, &ia).await;
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0]["amount"], "5.00", "{moved:?}");
    released_once(&p, &id, key_of(&held)).await;
    // Released, it is no longer the payer's to release.
    let again = p
        .post(
            &p.client_key,
            &format!("{W}/{ia}/hold/{id}/releaseHold"),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
}

#[sqlx::test(migrations = false)]
async fn several_processes_release_an_expired_hold_once(pool: sqlx::PgPool) {
    let p = platform(pool).await;
    let Expiring {
        payer: ia,
        held,
        id,
        path,
        expiration,
    } = expiring(&p).await;
    let others = [
        common::second_state(&p).await,
        common::second_state(&p).await,
        common::second_state(&p).await,
    ];
    // Every process's round at once, again and again, beside the platform's own follow-up.
    let others = &others;
    let rounds = || async move {
        let [x, y, z] = others;
        let (x, y, z) = tokio::join!(
            release_expired_holds(x),
            release_expired_holds(y),
            release_expired_holds(z)
        );
        x.unwrap() + y.unwrap() + z.unwrap()
    };

    // The release waits in the node's pool while the processes go on.
    anvil(&p, "evm_setAutomine", json!([false])).await;
    advance_chain(&p, expiration + 5 - chain_time(&p).await).await;
    let start = Instant::now();
    let mut claimed = 0;
    while p.get(&path).await.body["status"] != "PENDING_DLT_EXPIRATION" {
        claimed += rounds().await;
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the release never went"
        );
    }
    for _ in 0..10 {
        claimed += rounds().await;
    }
    let pool: Value = p
        .deployed
        .operator
        .provider()
        .raw_request("txpool_status".into(), ())
        .await
        .unwrap();
    let pending = pool["pending"].as_u64().or_else(|| {
        pool["pending"]
            .as_str()
            .and_then(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok())
    });
    assert_eq!(
        pending,
        Some(1),
        "one transaction in the node's pool: {pool}"
    );

    anvil(&p, "evm_setAutomine", json!([true])).await;
    anvil(&p, "evm_mine", json!([])).await;
    p.wait_for(&path, "the release indexed", |h| {
        h["status"] == "RELEASED_ON_EXPIRATION"
    })
    .await;
    for _ in 0..5 {
        claimed += rounds().await;
    }
    // The platform's own follow-up may have claimed it: then none of the others did.
    assert!(
        claimed <= 1,
        "{claimed} releases claimed by the other processes"
    );
    released_once(&p, &id, key_of(&held)).await;
    let (failed,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM api_requests
         WHERE record_id = $1 AND (state = 'FAILED' OR error IS NOT NULL)",
    )
    .bind(id.parse::<uuid::Uuid>().unwrap())
    .fetch_one(p.store.pool())
    .await
    .unwrap();
    assert_eq!(failed, 0, "no request failed");
    p.wait_for(&format!("{W}/{ia}"), "the amount available again", |w| {
        w["availableBalance"] == "20.00"
    })
    .await;
    let moved = releases(&p, &ia).await;
    assert_eq!(moved.len(), 1, "{moved:?}");
}

#[sqlx::test(migrations = false)]
async fn perpetual_and_unexpired_holds_stay_while_one_made_on_chain_is_released(
    pool: sqlx::PgPool,
) {
    let p = platform(pool).await;
    let (ia, ib) = wallets(&p).await;
    let perpetual = hold(&p, &ia, &ib, "2.00", None).await;
    let tomorrow = ahead(&p, Duration::from_secs(86_400)).await;
    let later = hold(&p, &ia, &ib, "3.00", Some(tomorrow)).await;

    // A hold made on chain, without the API, with another notary: alice's for bob, a minute long.
    let (alice, bob, notary) = (
        p.deployed.address_of(Role::Alice),
        p.deployed.address_of(Role::Bob),
        p.deployed.address_of(Role::Notary),
    );
    let amount = |text: &str| Amount::parse(text, p.state.chain.decimals).unwrap();
    // (Minted with the platform's own client, whose next nonce it keeps.)
    p.state
        .platform
        .operator
        .mint(
            alice,
            amount("10"),
            MintKind::BankTransfer,
            OperationId::random().as_bytes(),
        )
        .await
        .unwrap();
    let outside = p
        .deployed
        .alice
        .hold(
            OperationId::random(),
            bob,
            notary,
            amount("4"),
            Some(Duration::from_secs(60)),
        )
        .await
        .unwrap()
        .id;
    let status_of = |key: B256| {
        let pool = p.store.pool().clone();
        async move {
            sqlx::query_as::<_, (String,)>("SELECT status FROM holds WHERE hold_key = $1")
                .bind(key.as_slice())
                .fetch_optional(&pool)
                .await
                .unwrap()
                .map(|(s,)| s)
        }
    };

    advance_chain(&p, 120).await;
    let start = Instant::now();
    while status_of(outside).await.as_deref() != Some("RELEASED_ON_EXPIRATION") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the hold made on chain was never released: {:?}",
            status_of(outside).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(released_logs(&p, outside).await, 1);
    // The platform's own request, for alice's wallet; her RELEASE movement.
    let (client, state, wallet): (uuid::Uuid, String, Option<uuid::Uuid>) = sqlx::query_as(
        "SELECT r.client_id, r.state, r.wallet_id FROM api_requests r
         WHERE r.kind = 'RELEASE_EXPIRED_HOLD' AND r.record_key = $1",
    )
    .bind(outside.as_slice())
    .fetch_one(p.store.pool())
    .await
    .unwrap();
    assert_eq!(client, emtoken_store::api::PLATFORM_CLIENT);
    assert!(
        ["PENDING_DLT", "MINED"].contains(&state.as_str()),
        "{state}"
    );
    let (released,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM movements m JOIN wallets w ON w.id = m.wallet_id
         WHERE m.type = 'RELEASE' AND m.record_key = $1 AND w.address = $2 AND w.id = $3",
    )
    .bind(outside.as_slice())
    .bind(alice.as_slice())
    .bind(wallet)
    .fetch_one(p.store.pool())
    .await
    .unwrap();
    assert_eq!(released, 1);

    // More rounds change nothing for the perpetual hold and the one not expired yet.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(release_expired_holds(&p.state).await.unwrap(), 0);
    for (held, remaining) in [(&perpetual, "2.00"), (&later, "3.00")] {
        let id = held["id"].as_str().unwrap();
        let now = p.get(&format!("{W}/{ia}/holds/{id}")).await.body;
        assert_eq!(now["status"], "CREATED", "{now}");
        assert_eq!(now["remainingValue"], remaining, "{now}");
        assert!(requests_about(&p, id).await.is_empty());
        assert_eq!(released_logs(&p, key_of(held)).await, 0);
    }
    let payer = p.get(&format!("{W}/{ia}")).await.body;
    assert_eq!(payer["heldBalance"], "5.00", "{payer}");
    assert!(releases(&p, &ia).await.is_empty());
}
