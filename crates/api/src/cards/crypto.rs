//! Temporal card keys and card data encrypted with them, as the platform's guide gives them (Card
//! Cash-in): the API draws a random AES-256 key, gives it to the client as `temporalPK` — the key's
//! 64 lowercase hex digits, encrypted with the client's RSA key (PKCS#1 v1.5 padding: Java's
//! `Cipher.getInstance("RSA")`), base64 — and the client sends each card field as base64 of
//! AES-256-ECB with PKCS#7 padding (Java's `Cipher.getInstance("AES")`) of its UTF-8 text.
//!
//! Keys live in memory only, bound to one client, for [`TEMPORAL_KEY_LIFETIME`] by the API's clock, and
//! serve once; at most [`KEYS_PER_CLIENT`] live at a time per client (the oldest is dropped). A key is
//! zeroized when it is used, expires or is dropped. Whatever fails in opening card data — not base64,
//! bad padding, not UTF-8, no live key, a used, expired or other client's key — is one answer,
//! [`NotEncrypted`]: the guide's 400 "Card data not encrypted.", which tells an attacker nothing more.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Mutex, PoisonError},
};

use aes::Aes256;
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Duration, Utc};
use cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit, block_padding::Pkcs7};
use rsa::{
    Pkcs1v15Encrypt,
    rand_core::{OsRng, RngCore},
};
use uuid::Uuid;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::ClientRsaKey;
use crate::Problem;

/// How long a temporal key is good for, from when it was given.
pub const TEMPORAL_KEY_LIFETIME: Duration = Duration::minutes(5);

/// The most live temporal keys of one client; asking for one more drops the oldest.
pub const KEYS_PER_CLIENT: usize = 100;

/// The detail of every answer about card data that cannot be opened (the guide's words).
pub const NOT_ENCRYPTED: &str = "Card data not encrypted.";

/// Card data that cannot be opened with a live key of the client (400, [`NOT_ENCRYPTED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Card data not encrypted.")]
pub struct NotEncrypted;

impl From<NotEncrypted> for Problem {
    fn from(_: NotEncrypted) -> Self {
        Problem::new(axum::http::StatusCode::BAD_REQUEST, NOT_ENCRYPTED)
    }
}

/// Why no temporal key could be given (a 500: the platform's side).
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The system's random source failed.
    #[error("no random temporal key from the system: {0}")]
    Random(rsa::rand_core::Error),
    /// The client's RSA key could not encrypt it.
    #[error("cannot encrypt the temporal key with the client's RSA key: {0}")]
    Seal(rsa::Error),
}

/// The encrypted fields of a card as a request carries them (base64 of AES-256-ECB/PKCS#7).
#[derive(Debug, Clone, Copy)]
pub struct EncryptedCard<'a> {
    /// The owner's full name.
    pub owner: &'a str,
    /// The card number.
    pub number: &'a str,
    /// The expiry, MMYY.
    pub expiration: &'a str,
    /// The CVV.
    pub cvv: &'a str,
}

/// A card's fields in the clear, as the client sent them (not checked yet: see
/// [`super::CheckedCard::check`]). Zeroized when dropped; its `Debug` shows none of it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CardData {
    owner: String,
    number: String,
    expiration: String,
    cvv: String,
}

impl CardData {
    /// Card data from its four fields.
    pub fn new(
        owner: impl Into<String>,
        number: impl Into<String>,
        expiration: impl Into<String>,
        cvv: impl Into<String>,
    ) -> Self {
        Self {
            owner: owner.into(),
            number: number.into(),
            expiration: expiration.into(),
            cvv: cvv.into(),
        }
    }

    /// The owner's full name, as sent.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The card number, as sent.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The expiry, as sent (MMYY).
    pub fn expiration(&self) -> &str {
        &self.expiration
    }

    /// The CVV, as sent.
    pub fn cvv(&self) -> &str {
        &self.cvv
    }
}

impl std::fmt::Debug for CardData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardData { .. }")
    }
}

/// A live temporal key.
struct LiveKey {
    key: Zeroizing<[u8; 32]>,
    expires_at: DateTime<Utc>,
}

/// The live temporal keys of every client, in memory (a restart forgets them: clients ask again).
#[derive(Default)]
pub struct TemporalKeys {
    live: Mutex<HashMap<Uuid, VecDeque<LiveKey>>>,
}

impl std::fmt::Debug for TemporalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("TemporalKeys")
            .field("clients", &live.len())
            .field("keys", &live.values().map(VecDeque::len).sum::<usize>())
            .finish()
    }
}

