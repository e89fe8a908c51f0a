//! Who a user is: identity documents (the Spanish DNI, NIE and CIF with their check characters, other
//! countries' documents by their form), countries (ISO 3166-1 alpha-2) and the dates of birth and
//! incorporation. Every error names the field.

use chrono::{Datelike, NaiveDate};
use emtoken_types::DocumentType;

use crate::{
    Problem,
    answers::text::{enum_schema, text_schema},
};

/// The raw form of a document number a request may give: 1 to 30 letters, digits, spaces and hyphens,
/// starting with a letter or digit (spaces and hyphens are dropped, letters upper-cased).
pub(crate) const DOCUMENT_PATTERN: &str = "^[0-9A-Za-z][0-9A-Za-z -]{0,29}$";

/// A DNI's or NIE's check letter: the number modulo 23 indexes this table.
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// ISO 3166-1 alpha-2: the 249 officially assigned codes.
pub(crate) const COUNTRIES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// The youngest a person may be to be a user.
pub(crate) const ADULT: u32 = 18;

/// The earliest birth date taken (no living person was born before).
const EARLIEST_BIRTH: (i32, u32, u32) = (1900, 1, 1);

text_schema!(
    /// Schema of a document number.
    pub(crate) DocumentNumber,
    Some(DOCUMENT_PATTERN),
    None,
    Some(30),
    "The document's number: letters, digits, spaces and hyphens (dropped; letters upper-cased). A DNI is 8 digits and its check letter, a NIE X, Y or Z, 7 digits and its check letter, a CIF a letter, 7 digits and its control digit or letter (checked, 400); other documents 5 to 20 letters and digits.",
    "12345678Z"
);
text_schema!(
    /// Schema of a birth date.
    pub(crate) BirthDate,
    Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    Some(utoipa::openapi::KnownFormat::Date),
    None,
    "YYYY-MM-DD, from 1900-01-01; the person must be 18 or older today (400).",
    "1990-05-17"
);
text_schema!(
    /// Schema of an incorporation date.
    pub(crate) IncorporationDate,
    Some("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    Some(utoipa::openapi::KnownFormat::Date),
    None,
    "YYYY-MM-DD, not after today (400).",
    "2015-09-01"
);
enum_schema!(
    /// Schema of a country.
    pub(crate) CountryCode,
    COUNTRIES,
    "A country: its ISO 3166-1 alpha-2 code.",
    "ES"
);
enum_schema!(
    /// Schema of a person's document type.
    pub(crate) PersonDocumentType,
    ["DNI", "NIE", "PASSPORT", "ID_CARD"],
    "A person's identity document: DNI or NIE (Spanish, check letter verified), PASSPORT or ID_CARD (another country's identity card).",
    "DNI"
);
enum_schema!(
    /// Schema of a company's document type.
    pub(crate) CompanyDocumentType,
    ["CIF", "TAX_ID"],
    "A company's identity document: CIF (Spanish, control character verified) or TAX_ID (another country's tax or registration number).",
    "CIF"
);

/// The document type `text`, one of `allowed` (a person's or a company's).
pub(crate) fn document_type(
    field: &str,
    text: &str,
    allowed: &[DocumentType],
) -> Result<DocumentType, Problem> {
    text.parse()
        .ok()
        .filter(|t| allowed.contains(t))
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|t| t.as_str()).collect();
            Problem::bad(
                field,
                format!("'{text}' is not one of {}", names.join(", ")),
            )
        })
}

/// The identity document `text` of type `kind` in its stored form (upper case, no spaces or hyphens),
/// checked: a DNI's and NIE's check letter, a CIF's check digit or letter; other documents by their
/// form only (5 to 20 letters and digits).
pub(crate) fn document(field: &str, kind: DocumentType, text: &str) -> Result<String, Problem> {
    let raw = text.as_bytes();
    let form_ok = (1..=30).contains(&raw.len())
        && raw[0].is_ascii_alphanumeric()
        && raw
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-'));
    if !form_ok {
        return Err(Problem::bad(
            field,
            format!(
                "'{text}' is not a document number: 1 to 30 letters, digits, spaces and hyphens"
            ),
        ));
    }
    let number: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let check = match kind {
        DocumentType::Dni => dni(&number),
        DocumentType::Nie => nie(&number),
        DocumentType::Cif => cif(&number),
        DocumentType::Passport | DocumentType::IdCard | DocumentType::TaxId => {
            if (5..=20).contains(&number.len()) {
                Ok(())
            } else {
                Err(format!(
                    "a {kind} number has 5 to 20 letters and digits, '{number}' has {}",
                    number.len()
                ))
            }
        }
    };
    check.map_err(|why| Problem::bad(field, why))?;
    Ok(number)
}

/// 8 digits and the letter of their number modulo 23.
fn dni(number: &str) -> Result<(), String> {
    let (digits, letter) = number.split_at(number.len().saturating_sub(1));
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{number}' is not a DNI: 8 digits and a check letter (e.g. 12345678Z)"
        ));
    }
    check_letter("DNI", digits, digits, letter)
}

