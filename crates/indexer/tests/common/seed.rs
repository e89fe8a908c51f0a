//! The platform guide's step-by-step flow, played through the SDK, and the records docs/records.md
//! prescribes for it.

use alloy::primitives::{Address, B256};
use emtoken_sdk::{MintKind, OperationId};
use emtoken_store::Store;
use emtoken_test_utils::Role;
use emtoken_workload::Deployed;

use super::{amount, assert_matches_chain, movements, payment_reference, units, wallet};

fn s(text: &str) -> String {
    text.to_owned()
}

/// What [`play`] did that the records must show.
pub struct Played {
    /// The ids of the holds (partially executed; kept open then released).
    pub holds: (B256, B256),
    /// The payment references of the direct mints: alice's card cash-in, carol's bank transfer.
    pub mint_references: (B256, B256),
}

/// Plays the seed's operations.
pub async fn play(d: &Deployed) -> Played {
    let (alice, bob, carol) = (
        d.address_of(Role::Alice),
        d.address_of(Role::Bob),
        d.address_of(Role::Carol),
    );
    let notary = d.address_of(Role::Notary);
    // Cash-in: card to alice, bank transfer (direct mint) to carol, fund order by bob executed.
    let mint_references = (payment_reference(), payment_reference());
    d.operator
        .mint(alice, amount("1000"), MintKind::Card, mint_references.0)
        .await
        .unwrap();
    d.operator
        .mint(
            carol,
            amount("200"),
            MintKind::BankTransfer,
            mint_references.1,
        )
        .await
        .unwrap();
    let fund = d
        .bob
        .order_fund(
            OperationId::from("fund-1"),
            amount("500"),
            B256::repeat_byte(3),
        )
        .await
        .unwrap();
    d.operator.execute_fund(fund.id).await.unwrap();
    // Transfers: plain, and by the platform as default operator.
    d.alice.transfer(bob, amount("100")).await.unwrap();
    d.operator
        .operator_transfer(OperationId::from("op-1"), alice, carol, amount("50"))
        .await
        .unwrap();
    // Hold of 200 executed for 150 (the remaining 50 released).
    let h1 = d
        .alice
        .hold(
            OperationId::from("hold-1"),
            bob,
            notary,
            amount("200"),
            None,
        )
        .await
        .unwrap();
    d.notary.execute_hold(h1.id, amount("150")).await.unwrap();
    // Hold of 100 executed for 30 and kept open, renewed, then released by the notary.
    let hour = std::time::Duration::from_secs(3600);
    let h2 = d
        .alice
        .hold(
            OperationId::from("hold-2"),
            carol,
            notary,
            amount("100"),
            Some(hour),
        )
        .await
        .unwrap();
    d.notary
        .execute_hold_and_keep_open(h2.id, amount("30"))
        .await
        .unwrap();
    d.alice.renew_hold(h2.id, Some(2 * hour)).await.unwrap();
    d.notary.release_hold(h2.id).await.unwrap();
    // Two-step transfers by bob: executed, rejected, cancelled.
    let t1 = d
        .bob
        .order_transfer(OperationId::from("t-1"), alice, amount("80"))
        .await
        .unwrap();
    d.operator.execute_clearable_transfer(t1.id).await.unwrap();
    let t2 = d
        .bob
        .order_transfer(OperationId::from("t-2"), carol, amount("20"))
        .await
        .unwrap();
    d.operator
        .reject_clearable_transfer(t2.id, "limits")
        .await
        .unwrap();
    let t3 = d
        .bob
        .order_transfer(OperationId::from("t-3"), carol, amount("10"))
        .await
        .unwrap();
    d.bob.cancel_transfer(t3.id).await.unwrap();
    // Cash-outs by alice: executed; through suspense then executed; through suspense then rejected; cancelled.
    let p1 = d
        .alice
        .order_payout(
            OperationId::from("p-1"),
            amount("100"),
            B256::repeat_byte(4),
        )
        .await
        .unwrap();
    d.operator.process_payout(p1.id).await.unwrap();
    d.operator.execute_payout(p1.id).await.unwrap();
    let p2 = d
        .alice
        .order_payout(OperationId::from("p-2"), amount("40"), B256::repeat_byte(5))
        .await
        .unwrap();
    d.operator.process_payout(p2.id).await.unwrap();
    d.operator.put_funds_in_suspense(p2.id).await.unwrap();
    d.operator.execute_payout(p2.id).await.unwrap();
    let p3 = d
        .alice
        .order_payout(OperationId::from("p-3"), amount("30"), B256::repeat_byte(6))
        .await
        .unwrap();
    d.operator.process_payout(p3.id).await.unwrap();
    d.operator.put_funds_in_suspense(p3.id).await.unwrap();
    d.operator
        .reject_payout(p3.id, "bank refused")
        .await
        .unwrap();
    let p4 = d
        .alice
        .order_payout(OperationId::from("p-4"), amount("5"), B256::repeat_byte(7))
        .await
        .unwrap();
    d.alice.cancel_payout(p4.id).await.unwrap();
    Played {
        holds: (h1.id, h2.id),
        mint_references,
    }
}

