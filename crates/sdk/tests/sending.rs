//! Sending: many concurrent transactions from one key, receipts, dropped and mined-but-reverted
//! transactions, both network profiles, and record keys equal to the contract's.

mod common;

use std::time::{Duration, Instant};

use alloy::{
    consensus::TxType,
    primitives::{Address, U256},
    providers::Provider,
};
use common::{Fixture, amount, builder, payment_reference};
use emtoken_sdk::{
    EmTokenClient, EmTokenError, EmTokenEvents, Error, MintKind, OperationId, Preflight,
    bindings::EmToken,
};
use emtoken_test_utils::{ProfileName, ProxyRules, Role, RpcProxy};
use futures::future::join_all;

async fn anvil<P: alloy::rpc::json_rpc::RpcSend, T: alloy::rpc::json_rpc::RpcRecv>(
    client: &EmTokenClient,
    method: &'static str,
    params: P,
) -> T {
    client
        .provider()
        .raw_request(method.into(), params)
        .await
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

#[tokio::test]
async fn two_hundred_and_forty_concurrent_transfers_from_one_key_all_land() {
    let f = Fixture::new(ProfileName::Dev).await;
    // carol is unlimited (KYC 2): no tier limit gets in the way of the count.
    f.fund(Role::Carol, "10000.00").await;
    let payees = [f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Dave)];
    const SENDS: usize = 240;
    // Every 20th send is refused by the contract (dave's KYC 0 balance limit is 250.00): it must fail with
    // the decoded error and leave no nonce gap behind.
    let refused = |i: usize| i % 20 == 19;

    let started = Instant::now();
    let results = join_all((0..SENDS).map(|i| {
        let carol = &f.carol;
        let (to, value) = if refused(i) {
            (payees[2], amount("300.00"))
        } else {
            (payees[i % 2], amount("0.01"))
        };
        async move { carol.transfer(to, value).await }
    }))
    .await;
    let elapsed = started.elapsed();

    let mut landed = 0u64;
    for (i, result) in results.iter().enumerate() {
        match result {
            Ok(outcome) => {
                assert!(!refused(i), "send {i} should have been refused");
                assert!(matches!(
                    outcome.events[0].event,
                    EmTokenEvents::Transfer(_)
                ));
                landed += 1;
            }
            Err(Error::Revert {
                error: EmTokenError::BalanceLimitExceeded(e),
                ..
            }) if refused(i) => {
                assert_eq!(e.wallet, payees[2]);
            }
            Err(e) => panic!("send {i} failed: {e}"),
        }
    }
    let refused_count = (0..SENDS).filter(|i| refused(*i)).count() as u64;
    assert_eq!(landed, SENDS as u64 - refused_count);
    let to_alice = (0..SENDS).filter(|i| !refused(*i) && i % 2 == 0).count() as u64;
    let cents = |n: u64| U256::from(n);
    assert_eq!(
        f.alice.balance_of(payees[0]).await.unwrap().base_units(),
        cents(to_alice)
    );
    assert_eq!(
        f.alice.balance_of(payees[1]).await.unwrap().base_units(),
        cents(landed - to_alice)
    );
    assert_eq!(f.alice.balance_of(payees[2]).await.unwrap(), amount("0"));
    assert_eq!(
        f.alice
            .balance_of(f.addr(Role::Carol))
            .await
            .unwrap()
            .base_units(),
        U256::from(1_000_000 - landed)
    );
    // Exactly one nonce per landed transaction: no gap, no reuse.
    let nonce = f
        .carol
        .provider()
        .get_transaction_count(f.addr(Role::Carol))
        .await
        .unwrap();
    assert_eq!(nonce, landed);
    println!(
        "concurrent send: {landed} transfers (+{refused_count} refused) from one key in {:.2} s = {:.0} tx/s until receipts",
        elapsed.as_secs_f64(),
        landed as f64 / elapsed.as_secs_f64()
    );
}

