//! A token on another chain (issue 18): the platform's own token is on one anvil (chain 31337) and an
//! issuer's dollar on a second (chain 31338), reached through its node as `serve --chain-rpc` does. The
//! admin side deploys the dollar there; its wallets are registered, funded and moved on that chain, by
//! the same keys in that chain's own nonce order; money never moves between the chains (409); a request
//! left on its way on that chain by a dead process is settled there by the next one, once.

mod common;

use alloy::{primitives::Address, providers::Provider};
use axum::http::StatusCode;
use common::{Platform_, platform_beside};
use emtoken_test_utils::Role;
use serde_json::{Value, json};

const ADMIN: &str = "/api/v1/admin";
const PUBLIC: &str = "/api/v1/public";
const OTHER_CHAIN: u64 = 31_338;

async fn ready(p: &Platform_, wallet: &str) -> Value {
    p.wait_for(
        &format!("{PUBLIC}/wallets/{wallet}"),
        "the wallet READY",
        |w| w["status"] == "READY",
    )
    .await
}

async fn usd_wallet(p: &Platform_, user: &str) -> String {
    let a = p
        .post(
            &p.client_key,
            &format!("{PUBLIC}/wallets"),
            json!({ "userId": user, "currency": "USD" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    let id = a.body["walletId"].as_str().unwrap().to_owned();
    ready(p, &id).await;
    id
}

#[sqlx::test(migrations = false)]
async fn a_token_on_another_chain_is_deployed_and_served_through_its_node(pool: sqlx::PgPool) {
    let p = platform_beside(pool, &[OTHER_CHAIN]).await;
    let other = &p.other_nodes[0];
    let a = p
        .post(
            &p.admin_key,
            &format!("{ADMIN}/currencies"),
            json!({"code": "USD", "name": "US dollar", "decimals": 6}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    let usd = a.body["id"].as_str().unwrap().to_owned();
    let hex = |role: Role| format!("{:#x}", p.deployed.address_of(role));
    let deploy = json!({
        "name": "EmToken Dollar", "symbol": "USDe", "admin": hex(Role::Dave), "pauser": hex(Role::Pauser),
        "upgrader": hex(Role::Upgrader), "suspense": format!("{:#x}", Address::repeat_byte(0x5a)),
        "minterAllowance": "1000000",
        "tiers": [
            {"kycLevel": 0, "maxBalance": "250", "maxTransfer": "100", "maxOutflow30d": "150"},
            {"kycLevel": 1, "maxBalance": "10000", "maxTransfer": "5000", "maxOutflow30d": "15000"},
            {"kycLevel": 2}
        ]
    });
    let issuer = |chain: Value| json!({"name": "Dollar Money Inc", "legalId": "LEI-USD", "currencyId": usd, "chainId": chain, "deploy": deploy});

    // A chain the platform has no node of, or no chain: 400 naming chainId, nothing deployed.
    let before = p.footprint().await;
    for chain in [json!(999), json!(0), json!(-1)] {
        let a = p
            .post(&p.admin_key, &format!("{ADMIN}/issuers"), issuer(chain))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{a:?}");
        assert!(a.detail().starts_with("chainId"), "{a:?}");
    }
    assert_eq!(p.footprint().await, before, "nothing deployed");

    let a = p
        .post(
            &p.admin_key,
            &format!("{ADMIN}/issuers"),
            issuer(json!(OTHER_CHAIN)),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert_eq!(a.body["chainId"], OTHER_CHAIN, "{a:?}");
    let issuer_id = a.body["id"].as_str().unwrap().to_owned();
    let token: Address = a.body["tokenAddress"].as_str().unwrap().parse().unwrap();
    // Deployed on the other chain, not on the platform's.
    let provider = |url: String| async move {
        alloy::providers::ProviderBuilder::new()
            .connect(&url)
            .await
            .unwrap()
    };
    let there = provider(other.endpoint_url().to_string()).await;
    let here = provider(p.node.endpoint_url().to_string()).await;
    assert!(!there.get_code_at(token).await.unwrap().is_empty());
    assert!(here.get_code_at(token).await.unwrap().is_empty());
    assert_eq!(
        p.footprint().await.1,
        before.1,
        "no block on the platform's chain"
    );
    let dollar = p
        .deployed
        .operator
        .elsewhere(other.endpoint_url().as_ref())
        .await
        .unwrap()
        .at(token)
        .await
        .unwrap();

    // Its wallets live on the other chain: registered, funded and moved there.
    p.follow_on(other, token).await;
    let (user, eur) = p.onboard(&p.client_key).await;
    let eur = eur["id"].as_str().unwrap().to_owned();
    let first = usd_wallet(&p, &user).await;
    let second = usd_wallet(&p, &user).await;
    let w = ready(&p, &first).await;
    assert_eq!(w["currency"], "USD", "{w}");
    assert_eq!(w["issuerId"], issuer_id.as_str(), "{w}");
    assert_eq!(w["dltNetwork"], format!("chain-{OTHER_CHAIN}"), "{w}");
    assert_eq!(w["contractAddress"], format!("{token:#x}"), "{w}");
    let address: Address = w["dltAddress"].as_str().unwrap().parse().unwrap();
    assert!(dollar.is_registered(address).await.unwrap());
    p.fund(&first, "25.5", "25.500000").await;
    assert_eq!(
        dollar.balance_of(address).await.unwrap().to_string(),
        "25.500000"
    );
    let t = p
        .post(
            &p.client_key,
            &format!("{PUBLIC}/wallets/{first}/transfer"),
            json!({ "targetWalletId": second, "amount": "10.25" }),
        )
        .await;
    assert_eq!(t.status, StatusCode::ACCEPTED, "{t:?}");
    p.wait_for(
        &format!("{PUBLIC}/wallets/{second}"),
        "the transfer on the other chain",
        |w| w["balance"] == "10.250000",
    )
    .await;
    let moves = p.get(&format!("{PUBLIC}/wallets/{first}/movements")).await;
    assert_eq!(moves.status, StatusCode::OK, "{moves:?}");
    let list = moves.body["_embedded"]["movements"].as_array().unwrap();
    assert!(!list.is_empty(), "{moves:?}");
    for m in list {
        assert_eq!(m["dltNetwork"], format!("chain-{OTHER_CHAIN}"), "{m}");
        assert_eq!(m["currency"], "USD", "{m}");
    }

    // Between the chains: 409, nothing written or sent.
    p.fund(&eur, "5.00", "5.00").await;
    let before = p.footprint().await;
    for (from, to) in [(&eur, &first), (&first, &eur)] {
        let a = p
            .post(
                &p.client_key,
                &format!("{PUBLIC}/wallets/{from}/transfer"),
                json!({ "targetWalletId": to, "amount": "1.00" }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{a:?}");
    }
    assert_eq!(p.footprint().await, before, "nothing written or sent");
    assert_eq!(
        dollar.balance_of(address).await.unwrap().to_string(),
        "15.250000"
    );
}

/// A process signs and records a mint on the other chain, then dies before handing it to the node. The
/// next process (`serve` with the same `--chain-rpc`) settles it from that chain: the very same bytes are
/// sent there, once, and the request ends MINED; settling again sends nothing more.
#[sqlx::test(migrations = false)]
async fn a_request_left_on_another_chain_is_settled_there_by_the_next_process(pool: sqlx::PgPool) {
    use emtoken_store::api::{NewRequest, RequestKind, RequestState, SentTx};
    let p = platform_beside(pool, &[OTHER_CHAIN]).await;
    let other = &p.other_nodes[0];
    let dollar = emtoken_workload::Deployed::deploy_token(other, "EmToken Dollar", "USDe", 6)
        .await
        .expect("deploy USD on the other chain");
    let alice = dollar.address_of(Role::Alice);
    let amount = emtoken_sdk::Amount::parse("3.5", 6).unwrap();
    let call = dollar.operator.prepare().mint(
        alice,
        amount,
        emtoken_sdk::MintKind::BankTransfer,
        alloy::primitives::B256::repeat_byte(7),
    );
    let client = p
        .store
        .ensure_client("acme", emtoken_store::api::ClientRole::Client)
        .await
        .unwrap();
    let request = NewRequest {
        client_id: client.id,
        idempotency_key: Some("mint-elsewhere".into()),
        fingerprint: [9; 32],
        calls: json!([{ "name": "mint", "signer": "OPERATOR", "tx": call, "chain": OTHER_CHAIN }]),
        accepted: (202, json!({})),
        ..NewRequest::new(RequestKind::Transfer)
    };
    p.store.begin_request(&request).await.unwrap();
    // Signed and recorded, never sent: the process died in between.
    let store = p.store.clone();
    let id = request.id;
    let died = dollar
        .operator
        .submit_recorded(call, |signed| {
            let store = store.clone();
            async move {
                let sent = SentTx {
                    hash: signed.hash.0,
                    from: signed.from.0.0,
                    nonce: signed.nonce,
                    raw: signed.raw.to_vec(),
                    chain_id: Some(i64::try_from(OTHER_CHAIN).unwrap()),
                };
                assert!(store.record_sending(id, 0, &sent).await.unwrap());
                Err(emtoken_sdk::Error::Invalid("killed".into()))
            }
        })
        .await;
    assert!(died.is_err());
    assert_eq!(
        dollar.operator.balance_of(alice).await.unwrap().to_string(),
        "0.000000"
    );

    let next = p.other_process(p.store.clone()).await;
    let platform = std::sync::Arc::clone(&next.platform);
    platform.recover(&p.store).await.unwrap();
    let start = std::time::Instant::now();
    loop {
        if platform.recover(&p.store).await.is_ok()
            && p.store.request(id).await.unwrap().unwrap().state == RequestState::Mined
        {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "not settled: {:?}",
            p.store.request(id).await.unwrap()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    platform.recover(&p.store).await.unwrap();
    assert_eq!(
        dollar.operator.balance_of(alice).await.unwrap().to_string(),
        "3.500000",
        "minted once, on the other chain"
    );
}
