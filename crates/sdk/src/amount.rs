use std::{fmt, str::FromStr};

use alloy::primitives::U256;
use rust_decimal::Decimal;

/// The largest amount EmToken allows: its total supply cap, 2^96 - 1 base units.
pub const MAX_BASE_UNITS: u128 = (1u128 << 96) - 1;

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Amounts of money are never negative.
    #[error("amount {0} is negative: amounts must be zero or more")]
    Negative(String),
    /// More decimal places than the token has.
    #[error("amount {value} has {places} decimal places; the token has {decimals}")]
    TooManyDecimals {
        /// The amount, as given.
        value: String,
        /// Its decimal places.
        places: u32,
        /// The token's decimals.
        decimals: u8,
    },
    /// Above what the token can ever hold.
    #[error("amount {value} is above the token's maximum of {max}")]
    Overflow {
        /// The amount, as given.
        value: String,
        /// The maximum, in the same unit.
        max: String,
    },
    /// Not a decimal number in the one accepted form.
    #[error("'{text}' is not a decimal amount: {reason} (expected e.g. 12.34)")]
    Unparsable {
        /// The text, as given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The token's decimals are beyond what a 96-bit decimal can represent exactly.
    #[error("a token with {0} decimals cannot be represented exactly (at most 28)")]
    UnsupportedDecimals(u8),
}

impl AmountError {
    fn unparsable(text: &str, reason: &'static str) -> Self {
        AmountError::Unparsable {
            text: text.to_owned(),
            reason,
        }
    }
}

/// An amount of the token: base units on chain (`U256`), a decimal at the edges, converted here and
/// nowhere else.
///
/// ```
/// use emtoken_sdk::Amount;
/// use rust_decimal::Decimal;
///
/// let cents = Amount::from_decimal(Decimal::new(1234, 2), 2)?; // 12.34 with 2 decimals
/// assert_eq!(cents.base_units(), alloy::primitives::U256::from(1234u64));
/// assert_eq!(cents.to_string(), "12.34");
/// assert!(Amount::parse("0.001", 2).is_err()); // more decimals than the token has
/// # Ok::<(), emtoken_sdk::AmountError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    base_units: u128,
    decimals: u8,
}

impl Amount {
    /// Zero of a token with `decimals` decimals.
    pub const fn zero(decimals: u8) -> Self {
        Self {
            base_units: 0,
            decimals,
        }
    }

    /// A decimal amount (e.g. 12.34) of a token with `decimals` decimals.
    pub fn from_decimal(value: Decimal, decimals: u8) -> Result<Self, AmountError> {
        if decimals > 28 {
            return Err(AmountError::UnsupportedDecimals(decimals));
        }
        if value.is_sign_negative() && !value.is_zero() {
            return Err(AmountError::Negative(value.to_string()));
        }
        let normalized = value.normalize();
        if normalized.scale() > u32::from(decimals) {
            return Err(AmountError::TooManyDecimals {
                value: value.to_string(),
                places: normalized.scale(),
                decimals,
            });
        }
        let overflow = || AmountError::Overflow {
            value: value.to_string(),
            max: Self {
                base_units: MAX_BASE_UNITS,
                decimals,
            }
            .to_string(),
        };
        // mantissa * 10^(decimals - scale), checked: the result must stay within the supply cap.
        let mantissa = u128::try_from(normalized.mantissa()).map_err(|_| overflow())?;
        let factor = 10u128
            .checked_pow(u32::from(decimals) - normalized.scale())
            .ok_or_else(overflow)?;
        let base_units = mantissa
            .checked_mul(factor)
            .filter(|v| *v <= MAX_BASE_UNITS)
            .ok_or_else(overflow)?;
        Ok(Self {
            base_units,
            decimals,
        })
    }

