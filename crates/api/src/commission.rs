//! Commissions: what a profile's terms charge for an amount. One function, used by the `…/calculate`
//! endpoints and (in the same way) by the operations that charge, so an operation charges exactly what
//! calculate said for the same inputs at the same time.

use emtoken_types::{CommissionOperation, Rounding};
use rust_decimal::{Decimal, RoundingStrategy};

/// A profile version's terms, in the currency's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// The fixed part.
    pub fixed: Decimal,
    /// The percentage of the amount (0 to 100).
    pub percent: Decimal,
    /// The least commission.
    pub minimum: Decimal,
    /// The most commission (None: no maximum).
    pub maximum: Option<Decimal>,
    /// How the commission is rounded to the currency's decimals.
    pub rounding: Rounding,
}

impl Terms {
    /// No commission.
    pub const NONE: Terms = Terms {
        fixed: Decimal::ZERO,
        percent: Decimal::ZERO,
        minimum: Decimal::ZERO,
        maximum: None,
        rounding: Rounding::HalfUp,
    };
}

/// What an operation of `amount` comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// The amount asked for.
    pub amount: Decimal,
    /// The commission.
    pub commission: Decimal,
    /// For a cash-in, what reaches the wallet (amount − commission); otherwise what leaves it (amount +
    /// commission).
    pub total: Decimal,
}

/// Why an amount cannot be quoted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A cash-in whose commission takes all of it (or more).
    #[error(
        "the commission {commission} takes all of the amount {amount}: nothing would reach the wallet"
    )]
    NothingLeft {
        /// The amount.
        amount: Decimal,
        /// Its commission.
        commission: Decimal,
    },
}