#[tokio::test]
async fn a_transaction_the_node_drops_is_reported_dropped() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "10.00").await;
    let alice = builder(&f.node, Role::Alice)
        .receipt_timeout(Duration::from_secs(2))
        .connect(f.deployment.address)
        .await
        .unwrap();
    let _: () = anvil(&alice, "evm_setAutomine", (false,)).await;
    let bob = f.addr(Role::Bob);
    let send = tokio::spawn(async move { alice.transfer(bob, amount("1.00")).await.map(|_| ()) });
    // Wait for the transaction to reach the pool, then drop it.
    let pending = loop {
        let pool: serde_json::Value = anvil(&f.admin, "txpool_content", ()).await;
        if let Some(tx) = pool["pending"]
            .as_object()
            .and_then(|by_sender| by_sender.values().next())
            .and_then(|by_nonce| by_nonce.as_object()?.values().next().cloned())
        {
            break tx["hash"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let _: serde_json::Value = anvil(&f.admin, "anvil_dropTransaction", (pending.clone(),)).await;
    match send.await.unwrap() {
        Err(Error::Dropped {
            call,
            tx_hash,
            timeout_secs,
        }) => {
            assert_eq!(call, "transfer");
            assert_eq!(tx_hash.to_string(), pending);
            assert_eq!(timeout_secs, 2);
        }
        other => panic!("expected Dropped, got {other:?}"),
    }
}

#[tokio::test]
async fn a_transaction_that_reverts_once_mined_is_reported_with_its_reason() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "10.00").await;
    let _: () = anvil(&f.admin, "evm_setAutomine", (false,)).await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    // alice's transfer passes its gas estimate and waits in the pool...
    let transfer = {
        let client = builder(&f.node, Role::Alice)
            .connect(f.deployment.address)
            .await
            .unwrap();
        tokio::spawn(async move { client.transfer(bob, amount("5.00")).await })
    };
    wait_for_pool(&f.admin, 1).await;
    // ...then compliance freezes her with a higher tip, so the freeze is mined first in the same block.
    let compliance = f.compliance.provider();
    let freeze = alloy::rpc::types::TransactionRequest::default()
        .to(f.deployment.address)
        .input(alloy::sol_types::SolCall::abi_encode(&EmToken::freezeCall { wallet: alice }).into())
        .nonce(
            compliance
                .get_transaction_count(f.addr(Role::Compliance))
                .await
                .unwrap(),
        )
        .gas_limit(200_000)
        .max_fee_per_gas(200_000_000_000)
        .max_priority_fee_per_gas(100_000_000_000)
        .from(f.addr(Role::Compliance));
    let freeze = alloy::network::TransactionBuilder::with_chain_id(freeze, f.compliance.chain_id());
    let _pending = compliance.send_transaction(freeze).await.unwrap();
    wait_for_pool(&f.admin, 2).await;
    let _: serde_json::Value = anvil(&f.admin, "evm_mine", ()).await;

    match transfer.await.unwrap() {
        Err(Error::Reverted {
            call,
            error: Some(EmTokenError::WalletFrozen(e)),
            tx_hash,
        }) => {
            assert_eq!(call, "transfer");
            assert_eq!(e.wallet, alice);
            let receipt = f
                .alice
                .provider()
                .get_transaction_receipt(tx_hash)
                .await
                .unwrap()
                .unwrap();
            assert!(!receipt.status());
        }
        other => panic!("expected Reverted with WalletFrozen, got {other:?}"),
    }
    assert_eq!(f.alice.balance_of(alice).await.unwrap(), amount("10.00"));
}