/// X, Y or Z (0, 1, 2), 7 digits and the letter of that 8-digit number modulo 23.
fn nie(number: &str) -> Result<(), String> {
    let first = number.chars().next().unwrap_or(' ');
    let (body, letter) = number.split_at(number.len().saturating_sub(1));
    let digits = body.get(1..).unwrap_or_default();
    let prefix = match first {
        'X' => '0',
        'Y' => '1',
        'Z' => '2',
        _ => ' ',
    };
    if prefix == ' ' || digits.len() != 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{number}' is not a NIE: X, Y or Z, 7 digits and a check letter (e.g. X1234567L)"
        ));
    }
    check_letter("NIE", body, &format!("{prefix}{digits}"), letter)
}

/// Whether `letter` is the check letter of the 8 digits `number` (`body` as the caller wrote it).
fn check_letter(what: &str, body: &str, number: &str, letter: &str) -> Result<(), String> {
    let n: u32 = number.parse().unwrap_or_default();
    let expected = char::from(DNI_LETTERS[(n % 23) as usize]);
    if letter.len() == 1 && letter.starts_with(expected) {
        Ok(())
    } else {
        Err(format!(
            "{body}{letter} has a wrong check letter: a {what} {body} ends in {expected}"
        ))
    }
}

/// A CIF: the organisation's letter, 7 digits and a control character from them. The digits in odd
/// places (1st, 3rd, 5th, 7th) are doubled and their digits added; with the digits in even places, the
/// sum's last digit `u` gives the control digit `(10 - u) % 10`, or the letter of that place in
/// JABCDEFGHI. A, B, E and H take the digit; N, P, Q, R, S and W the letter; the others either.
fn cif(number: &str) -> Result<(), String> {
    let bytes = number.as_bytes();
    let valid_form = bytes.len() == 9
        && b"ABCDEFGHJNPQRSUVW".contains(&bytes[0])
        && bytes[1..8].iter().all(u8::is_ascii_digit)
        && bytes[8].is_ascii_alphanumeric();
    if !valid_form {
        return Err(format!(
            "'{number}' is not a CIF: one of the letters ABCDEFGHJNPQRSUVW, 7 digits and a control digit or letter (e.g. B12345674)"
        ));
    }
    let sum: u32 = bytes[1..8]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    let digit = (10 - sum % 10) % 10;
    let as_digit = char::from_digit(digit, 10).unwrap_or('0');
    let as_letter = char::from(b"JABCDEFGHI"[digit as usize]);
    let expected = match bytes[0] {
        b'A' | b'B' | b'E' | b'H' => vec![as_digit],
        b'N' | b'P' | b'Q' | b'R' | b'S' | b'W' => vec![as_letter],
        _ => vec![as_digit, as_letter],
    };
    let control = char::from(bytes[8]);
    if expected.contains(&control) {
        return Ok(());
    }
    let expected: Vec<String> = expected.iter().map(char::to_string).collect();
    Err(format!(
        "{number} has a wrong control character: a CIF {} ends in {}",
        &number[..8],
        expected.join(" or ")
    ))
}

/// An ISO 3166-1 alpha-2 country code, upper case.
pub(crate) fn country(field: &str, text: &str) -> Result<String, Problem> {
    if COUNTRIES.binary_search(&text).is_ok() {
        Ok(text.to_owned())
    } else {
        Err(Problem::bad(
            field,
            format!("'{text}' is not an ISO 3166-1 alpha-2 country code (e.g. ES, PT, FR)"),
        ))
    }
}

/// A date written YYYY-MM-DD (RFC 3339's full-date).
fn date(field: &str, text: &str) -> Result<NaiveDate, Problem> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            Problem::bad(
                field,
                format!("'{text}' is not a date: write YYYY-MM-DD (e.g. 1990-05-17)"),
            )
        })
}

/// A person's birth date: from 1900 on, and at least [`ADULT`] years before `today`.
pub(crate) fn birth_date(field: &str, text: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
    let born = date(field, text)?;
    let (y, m, d) = EARLIEST_BIRTH;
    if Some(born) < NaiveDate::from_ymd_opt(y, m, d) {
        return Err(Problem::bad(field, format!("{text} is before {y}")));
    }
    if born > today {
        return Err(Problem::bad(field, format!("{text} is in the future")));
    }
    // The day the person comes of age (a 29 February birthday: 1 March in years without one).
    let adult = born
        .with_year(born.year() + ADULT as i32)
        .or_else(|| NaiveDate::from_ymd_opt(born.year() + ADULT as i32, 3, 1));
    if adult.is_none_or(|adult| adult > today) {
        return Err(Problem::bad(
            field,
            format!("a person born on {text} is under {ADULT}: users must be adults"),
        ));
    }
    Ok(born)
}