/// The commission `terms` charge for `amount` of an `operation` in a currency of `decimals`:
/// `fixed + amount × percent / 100`, kept between the minimum and the maximum, rounded to `decimals` by the
/// terms' rounding.
pub fn quote(
    operation: CommissionOperation,
    amount: Decimal,
    terms: &Terms,
    decimals: u32,
) -> Result<Quote, QuoteError> {
    let raw = terms.fixed + amount * terms.percent / Decimal::ONE_HUNDRED;
    let mut kept = raw.max(terms.minimum);
    if let Some(maximum) = terms.maximum {
        kept = kept.min(maximum);
    }
    let strategy = match terms.rounding {
        Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        Rounding::Up => RoundingStrategy::AwayFromZero,
        Rounding::Down => RoundingStrategy::ToZero,
    };
    let commission = kept.round_dp_with_strategy(decimals, strategy).normalize();
    let total = if operation.is_incoming() {
        if commission >= amount {
            return Err(QuoteError::NothingLeft { amount, commission });
        }
        amount - commission
    } else {
        amount + commission
    };
    Ok(Quote {
        amount,
        commission,
        total,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().expect("a decimal")
    }

    fn terms(fixed: Decimal, percent: Decimal, min: Decimal, max: Option<Decimal>) -> Terms {
        Terms {
            fixed,
            percent,
            minimum: min,
            maximum: max,
            rounding: Rounding::HalfUp,
        }
    }

    #[test]
    fn fixed_plus_percent_between_minimum_and_maximum_rounded() {
        let t = terms(d("0.30"), d("1.5"), d("0.50"), Some(d("5")));
        let q = quote(CommissionOperation::Transfer, d("10"), &t, 2).unwrap();
        assert_eq!(
            (q.commission, q.total),
            (d("0.50"), d("10.50")),
            "0.45 raised to the minimum"
        );
        let q = quote(CommissionOperation::Transfer, d("100"), &t, 2).unwrap();
        assert_eq!(q.commission, d("1.80"));
        let q = quote(CommissionOperation::Transfer, d("1000"), &t, 2).unwrap();
        assert_eq!(q.commission, d("5"), "15.30 capped at the maximum");
        // 1.5 % of 0.99 = 0.01485 + 0.30 = 0.31485: half-up 0.31, up 0.32, down 0.31.
        let t = terms(d("0.30"), d("1.5"), Decimal::ZERO, None);
        assert_eq!(
            quote(CommissionOperation::CashOut, d("0.99"), &t, 2)
                .unwrap()
                .commission,
            d("0.31")
        );
        let up = Terms {
            rounding: Rounding::Up,
            ..t
        };
        assert_eq!(
            quote(CommissionOperation::CashOut, d("0.99"), &up, 2)
                .unwrap()
                .commission,
            d("0.32")
        );
        // Half: 0.125 → half-up 0.13, half-even 0.12.
        let half = terms(d("0.125"), Decimal::ZERO, Decimal::ZERO, None);
        assert_eq!(
            quote(CommissionOperation::Transfer, d("1"), &half, 2)
                .unwrap()
                .commission,
            d("0.13")
        );
        let even = Terms {
            rounding: Rounding::HalfEven,
            ..half
        };
        assert_eq!(
            quote(CommissionOperation::Transfer, d("1"), &even, 2)
                .unwrap()
                .commission,
            d("0.12")
        );
    }

    #[test]
    fn a_cash_in_pays_out_of_what_comes_in_and_must_leave_something() {
        let t = terms(d("1"), d("2"), Decimal::ZERO, None);
        let q = quote(CommissionOperation::CardCashin, d("50"), &t, 2).unwrap();
        assert_eq!((q.commission, q.total), (d("2"), d("48")));
        let e = quote(CommissionOperation::BankTopUp, d("1"), &t, 2).unwrap_err();
        assert_eq!(
            e,
            QuoteError::NothingLeft {
                amount: d("1"),
                commission: d("1.02")
            }
        );
        // No commission: the whole amount reaches the wallet.
        let q = quote(CommissionOperation::CardCashin, d("0.01"), &Terms::NONE, 2).unwrap();
        assert_eq!(q.total, d("0.01"));
    }

    fn units(max: i64, decimals: u32) -> impl Strategy<Value = Decimal> {
        (0..=max).prop_map(move |n| Decimal::new(n, decimals))
    }

    proptest! {
        /// Whatever the terms and the amount: the commission has at most the currency's decimals, lies
        /// between the minimum and the maximum, and the total is the amount plus (or, coming in, minus)
        /// exactly the commission.
        #[test]
        fn the_commission_is_a_currency_amount_within_its_bounds(
            decimals in 0u32..=6,
            amount in 1i64..=1_000_000_000,
            fixed in 0i64..=10_000,
            percent in units(10_000, 2),
            min in 0i64..=1_000,
            span in proptest::option::of(0i64..=100_000),
            rounding in prop_oneof![Just(Rounding::HalfUp), Just(Rounding::HalfEven), Just(Rounding::Up), Just(Rounding::Down)],
            operation in prop_oneof![Just(CommissionOperation::Transfer), Just(CommissionOperation::CashOut), Just(CommissionOperation::HoldExecution), Just(CommissionOperation::CardCashin), Just(CommissionOperation::BankTopUp)],
        ) {
            let unit = |n: i64| Decimal::new(n, decimals);
            let amount = unit(amount);
            let t = Terms {
                fixed: unit(fixed),
                percent,
                minimum: unit(min),
                maximum: span.map(|s| unit(min + s)),
                rounding,
            };
            match quote(operation, amount, &t, decimals) {
                Ok(q) => {
                    prop_assert!(q.commission.scale() <= decimals, "{q:?}");
                    prop_assert!(q.commission >= t.minimum, "{q:?}");
                    if let Some(max) = t.maximum {
                        prop_assert!(q.commission <= max, "{q:?}");
                    }
                    if operation.is_incoming() {
                        prop_assert_eq!(q.total + q.commission, amount);
                        prop_assert!(q.total > Decimal::ZERO);
                    } else {
                        prop_assert_eq!(q.total - q.commission, amount);
                    }
                }
                Err(QuoteError::NothingLeft { commission, .. }) => {
                    prop_assert!(operation.is_incoming());
                    prop_assert!(commission >= amount);
                }
            }
        }
    }
}