/// Waits until anvil's pool holds `count` pending transactions.
async fn wait_for_pool(client: &EmTokenClient, count: usize) {
    for _ in 0..200 {
        let status: serde_json::Value = anvil(client, "txpool_status", ()).await;
        let pending = status["pending"]
            .as_str()
            .and_then(|hex| u64::from_str_radix(hex.trim_start_matches("0x"), 16).ok())
            .or_else(|| status["pending"].as_u64())
            .unwrap_or(0);
        if pending as usize >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pool never held {count} transactions");
}

#[tokio::test]
async fn besu_profile_sends_legacy_transactions_that_cost_nothing() {
    let f = Fixture::new(ProfileName::Besu).await;
    let operator = f.addr(Role::Operator);
    let gas_before = f.operator.provider().get_balance(operator).await.unwrap();
    // Concurrent sends land in the same 2 s blocks.
    let outcomes = join_all((0..6).map(|i| {
        let to = if i % 2 == 0 {
            f.addr(Role::Alice)
        } else {
            f.addr(Role::Bob)
        };
        f.operator.mint(
            to,
            amount("1.00"),
            MintKind::BankTransfer,
            alloy::primitives::B256::with_last_byte(i + 1),
        )
    }))
    .await;
    for outcome in &outcomes {
        let outcome = outcome.as_ref().expect("mint");
        let receipt = f
            .operator
            .provider()
            .get_transaction_receipt(outcome.tx_hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(receipt.transaction_type(), TxType::Legacy);
        assert_eq!(receipt.effective_gas_price, 0);
    }
    assert_eq!(
        f.operator.provider().get_balance(operator).await.unwrap(),
        gas_before,
        "gas was charged"
    );
    assert_eq!(
        f.alice.balance_of(f.addr(Role::Alice)).await.unwrap(),
        amount("3.00")
    );
}

#[tokio::test]
async fn anvil_profile_sends_eip1559_transactions() {
    let f = Fixture::new(ProfileName::Dev).await;
    let outcome = f
        .operator
        .mint(
            f.addr(Role::Alice),
            amount("1.00"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    let receipt = f
        .operator
        .provider()
        .get_transaction_receipt(outcome.tx_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt.transaction_type(), TxType::Eip1559);
    assert!(receipt.effective_gas_price > 0);
}

#[tokio::test]
async fn record_keys_derived_by_the_sdk_equal_the_contracts() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "100.00").await;
    let (alice, bob, notary) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Notary));
    let op = OperationId::random();

    let hold = f
        .alice
        .hold(op, bob, notary, amount("1.00"), None)
        .await
        .unwrap();
    let order = f
        .alice
        .order_transfer(op, bob, amount("1.00"))
        .await
        .unwrap();
    let fund = f
        .alice
        .order_fund(op, amount("1.00"), Default::default())
        .await
        .unwrap();
    let payout = f
        .alice
        .order_payout(op, amount("1.00"), Default::default())
        .await
        .unwrap();
    let transfer = f
        .operator
        .operator_transfer(op, alice, bob, amount("1.00"))
        .await
        .unwrap();

    let emitted = |outcome: &emtoken_sdk::TxOutcome| {
        outcome
            .events()
            .find_map(|e| match e {
                EmTokenEvents::HoldCreated(e) => Some(e.holdId),
                EmTokenEvents::ClearableTransferOrdered(e) => Some(e.orderId),
                EmTokenEvents::FundOrdered(e) => Some(e.orderId),
                EmTokenEvents::PayoutOrdered(e) => Some(e.orderId),
                EmTokenEvents::OperatorTransferExecuted(e) => Some(e.transferId),
                _ => None,
            })
            .expect("a creation event")
    };
    for created in [&hold, &order, &fund, &payout] {
        assert_eq!(created.id, op.record_key(alice));
        assert_eq!(emitted(&created.outcome), created.id);
    }
    assert_eq!(transfer.id, op.record_key(f.addr(Role::Operator)));
    assert_eq!(emitted(&transfer.outcome), transfer.id);
    // And the contract's own view agrees.
    let on_chain = f
        .alice
        .contract()
        .holdIdOf(alice, op.as_bytes())
        .call()
        .await
        .unwrap();
    assert_eq!(on_chain, hold.id);
    assert_eq!(f.alice.hold_id(alice, op), hold.id);
}

