//! Checking what callers send: ids, amounts, addresses, dates, concepts. Every error names the field.

use alloy::primitives::Address;
use chrono::{DateTime, FixedOffset, Utc};
use emtoken_sdk::Amount;
use uuid::Uuid;

use crate::Problem;

/// Longest concept kept.
pub(crate) const MAX_CONCEPT: usize = 500;

/// A UUID (path or body).
pub(crate) fn uuid(field: &str, text: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(text.trim()).map_err(|_| Problem::bad(field, format!("'{text}' is not a UUID")))
}

/// A positive token amount in decimal text ("1.50"), in exactly the form [`Amount::parse`] takes
/// (digits, at most one '.', no sign, no leading zeros, no spaces or separators): too many decimals,
/// zero or above the token's maximum are refused.
pub(crate) fn amount(field: &str, text: &str, decimals: u8) -> Result<Amount, Problem> {
    let amount = Amount::parse(text, decimals).map_err(|e| Problem::bad(field, e))?;
    if amount.base_units().is_zero() {
        return Err(Problem::bad(field, "must be more than 0"));
    }
    Ok(amount)
}

/// Free text a caller gives (concepts, reasons): at most `max` characters, and no character the
/// database cannot keep (NUL) or that is no text (other control characters but tab and line breaks).
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<(), Problem> {
    let count = value.chars().count();
    if count > max {
        return Err(Problem::bad(
            field,
            format!("at most {max} characters, got {count}"),
        ));
    }
    if let Some((at, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(Problem::bad(
            field,
            format!(
                "character {} is the control character U+{:04X}: control characters other than tab and line breaks are not allowed",
                at + 1,
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// An address: 0x + 40 hex digits; a mixed-case one must carry a valid EIP-55 checksum.
pub(crate) fn address(field: &str, text: &str) -> Result<Address, Problem> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Problem::bad(
            field,
            format!("'{text}' is not an address (0x followed by 40 hex digits)"),
        ));
    }
    let mixed =
        hex.chars().any(|c| c.is_ascii_uppercase()) && hex.chars().any(|c| c.is_ascii_lowercase());
    if mixed {
        Address::parse_checksummed(t, None).map_err(|_| {
            Problem::bad(
                field,
                format!("'{text}' has a wrong EIP-55 checksum: check the address"),
            )
        })
    } else {
        t.parse()
            .map_err(|_| Problem::bad(field, format!("'{text}' is not an address")))
    }
}

/// A date with a time zone, e.g. "2030-02-06T10:04:45+02" or RFC 3339; it must be in the future.
pub(crate) fn future_date(field: &str, text: &str) -> Result<DateTime<Utc>, Problem> {
    let t = text.trim();
    let parsed: Option<DateTime<FixedOffset>> = DateTime::parse_from_rfc3339(t)
        .ok()
        .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%#z").ok())
        .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%#z").ok());
    let date = parsed.map(|d| d.with_timezone(&Utc)).ok_or_else(|| {
        Problem::bad(
            field,
            format!("'{text}' is not a date with a time zone (e.g. 2030-02-06T10:04:45+02)"),
        )
    })?;
    if date <= Utc::now() {
        return Err(Problem::bad(field, format!("{text} is not in the future")));
    }
    Ok(date)
}

/// A filter date: "2020-02-28 12:00:00" (UTC), "2020-02-28" or RFC 3339.
pub(crate) fn filter_date(field: &str, text: &str) -> Result<DateTime<Utc>, Problem> {
    let t = text.trim();
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|d| d.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        })
        .ok_or_else(|| {
            Problem::bad(
                field,
                format!("'{text}' is not a date: use e.g. 2020-02-28 12:00:00 (UTC) or RFC 3339"),
            )
        })
}

/// An optional concept: text of at most [`MAX_CONCEPT`] characters.
pub(crate) fn concept(text: Option<String>) -> Result<Option<String>, Problem> {
    if let Some(c) = &text {
        self::text("concept", c, MAX_CONCEPT)?;
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(amount("amount", "1.50", 2).unwrap().to_string(), "1.50");
        assert!(
            amount("amount", "1.234", 2)
                .unwrap_err()
                .detail
                .starts_with("amount: amount 1.234 has 3 decimal")
        );
        assert!(
            amount("amount", "-1", 2)
                .unwrap_err()
                .detail
                .contains("negative")
        );
        assert!(
            amount("amount", "0", 2)
                .unwrap_err()
                .detail
                .contains("more than 0")
        );
        let huge = "1".repeat(80);
        assert!(
            amount("amount", &huge, 2)
                .unwrap_err()
                .detail
                .contains("above the token's maximum")
        );
        assert!(amount("amount", "abc", 2).is_err());
        for bad in [
            "1_0", "1__0", "0_0.5_0", "+1.00", "+.5", " 1", "1.", ".5", "01",
        ] {
            let detail = amount("amount", bad, 2).unwrap_err().detail;
            assert!(detail.starts_with("amount: '"), "{bad}: {detail}");
        }
    }

    #[test]
    fn texts() {
        assert_eq!(
            concept(Some("Rent\tJune\n".into())).unwrap().unwrap(),
            "Rent\tJune\n"
        );
        let detail = concept(Some("a\u{0}b".into())).unwrap_err().detail;
        assert!(
            detail.starts_with("concept: character 2 is the control character U+0000"),
            "{detail}"
        );
        assert!(concept(Some("\u{1b}[31m".into())).is_err());
        assert!(concept(Some("\u{85}".into())).is_err());
        assert!(concept(Some("é".repeat(MAX_CONCEPT))).is_ok());
        assert!(concept(Some("é".repeat(MAX_CONCEPT + 1))).is_err());
        assert!(text("reason", "ok", 200).is_ok());
    }

    #[test]
    fn addresses() {
        assert!(address("dltAddress", "0x485De9F4580eDEDB5b16a84028e4Bac64434c36D").is_ok());
        assert!(address("dltAddress", "0x485de9f4580ededb5b16a84028e4bac64434c36d").is_ok());
        assert!(
            address("dltAddress", "0x485De9F4580eDEDB5b16a84028e4Bac64434c36d")
                .unwrap_err()
                .detail
                .contains("checksum")
        );
        assert!(address("dltAddress", "0x1234").is_err());
        assert!(address("dltAddress", "485de9f4580ededb5b16a84028e4bac64434c36d").is_err());
    }

    #[test]
    fn dates() {
        assert!(future_date("expiration", "2999-02-06T10:04:45+02").is_ok());
        assert!(future_date("expiration", "2999-02-06T10:04:45Z").is_ok());
        assert!(
            future_date("expiration", "2020-02-06T10:04:45+02")
                .unwrap_err()
                .detail
                .contains("not in the future")
        );
        assert!(future_date("expiration", "tomorrow").is_err());
        assert_eq!(
            filter_date("startDate", "2020-02-28 12:00:00")
                .unwrap()
                .to_rfc3339(),
            "2020-02-28T12:00:00+00:00"
        );
        assert!(filter_date("startDate", "28/02/2020").is_err());
    }
}
