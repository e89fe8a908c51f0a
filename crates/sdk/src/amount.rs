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
    Negative(Decimal),
    /// More decimal places than the token has.
    #[error("amount {value} has {places} decimal places; the token has {decimals}")]
    TooManyDecimals {
        /// The amount.
        value: Decimal,
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
    /// Not a decimal number.
    #[error("'{0}' is not a decimal amount (expected e.g. 12.34)")]
    Unparsable(String),
    /// The token's decimals are beyond what a 96-bit decimal can represent exactly.
    #[error("a token with {0} decimals cannot be represented exactly (at most 28)")]
    UnsupportedDecimals(u8),
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
            return Err(AmountError::Negative(value));
        }
        let normalized = value.normalize();
        if normalized.scale() > u32::from(decimals) {
            return Err(AmountError::TooManyDecimals {
                value,
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

    /// Parses a decimal string such as "12.34" for a token with `decimals` decimals.
    pub fn parse(text: &str, decimals: u8) -> Result<Self, AmountError> {
        let value = Decimal::from_str_exact(text.trim())
            .map_err(|_| AmountError::Unparsable(text.to_owned()))?;
        Self::from_decimal(value, decimals)
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
            .ok_or_else(|| AmountError::Unparsable(text.to_owned()))?;
        let decimals = decimals
            .parse()
            .map_err(|_| AmountError::Unparsable(text.to_owned()))?;
        Self::parse(value, decimals)
    }
}

#[cfg(test)]
mod tests {
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
            Amount::parse("12.3", 2).unwrap().base_units(),
            U256::from(1230u64)
        );
        assert_eq!(
            Amount::parse("12", 2).unwrap().base_units(),
            U256::from(1200u64)
        );
        assert_eq!(
            Amount::parse("12.300", 2).unwrap().base_units(),
            U256::from(1230u64),
            "trailing zeros are fine"
        );
        assert_eq!(
            Amount::parse("1", 18).unwrap().base_units(),
            U256::from(10u128.pow(18))
        );
        let back = Amount::from_base_units(U256::from(1234u64), 2).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.to_string(), "12.34");
    }

    #[test]
    fn rejects_negative_amounts() {
        assert_eq!(
            Amount::parse("-0.01", 2),
            Err(AmountError::Negative(dec("-0.01")))
        );
        assert!(
            Amount::parse("-0", 2).unwrap().is_zero(),
            "negative zero is zero"
        );
    }

    #[test]
    fn rejects_more_decimals_than_the_token_has() {
        let err = Amount::parse("0.001", 2).unwrap_err();
        assert_eq!(
            err,
            AmountError::TooManyDecimals {
                value: dec("0.001"),
                places: 3,
                decimals: 2
            }
        );
        assert_eq!(
            err.to_string(),
            "amount 0.001 has 3 decimal places; the token has 2"
        );
        assert!(Amount::parse("1.5", 0).is_err());
    }

    #[test]
    fn rejects_amounts_above_the_supply_cap() {
        let max = Amount::from_base_units(U256::from(MAX_BASE_UNITS), 2).unwrap();
        assert_eq!(Amount::parse(&max.to_string(), 2).unwrap(), max);
        let above = dec(&max.to_string()) + dec("0.01");
        let err = Amount::from_decimal(above, 2).unwrap_err();
        assert!(matches!(err, AmountError::Overflow { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("above the token's maximum of 792281625142643375935439503.35"),
            "{err}"
        );
        assert!(matches!(
            Amount::parse("79228162514264337593543950335", 2),
            Err(AmountError::Overflow { .. })
        ));
        assert!(Amount::from_base_units(U256::MAX, 2).is_err());
        assert!(Amount::from_base_units(U256::from(MAX_BASE_UNITS) + U256::from(1), 18).is_err());
    }

    #[test]
    fn rejects_text_that_is_not_a_number() {
        for text in ["", "abc", "1,5", "1e3", "0x10", "12.34.5"] {
            assert_eq!(
                Amount::parse(text, 2),
                Err(AmountError::Unparsable(text.to_owned())),
                "{text}"
            );
        }
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
}