#[tokio::test]
async fn deploying_for_another_admin_hands_the_role_over_behind_a_proxy() {
    let node = emtoken_test_utils::DevNode::spawn(ProfileName::Dev).unwrap();
    let a = |role| node.address(role).unwrap();
    let config = emtoken_sdk::DeployConfig {
        name: "E".into(),
        symbol: "E".into(),
        decimals: 2,
        roles: emtoken_sdk::Roles {
            admin: a(Role::Admin),
            operator: a(Role::Operator),
            compliance: a(Role::Compliance),
            pauser: a(Role::Pauser),
            upgrader: a(Role::Upgrader),
            minter_admin: a(Role::MinterAdmin),
        },
        suspense: a(Role::Suspense),
        minter_allowance: emtoken_sdk::Amount::from_base_units(
            alloy::primitives::U256::from(emtoken_sdk::MAX_BASE_UNITS),
            2,
        )
        .unwrap(),
        tiers: vec![],
    };
    // Deployed by dave's key.
    let (deployment, client) = emtoken_sdk::deploy(builder(&node, Role::Dave), &config)
        .await
        .unwrap();
    assert!(
        client
            .has_role(emtoken_sdk::Role::Admin, a(Role::Admin))
            .await
            .unwrap()
    );
    assert!(
        !client
            .has_role(emtoken_sdk::Role::Admin, a(Role::Dave))
            .await
            .unwrap(),
        "the deployer kept the admin role"
    );
    assert_eq!(client.address(), deployment.address);
    assert!(
        client
            .has_role(emtoken_sdk::Role::Upgrader, a(Role::Upgrader))
            .await
            .unwrap()
    );

    // The token's address is the proxy's, created (and initialised) by the recorded transaction; it runs
    // the implementation, which delegates to the two modules.
    let token = emtoken_sdk::bindings::EmToken::new(deployment.address, client.provider());
    assert_eq!(
        token.implementation().call().await.unwrap(),
        deployment.implementation
    );
    assert_eq!(
        token.ordersModule().call().await.unwrap(),
        deployment.orders_module
    );
    assert_eq!(
        token.authorizationsModule().call().await.unwrap(),
        deployment.authorizations_module
    );
    let receipt = client
        .provider()
        .get_transaction_receipt(deployment.tx_hash)
        .await
        .unwrap()
        .expect("the proxy's creation receipt");
    assert_eq!(receipt.contract_address, Some(deployment.address));
    assert_eq!(receipt.block_number, Some(deployment.block));

    // An upgrader that is the admin or the deployer is refused before anything is sent.
    let sent = client
        .provider()
        .get_transaction_count(a(Role::Dave))
        .await
        .unwrap();
    for upgrader in [a(Role::Admin), a(Role::Dave)] {
        let mut config = config.clone();
        config.roles.upgrader = upgrader;
        let err = emtoken_sdk::deploy(builder(&node, Role::Dave), &config)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Invalid(_)) && err.to_string().contains("upgrader"),
            "{err}"
        );
    }
    assert_eq!(
        client
            .provider()
            .get_transaction_count(a(Role::Dave))
            .await
            .unwrap(),
        sent
    );
}