/// Checks the store holds exactly the records of [`play`] (indexed to the head, every block final).
pub async fn assert_records(store: &Store, d: &Deployed, played: &Played) {
    let (h1, h2) = played.holds;
    let (alice, bob, carol) = (
        d.address_of(Role::Alice),
        d.address_of(Role::Bob),
        d.address_of(Role::Carol),
    );
    let ok = |ty: &str, n: &str, other: Option<Address>| (s(ty), s("SUCCESS"), units(n), other);
    let err = |ty: &str, n: &str, other: Option<Address>| (s(ty), s("ERROR"), units(n), other);
    assert_eq!(
        movements(store, alice).await,
        vec![
            ok("CARD_CASHIN", "1000", None),
            ok("TRANSFER_OUT", "100", Some(bob)),
            ok("TRANSFER_OUT", "50", Some(carol)),
            ok("LOCK", "200", None),
            ok("RELEASE", "50", None),
            ok("TRANSFER_OUT", "150", Some(bob)),
            ok("LOCK", "100", None),
            ok("TRANSFER_OUT", "30", Some(carol)),
            ok("RELEASE", "70", None),
            ok("TRANSFER_IN", "80", Some(bob)),
            ok("BANK_ACCOUNT_CASHOUT", "100", None),
            ok("BANK_ACCOUNT_CASHOUT", "40", None),
            err("BANK_ACCOUNT_CASHOUT", "30", None),
            err("BANK_ACCOUNT_CASHOUT", "5", None),
        ]
    );
    assert_eq!(
        movements(store, bob).await,
        vec![
            ok("BANK_ACCOUNT_CASHIN", "500", None),
            ok("TRANSFER_IN", "100", Some(alice)),
            ok("TRANSFER_IN", "150", Some(alice)),
            ok("TRANSFER_OUT", "80", Some(alice)),
            err("TRANSFER_OUT", "20", Some(carol)),
            err("TRANSFER_OUT", "10", Some(carol)),
        ]
    );
    assert_eq!(
        movements(store, carol).await,
        vec![
            ok("BANK_ACCOUNT_CASHIN", "200", None),
            ok("TRANSFER_IN", "50", Some(alice)),
            ok("TRANSFER_IN", "30", Some(alice)),
            err("TRANSFER_IN", "20", Some(bob)),
            err("TRANSFER_IN", "10", Some(bob)),
        ]
    );
    // The suspense account's movements explain its balance: the payouts' funds in, then burnt (p-2) or
    // sent back to alice (p-3).
    assert_eq!(
        movements(store, d.address_of(Role::Suspense)).await,
        vec![
            ok("SUSPENSE_IN", "40", None),
            ok("SUSPENSE_OUT", "40", None),
            ok("SUSPENSE_IN", "30", None),
            ok("SUSPENSE_OUT", "30", None),
        ]
    );

    // A direct mint's cash-in carries the payment reference it was minted against (to match it to the
    // fiat payment); no other movement has one, the fund order's cash-in included.
    let (card, bank) = played.mint_references;
    for (who, expected) in [
        (alice, vec![(s("CARD_CASHIN"), card)]),
        (bob, vec![]),
        (carol, vec![(s("BANK_ACCOUNT_CASHIN"), bank)]),
    ] {
        let w = wallet(store, who).await;
        let references: Vec<(String, B256)> = store
            .movements_of(w.id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| Some((m.r#type.to_string(), B256::from(m.payment_reference?))))
            .collect();
        assert_eq!(references, expected, "payment references of {who}");
    }

    // Every movement names its transaction; the hold's TRANSFER_OUT is in the execution's transaction.
    let a = wallet(store, alice).await;
    for m in store.movements_of(a.id).await.unwrap() {
        assert_ne!(m.tx_hash, [0; 32]);
        assert!(m.block_number > d.deploy_block as i64);
    }

    // Balances: alice 1000 - 100 - 50 - 150 - 30 + 80 - 100 - 40 = 610; bob 500 + 100 + 150 - 80 = 670;
    // carol 200 + 50 + 30 = 280; nothing held at the end.
    for (who, gross) in [(alice, "610"), (bob, "670"), (carol, "280")] {
        let w = wallet(store, who).await;
        assert_eq!(
            (w.balance, w.head_total, w.held, w.available()),
            (units(gross), units(gross), units("0"), units(gross))
        );
        assert_eq!(w.status.as_str(), "READY");
        assert!(w.registered);
    }
    assert_matches_chain(store, d).await;

    // Hold records.
    let holds = store.holds_of(&a).await.unwrap();
    assert_eq!(holds.len(), 2);
    let first = holds.iter().find(|h| h.hold_key == h1.0).unwrap();
    assert_eq!(
        (
            first.status.as_str(),
            first.held_value,
            first.executed_value,
            first.released_value,
            first.remaining
        ),
        (
            "EXECUTED",
            units("200"),
            units("150"),
            units("50"),
            units("0")
        )
    );
    assert_eq!(
        (first.payer, first.payee, first.notary),
        (
            alice.into_array(),
            bob.into_array(),
            d.address_of(Role::Notary).into_array()
        )
    );
    assert_eq!(first.expiration, None);
    let second = holds.iter().find(|h| h.hold_key == h2.0).unwrap();
    assert_eq!(
        (
            second.status.as_str(),
            second.held_value,
            second.executed_value,
            second.released_value
        ),
        ("RELEASED_BY_NOTARY", units("100"), units("30"), units("70"))
    );
    let created = second.created_at.timestamp();
    let expiry = second
        .expiration
        .expect("renewed for two hours")
        .timestamp();
    assert!(
        (created + 7200..created + 7260).contains(&expiry),
        "{created} {expiry}"
    );

    // Reconciliation compared every touched wallet and found nothing.
    assert!(store.findings().await.unwrap().is_empty());
}
