//! International Bank Account Numbers (ISO 13616).
//!
//! [`Iban`] is a validated IBAN in electronic format (uppercase, no spaces).
//! [`Iban::parse`] accepts the print format too ("ES91 2100 0418 4502 0005 1332",
//! any case) and checks the characters, the country code, the length the
//! SWIFT IBAN registry sets for that country, the two check digits and the
//! ISO 7064 mod-97-10 checksum.
//!
//! [`generate_es`] builds a valid Spanish IBAN from a bank code, a branch code
//! and an account number; the platform uses it to give each wallet a
//! deterministic virtual IBAN.
//!
//! Only integer arithmetic is used: the mod-97 checksum is computed digit by
//! digit, so no big integers are needed.

use std::error::Error;
use std::fmt;
use std::str::FromStr;

/// IBAN length per country, from the SWIFT IBAN registry (ISO 13616).
///
/// Sorted by country code so it can be binary-searched. Territories that use
/// their parent's IBAN format (e.g. the French overseas departments, which
/// issue `FR` IBANs) are not listed separately, as in the registry.
const COUNTRY_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), // Andorra
    ("AE", 23), // United Arab Emirates
    ("AL", 28), // Albania
    ("AT", 20), // Austria
    ("AZ", 28), // Azerbaijan
    ("BA", 20), // Bosnia and Herzegovina
    ("BE", 16), // Belgium
    ("BG", 22), // Bulgaria
    ("BH", 22), // Bahrain
    ("BI", 27), // Burundi
    ("BR", 29), // Brazil
    ("BY", 28), // Belarus
    ("CH", 21), // Switzerland
    ("CR", 22), // Costa Rica
    ("CY", 28), // Cyprus
    ("CZ", 24), // Czechia
    ("DE", 22), // Germany
    ("DJ", 27), // Djibouti
    ("DK", 18), // Denmark
    ("DO", 28), // Dominican Republic
    ("EE", 20), // Estonia
    ("EG", 29), // Egypt
    ("ES", 24), // Spain
    ("FI", 18), // Finland (and Åland Islands)
    ("FK", 18), // Falkland Islands
    ("FO", 18), // Faroe Islands
    ("FR", 27), // France (and overseas territories)
    ("GB", 22), // United Kingdom (and Guernsey, Jersey, Isle of Man)
    ("GE", 22), // Georgia
    ("GI", 23), // Gibraltar
    ("GL", 18), // Greenland
    ("GR", 27), // Greece
    ("GT", 28), // Guatemala
    ("HN", 28), // Honduras
    ("HR", 21), // Croatia
    ("HU", 28), // Hungary
    ("IE", 22), // Ireland
    ("IL", 23), // Israel
    ("IQ", 23), // Iraq
    ("IS", 26), // Iceland
    ("IT", 27), // Italy
    ("JO", 30), // Jordan
    ("KW", 30), // Kuwait
    ("KZ", 20), // Kazakhstan
    ("LB", 28), // Lebanon
    ("LC", 32), // Saint Lucia
    ("LI", 21), // Liechtenstein
    ("LT", 20), // Lithuania
    ("LU", 20), // Luxembourg
    ("LV", 21), // Latvia
    ("LY", 25), // Libya
    ("MC", 27), // Monaco
    ("MD", 24), // Moldova
    ("ME", 22), // Montenegro
    ("MK", 19), // North Macedonia
    ("MN", 20), // Mongolia
    ("MR", 27), // Mauritania
    ("MT", 31), // Malta
    ("MU", 30), // Mauritius
    ("NI", 28), // Nicaragua
    ("NL", 18), // Netherlands
    ("NO", 15), // Norway
    ("OM", 23), // Oman
    ("PK", 24), // Pakistan
    ("PL", 28), // Poland
    ("PS", 29), // Palestine
    ("PT", 25), // Portugal
    ("QA", 29), // Qatar
    ("RO", 24), // Romania
    ("RS", 22), // Serbia
    ("RU", 33), // Russia
    ("SA", 24), // Saudi Arabia
    ("SC", 31), // Seychelles
    ("SD", 18), // Sudan
    ("SE", 24), // Sweden
    ("SI", 19), // Slovenia
    ("SK", 24), // Slovakia
    ("SM", 27), // San Marino
    ("SO", 23), // Somalia
    ("ST", 25), // Sao Tome and Principe
    ("SV", 28), // El Salvador
    ("TL", 23), // Timor-Leste
    ("TN", 24), // Tunisia
    ("TR", 26), // Türkiye
    ("UA", 29), // Ukraine
    ("VA", 22), // Vatican City State
    ("VG", 24), // British Virgin Islands
    ("XK", 20), // Kosovo
    ("YE", 30), // Yemen
];