#[tokio::test]
async fn bad_inputs_fail_before_anything_is_sent() {
    let f = Fixture::new(ProfileName::Dev).await;
    assert!(matches!(
        f.alice.parse_amount("1.005"),
        Err(Error::Amount(_))
    ));
    assert!(matches!(f.alice.parse_amount("-1"), Err(Error::Amount(_))));
    let err = EmTokenClient::builder(f.node.endpoint_url().to_string())
        .private_key("0x1234")
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid private key"), "{err}");
    let read_only = EmTokenClient::builder(f.node.endpoint_url().to_string())
        .connect(f.deployment.address)
        .await
        .unwrap();
    let err = read_only
        .transfer(Address::ZERO, amount("1"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs a signer"), "{err}");
    // Nothing was sent by any of it.
    assert_eq!(
        f.alice
            .provider()
            .get_transaction_count(f.addr(Role::Alice))
            .await
            .unwrap(),
        0
    );
    let _ = EmToken::EmTokenErrors::SELECTORS;
}

#[tokio::test]
async fn connects_over_websocket_too() {
    let f = Fixture::new(ProfileName::Dev).await;
    let accounts = f.node.accounts();
    let over_ws = EmTokenClient::builder(f.node.ws_endpoint_url().to_string())
        .mnemonic(&accounts.mnemonic, accounts.index(Role::Operator).unwrap())
        .unwrap()
        .connect(f.deployment.address)
        .await
        .unwrap();
    assert!(f.node.ws_endpoint_url().scheme().starts_with("ws"));
    over_ws
        .mint(
            f.addr(Role::Alice),
            amount("2.50"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    assert_eq!(
        over_ws.balance_of(f.addr(Role::Alice)).await.unwrap(),
        amount("2.50")
    );
}

#[tokio::test]
async fn receipts_wait_for_the_configured_confirmations() {
    let f = Fixture::new(ProfileName::Dev).await;
    let operator = builder(&f.node, Role::Operator)
        .confirmations(3)
        .connect(f.deployment.address)
        .await
        .unwrap();
    // Instant mining adds no block by itself after ours: mine some in the background.
    let miner = {
        let admin = builder(&f.node, Role::Admin)
            .connect(f.deployment.address)
            .await
            .unwrap();
        tokio::spawn(async move {
            for _ in 0..50 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                let _: serde_json::Value = anvil(&admin, "evm_mine", ()).await;
            }
        })
    };
    let outcome = operator
        .mint(
            f.addr(Role::Alice),
            amount("1.00"),
            MintKind::Card,
            payment_reference(),
        )
        .await
        .unwrap();
    let head = operator.provider().get_block_number().await.unwrap();
    miner.abort();
    assert!(
        head >= outcome.block_number + 3,
        "returned at head {head} for a transaction in block {}",
        outcome.block_number
    );
}

#[tokio::test]
async fn concurrent_transfers_on_one_second_blocks_take_consecutive_nonces_and_refusals_take_none()
{
    // Blocks of 1 s, as on the bench's chain: hundreds of sends share each block, their fees and their
    // receipt lookups.
    let f = Fixture::with_anvil_args(ProfileName::Dev, &["--block-time", "1"]).await;
    f.fund(Role::Carol, "10000.00").await;
    let (carol, dave) = (f.addr(Role::Carol), f.addr(Role::Dave));
    let nonce_before = f
        .carol
        .provider()
        .get_transaction_count(carol)
        .await
        .unwrap();
    const SENDS: usize = 150;
    // dave's KYC 0 balance limit is 250.00: every 10th send is refused before it is sent.
    let refused = |i: usize| i % 10 == 9;
    let results = join_all((0..SENDS).map(|i| {
        let value = if refused(i) { "300.00" } else { "0.01" };
        let to = if refused(i) { dave } else { f.addr(Role::Bob) };
        f.carol.transfer(to, amount(value))
    }))
    .await;

    let mut hashes = Vec::new();
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(outcome) if !refused(i) => hashes.push(outcome.tx_hash),
            Err(Error::Revert {
                call: "transfer",
                error: EmTokenError::BalanceLimitExceeded(e),
            }) if refused(i) => assert_eq!(e.wallet, dave),
            other => panic!("send {i}: unexpected {other:?}"),
        }
    }
    let landed = hashes.len() as u64;
    assert_eq!(landed, (0..SENDS).filter(|i| !refused(*i)).count() as u64);
    // The landed transactions used exactly the next `landed` nonces: no gap, no reuse.
    let mut nonces = Vec::new();
    for hash in &hashes {
        let tx = f
            .carol
            .provider()
            .get_transaction_by_hash(*hash)
            .await
            .unwrap()
            .expect("mined transaction");
        nonces.push(alloy::consensus::Transaction::nonce(&tx));
    }
    nonces.sort_unstable();
    assert_eq!(
        nonces,
        (nonce_before..nonce_before + landed).collect::<Vec<_>>()
    );
    assert_eq!(
        f.carol
            .provider()
            .get_transaction_count(carol)
            .await
            .unwrap(),
        nonce_before + landed
    );
    assert_eq!(
        f.alice
            .balance_of(f.addr(Role::Bob))
            .await
            .unwrap()
            .base_units(),
        U256::from(landed)
    );
}

#[tokio::test]
async fn a_refusal_only_the_pool_shows_fails_before_sending_by_default_and_once_mined_with_latest_preflight()
 {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "10.00").await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    let _: () = anvil(&f.admin, "evm_setAutomine", (false,)).await;
    let nonce_before = f
        .alice
        .provider()
        .get_transaction_count(alice)
        .await
        .unwrap();

    // 8.00 of alice's 10.00 wait in the pool...
    let first = f.alice.submit(transfer(&f, bob, "8.00")).await.unwrap();
    // ...so by default (the pending state) 5.00 more is refused before it is sent.
    match f.alice.submit(transfer(&f, bob, "5.00")).await {
        Err(Error::Revert {
            error: EmTokenError::InsufficientAvailableBalance(e),
            ..
        }) => assert_eq!(e.account, alice),
        other => panic!("expected a refusal before sending, got {other:?}"),
    }
    wait_for_pool(&f.admin, 1).await;

    // Checked against the latest block only, it passes, is sent, and fails once mined after the first.
    let latest = builder(&f.node, Role::Alice)
        .preflight(Preflight::Latest)
        .connect(f.deployment.address)
        .await
        .unwrap();
    let second = latest.submit(transfer(&f, bob, "5.00")).await.unwrap();
    wait_for_pool(&f.admin, 2).await;
    let _: serde_json::Value = anvil(&f.admin, "evm_mine", ()).await;

    f.alice.outcome(first).await.unwrap();
    match latest.outcome(second).await {
        Err(Error::Reverted {
            error: Some(EmTokenError::InsufficientAvailableBalance(e)),
            ..
        }) => assert_eq!(e.account, alice),
        other => panic!("expected a mined revert, got {other:?}"),
    }
    assert_eq!(f.alice.balance_of(alice).await.unwrap(), amount("2.00"));
    // The refusal took no nonce; the mined failure took one.
    assert_eq!(
        f.alice
            .provider()
            .get_transaction_count(alice)
            .await
            .unwrap(),
        nonce_before + 2
    );
}

