//! The checks of a decrypted card, each a 400 naming its field (`card.number: …`); the messages never
//! repeat what the card holds.
//!
//! - `card.brand` (sent in the clear): `VISA` or `MCAR` (Mastercard), as written.
//! - `card.number`: digits; spaces (as printed on cards) are dropped, nothing else is allowed. A VISA
//!   number starts with 4 and has 13, 16 or 19 digits; a Mastercard one starts with 51–55 or 2221–2720
//!   and has 16. The last digit is the Luhn check digit.
//! - `card.expiration`: MMYY (20YY), month 01–12, not before the current month (UTC, the API's clock):
//!   a card is good through the last day of its month.
//! - `card.cvv`: 3 or 4 digits.
//! - `card.owner`: one line of 1 to 100 characters, without control characters, not only spaces (kept
//!   without the spaces around it).

use chrono::{DateTime, Datelike, Utc};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::CardData;
use crate::{Problem, fields};

/// A card brand, as the guide names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Brand {
    /// `VISA`.
    Visa,
    /// `MCAR`: Mastercard.
    Mastercard,
}

impl Brand {
    /// The brand of `text` (`VISA` or `MCAR`), a 400 on `card.brand` otherwise.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        match text {
            "VISA" => Ok(Self::Visa),
            "MCAR" => Ok(Self::Mastercard),
            _ => Err(Problem::bad(
                "card.brand",
                "must be VISA or MCAR (Mastercard)",
            )),
        }
    }

    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visa => "VISA",
            Self::Mastercard => "MCAR",
        }
    }

    /// The brand whose numbers look like `digits` (by prefix and length), if any.
    pub fn of_number(digits: &str) -> Option<Self> {
        [Self::Visa, Self::Mastercard]
            .into_iter()
            .find(|brand| brand.fits(digits))
    }

    /// Whether `digits` (a card number, digits only) has this brand's length and prefix.
    fn fits(self, digits: &str) -> bool {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        match self {
            Self::Visa => digits.starts_with('4') && matches!(digits.len(), 13 | 16 | 19),
            Self::Mastercard => {
                digits.len() == 16
                    && (prefix(2).is_some_and(|p| (51..=55).contains(&p))
                        || prefix(4).is_some_and(|p| (2221..=2720).contains(&p)))
            }
        }
    }

    /// What its numbers look like, for errors.
    fn shape(self) -> &'static str {
        match self {
            Self::Visa => "VISA numbers start with 4 and have 13, 16 or 19 digits",
            Self::Mastercard => {
                "MCAR numbers start with 51 to 55 or 2221 to 2720 and have 16 digits"
            }
        }
    }
}

impl std::fmt::Display for Brand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What only the acquirer may see: zeroized when dropped, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
struct Secret {
    number: String,
    cvv: String,
    owner: String,
}

/// A card whose fields passed the checks. In the clear it keeps what may be kept (brand, last four
/// digits, expiry); the full number, the CVV and the owner's name are there to be passed to the acquirer
/// and are zeroized when the card is dropped. `Debug` shows only what may be kept.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedCard {
    /// The brand.
    pub brand: Brand,
    /// The number's last four digits.
    pub last_four: String,
    /// The expiry month, 1–12.
    pub expiry_month: u32,
    /// The expiry year (e.g. 2028).
    pub expiry_year: i32,
    secret: Secret,
}

impl std::fmt::Debug for CheckedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedCard")
            .field("brand", &self.brand)
            .field("last_four", &self.last_four)
            .field("expiry_month", &self.expiry_month)
            .field("expiry_year", &self.expiry_year)
            .finish_non_exhaustive()
    }
}

impl CheckedCard {
    /// Checks `card` of brand `brand` (the request's clear text) at `now` (the API's clock); see the
    /// module's documentation. The first problem found is the answer.
    pub fn check(brand: &str, card: CardData, now: DateTime<Utc>) -> Result<Self, Problem> {
        let brand = Brand::parse(brand)?;
        let number = number(brand, card.number())?;
        let (expiry_month, expiry_year) = expiration(card.expiration(), now)?;
        let cvv = card.cvv();
        if !(matches!(cvv.len(), 3 | 4) && cvv.bytes().all(|b| b.is_ascii_digit())) {
            return Err(Problem::bad("card.cvv", "must be 3 or 4 digits"));
        }
        let owner = fields::line("card.owner", card.owner(), 100)?;
        let last_four = number[number.len() - 4..].to_owned();
        Ok(Self {
            brand,
            last_four,
            expiry_month,
            expiry_year,
            secret: Secret {
                number,
                cvv: cvv.to_owned(),
                owner,
            },
        })
    }

    /// The full number (digits only), for the acquirer.
    pub fn number(&self) -> &str {
        &self.secret.number
    }

    /// The CVV, for the acquirer.
    pub fn cvv(&self) -> &str {
        &self.secret.cvv
    }