    /// Parses a decimal string such as "12.34" for a token with `decimals` decimals: exactly
    /// `^(0|[1-9][0-9]*)(\.[0-9]{1,D})?$` (D = `decimals`): no sign, no leading zeros ("007"), no
    /// separators ("1_0", "1,5"), no exponent, no spaces, no dot without digits on both sides ("1.", ".5").
    /// Fewer decimals than the token's are fine ("12.3"); more are refused, trailing zeros included.
    /// This is the one place where text becomes an amount.
    pub fn parse(text: &str, decimals: u8) -> Result<Self, AmountError> {
        if decimals > 28 {
            return Err(AmountError::UnsupportedDecimals(decimals));
        }
        if text.is_empty() {
            return Err(AmountError::unparsable(text, "it is empty"));
        }
        if let Some(rest) = text.strip_prefix('-') {
            // Named as negative only when the rest is a well-formed amount.
            return Err(match Self::parse(rest, decimals) {
                Ok(_) | Err(AmountError::TooManyDecimals { .. } | AmountError::Overflow { .. }) => {
                    AmountError::Negative(text.to_owned())
                }
                Err(_) => AmountError::unparsable(text, "a sign is not allowed"),
            });
        }
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !fraction.is_none_or(digits) {
            let reason = if text.starts_with('+') {
                "a sign is not allowed"
            } else if text.bytes().any(|b| b.is_ascii_whitespace()) {
                "spaces are not allowed"
            } else if fraction.is_some_and(|f| f.contains('.')) {
                "it has more than one '.'"
            } else {
                "only digits and one '.' are allowed"
            };
            return Err(AmountError::unparsable(text, reason));
        }
        if whole.is_empty() {
            return Err(AmountError::unparsable(
                text,
                "it needs a digit before the '.'",
            ));
        }
        if whole.len() > 1 && whole.starts_with('0') {
            return Err(AmountError::unparsable(
                text,
                "leading zeros are not allowed",
            ));
        }
        let fraction = fraction.unwrap_or_default();
        if text.contains('.') && fraction.is_empty() {
            return Err(AmountError::unparsable(
                text,
                "it needs a digit after the '.'",
            ));
        }
        let places = u32::try_from(fraction.len()).unwrap_or(u32::MAX);
        if places > u32::from(decimals) {
            return Err(AmountError::TooManyDecimals {
                value: text.to_owned(),
                places,
                decimals,
            });
        }
        let overflow = || AmountError::Overflow {
            value: text.to_owned(),
            max: Self {
                base_units: MAX_BASE_UNITS,
                decimals,
            }
            .to_string(),
        };
        // whole * 10^decimals + fraction * 10^(decimals - places), checked against the supply cap.
        let mut base_units: u128 = 0;
        let padding = usize::from(decimals) - fraction.len();
        for digit in whole
            .bytes()
            .chain(fraction.bytes())
            .chain(std::iter::repeat_n(b'0', padding))
        {
            base_units = base_units
                .checked_mul(10)
                .and_then(|v| v.checked_add(u128::from(digit - b'0')))
                .filter(|v| *v <= MAX_BASE_UNITS)
                .ok_or_else(overflow)?;
        }
        Ok(Self {
            base_units,
            decimals,
        })
    }

    /// An amount in base units (as read from the chain).
    pub fn from_base_units(base_units: U256, decimals: u8) -> Result<Self, AmountError> {
        if decimals > 28 {
            return Err(AmountError::UnsupportedDecimals(decimals));
        }
        let max = Self {
            base_units: MAX_BASE_UNITS,
            decimals,
        };
        let base_units = u128::try_from(base_units)
            .ok()
            .filter(|v| *v <= MAX_BASE_UNITS)
            .ok_or_else(|| AmountError::Overflow {
                value: format!("{base_units} base units"),
                max: max.to_string(),
            })?;
        Ok(Self {
            base_units,
            decimals,
        })
    }

    /// An amount from its base units as the store keeps them: an integer `Decimal` (scale 0 once
    /// normalized), zero or more, at most the supply cap.
    pub fn from_units(units: Decimal, decimals: u8) -> Result<Self, AmountError> {
        if decimals > 28 {
            return Err(AmountError::UnsupportedDecimals(decimals));
        }
        let normalized = units.normalize();
        if normalized.is_sign_negative() && !normalized.is_zero() {
            return Err(AmountError::Negative(format!("{units} base units")));
        }
        if normalized.scale() > 0 {
            return Err(AmountError::TooManyDecimals {
                value: format!("{units} base units"),
                places: normalized.scale(),
                decimals: 0,
            });
        }
        let base_units = u128::try_from(normalized.mantissa()).unwrap_or(0);
        Self::from_base_units(U256::from(base_units), decimals)
    }

    /// Base units read from the chain as the store keeps them (an integer `Decimal`), checked against
    /// the supply cap: the one conversion from the chain's `U256` to the store's numbers.
    pub fn units_of(base_units: U256) -> Result<Decimal, AmountError> {
        Ok(Self::from_base_units(base_units, 0)?.units())
    }

    /// The amount in base units as the store keeps them: an integer `Decimal` (exact: at most 2^96 - 1).
    pub fn units(&self) -> Decimal {
        Decimal::from_i128_with_scale(self.base_units as i128, 0)
    }

    /// The amount in base units, as the contract takes it.
    pub fn base_units(&self) -> U256 {
        U256::from(self.base_units)
    }

    /// The token's decimals.
    pub const fn decimals(&self) -> u8 {
        self.decimals
    }