/// `role`'s client on `f`'s contract through `proxy`.
async fn through(f: &Fixture, proxy: &RpcProxy, role: Role) -> EmTokenClient {
    let accounts = f.node.accounts();
    EmTokenClient::builder(proxy.endpoint_url().to_string())
        .mnemonic(&accounts.mnemonic, accounts.index(role).expect("role"))
        .expect("derive key")
        .connect(f.deployment.address)
        .await
        .expect("connect through the proxy")
}

/// Sends `sends` concurrent transfers from `client` (carol), every 10th refused by the contract (300.00
/// to dave, over his KYC 0 balance limit), and checks each outcome; returns how many were refused.
async fn concurrent_transfers(f: &Fixture, client: &EmTokenClient, sends: usize) -> usize {
    let refused = |i: usize| i % 10 == 9;
    let (bob, dave) = (f.addr(Role::Bob), f.addr(Role::Dave));
    let bob_before = f.alice.balance_of(bob).await.unwrap().base_units();
    let results = join_all((0..sends).map(|i| {
        let (to, value) = if refused(i) {
            (dave, "300.00")
        } else {
            (bob, "0.01")
        };
        client.transfer(to, amount(value))
    }))
    .await;
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(_) if !refused(i) => {}
            Err(Error::Revert {
                error: EmTokenError::BalanceLimitExceeded(e),
                ..
            }) if refused(i) => assert_eq!(e.wallet, dave),
            other => panic!("send {i}: unexpected {other:?}"),
        }
    }
    let refusals = (0..sends).filter(|i| refused(*i)).count();
    assert_eq!(
        f.alice.balance_of(bob).await.unwrap().base_units() - bob_before,
        U256::from(sends - refusals)
    );
    refusals
}