/// The IBAN length the registry sets for `country`, or `None` if the country
/// does not issue IBANs.
fn country_length(country: &str) -> Option<usize> {
    COUNTRY_LENGTHS
        .binary_search_by(|&(code, _)| code.cmp(country))
        .ok()
        .map(|index| COUNTRY_LENGTHS[index].1)
}

/// A validated IBAN in electronic format: uppercase letters and digits, no
/// spaces, e.g. `ES9121000418450200051332`.
///
/// The only ways to get one are [`Iban::parse`] (or [`str::parse`]) and
/// [`generate_es`], so every value has a known country, the right length for
/// it and a correct checksum.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Iban(String);

impl Iban {
    /// Parses and validates an IBAN.
    ///
    /// Accepts the electronic format (`ES9121000418450200051332`) and the
    /// print format (`ES91 2100 0418 4502 0005 1332`), in any letter case;
    /// spaces are removed, surrounding whitespace is ignored and letters are
    /// uppercased. Then checks, in this order: only `A-Z`/`0-9` remain; the
    /// first two letters are a country in the IBAN registry; the length is the
    /// one the registry sets for that country; characters 3 and 4 (the check
    /// digits) are digits; and the ISO 7064 mod-97-10 checksum holds.
    pub(crate) fn parse(text: &str) -> Result<Iban, IbanError> {
        let trimmed = text.trim();
        // Positions in errors count characters of `text` as given, from 1.
        let leading = text[..text.len() - text.trim_start().len()].chars().count();

        let mut iban = String::with_capacity(trimmed.len());
        for (index, character) in trimmed.chars().enumerate() {
            if character == ' ' {
                continue;
            }
            let upper = character.to_ascii_uppercase();
            if !(upper.is_ascii_uppercase() || upper.is_ascii_digit()) {
                return Err(IbanError::BadCharacter {
                    character,
                    position: leading + index + 1,
                });
            }
            iban.push(upper);
        }

        if iban.is_empty() {
            return Err(IbanError::Empty);
        }

        // All characters are ASCII from here on, so byte slicing is safe.
        let country = iban.get(..2).unwrap_or(&iban);
        let Some(expected) = country_length(country) else {
            return Err(IbanError::UnknownCountry {
                code: country.to_owned(),
            });
        };

        if iban.len() != expected {
            return Err(IbanError::WrongLength {
                country: country.to_owned(),
                expected,
                got: iban.len(),
            });
        }

        let check_digits = &iban[2..4];
        if !check_digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(IbanError::BadCheckDigits {
                digits: check_digits.to_owned(),
            });
        }

        if mod97(iban[4..].bytes().chain(iban[..4].bytes())) != 1 {
            return Err(IbanError::BadChecksum { iban });
        }

        Ok(Iban(iban))
    }

    /// The IBAN in electronic format, e.g. `ES9121000418450200051332`.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter ISO 3166 country code the IBAN starts with, e.g. `ES`.
    #[cfg(test)]
    pub(crate) fn country(&self) -> &str {
        &self.0[..2]
    }
}

impl fmt::Display for Iban {
    /// Writes the electronic format (uppercase, no spaces).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Iban {
    type Err = IbanError;

    /// Same as [`Iban::parse`].
    fn from_str(text: &str) -> Result<Iban, IbanError> {
        Iban::parse(text)
    }
}

/// Why a text is not a valid IBAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IbanError {
    /// Nothing but whitespace was given.
    Empty,
    /// A character other than a letter, a digit or a space.
    BadCharacter {
        /// The offending character, as given.
        character: char,
        /// Its position in the input as given, counting characters from 1
        /// (spaces included).
        position: usize,
    },
    /// The first two characters are not a country in the IBAN registry.
    UnknownCountry {
        /// The first two characters (uppercased), or the single character
        /// if the input was that short.
        code: String,
    },
    /// The length is not the one the registry sets for the country.
    WrongLength {
        /// The country code the IBAN starts with.
        country: String,
        /// The length of an IBAN for that country.
        expected: usize,
        /// The length given, spaces removed.
        got: usize,
    },
    /// Characters 3 and 4, the check digits, are not both digits.
    BadCheckDigits {
        /// The two characters found there (uppercased).
        digits: String,
    },
    /// The mod-97 checksum does not hold: some character is mistyped.
    BadChecksum {
        /// The IBAN in electronic format.
        iban: String,
    },
}

