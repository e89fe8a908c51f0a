//! How values read from the index are spelled for people and scripts: addresses and hashes as
//! 0x-lowercase hex, times in RFC 3339 (UTC), amounts as exact decimals in the token's decimals.

use chrono::{DateTime, SecondsFormat, Utc};
use emtoken_sdk::Amount;
use rust_decimal::Decimal;

/// Bytes as `0x` and lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

/// A 0x-hex hash shortened for tables: `0x` + its first 8 and last 4 hex digits.
pub(crate) fn short(hex: &str) -> String {
    match hex.len() {
        0..=16 => hex.to_owned(),
        n => format!("{}…{}", &hex[..10], &hex[n - 4..]),
    }
}

/// A time in RFC 3339, UTC, e.g. `2025-03-01T12:00:05Z`.
pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Base units as the token's exact decimal amount, e.g. 1250 units with 2 decimals: `12.50` (a stored
/// amount outside the token's range, which the schema and the indexer never write, shows as its units).
pub(crate) fn amount(units: Decimal, decimals: u32) -> String {
    u8::try_from(decimals)
        .ok()
        .and_then(|d| Amount::from_units(units, d).ok())
        .map_or_else(|| units.to_string(), |a| a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(hex(&[0xAB, 0x01]), "0xab01");
        assert_eq!(short(&hex(&[0x11; 32])), "0x11111111…1111");
        assert_eq!(amount(Decimal::from(1250), 2), "12.50");
        assert_eq!(amount(Decimal::from(0), 2), "0.00");
        assert_eq!(amount(Decimal::from(7), 0), "7");
        let at = DateTime::from_timestamp(1_740_830_405, 0).unwrap();
        assert_eq!(time(at), "2025-03-01T12:00:05Z");
    }
}