#[tokio::test]
async fn concurrent_sends_are_checked_against_the_pending_state_together() {
    let f = Fixture::with_anvil_args(ProfileName::Dev, &["--block-time", "1"]).await;
    f.fund(Role::Carol, "10000.00").await;
    let proxy = RpcProxy::spawn(f.node.endpoint_url(), ProxyRules::default())
        .await
        .unwrap();
    let carol = through(&f, &proxy, Role::Carol).await;
    // The first transfer learns the function's gas from the node's estimate.
    carol
        .transfer(f.addr(Role::Bob), amount("0.01"))
        .await
        .unwrap();
    let before = proxy.stats();
    assert_eq!((before.estimates, before.simulations), (1, 0));

    const SENDS: usize = 200;
    let refusals = concurrent_transfers(&f, &carol, SENDS).await;
    let stats = proxy.stats();
    // Only the refused sends were estimated on their own (for their decoded error); the others passed
    // in simulations of many sends each.
    assert_eq!(stats.estimates - before.estimates, refusals as u64);
    assert!(
        stats.simulations <= (SENDS / 8) as u64,
        "{} simulations for {SENDS} sends",
        stats.simulations
    );
}

#[tokio::test]
async fn a_node_without_eth_simulate_v1_is_asked_once_and_every_send_is_estimated() {
    let f = Fixture::with_anvil_args(ProfileName::Dev, &["--block-time", "1"]).await;
    f.fund(Role::Carol, "10000.00").await;
    let rules = ProxyRules {
        refuse_simulate: true,
        ..Default::default()
    };
    let proxy = RpcProxy::spawn(f.node.endpoint_url(), rules).await.unwrap();
    let carol = through(&f, &proxy, Role::Carol).await;
    carol
        .transfer(f.addr(Role::Bob), amount("0.01"))
        .await
        .unwrap();

    const SENDS: usize = 40;
    concurrent_transfers(&f, &carol, SENDS).await;
    let stats = proxy.stats();
    assert_eq!(stats.simulations, 1);
    assert_eq!(stats.estimates, 1 + SENDS as u64);
}

/// A `transfer` call of the contract, prepared as `EmTokenClient::submit` takes it.
fn transfer(f: &Fixture, to: Address, value: &str) -> emtoken_sdk::PreparedCall {
    let call = f.alice.prepare().transfer(to, amount(value));
    assert_eq!(call.name(), "transfer");
    call
}

#[tokio::test]
async fn a_send_right_after_the_base_fee_jumps_still_goes_through() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "10.00").await;
    let bob = f.addr(Role::Bob);
    // The client reads the fees for this send and keeps them for the sends of the next moments...
    f.alice.transfer(bob, amount("1.00")).await.unwrap();
    // ...when the base fee jumps far above what they allow.
    let jumped: u128 = 1_000_000_000_000;
    let _: serde_json::Value = anvil(
        &f.admin,
        "anvil_setNextBlockBaseFeePerGas",
        (U256::from(jumped),),
    )
    .await;
    let _: serde_json::Value = anvil(&f.admin, "evm_mine", ()).await;

    let outcome = f.alice.transfer(bob, amount("1.00")).await.unwrap();
    let receipt = f
        .alice
        .provider()
        .get_transaction_receipt(outcome.tx_hash)
        .await
        .unwrap()
        .unwrap();
    assert!(
        receipt.effective_gas_price > jumped / 2,
        "paid {} with a base fee of about {jumped}",
        receipt.effective_gas_price
    );
    assert_eq!(f.alice.balance_of(bob).await.unwrap(), amount("2.00"));
}