impl fmt::Display for IbanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IbanError::Empty => write!(
                f,
                "iban is empty: enter an iban such as ES91 2100 0418 4502 0005 1332"
            ),
            IbanError::BadCharacter {
                character,
                position,
            } => write!(
                f,
                "iban has invalid character {character:?} at position {position}: \
                 only letters A-Z, digits 0-9 and spaces are allowed"
            ),
            IbanError::UnknownCountry { code } => write!(
                f,
                "iban starts with unknown country code {code:?}: \
                 the first two letters must be a country that issues ibans, such as ES or DE"
            ),
            IbanError::WrongLength {
                country,
                expected,
                got,
            } => write!(
                f,
                "iban for country {country} must have {expected} characters but has {got}: \
                 check for a missing or extra character"
            ),
            IbanError::BadCheckDigits { digits } => write!(
                f,
                "iban check digits {digits:?} are not two digits: \
                 the 3rd and 4th characters of an iban must be digits"
            ),
            IbanError::BadChecksum { iban } => write!(
                f,
                "iban {iban} fails its checksum: check for a mistyped digit"
            ),
        }
    }
}

impl Error for IbanError {}

/// ISO 7064 mod-97-10 remainder of the number spelled by `chars`, where
/// digits stand for themselves and letters `A`..`Z` for `10`..`35`.
///
/// Works piecewise, one character at a time, so the remainder never exceeds
/// `96 * 100 + 35`. `chars` must hold only `A-Z` and `0-9`.
fn mod97(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0, |remainder, byte| match byte {
        b'0'..=b'9' => (remainder * 10 + u32::from(byte - b'0')) % 97,
        b'A'..=b'Z' => (remainder * 100 + u32::from(byte - b'A') + 10) % 97,
        _ => unreachable!(
            "mod97 got {:?}: callers pass only A-Z and 0-9",
            char::from(byte)
        ),
    })
}

/// One Spanish national control digit ("dígito de control") over ten digits:
/// weights 1, 2, 4, 8, 5, 10, 9, 7, 3, 6; `11 - (sum mod 11)`, where 11 gives
/// 0 and 10 gives 1.
fn spanish_control_digit(digits: &[u8; 10]) -> u8 {
    const WEIGHTS: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    match 11 - sum % 11 {
        11 => 0,
        10 => 1,
        digit => u8::try_from(digit).unwrap_or_default(),
    }
}

/// Panics unless `code` is exactly four ASCII digits; returns its bytes.
fn four_digits(what: &str, code: &str) -> [u8; 4] {
    match <[u8; 4]>::try_from(code.as_bytes()) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_digit) => bytes,
        _ => panic!("generate_es: {what} code must be exactly 4 ascii digits, got {code:?}"),
    }
}

