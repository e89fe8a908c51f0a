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
    sum % 10 == 0
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