#[test]
fn a_client_keeps_working_on_a_new_runtime_after_the_first_one_shut_down() {
    // The client's receipt watcher runs on the runtime of its first send: when that runtime is gone, the
    // next send starts another on the current one.
    let first = tokio::runtime::Runtime::new().unwrap();
    let f = first.block_on(Fixture::new(ProfileName::Dev));
    first.block_on(f.fund(Role::Alice, "1.00"));
    drop(first);
    let second = tokio::runtime::Runtime::new().unwrap();
    second.block_on(async {
        f.fund(Role::Alice, "2.00").await;
        assert_eq!(
            f.alice.balance_of(f.addr(Role::Alice)).await.unwrap(),
            amount("3.00")
        );
    });
}

#[tokio::test]
async fn prepared_calls_name_their_function_survive_storage_and_settle_by_fate() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "10.00").await;
    let (alice, bob) = (f.addr(Role::Alice), f.addr(Role::Bob));
    let prepare = f.operator.prepare();
    let key = alloy::primitives::B256::repeat_byte(9);
    let op = OperationId::from("prepared");
    for (call, name) in [
        (
            prepare.operator_transfer(op, alice, bob, amount("1.00")),
            "operatorTransfer",
        ),
        (
            prepare.hold_from(op, alice, bob, bob, amount("1.00"), None),
            "holdFrom",
        ),
        (
            prepare.hold_from_until(op, alice, bob, bob, amount("1.00"), Some(9)),
            "holdFromWithExpirationDate",
        ),
        (
            prepare.execute_hold_and_keep_open(key, amount("1.00")),
            "executeHoldAndKeepOpen",
        ),
        (
            prepare.renew_hold_until(key, None),
            "renewHoldWithExpirationDate",
        ),
        (
            prepare.mint(alice, amount("1.00"), MintKind::Card, key),
            "mint",
        ),
        (prepare.reject_payout(key, "no"), "rejectPayout"),
        (
            f.compliance.prepare().register_wallet(alice, 1),
            "registerWallet",
        ),
    ] {
        assert_eq!(call.name(), name);
        assert!(call.is_known(), "{name}");
        // Stored as JSON (the platform's requests) and read back, possibly by another process: the same
        // transaction, the same name.
        let stored = serde_json::to_value(&call).unwrap();
        assert_eq!(
            stored,
            serde_json::to_value(call.tx()).unwrap(),
            "{name}: stored as the bare transaction"
        );
        let back: emtoken_sdk::PreparedCall = serde_json::from_value(stored).unwrap();
        assert_eq!((back.name(), &back), (name, &call));
    }

    // A prepared call sent and mined: its fate by hash is Mined; a made-up transaction of a used nonce
    // was replaced; of a free nonce, unknown to the node (safe to send its bytes again).
    let submitted = f.alice.submit(transfer(&f, bob, "1.00")).await.unwrap();
    let hash = submitted.tx_hash();
    f.alice.outcome(submitted).await.unwrap();
    let nonce = f
        .alice
        .provider()
        .get_transaction_count(alice)
        .await
        .unwrap();
    assert_eq!(
        f.alice.fate(hash, alice, nonce - 1).await.unwrap(),
        emtoken_sdk::TxFate::Mined { succeeded: true }
    );
    let never = alloy::primitives::B256::repeat_byte(0xee);
    assert_eq!(
        f.alice.fate(never, alice, nonce - 1).await.unwrap(),
        emtoken_sdk::TxFate::Replaced
    );
    assert_eq!(
        f.alice.fate(never, alice, nonce).await.unwrap(),
        emtoken_sdk::TxFate::Unknown
    );
}
