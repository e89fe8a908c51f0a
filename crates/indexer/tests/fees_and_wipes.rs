//! Fees and wipes on a real chain (the v2 contracts): a fee charged with a mint, an operator transfer, a
//! hold's execution, a payout's execution (charged then, or reserved when ordered) and a fund order's
//! execution becomes a COMMISSION movement of the payer and a
//! COMMISSION_IN of the fee account, linked to the operation; the fee account is marked FEES and its
//! movements explain its balance; a wipe of a frozen wallet is a WIPE movement with its reason. Every
//! indexed balance matches the contract's.

mod common;

use alloy::{
    contract::{CallBuilder, CallDecoder},
    network::Ethereum,
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
};
use common::{amount, assert_matches_chain, config, index, units};
use emtoken_sdk::{MintKind, OperationId};
use emtoken_store::{MovementRow, Store};
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::Deployed;
use rust_decimal::Decimal;
use sqlx::PgPool;

/// Sends a raw contract call (the v2 calls) from `from`, one of anvil's unlocked accounts, and asserts
/// it succeeded.
async fn send<P: Provider<Ethereum>, D: CallDecoder>(
    from: Address,
    call: CallBuilder<P, D, Ethereum>,
) {
    let receipt = call
        .from(from)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "{receipt:?}");
}

/// A COMMISSION movement as (amount, record kind, record key, payment reference).
type Commission = (Decimal, Option<String>, Option<B256>, Option<B256>);

fn base(text: &str) -> U256 {
    amount(text).base_units()
}