    /// The owner's name, for the acquirer.
    pub fn owner(&self) -> &str {
        &self.secret.owner
    }

    /// The expiry as MMYY, for the acquirer.
    pub fn expiration(&self) -> String {
        format!("{:02}{:02}", self.expiry_month, self.expiry_year % 100)
    }
}

/// The number's digits (spaces dropped), if they fit `brand` and the Luhn check.
fn number(brand: Brand, text: &str) -> Result<String, Problem> {
    let mut digits: String = text.chars().filter(|c| *c != ' ').collect();
    let problem = if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        Some("must be the card's digits (spaces are allowed and dropped)".to_owned())
    } else if !brand.fits(&digits) {
        Some(format!("is not a {brand} number: {}", brand.shape()))
    } else if !luhn(&digits) {
        Some("the check digit is wrong (Luhn): check the number".to_owned())
    } else {
        None
    };
    match problem {
        Some(problem) => {
            digits.zeroize();
            Err(Problem::bad("card.number", problem))
        }
        None => Ok(digits),
    }
}

/// Whether the last digit of `digits` (ASCII digits only) is their Luhn check digit.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Month and year of an MMYY expiry not before the month of `now`.
fn expiration(text: &str, now: DateTime<Utc>) -> Result<(u32, i32), Problem> {
    let field = "card.expiration";
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::bad(field, "must be MMYY: 4 digits, e.g. 0928"));
    }
    let month: u32 = text[..2].parse().unwrap_or_default();
    let year = 2000 + text[2..].parse::<i32>().unwrap_or_default();
    if !(1..=12).contains(&month) {
        return Err(Problem::bad(
            field,
            "the month (MM of MMYY) must be 01 to 12",
        ));
    }
    if (year, month) < (now.year(), now.month()) {
        return Err(Problem::bad(
            field,
            "the card has expired: use a card valid this month or later",
        ));
    }
    Ok((month, year))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    /// `prefix` followed by its Luhn check digit.
    fn with_check(prefix: &str) -> String {
        (0..10)
            .map(|d| format!("{prefix}{d}"))
            .find(|n| luhn(n))
            .unwrap()
    }

    fn card(number: &str, expiration: &str, cvv: &str, owner: &str) -> CardData {
        CardData::new(owner, number, expiration, cvv)
    }

    fn check(brand: &str, number: &str) -> Result<CheckedCard, Problem> {
        CheckedCard::check(
            brand,
            card(number, "1230", "123", "Ana García"),
            at(2026, 3, 15, 12, 0, 0),
        )
    }

    fn detail(result: Result<CheckedCard, Problem>) -> String {
        let problem = result.unwrap_err();
        assert_eq!(problem.status, axum::http::StatusCode::BAD_REQUEST);
        problem.detail
    }

    #[test]
    fn luhn_accepts_test_numbers_and_refuses_a_changed_digit() {
        for good in [
            "4111111111111111",
            "4012888888881881",
            "5555555555554444",
            "2223000048400011",
            "4222222222222",
            "79927398713",
        ] {
            assert!(luhn(good), "{good}");
        }
        for bad in ["4111111111111112", "5555555555554443", "79927398710"] {
            assert!(!luhn(bad), "{bad}");
        }
    }

    #[test]
    fn visa_numbers_start_with_4_and_have_13_16_or_19_digits() {
        for good in [
            "4111111111111111".to_owned(),
            "4222222222222".to_owned(),
            with_check("411111111111111111"),
            "4111 1111 1111 1111".to_owned(),
        ] {
            let checked = check("VISA", &good).unwrap_or_else(|p| panic!("{good}: {p:?}"));
            assert_eq!(checked.number(), good.replace(' ', ""));
            assert_eq!(
                checked.last_four,
                good.replace(' ', "")[good.replace(' ', "").len() - 4..]
            );
        }
        for bad in [
            with_check("41111111111"),         // 12 digits
            with_check("41111111111111"),      // 15 digits
            with_check("4111111111111111111"), // 20 digits
            with_check("511111111111111"),     // 16 digits, not a 4
        ] {
            let detail = detail(check("VISA", &bad));
            assert!(
                detail.starts_with("card.number: is not a VISA number"),
                "{bad}: {detail}"
            );
            assert!(!detail.contains(&bad), "the number leaks: {detail}");
        }
    }

    #[test]
    fn mastercard_numbers_start_with_51_to_55_or_2221_to_2720_and_have_16_digits() {
        for prefix in ["51", "55", "2221", "2720", "2500"] {
            let number = with_check(&format!("{prefix:0<15}"));
            check("MCAR", &number).unwrap_or_else(|p| panic!("{number}: {p:?}"));
        }
        for prefix in ["50", "56", "2220", "2721", "4111"] {
            let number = with_check(&format!("{prefix:0<15}"));
            let detail = detail(check("MCAR", &number));
            assert!(
                detail.starts_with("card.number: is not a MCAR number"),
                "{number}: {detail}"
            );
        }
        let short = with_check("55555555555544");
        assert!(detail(check("MCAR", &short)).contains("16 digits"));
    }

    #[test]
    fn a_number_must_be_digits_with_a_right_check_digit() {
        for bad in [
            "",
            "   ",
            "4111-1111-1111-1111",
            "4111x11111111111",
            "٤١١١١١١١١١١١١١١١",
        ] {
            let detail = detail(check("VISA", bad));
            assert!(
                detail.starts_with("card.number: must be the card's digits"),
                "{bad:?}: {detail}"
            );
        }
        let detail = detail(check("VISA", "4111111111111112"));
        assert_eq!(
            detail,
            "card.number: the check digit is wrong (Luhn): check the number"
        );
    }

    #[test]
    fn the_brand_is_visa_or_mcar_as_written() {
        for bad in ["visa", "Visa", "MASTERCARD", "AMEX", ""] {
            assert_eq!(
                detail(check(bad, "4111111111111111")),
                "card.brand: must be VISA or MCAR (Mastercard)"
            );
        }
        assert_eq!(Brand::parse("MCAR").unwrap(), Brand::Mastercard);
        assert_eq!(Brand::Visa.to_string(), "VISA");
    }

    #[test]
    fn a_card_is_good_through_its_month_by_the_clock_in_utc() {
        let expiry = |text: &str, now| expiration(text, now).map_err(|p| p.detail);
        // The last second of March: a card of 03/26 is good, one of 02/26 is not.
        let march = at(2026, 3, 31, 23, 59, 59);
        assert_eq!(expiry("0326", march), Ok((3, 2026)));
        assert!(
            expiry("0226", march)
                .unwrap_err()
                .contains("the card has expired")
        );
        assert_eq!(expiry("1299", march), Ok((12, 2099)));
        // The first second of April: 03/26 has expired.
        let april = at(2026, 4, 1, 0, 0, 0);
        assert!(
            expiry("0326", april)
                .unwrap_err()
                .contains("the card has expired")
        );
        assert_eq!(expiry("0426", april), Ok((4, 2026)));
        // Across the new year.
        let december = at(2026, 12, 31, 23, 59, 59);
        assert_eq!(expiry("1226", december), Ok((12, 2026)));
        assert_eq!(expiry("0127", december), Ok((1, 2027)));
        let january = at(2027, 1, 1, 0, 0, 0);
        assert!(expiry("1226", january).is_err());
        assert_eq!(expiry("0127", january), Ok((1, 2027)));
        for bad in ["326", "03/26", "032026", "03 6", "", "ab26"] {
            assert_eq!(
                expiry(bad, march).unwrap_err(),
                "card.expiration: must be MMYY: 4 digits, e.g. 0928",
                "{bad:?}"
            );
        }
        for bad in ["0026", "1326", "9926"] {
            assert!(
                expiry(bad, march).unwrap_err().contains("01 to 12"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_cvv_has_3_or_4_digits_and_the_owner_is_one_line_of_1_to_100() {
        let now = at(2026, 3, 15, 12, 0, 0);
        let with = |cvv: &str, owner: &str| {
            CheckedCard::check("VISA", card("4111111111111111", "0330", cvv, owner), now)
        };
        for good in ["123", "0000", "9999"] {
            assert_eq!(with(good, "Ana").unwrap().cvv(), good);
        }
        for bad in ["12", "12345", "12a", " 123", ""] {
            assert_eq!(
                detail(with(bad, "Ana")),
                "card.cvv: must be 3 or 4 digits",
                "{bad:?}"
            );
        }
        assert_eq!(with("123", "  Ana García  ").unwrap().owner(), "Ana García");
        assert!(with("123", &"ñ".repeat(100)).is_ok());
        for bad in [
            String::new(),
            "   ".to_owned(),
            "Ana\nGarcía".to_owned(),
            "Ana\u{7}".to_owned(),
            "a".repeat(101),
        ] {
            assert!(
                detail(with("123", &bad)).starts_with("card.owner: "),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_checked_card_shows_only_what_may_be_kept() {
        let checked = CheckedCard::check(
            "MCAR",
            card("5555 5555 5555 4444", "0930", "737", "Ana García"),
            at(2026, 3, 15, 12, 0, 0),
        )
        .unwrap();
        assert_eq!(checked.brand, Brand::Mastercard);
        assert_eq!(checked.last_four, "4444");
        assert_eq!((checked.expiry_month, checked.expiry_year), (9, 2030));
        assert_eq!(checked.expiration(), "0930");
        assert_eq!(checked.number(), "5555555555554444");
        let shown = format!("{checked:?}");
        for secret in ["5555555555554444", "737", "Ana"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("4444"), "{shown}");
    }
}
