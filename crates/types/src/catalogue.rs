//! The administrator's catalogue words: currency codes (ISO 4217's form) and bank identifier codes (ISO
//! 9362, the SWIFT code) with their country. Each parses strictly and says what was wrong, so the API
//! and the CLI refuse the same input with the same words.

use std::fmt;

/// A currency's code: three capital letters (ISO 4217's form). The platform counts any unit, real
/// currency or not, so a code is not checked against ISO's list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode(String);

impl CurrencyCode {
    /// Parses a code: exactly three ASCII capital letters.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "{text:?} is not a currency code: three capital letters (ISO 4217), e.g. EUR"
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bank identifier code (ISO 9362, the SWIFT code): 4 letters (the bank), 2 letters (its country),
/// 2 letters or digits (the location), and optionally 3 more (the branch). An 8-character code and the
/// same code with branch `XXX` name the same office.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bic(String);

impl Bic {
    /// Parses a code, in capitals.
    pub fn parse(text: &str) -> Result<Self, String> {
        let b = text.as_bytes();
        let letters = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_uppercase);
        let alnum = |r: std::ops::Range<usize>| {
            b[r].iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        let ok = (b.len() == 8 || b.len() == 11)
            && letters(0..4)
            && letters(4..6)
            && alnum(6..8)
            && (b.len() == 8 || alnum(8..11));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "{text:?} is not a BIC: 8 or 11 capitals and digits (ISO 9362) — 4 letters for the bank, \
                 2 for its country, 2 letters or digits for the location, optionally 3 for the branch, \
                 e.g. DEUTDEFF or DEUTDEFF500"
            ))
        }
    }

    /// The code as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country letters (ISO 3166-1 alpha-2).
    pub fn country(&self) -> &str {
        &self.0[4..6]
    }
}

impl fmt::Display for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A country code: two capital letters (ISO 3166-1 alpha-2's form).
pub fn country(text: &str) -> Result<&str, String> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(text)
    } else {
        Err(format!(
            "{text:?} is not a country code: two capital letters (ISO 3166-1 alpha-2), e.g. DE"
        ))
    }
}

/// Checks a country code against a BIC's country letters.
pub fn bank_country(country: &str, bic: &Bic) -> Result<String, String> {
    let country = self::country(country)?;
    if country != bic.country() {
        return Err(format!(
            "{country} is not the country of BIC {bic}, whose country letters are {}",
            bic.country()
        ));
    }
    Ok(country.to_owned())
}

/// The most decimals a currency's tokens may have.
pub const MAX_DECIMALS: u8 = 18;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_capitals() {
        assert_eq!(CurrencyCode::parse("EUR").unwrap().as_str(), "EUR");
        for bad in ["eur", "EU", "EURO", "E1R", "", "ÉUR", "EU "] {
            assert!(CurrencyCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bics_are_iso_9362_and_carry_their_country() {
        let bic = Bic::parse("DEUTDEFF500").unwrap();
        assert_eq!(bic.country(), "DE");
        assert!(Bic::parse("BSCHESMM").is_ok());
        for bad in [
            "DEUTDEF",
            "DEUTDEFF50",
            "deutdeff",
            "DEU1DEFF",
            "DEUTD3FF",
            "DEUTDEFF50!",
            "DEUTDEFF5000",
        ] {
            assert!(Bic::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(bank_country("DE", &bic).unwrap(), "DE");
        assert!(
            bank_country("FR", &bic)
                .unwrap_err()
                .contains("country letters are DE")
        );
        assert!(bank_country("de", &bic).is_err());
    }
}
