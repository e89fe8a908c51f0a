//! Card data (docs/api.md, Card data): a client encrypts a card's fields with a temporal AES key the API
//! gives it sealed with the client's RSA public key (`POST /api/v1/public/wallets/temporalpk`), and the
//! API opens and checks them for a card cash-in.
//!
//! - [`ClientRsaKey`]: a client's RSA public key (PEM in, SubjectPublicKeyInfo DER and its SHA-256
//!   fingerprint stored), registered with `emtoken api-key`.
//! - [`TemporalKeys`]: the live temporal keys, in memory only; [`TemporalKeys::open`] turns the four
//!   encrypted fields into [`CardData`] and uses the key up.
//! - [`CheckedCard`]: a decrypted card that passed the checks of its fields; it keeps in the clear only
//!   the brand, the last four digits and the expiry.
//!
//! Card data, keys and the AES key's hex never reach a log or an error message.

mod card;
mod client_key;
mod crypto;

pub use card::{Brand, CheckedCard};
pub use client_key::{ClientRsaKey, KeyError, MIN_RSA_BITS};
pub use crypto::{
    CardData, EncryptedCard, IssueError, KEYS_PER_CLIENT, NOT_ENCRYPTED, NotEncrypted,
    TEMPORAL_KEY_LIFETIME, TemporalKeys, seal_field,
};