/// A company's incorporation date: not after `today`.
pub(crate) fn incorporation_date(
    field: &str,
    text: &str,
    today: NaiveDate,
) -> Result<NaiveDate, Problem> {
    let date = date(field, text)?;
    if date > today {
        return Err(Problem::bad(field, format!("{text} is in the future")));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: DocumentType, text: &str) -> Result<String, String> {
        document("documentNumber", kind, text).map_err(|p| p.detail)
    }

    #[test]
    fn dni_and_nie_check_letters() {
        assert_eq!(doc(DocumentType::Dni, "12345678Z").unwrap(), "12345678Z");
        assert_eq!(doc(DocumentType::Dni, "12345678-z").unwrap(), "12345678Z");
        assert_eq!(doc(DocumentType::Dni, "00000000T").unwrap(), "00000000T");
        let wrong = doc(DocumentType::Dni, "12345678A").unwrap_err();
        assert_eq!(
            wrong,
            "documentNumber: 12345678A has a wrong check letter: a DNI 12345678 ends in Z"
        );
        assert!(doc(DocumentType::Dni, "1234567Z").is_err());
        assert!(doc(DocumentType::Dni, "X1234567L").is_err());
        assert_eq!(doc(DocumentType::Nie, "X1234567L").unwrap(), "X1234567L");
        assert_eq!(doc(DocumentType::Nie, "Y 1234567 X").unwrap(), "Y1234567X");
        assert_eq!(doc(DocumentType::Nie, "Z1234567R").unwrap(), "Z1234567R");
        assert!(
            doc(DocumentType::Nie, "X1234567A")
                .unwrap_err()
                .ends_with("a NIE X1234567 ends in L")
        );
        assert!(doc(DocumentType::Nie, "A1234567L").is_err());
        assert!(doc(DocumentType::Nie, "12345678Z").is_err());
    }

    #[test]
    fn cif_control_characters() {
        assert_eq!(doc(DocumentType::Cif, "A58818501").unwrap(), "A58818501");
        assert_eq!(doc(DocumentType::Cif, "b12345674").unwrap(), "B12345674");
        assert_eq!(doc(DocumentType::Cif, "Q2826000H").unwrap(), "Q2826000H");
        // C, D, F, G, J, U, V take the digit or the letter.
        assert!(doc(DocumentType::Cif, "G12345674").is_ok());
        assert!(doc(DocumentType::Cif, "G1234567D").is_ok());
        assert_eq!(
            doc(DocumentType::Cif, "B12345675").unwrap_err(),
            "documentNumber: B12345675 has a wrong control character: a CIF B1234567 ends in 4"
        );
        // A, B, E, H take the digit only; N, P, Q, R, S, W the letter only.
        assert!(doc(DocumentType::Cif, "B1234567D").is_err());
        assert!(doc(DocumentType::Cif, "Q28260008").is_err());
        assert!(doc(DocumentType::Cif, "I12345674").is_err());
        assert!(doc(DocumentType::Cif, "B1234567").is_err());
    }

    #[test]
    fn other_documents_by_form() {
        assert_eq!(
            doc(DocumentType::Passport, "pa-123 456").unwrap(),
            "PA123456"
        );
        assert!(doc(DocumentType::IdCard, "1234").is_err());
        assert!(doc(DocumentType::TaxId, &"1".repeat(21)).is_err());
        for bad in ["", " 12345", "12345/6", "12345\u{0}", "ÉTÉ12345"] {
            assert!(
                doc(DocumentType::Passport, bad)
                    .unwrap_err()
                    .contains("is not a document number"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn countries() {
        assert!(COUNTRIES.windows(2).all(|w| w[0] < w[1]), "sorted");
        assert_eq!(country("nationality", "ES").unwrap(), "ES");
        for bad in ["es", "XX", "ESP", "", "UK"] {
            assert!(country("nationality", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let born = |t: &str| birth_date("birthDate", t, today).map_err(|p| p.detail);
        assert!(born("1990-05-17").is_ok());
        assert!(born("2008-03-01").is_ok(), "18 today");
        assert!(born("2008-03-02").unwrap_err().contains("under 18"));
        assert!(born("2027-01-01").unwrap_err().contains("in the future"));
        assert!(born("1899-12-31").unwrap_err().contains("before 1900"));
        // Born on 29 February 2008: of age on 1 March 2026.
        assert!(born("2008-02-29").is_ok());
        for bad in [
            "1990-5-17",
            "17/05/1990",
            "1990-02-30",
            "1990-05-17T00:00:00Z",
            "",
        ] {
            assert!(born(bad).unwrap_err().contains("is not a date"), "{bad}");
        }
        let founded = |t: &str| incorporation_date("incorporationDate", t, today);
        assert!(founded("2026-03-01").is_ok());
        assert!(founded("1850-01-01").is_ok());
        assert!(founded("2026-03-02").is_err());
    }
}