    /// The amount as a decimal (exact: 96-bit mantissa, scale = the token's decimals).
    pub fn to_decimal(&self) -> Decimal {
        // Cannot fail: base_units ≤ 2^96 - 1 (the mantissa range) and decimals ≤ 28 (the scale range).
        Decimal::from_i128_with_scale(self.base_units as i128, u32::from(self.decimals))
    }

    /// Whether the amount is zero.
    pub const fn is_zero(&self) -> bool {
        self.base_units == 0
    }
}

impl fmt::Display for Amount {
    /// Always with the token's decimals ("12.30" for 2 decimals); width and alignment apply.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.to_decimal().to_string())
    }
}

/// Parses with the decimals after a colon, `"12.34:2"`, for command lines and tests.
impl FromStr for Amount {
    type Err = AmountError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (value, decimals) = text
            .rsplit_once(':')
            .ok_or_else(|| AmountError::unparsable(text, "give the decimals after a colon"))?;
        let decimals = decimals.parse().map_err(|_| {
            AmountError::unparsable(text, "the decimals after the colon are not a number")
        })?;
        Self::parse(value, decimals)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn converts_both_ways_exactly() {
        let a = Amount::parse("12.34", 2).unwrap();
        assert_eq!(a.base_units(), U256::from(1234u64));
        assert_eq!(a.to_decimal(), dec("12.34"));
        assert_eq!(
            Amount::parse("1", 18).unwrap().base_units(),
            U256::from(10u128.pow(18))
        );
        let back = Amount::from_base_units(U256::from(1234u64), 2).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.to_string(), "12.34");
    }

    /// The one accepted form, `^(0|[1-9][0-9]*)(\.[0-9]{1,D})?$`, over a table of good and bad texts.
    #[test]
    fn takes_exactly_the_plain_decimal_form() {
        let good = [
            ("0", 0),
            ("0.5", 50),
            ("0.05", 5),
            ("0.00", 0),
            ("1", 100),
            ("10", 1000),
            ("12.3", 1230),
            ("12.34", 1234),
            ("100.00", 10000),
        ];
        for (text, units) in good {
            assert_eq!(
                Amount::parse(text, 2).map(|a| a.base_units()),
                Ok(U256::from(units)),
                "{text}"
            );
        }
        let bad = [
            ("", "it is empty"),
            ("1_0", "only digits and one '.' are allowed"),
            ("1__0", "only digits and one '.' are allowed"),
            ("0_0.5_0", "only digits and one '.' are allowed"),
            ("+1.00", "a sign is not allowed"),
            ("+.5", "a sign is not allowed"),
            ("-+1", "a sign is not allowed"),
            (".5", "it needs a digit before the '.'"),
            ("1.", "it needs a digit after the '.'"),
            (".", "it needs a digit before the '.'"),
            ("01", "leading zeros are not allowed"),
            ("00.5", "leading zeros are not allowed"),
            ("007", "leading zeros are not allowed"),
            (" 1", "spaces are not allowed"),
            ("1 ", "spaces are not allowed"),
            ("1\n", "spaces are not allowed"),
            ("1 000", "spaces are not allowed"),
            ("1,5", "only digits and one '.' are allowed"),
            ("1e3", "only digits and one '.' are allowed"),
            ("0x10", "only digits and one '.' are allowed"),
            ("12.34.5", "it has more than one '.'"),
            ("abc", "only digits and one '.' are allowed"),
            ("１", "only digits and one '.' are allowed"),
            ("NaN", "only digits and one '.' are allowed"),
            ("1\u{0}", "only digits and one '.' are allowed"),
        ];
        for (text, reason) in bad {
            assert_eq!(
                Amount::parse(text, 2),
                Err(AmountError::unparsable(text, reason)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn rejects_negative_amounts() {
        assert_eq!(
            Amount::parse("-0.01", 2),
            Err(AmountError::Negative("-0.01".into()))
        );
        assert_eq!(
            Amount::parse("-0", 2),
            Err(AmountError::Negative("-0".into()))
        );
        assert_eq!(
            Amount::parse("-0.01", 2).unwrap_err().to_string(),
            "amount -0.01 is negative: amounts must be zero or more"
        );
    }

    #[test]
    fn rejects_more_decimals_than_the_token_has() {
        let err = Amount::parse("0.001", 2).unwrap_err();
        assert_eq!(
            err,
            AmountError::TooManyDecimals {
                value: "0.001".into(),
                places: 3,
                decimals: 2
            }
        );
        assert_eq!(
            err.to_string(),
            "amount 0.001 has 3 decimal places; the token has 2"
        );
        assert!(
            matches!(
                Amount::parse("12.300", 2),
                Err(AmountError::TooManyDecimals { places: 3, .. })
            ),
            "trailing zeros beyond the token's decimals are decimals too"
        );
        assert!(Amount::parse("1.5", 0).is_err());
        assert!(Amount::parse("1.0", 0).is_err());
    }

    #[test]
    fn rejects_amounts_above_the_supply_cap() {
        let max = Amount::from_base_units(U256::from(MAX_BASE_UNITS), 2).unwrap();
        assert_eq!(Amount::parse(&max.to_string(), 2).unwrap(), max);
        let above = dec(&max.to_string()) + dec("0.01");
        let err = Amount::parse(&above.to_string(), 2).unwrap_err();
        assert!(matches!(err, AmountError::Overflow { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("above the token's maximum of 792281625142643375935439503.35"),
            "{err}"
        );
        assert!(matches!(
            Amount::from_decimal(above, 2),
            Err(AmountError::Overflow { .. })
        ));
        assert!(matches!(
            Amount::parse(&"9".repeat(200), 2),
            Err(AmountError::Overflow { .. })
        ));
        assert!(Amount::from_base_units(U256::MAX, 2).is_err());
        assert!(Amount::from_base_units(U256::from(MAX_BASE_UNITS) + U256::from(1), 18).is_err());
    }

    #[test]
    fn displays_with_the_tokens_decimals_and_honours_width() {
        assert_eq!(Amount::parse("12.3", 2).unwrap().to_string(), "12.30");
        assert_eq!(Amount::parse("5", 2).unwrap().to_string(), "5.00");
        assert_eq!(
            format!("{:>8}|", Amount::parse("1.5", 2).unwrap()),
            "    1.50|"
        );
    }

    #[test]
    fn parses_value_colon_decimals() {
        assert_eq!(
            "7.5:2".parse::<Amount>().unwrap(),
            Amount::parse("7.5", 2).unwrap()
        );
        assert!("7.5".parse::<Amount>().is_err());
    }

    #[test]
    fn refuses_decimals_a_decimal_cannot_hold() {
        assert_eq!(
            Amount::parse("1", 29),
            Err(AmountError::UnsupportedDecimals(29))
        );
    }

    proptest! {
        /// Every amount the SDK prints parses back to itself.
        #[test]
        fn every_printed_amount_parses_back(units in 0..=MAX_BASE_UNITS, decimals in 0u8..=18) {
            let amount = Amount::from_base_units(U256::from(units), decimals).unwrap();
            prop_assert_eq!(Amount::parse(&amount.to_string(), decimals), Ok(amount));
        }

        /// Stored units and chain base units are one number: U256 → units → amount → units and back.
        #[test]
        fn units_round_trip(units in 0..=MAX_BASE_UNITS, decimals in 0u8..=18) {
            let stored = Amount::units_of(U256::from(units)).unwrap();
            let amount = Amount::from_units(stored, decimals).unwrap();
            prop_assert_eq!(amount.base_units(), U256::from(units));
            prop_assert_eq!(amount.units(), stored);
            prop_assert_eq!(amount.to_decimal() * Decimal::from(10u64.pow(u32::from(decimals))), stored);
        }

        /// Text with anything but digits and one inner '.' never parses.
        #[test]
        fn text_outside_the_form_never_parses(text in "[0-9._+ ,e-]{0,12}") {
            let form = regex_lite_form(&text, 2);
            prop_assert_eq!(Amount::parse(&text, 2).is_ok(), form, "{:?}", text);
        }
    }

    #[test]
    fn stored_units_outside_the_cap_or_not_whole_are_refused() {
        assert!(Amount::units_of(U256::from(MAX_BASE_UNITS) + U256::from(1u8)).is_err());
        assert!(Amount::from_units(Decimal::new(-1, 0), 2).is_err());
        assert!(
            Amount::from_units(Decimal::new(15, 1), 2).is_err(),
            "1.5 base units"
        );
        // A whole number written with a scale is still whole.
        assert_eq!(
            Amount::from_units(Decimal::new(1500, 2), 2)
                .unwrap()
                .to_string(),
            "0.15"
        );
    }

    /// `^(0|[1-9][0-9]*)(\.[0-9]{1,D})?$`, written out for the property test (and within the supply cap,
    /// which 12 characters always are).
    fn regex_lite_form(text: &str, decimals: usize) -> bool {
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        let whole_ok = whole == "0"
            || (!whole.is_empty()
                && !whole.starts_with('0')
                && whole.bytes().all(|b| b.is_ascii_digit()));
        let fraction_ok = fraction.is_none_or(|f| {
            (1..=decimals).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit())
        });
        whole_ok && fraction_ok
    }
}
