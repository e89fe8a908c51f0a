//! `--check`: what the demo expects of every record, compared with what the API shows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{Played, TRANSFER_CONCEPT, report::Summary, scheduled};

/// A decimal from a literal.
pub(super) fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

/// An amount of an answer (a decimal string); `None` when it is not one.
pub(super) fn amount(text: &str) -> Option<Decimal> {
    text.parse().ok()
}

/// Every difference between what the demo expects and `summary` (the answers were read as the API's
/// types already: a missing or mistyped field stops the demo, naming the call).
pub(super) fn verify(played: &Played, summary: &Summary) -> Vec<String> {
    let mut out = vec![];
    if let (Some(second), Some(view)) = (&played.second, &summary.second_currency) {
        let wallets: Vec<_> = view
            .wallets
            .iter()
            .map(|w| (w.id.clone(), w.balance.clone(), w.currency.clone()))
            .collect();
        out.extend(super::currency::verify(second, &wallets));
    }
    // Both users onboarded (phone verified, first wallet READY: ACTIVATED); A at KYC level 1 with an
    // IBAN, B at level 0 without one.
    for ((u, played), level) in summary.users.iter().zip([&played.a, &played.b]).zip([1, 0]) {
        let name = u.name;
        if u.status != "ACTIVATED" || !u.mobile_phone_verified || u.kyc_level != Some(level) {
            out.push(format!(
                "user {name}: expected ACTIVATED, phone verified, KYC level {level}; found {}, verified {}, level {:?}",
                u.status, u.mobile_phone_verified, u.kyc_level
            ));
        }
        if u.document_number != played.document || u.mobile_phone != played.phone {
            out.push(format!(
                "user {name}: expected DNI {} and phone {}, found {} and {}",
                played.document, played.phone, u.document_number, u.mobile_phone
            ));
        }
        if u.dlt_address != played.address {
            out.push(format!(
                "user {name} dltAddress: expected its first wallet's {}, found {}",
                played.address, u.dlt_address
            ));
        }
    }
    for ((w, played), level) in summary
        .wallets
        .iter()
        .zip([&played.a, &played.b])
        .zip([1, 0])
    {
        if w.kyc_level != Some(level) || w.iban != played.iban {
            out.push(format!(
                "wallet {}: expected KYC level {level} and IBAN {:?}, found level {:?} and IBAN {:?}",
                w.name, played.iban, w.kyc_level, w.iban
            ));
        }
    }
    let expected_wallets = [("A", "91.50"), ("B", "13.50")];
    for ((w, played), (name, balance)) in summary
        .wallets
        .iter()
        .zip([&played.a, &played.b])
        .zip(expected_wallets)
    {
        if w.user_id != played.user_id || w.dlt_address != played.address {
            out.push(format!(
                "wallet {name}: expected user {} at {}, found user {} at {}",
                played.user_id, played.address, w.user_id, w.dlt_address
            ));
        }
        for (what, found, want) in [
            ("balance", &w.balance, balance),
            ("availableBalance", &w.available_balance, balance),
            ("heldBalance", &w.held_balance, "0"),
        ] {
            compare_amount(&mut out, &format!("wallet {name} {what}"), want, found);
        }
        if w.status != "READY" {
            out.push(format!(
                "wallet {name} status: expected READY, found {}",
                w.status
            ));
        }
    }
    let expected_movements: [&[(&str, &str)]; 2] = [
        &[
            ("CARD_CASHIN", "25.00"),
            ("BANK_ACCOUNT_CASHIN", "100.00"),
            ("TRANSFER_OUT", "10.50"),
            ("LOCK", "5.00"),
            ("TRANSFER_OUT", "3.00"),
            ("RELEASE", "2.00"),
            ("LOCK", "2.00"),
            ("RELEASE", "2.00"),
            ("BANK_ACCOUNT_CASHOUT", "20.00"),
        ],
        &[("TRANSFER_IN", "10.50"), ("TRANSFER_IN", "3.00")],
    ];
    for (w, expected) in summary.wallets.iter().zip(expected_movements) {
        let key =
            |kind: &str, amount: &str, status: &str| format!("{kind} {:.2} {status}", dec(amount));
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for (kind, amount) in expected {
            *counts.entry(key(kind, amount, "SUCCESS")).or_default() += 1;
        }
        for m in &w.movements {
            *counts
                .entry(key(&m.kind, &m.amount, &m.status))
                .or_default() -= 1;
        }
        for (movement, count) in counts {
            match count {
                1.. => out.push(format!(
                    "wallet {} movements: expected {movement} ({count}x), not found",
                    w.name
                )),
                ..0 => out.push(format!(
                    "wallet {} movements: found {movement} ({}x), not expected",
                    w.name, -count
                )),
                0 => {}
            }
        }
    }
    // The transfer's movements carry its concept and name each other's wallet.
    let (a, b) = (&summary.wallets[0], &summary.wallets[1]);
    for (w, kind, field, other) in [
        (a, "TRANSFER_OUT", "targetWalletId", &played.b.id),
        (b, "TRANSFER_IN", "originWalletId", &played.a.id),
    ] {
        let Some(m) = w
            .movements
            .iter()
            .find(|m| m.kind == kind && amount_is(&m.amount, "10.50"))
        else {
            continue;
        };
        if m.concept.as_deref() != Some(TRANSFER_CONCEPT) {
            out.push(format!(
                "wallet {} {kind} 10.50 concept: expected '{TRANSFER_CONCEPT}', found {:?}",
                w.name, m.concept
            ));
        }
        let found = if kind == "TRANSFER_OUT" {
            &m.target_wallet_id
        } else {
            &m.origin_wallet_id
        };
        if found.as_deref() != Some(other.as_str()) {
            out.push(format!(
                "wallet {} {kind} 10.50 {field}: expected {other}, found {found:?}",
                w.name
            ));
        }
    }
    for (hold, (status, held, executed)) in summary.holds.iter().zip([
        ("EXECUTED", "5.00", "3.00"),
        ("RELEASED_BY_NOTARY", "2.00", "0"),
    ]) {
        if hold.status != status {
            out.push(format!(
                "hold {} status: expected {status}, found {}",
                hold.id, hold.status
            ));
        }
        compare_amount(
            &mut out,
            &format!("hold {} heldValue", hold.id),
            held,
            &hold.held_value,
        );
        compare_amount(
            &mut out,
            &format!("hold {} executedValue", hold.id),
            executed,
            &hold.executed_value,
        );
    }
    // The scheduled operation: its dates lie ahead (none paid, the balances above unchanged).
    out.extend(scheduled::verify(played, &summary.scheduled_operation));
    out
}

fn amount_is(found: &str, want: &str) -> bool {
    found.parse::<Decimal>().ok() == Some(dec(want))
}

fn compare_amount(out: &mut Vec<String>, what: &str, want: &str, found: &str) {
    if !amount_is(found, want) {
        out.push(format!("{what}: expected {:.2}, found {found}", dec(want)));
    }
}