async fn rows(store: &Store, address: Address) -> Vec<MovementRow> {
    let w = common::wallet(store, address).await;
    store.movements_of(w.id).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn fees_are_commissions_and_a_wipe_is_a_wipe(pool: PgPool) {
    let node = DevNode::spawn(ProfileName::Dev).unwrap();
    let d = Deployed::deploy(&node).await.unwrap();
    let store = Store::from_pool(pool.clone()).await.unwrap();
    let (alice, bob, carol, dave) = (
        d.address_of(Role::Alice),
        d.address_of(Role::Bob),
        d.address_of(Role::Carol),
        d.address_of(Role::Dave),
    );
    let (admin, operator) = (d.address_of(Role::Admin), d.address_of(Role::Operator));
    // Carol's wallet (level 2, unlimited) collects the fees.
    send(admin, d.admin.contract().setFeeAccount(carol)).await;

    // A card cash-in of 100.00 of which 1.00 is the fee.
    let reference = B256::repeat_byte(0xc1);
    send(
        operator,
        d.operator.contract().mintWithFee(
            alice,
            base("100"),
            base("1"),
            MintKind::Card as u8,
            reference,
        ),
    )
    .await;
    // An operator transfer of 10.00 to bob with a fee of 0.50.
    let transfer_op = OperationId::from("fee-transfer");
    send(
        operator,
        d.operator.contract().operatorTransferWithFee(
            transfer_op.as_bytes(),
            alice,
            bob,
            base("10"),
            base("0.5"),
        ),
    )
    .await;
    let transfer_id = transfer_op.record_key(operator);
    // A hold of 20.00 for bob, its notary the operator, executed in full with a fee of 0.25.
    let hold = d
        .alice
        .hold(
            OperationId::from("fee-hold"),
            bob,
            operator,
            amount("20"),
            None,
        )
        .await
        .unwrap();
    send(
        operator,
        d.operator
            .contract()
            .executeHoldWithFee(hold.id, base("20"), base("0.25")),
    )
    .await;
    // A payout of 5.00 executed with a fee of 0.10.
    let payout = d
        .alice
        .order_payout(
            OperationId::from("fee-payout"),
            amount("5"),
            B256::repeat_byte(9),
        )
        .await
        .unwrap();
    d.operator.process_payout(payout.id).await.unwrap();
    send(
        operator,
        d.operator
            .contract()
            .executePayoutWithFee(payout.id, base("0.1")),
    )
    .await;
    // A top-up of 8.00 ordered by the operator for alice, executed with a fee of 0.20 out of it.
    let fund_op = OperationId::from("fee-fund");
    send(
        operator,
        d.operator.contract().orderFundFrom(
            fund_op.as_bytes(),
            alice,
            base("8"),
            B256::repeat_byte(8),
        ),
    )
    .await;
    let fund_id = fund_op.record_key(operator);
    send(
        operator,
        d.operator
            .contract()
            .executeFundWithFee(fund_id, base("0.2")),
    )
    .await;
    // A cash-out of 2.00 with 0.05 reserved when ordered, executed; another of 1.00 with 0.03 reserved,
    // still open: 1.03 locked.
    let mut reserved = vec![];
    for (label, value, fee) in [("reserved-1", "2", "0.05"), ("reserved-2", "1", "0.03")] {
        let op = OperationId::from(label);
        send(
            operator,
            d.operator.contract().orderPayoutFromWithFee(
                op.as_bytes(),
                alice,
                base(value),
                base(fee),
                B256::repeat_byte(7),
            ),
        )
        .await;
        reserved.push(op.record_key(operator));
    }
    send(operator, d.operator.contract().processPayout(reserved[0])).await;
    send(operator, d.operator.contract().executePayout(reserved[0])).await;
    // Dave's 3.00, frozen, wiped by a court order.
    // (Raw as well: the operator's client keeps its own nonce, which the raw sends moved past.)
    send(
        operator,
        d.operator.contract().mint(
            dave,
            base("3"),
            MintKind::BankTransfer as u8,
            B256::repeat_byte(0xd1),
        ),
    )
    .await;
    let wiper = keccak256("WIPER_ROLE");
    send(admin, d.admin.contract().grantRole(wiper, admin)).await;
    d.compliance.freeze(dave).await.unwrap();
    send(
        admin,
        d.admin.contract().wipeFrozenBalance(
            dave,
            base("3"),
            B256::repeat_byte(0xd0),
            "court order 2026/117".into(),
        ),
    )
    .await;

    index(config(&d, 0), &store).await;

    // Alice's commissions, each linked to its operation, and her balance explained by her movements.
    let alice_rows = rows(&store, alice).await;
    let commissions: Vec<Commission> = alice_rows
        .iter()
        .filter(|m| m.r#type.as_str() == "COMMISSION")
        .map(|m| {
            assert_eq!(m.status.as_str(), "SUCCESS", "{m:?}");
            assert_eq!(m.target_address, Some(carol.into_array()), "{m:?}");
            (
                m.amount,
                m.record_kind.map(|k| k.to_string()),
                m.record_key.map(B256::from),
                m.payment_reference.map(B256::from),
            )
        })
        .collect();
    assert_eq!(
        commissions,
        [
            (units("1"), None, None, Some(reference)),
            (
                units("0.5"),
                Some("OPERATOR_TRANSFER".into()),
                Some(transfer_id),
                None
            ),
            (units("0.25"), Some("HOLD".into()), Some(hold.id), None),
            (units("0.1"), Some("PAYOUT".into()), Some(payout.id), None),
            (units("0.2"), Some("FUND".into()), Some(fund_id), None),
            (
                units("0.05"),
                Some("PAYOUT".into()),
                Some(reserved[0]),
                None
            ),
        ]
    );
    let signed = |m: &MovementRow| match m.r#type.as_str() {
        "CARD_CASHIN" | "BANK_ACCOUNT_CASHIN" | "TRANSFER_IN" | "COMMISSION_IN" => m.amount,
        "TRANSFER_OUT" | "BANK_ACCOUNT_CASHOUT" | "COMMISSION" | "WIPE" => -m.amount,
        _ => Decimal::ZERO,
    };
    // What moved (the open cash-out's movement is PENDING and moved nothing yet).
    let alice_sum: Decimal = alice_rows
        .iter()
        .filter(|m| m.status.as_str() != "PENDING")
        .map(signed)
        .sum();
    assert_eq!(alice_sum, units("68.9"));
    let alice_wallet = common::wallet(&store, alice).await;
    assert_eq!(
        (alice_wallet.balance, alice_wallet.final_held),
        (units("68.9"), units("1.03")),
        "the open cash-out locks its reserved fee"
    );

    // The fee account: marked FEES, out of users' wallets, its COMMISSION_IN summing to its balance.
    let fees = common::wallet(&store, carol).await;
    assert_eq!(fees.system_role.as_deref(), Some("FEES"));
    let carol_rows = rows(&store, carol).await;
    assert!(
        carol_rows
            .iter()
            .all(|m| m.r#type.as_str() == "COMMISSION_IN"
                && m.origin_address == Some(alice.into_array())),
        "{carol_rows:?}"
    );
    assert_eq!(carol_rows.len(), 6);
    assert_eq!(carol_rows.iter().map(signed).sum::<Decimal>(), units("2.1"));
    assert_eq!(fees.balance, units("2.1"));

    // The wipe: dave's WIPE with the decision's reason, his balance zero.
    let dave_rows = rows(&store, dave).await;
    let wipe = dave_rows
        .iter()
        .find(|m| m.r#type.as_str() == "WIPE")
        .expect("a WIPE movement");
    assert_eq!(
        (wipe.amount, wipe.status.as_str(), wipe.concept.as_deref()),
        (units("3"), "SUCCESS", Some("court order 2026/117"))
    );
    assert_eq!(common::wallet(&store, dave).await.balance, Decimal::ZERO);
    assert_matches_chain(&store, &d).await;
}