/// Builds a valid Spanish IBAN: `ES`, 2 IBAN check digits, the 4-digit bank
/// code, the 4-digit branch code, the 2 national control digits and the
/// 10-digit account number.
///
/// `account` is taken modulo 10^10 and zero-padded to 10 digits. The result
/// depends only on the arguments, so a wallet id always maps to the same
/// IBAN (as long as ids stay below 10^10 they also map to distinct IBANs).
///
/// # Panics
///
/// If `bank` or `branch` is not exactly four ASCII digits; callers pass
/// constants.
pub(crate) fn generate_es(bank: &str, branch: &str, account: u64) -> Iban {
    let bank = four_digits("bank", bank);
    let branch = four_digits("branch", branch);
    let account = format!("{:010}", account % 10_000_000_000);

    let mut entity = [b'0'; 10];
    entity[2..6].copy_from_slice(&bank);
    entity[6..].copy_from_slice(&branch);
    let mut account_digits = [b'0'; 10];
    account_digits.copy_from_slice(account.as_bytes());
    let first = spanish_control_digit(&entity);
    let second = spanish_control_digit(&account_digits);

    let mut bban = String::with_capacity(20);
    bban.extend(bank.iter().chain(&branch).map(|&byte| char::from(byte)));
    bban.push(char::from(b'0' + first));
    bban.push(char::from(b'0' + second));
    bban.push_str(&account);

    let check = 98 - mod97(bban.bytes().chain(*b"ES00"));
    let iban = format!("ES{check:02}{bban}");
    debug_assert_eq!(Iban::parse(&iban), Ok(Iban(iban.clone())));
    Iban(iban)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Well-known valid IBANs from the registry and standard examples.
    const VALID: &[&str] = &[
        "GB82WEST12345698765432",
        "GB29NWBK60161331926819",
        "DE89370400440532013000",
        "ES9121000418450200051332",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "CH9300762011623852957",
        "IT60X0542811101000000123456",
        "NO9386011117947",
        "MT84MALT011000012345MTLCAST001S",
        "LC55HEMM000100010012001200023015",
        "AT611904300234573201",
        "PL61109010140000071219812874",
        "PT50000201231234567890154",
        "SE4550000000058398257466",
        "SA0380000000608010167519",
        "KW81CBKU0000000000001234560101",
    ];

    #[test]
    fn country_table_is_sorted_unique_and_plausible() {
        for pair in COUNTRY_LENGTHS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} before {:?}", pair[0], pair[1]);
        }
        for &(code, length) in COUNTRY_LENGTHS {
            assert_eq!(code.len(), 2);
            assert!(code.bytes().all(|byte| byte.is_ascii_uppercase()), "{code}");
            assert!((15..=34).contains(&length), "{code} {length}");
        }
        assert_eq!(country_length("ES"), Some(24));
        assert_eq!(country_length("NO"), Some(15));
        assert_eq!(country_length("LC"), Some(32));
        assert_eq!(country_length("XX"), None);
    }

    #[test]
    fn well_known_ibans_parse() {
        for &text in VALID {
            let iban = Iban::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
            assert_eq!(iban.as_str(), text);
            assert_eq!(iban.to_string(), text);
            assert_eq!(iban.country(), &text[..2]);
        }
    }

    #[test]
    fn print_format_and_lowercase_parse_to_electronic_form() {
        let expected = "ES9121000418450200051332";
        for text in [
            "ES91 2100 0418 4502 0005 1332",
            "es91 2100 0418 4502 0005 1332",
            "es9121000418450200051332",
            "  Es91 2100 0418 4502 0005 1332\n",
        ] {
            assert_eq!(
                Iban::parse(text).map(|iban| iban.to_string()),
                Ok(expected.into())
            );
        }
        let iban: Iban = "fr14 2004 1010 0505 0001 3m02 606".parse().unwrap();
        assert_eq!(iban.as_str(), "FR1420041010050500013M02606");
        assert_eq!(iban.country(), "FR");
    }

    #[test]
    fn changed_digit_fails_checksum() {
        let error = Iban::parse("ES9121000418450200051333").unwrap_err();
        assert_eq!(
            error,
            IbanError::BadChecksum {
                iban: "ES9121000418450200051333".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "iban ES9121000418450200051333 fails its checksum: check for a mistyped digit"
        );
        // Every single-digit change is caught.
        let valid = "DE89370400440532013000";
        for index in 2..valid.len() {
            let original = valid.as_bytes()[index];
            for digit in b'0'..=b'9' {
                if digit == original {
                    continue;
                }
                let mut bytes = valid.as_bytes().to_vec();
                bytes[index] = digit;
                let changed = String::from_utf8(bytes).unwrap();
                assert!(
                    matches!(Iban::parse(&changed), Err(IbanError::BadChecksum { .. })),
                    "{changed}"
                );
            }
        }
        // Swapped adjacent digits are caught too.
        assert!(matches!(
            Iban::parse("GB82WEST12345698765423"),
            Err(IbanError::BadChecksum { .. })
        ));
    }

    #[test]
    fn missing_character_is_a_length_error() {
        let error = Iban::parse("ES912100041845020005133").unwrap_err();
        assert_eq!(
            error,
            IbanError::WrongLength {
                country: "ES".into(),
                expected: 24,
                got: 23
            }
        );
        assert!(error.to_string().contains("ES"));
        assert!(error.to_string().contains("24"));
        assert!(error.to_string().contains("23"));
        assert!(matches!(
            Iban::parse("GB82WEST123456987654321"),
            Err(IbanError::WrongLength {
                expected: 22,
                got: 23,
                ..
            })
        ));
    }

    #[test]
    fn unknown_country_is_reported() {
        let error = Iban::parse("XX9121000418450200051332").unwrap_err();
        assert_eq!(error, IbanError::UnknownCountry { code: "XX".into() });
        assert!(error.to_string().contains("\"XX\""));
        assert_eq!(
            Iban::parse("e"),
            Err(IbanError::UnknownCountry { code: "E".into() })
        );
        assert_eq!(
            Iban::parse("1291"),
            Err(IbanError::UnknownCountry { code: "12".into() })
        );
    }

    #[test]
    fn bad_characters_are_reported_with_position() {
        let error = Iban::parse("ES91€2100").unwrap_err();
        assert_eq!(
            error,
            IbanError::BadCharacter {
                character: '€',
                position: 5
            }
        );
        assert!(error.to_string().contains("'€'"));
        assert!(error.to_string().contains("position 5"));
        assert_eq!(
            Iban::parse("ES91 2100-0418"),
            Err(IbanError::BadCharacter {
                character: '-',
                position: 10
            })
        );
        assert_eq!(
            Iban::parse("  ES91\t2100"),
            Err(IbanError::BadCharacter {
                character: '\t',
                position: 7
            })
        );
        assert!(matches!(
            Iban::parse("ÉS9121000418450200051332"),
            Err(IbanError::BadCharacter {
                character: 'É',
                position: 1
            })
        ));
    }

    #[test]
    fn empty_input_is_reported() {
        assert_eq!(Iban::parse(""), Err(IbanError::Empty));
        assert_eq!(Iban::parse("   "), Err(IbanError::Empty));
        assert_eq!("".parse::<Iban>(), Err(IbanError::Empty));
        assert!(IbanError::Empty.to_string().starts_with("iban is empty"));
    }

    #[test]
    fn letters_in_check_digits_are_reported() {
        let error = Iban::parse("ESAB21000418450200051332").unwrap_err();
        assert_eq!(
            error,
            IbanError::BadCheckDigits {
                digits: "AB".into()
            }
        );
        assert!(error.to_string().contains("\"AB\""));
    }

    #[test]
    fn error_messages_are_lowercase_first() {
        let errors = [
            IbanError::Empty,
            Iban::parse("ES91-").unwrap_err(),
            Iban::parse("XX00").unwrap_err(),
            Iban::parse("ES00").unwrap_err(),
            Iban::parse("ESAB21000418450200051332").unwrap_err(),
            Iban::parse("ES9121000418450200051333").unwrap_err(),
        ];
        for error in errors {
            let message = error.to_string();
            assert!(message.starts_with("iban "), "{message}");
            let source: &dyn Error = &error;
            assert!(source.source().is_none());
        }
    }

    #[test]
    fn spanish_control_digits_match_known_example() {
        // ES91 2100 0418 45 0200051332: DC is 45.
        assert_eq!(spanish_control_digit(b"0021000418"), 4);
        assert_eq!(spanish_control_digit(b"0200051332"), 5);
        // 11 - (0 mod 11) = 11 maps to 0.
        assert_eq!(spanish_control_digit(b"0000000000"), 0);
    }

    #[test]
    fn generate_es_reproduces_known_iban() {
        let iban = generate_es("2100", "0418", 200_051_332);
        assert_eq!(iban.as_str(), "ES9121000418450200051332");
        assert_eq!(iban, Iban::parse("ES91 2100 0418 4502 0005 1332").unwrap());
    }

    #[test]
    fn generate_es_gives_valid_ibans() {
        for account in [
            0,
            1,
            42,
            7_777_777,
            200_051_332,
            1_234_567_890,
            9_999_999_999,
            10_000_000_000,
            u64::MAX,
        ] {
            let iban = generate_es("2100", "0418", account);
            let text = iban.to_string();
            assert_eq!(text.len(), 24, "{text}");
            assert!(text.starts_with("ES"), "{text}");
            assert_eq!(iban.country(), "ES");
            assert_eq!(Iban::parse(&text), Ok(iban.clone()));
            let expected_account = format!("{:010}", account % 10_000_000_000);
            assert_eq!(&text[14..], expected_account);
        }
        for (bank, branch) in [("0000", "0000"), ("0049", "1500"), ("9999", "9999")] {
            let iban = generate_es(bank, branch, 123);
            assert_eq!(&iban.as_str()[4..12], format!("{bank}{branch}"));
            assert!(Iban::parse(iban.as_str()).is_ok(), "{iban}");
        }
        // Many accounts in a row: all valid, all distinct.
        let mut seen = std::collections::HashSet::new();
        for account in 0..2_000 {
            let iban = generate_es("1234", "5678", account);
            assert!(Iban::parse(iban.as_str()).is_ok(), "{iban}");
            assert!(seen.insert(iban));
        }
    }

    #[test]
    fn generate_es_is_deterministic() {
        assert_eq!(
            generate_es("2100", "0418", 987),
            generate_es("2100", "0418", 987)
        );
        assert_ne!(
            generate_es("2100", "0418", 987),
            generate_es("2100", "0418", 988)
        );
        assert_eq!(
            generate_es("2100", "0418", 5),
            generate_es("2100", "0418", 10_000_000_005)
        );
    }

    #[test]
    #[should_panic(expected = "bank code must be exactly 4 ascii digits, got \"21\"")]
    fn generate_es_rejects_short_bank() {
        let _ = generate_es("21", "0418", 1);
    }

    #[test]
    #[should_panic(expected = "branch code must be exactly 4 ascii digits, got \"04A8\"")]
    fn generate_es_rejects_non_digit_branch() {
        let _ = generate_es("2100", "04A8", 1);
    }
}
