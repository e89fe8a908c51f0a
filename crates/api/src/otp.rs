//! Phone codes: six random digits from the operating system's generator, kept only as a salted
//! SHA-256, compared in constant time. A code is never logged.

use rand::{TryRngCore, rngs::OsRng};
use sha2::{Digest, Sha256};

/// A new code and what is kept of it.
#[derive(Clone)]
pub(crate) struct Code {
    /// The six digits (sent by SMS, then dropped).
    pub(crate) digits: String,
    /// The salt.
    pub(crate) salt: [u8; 16],
    /// SHA-256 of salt and digits.
    pub(crate) hash: [u8; 32],
}

impl std::fmt::Debug for Code {
    /// Never shows the digits.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(******)")
    }
}

impl Code {
    /// A fresh code from the OS's random generator (uniform over 000000–999999).
    pub(crate) fn new() -> Result<Self, rand::rand_core::OsError> {
        let mut rng = OsRng;
        let mut salt = [0u8; 16];
        rng.try_fill_bytes(&mut salt)?;
        // Rejection sampling: no bias toward low codes.
        let n = loop {
            let x = rng.try_next_u32()?;
            if x < 4_294_000_000 {
                break x % 1_000_000;
            }
        };
        let digits = format!("{n:06}");
        let hash = hash(&salt, &digits);
        Ok(Self { digits, salt, hash })
    }
}

/// SHA-256 of `salt` and `digits`.
pub(crate) fn hash(salt: &[u8], digits: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(digits.as_bytes());
    h.finalize().into()
}

/// Whether `digits` is the code kept as (`salt`, `expected`), in time independent of where they differ.
pub(crate) fn matches(salt: &[u8], expected: &[u8], digits: &str) -> bool {
    let got = hash(salt, digits);
    if expected.len() != got.len() {
        return false;
    }
    let diff = got
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_six_digits_matched_only_by_itself() {
        let code = Code::new().unwrap();
        assert_eq!(code.digits.len(), 6);
        assert!(code.digits.bytes().all(|b| b.is_ascii_digit()));
        assert!(matches(&code.salt, &code.hash, &code.digits));
        let other = format!(
            "{:06}",
            (code.digits.parse::<u32>().unwrap() + 1) % 1_000_000
        );
        assert!(!matches(&code.salt, &code.hash, &other));
        assert!(!matches(&code.salt, &code.hash[..31], &code.digits));
        assert_eq!(format!("{code:?}"), "Code(******)");
    }

    #[test]
    fn codes_are_salted_and_differ() {
        let a = Code::new().unwrap();
        let b = Code::new().unwrap();
        assert_ne!(a.salt, b.salt);
        assert_ne!(hash(&a.salt, "123456"), hash(&b.salt, "123456"));
    }
}
