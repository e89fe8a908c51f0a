//! Checking what callers send: ids, amounts, addresses, dates, concepts. Every error names the field.

use alloy::primitives::Address;
use chrono::{DateTime, FixedOffset, Utc};
use emtoken_sdk::Amount;
use uuid::Uuid;

use crate::{Problem, answers::text::text_schema};

/// Longest concept kept.
pub(crate) const MAX_CONCEPT: usize = 500;

/// Free text without control characters other than tab and line breaks (see [`text`]).
const TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// One line of text with at least one character that is not white space: no control characters at all
/// (see [`line`]).
pub(crate) const LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
/// The same, with at least one character that is not white space.
const NONBLANK: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

text_schema!(
    /// Schema of an amount a request gives; its pattern is set for the token's decimals when the
    /// document is served ([`amount_pattern`]).
    pub(crate) RequestAmount,
    None,
    None,
    None,
    "A positive amount, an exact decimal string: digits, at most one '.', no sign, no leading zeros, at most the token's decimals.",
    "1.50"
);
text_schema!(
    /// Schema of a concept.
    pub(crate) Concept,
    Some(TEXT),
    None,
    Some(MAX_CONCEPT),
    "Purpose: at most 500 characters, no control characters but tab and line breaks.",
    "Rent June"
);
text_schema!(
    /// Schema of a KYC level's evidence.
    pub(crate) Evidence,
    Some(LINE),
    None,
    Some(200),
    "What the level rests on: the compliance side's reference of its file (case id, what was checked), one line of 1 to 200 characters, not only spaces, no control characters.",
    "KYC-2026-000123: passport and proof of address checked"
);
text_schema!(
    /// Schema of a payout's rejection reason.
    pub(crate) Reason,
    Some(NONBLANK),
    None,
    Some(200),
    "Why: 1 to 200 characters (not only white space), no control characters but tab and line breaks.",
    "account closed"
);
text_schema!(
    /// Schema of a bank's payment reference.
    pub(crate) PaymentReference,
    Some(NONBLANK),
    None,
    Some(140),
    "The bank's reference of the transfer: 1 to 140 characters (not only white space), no control characters but tab and line breaks.",
    "E2E-2026-03-01-0001"
);
text_schema!(
    /// Schema of a top-up's reference.
    pub(crate) TransferReference,
    Some(LINE),
    None,
    Some(140),
    "The payer's reference of the bank transfer (what the statement shows): one line of 1 to 140 characters, not only spaces, no control characters.",
    "INV-2026-001"
);
text_schema!(
    /// Schema of who reviewed a case.
    pub(crate) Reviewer,
    Some(LINE),
    None,
    Some(100),
    "Who reviewed the case the AML screening asked to review: one line of 1 to 100 characters, not only spaces, no control characters.",
    "A. Compliance"
);
text_schema!(
    /// Schema of an IBAN a request gives.
    pub(crate) IbanText,
    Some("^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
    None,
    Some(34),
    "An IBAN in electronic form (country, check digits, account); its checksum is checked (400).",
    "ES9121000418450200051332"
);
text_schema!(
    /// Schema of an expiration.
    pub(crate) Expiration,
    None,
    Some(utoipa::openapi::KnownFormat::DateTime),
    None,
    "A time with a time zone (RFC 3339, or e.g. 2030-02-06T10:04:45+02); it must be in the future (400).",
    "2030-02-06T10:04:45+02:00"
);

/// The pattern of a positive amount with at most `decimals` decimals, as [`amount`] takes it (up to 60
/// integer digits: far below the token's maximum for any decimals it can have).
pub(crate) fn amount_pattern(decimals: u8) -> String {
    let d = usize::from(decimals);
    let mut options = vec![if d == 0 {
        "[1-9][0-9]{0,59}".to_owned()
    } else {
        format!("[1-9][0-9]{{0,59}}(\\.[0-9]{{1,{d}}})?")
    }];
    // 0.x: some digit after the point is not 0.
    for zeros in 0..d {
        options.push(format!("0\\.0{{{zeros}}}[1-9][0-9]{{0,{}}}", d - zeros - 1));
    }
    format!("^({})$", options.join("|"))
}

/// A level (0–255) in a body, as JSON Schema's `integer` has it: also with a zero fraction (`3.0`, `1e2`).
pub(crate) fn level<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    use serde::{Deserialize, de::Error};
    let n = serde_json::Number::deserialize(d)?;
    n.as_u64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=255.0).contains(f))
                .map(|f| f as u64)
        })
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number from 0 to 255")))
}

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

