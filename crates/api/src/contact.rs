//! How a user is reached: a mobile phone in E.164 and an email address, as their schemas say. Every error
//! names the field.

use crate::{Problem, answers::text::text_schema};

/// E.164: `+`, a country code that does not start with 0, 8 to 15 digits in all.
pub(crate) const PHONE_PATTERN: &str = r"^\+[1-9][0-9]{7,14}$";

/// An email address as the API takes it: text, one `@`, a dot in the domain.
pub(crate) const EMAIL_PATTERN: &str = r"^[^@\s]+@[^@\s]+\.[^@\s]+$";

/// The longest email address (RFC 5321's path limit less its brackets).
pub(crate) const MAX_EMAIL: usize = 254;

text_schema!(
    /// Schema of a mobile phone.
    pub(crate) MobilePhone,
    Some(PHONE_PATTERN),
    None,
    Some(16),
    "A mobile phone in E.164: '+', the country code and the number, 8 to 15 digits, no spaces.",
    "+34600123456"
);
text_schema!(
    /// Schema of an email address.
    pub(crate) Email,
    Some(EMAIL_PATTERN),
    Some(utoipa::openapi::KnownFormat::Email),
    Some(MAX_EMAIL),
    "An email address: one '@', a domain with a dot, no spaces, at most 254 characters.",
    "ana@example.com"
);

/// A mobile phone in E.164 (`+34600123456`), exactly: no spaces, no other signs.
pub(crate) fn phone(field: &str, text: &str) -> Result<String, Problem> {
    let digits = text.strip_prefix('+').unwrap_or_default();
    let ok = (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Problem::bad(
            field,
            format!(
                "'{text}' is not a phone number in E.164: '+', the country code and the number, 8 to 15 digits without spaces (e.g. +34600123456)"
            ),
        ))
    }
}

/// An email address, pragmatically: at most [`MAX_EMAIL`] characters, exactly one `@` with text
/// before it, a domain of dot-separated labels (at least two, none empty), no white space or control
/// characters. Whether it receives mail is not checked.
pub(crate) fn email(field: &str, text: &str) -> Result<String, Problem> {
    let bad = |why: &str| {
        Problem::bad(
            field,
            format!("'{text}' is not an email address: {why} (e.g. ana@example.com)"),
        )
    };
    let count = text.chars().count();
    if count > MAX_EMAIL {
        return Err(Problem::bad(
            field,
            format!("at most {MAX_EMAIL} characters, got {count}"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\u{feff}')
    {
        return Err(bad("no spaces or control characters"));
    }
    let Some((local, domain)) = text.split_once('@') else {
        return Err(bad("it has no '@'"));
    };
    if domain.contains('@') {
        return Err(bad("it has more than one '@'"));
    }
    if local.is_empty() {
        return Err(bad("nothing before the '@'"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return Err(bad("the domain after the '@' needs a dot between names"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            phone("mobilePhone", "+34600123456").unwrap(),
            "+34600123456"
        );
        assert!(phone("mobilePhone", "+12345678").is_ok());
        assert!(phone("mobilePhone", "+123456789012345").is_ok());
        for bad in [
            "34600123456",
            "+34 600 123 456",
            "+1234567",
            "+1234567890123456",
            "+04600123456",
            "+34-600123456",
            "",
            "+",
        ] {
            let detail = phone("mobilePhone", bad).unwrap_err().detail;
            assert!(detail.starts_with("mobilePhone: '"), "{bad}: {detail}");
        }
    }

    #[test]
    fn emails() {
        assert!(email("email", "ana@example.com").is_ok());
        assert!(email("email", "ana.garcia+iban@mail.example.es").is_ok());
        for bad in [
            "ana",
            "ana@example",
            "@example.com",
            "ana@@example.com",
            "ana@exa@mple.com",
            "ana @example.com",
            "ana@example..com",
            "ana@.example.com",
            "ana@example.com.",
            "ana@example.com\n",
            "",
        ] {
            let detail = email("email", bad).unwrap_err().detail;
            assert!(detail.starts_with("email: "), "{bad}: {detail}");
        }
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL));
        assert!(
            email("email", &long)
                .unwrap_err()
                .detail
                .contains("at most 254")
        );
    }
}