impl TemporalKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new key for `client`, valid from `now` for [`TEMPORAL_KEY_LIFETIME`]: its `temporalPK`, sealed
    /// with the client's RSA key. Fails only if the system's random source or the encryption does.
    pub fn issue(
        &self,
        client: Uuid,
        rsa_key: &ClientRsaKey,
        now: DateTime<Utc>,
    ) -> Result<String, IssueError> {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(key.as_mut())
            .map_err(IssueError::Random)?;
        let hex = Zeroizing::new(hex::encode(key.as_ref()));
        let sealed = rsa_key
            .key()
            .encrypt(&mut OsRng, Pkcs1v15Encrypt, hex.as_bytes())
            .map_err(IssueError::Seal)?;
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        prune(&mut live, now);
        let keys = live.entry(client).or_default();
        keys.push_back(LiveKey {
            key,
            expires_at: now + TEMPORAL_KEY_LIFETIME,
        });
        while keys.len() > KEYS_PER_CLIENT {
            keys.pop_front();
        }
        Ok(STANDARD.encode(sealed))
    }

    /// Opens `card` with the first live key of `client` under which all four fields decrypt (valid
    /// padding, UTF-8 text), and uses that key up. A wrong key passes the padding of one field about
    /// once in 256 tries, so four fields and UTF-8 make a false match practically impossible.
    pub fn open(
        &self,
        client: Uuid,
        card: EncryptedCard<'_>,
        now: DateTime<Utc>,
    ) -> Result<CardData, NotEncrypted> {
        let fields = [card.owner, card.number, card.expiration, card.cvv].map(ciphertext);
        let [Some(owner), Some(number), Some(expiration), Some(cvv)] = fields else {
            return Err(NotEncrypted);
        };
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        prune(&mut live, now);
        let keys = live.get_mut(&client).ok_or(NotEncrypted)?;
        // The newest first: clients use the key they just asked for.
        for at in (0..keys.len()).rev() {
            let key = &keys[at].key;
            let open = |ciphertext: &[u8]| decrypt(key, ciphertext);
            if let (Some(owner), Some(number), Some(expiration), Some(cvv)) =
                (open(&owner), open(&number), open(&expiration), open(&cvv))
            {
                keys.remove(at);
                if keys.is_empty() {
                    live.remove(&client);
                }
                return Ok(CardData {
                    owner: take(owner),
                    number: take(number),
                    expiration: take(expiration),
                    cvv: take(cvv),
                });
            }
        }
        Err(NotEncrypted)
    }

    /// Live keys of `client` at `now`.
    pub fn live(&self, client: Uuid, now: DateTime<Utc>) -> usize {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        prune(&mut live, now);
        live.get(&client).map_or(0, VecDeque::len)
    }
}

/// Drops (and so zeroizes) every expired key.
fn prune(live: &mut HashMap<Uuid, VecDeque<LiveKey>>, now: DateTime<Utc>) {
    live.retain(|_, keys| {
        keys.retain(|k| k.expires_at > now);
        !keys.is_empty()
    });
}

/// A field's ciphertext: base64 (standard alphabet, padded) of whole AES blocks.
fn ciphertext(field: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(field.trim()).ok()?;
    (!bytes.is_empty() && bytes.len() % 16 == 0).then_some(bytes)
}

/// A field's text under `key`, if its padding is right and it is UTF-8.
fn decrypt(key: &[u8; 32], ciphertext: &[u8]) -> Option<Zeroizing<String>> {
    let plain = Zeroizing::new(
        ecb::Decryptor::<Aes256>::new(key.into())
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .ok()?,
    );
    let text = std::str::from_utf8(&plain).ok()?;
    Some(Zeroizing::new(text.to_owned()))
}

/// The text out of its wrapper, leaving an empty string to zeroize.
fn take(mut text: Zeroizing<String>) -> String {
    std::mem::take(&mut *text)
}

/// What a client does with a field (Java's `Cipher.getInstance("AES")` over the UTF-8 text, base64):
/// for tests and clients written in Rust. `key` is the decrypted `temporalPK`, hex-decoded.
pub fn seal_field(key: &[u8; 32], text: &str) -> String {
    let sealed =
        ecb::Encryptor::<Aes256>::new(key.into()).encrypt_padded_vec_mut::<Pkcs7>(text.as_bytes());
    STANDARD.encode(sealed)
}