/// One line of text a caller gives (names, a street): at most `max` characters, no control characters,
/// not only white space; kept without the white space around it.
pub(crate) fn line(field: &str, value: &str, max: usize) -> Result<String, Problem> {
    if let Some((at, c)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(Problem::bad(
            field,
            format!(
                "character {} is the control character U+{:04X}: one line of text, without control characters",
                at + 1,
                u32::from(c)
            ),
        ));
    }
    text(field, value, max)?;
    let kept = value.trim();
    if kept.is_empty() {
        return Err(Problem::bad(
            field,
            format!("must be 1 to {max} characters, not only spaces"),
        ));
    }
    Ok(kept.to_owned())
}

/// An address a browser is sent to (a payment page's `successUrl`, `rejectUrl`): absolute, http or
/// https, with a host, without user or password, at most 2,000 characters. Its normal form.
pub(crate) fn web_address(field: &str, text: &str) -> Result<url::Url, Problem> {
    const MAX: usize = 2000;
    if text.len() > MAX {
        return Err(Problem::bad(
            field,
            format!("at most {MAX} characters, got {}", text.len()),
        ));
    }
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Problem::bad(
            field,
            "an address has no spaces or control characters",
        ));
    }
    let url = url::Url::parse(text).map_err(|error| {
        Problem::bad(
            field,
            format!("not an absolute http or https address ({error})"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Problem::bad(
            field,
            format!("scheme {:?}: only http and https addresses", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Problem::bad(field, "the address has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Problem::bad(
            field,
            "the address carries a user or password: not allowed",
        ));
    }
    Ok(url)
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
    let date = zoned_date(field, text)?.with_timezone(&Utc);
    if date <= Utc::now() {
        return Err(Problem::bad(field, format!("{text} is not in the future")));
    }
    Ok(date)
}

/// A date with a time zone, kept in it: RFC 3339 or the guide's forms ("2030-02-06T10:04:45+02",
/// "2030-02-06T10:04:45.000+0000").
pub(crate) fn zoned_date(field: &str, text: &str) -> Result<DateTime<FixedOffset>, Problem> {
    let t = text.trim();
    DateTime::parse_from_rfc3339(t)
        .ok()
        .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%#z").ok())
        .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f%#z").ok())
        .ok_or_else(|| {
            Problem::bad(
                field,
                format!("'{text}' is not a date with a time zone (e.g. 2030-02-06T10:04:45+02)"),
            )
        })
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
    fn the_amount_pattern_is_what_amount_takes() {
        assert_eq!(
            amount_pattern(2),
            r"^([1-9][0-9]{0,59}(\.[0-9]{1,2})?|0\.0{0}[1-9][0-9]{0,1}|0\.0{1}[1-9][0-9]{0,0})$"
        );
        assert_eq!(amount_pattern(0), "^([1-9][0-9]{0,59})$");
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
        assert_eq!(line("name", "  Ana María ", 100).unwrap(), "Ana María");
        assert!(line("name", "Ana\nMaría", 100).is_err());
        assert!(line("name", "Ana\tMaría", 100).is_err());
        assert!(
            line("name", " \u{a0} ", 100)
                .unwrap_err()
                .detail
                .contains("not only spaces")
        );
        assert!(line("name", &"é".repeat(101), 100).is_err());
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
