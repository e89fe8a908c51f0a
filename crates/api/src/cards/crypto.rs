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
    (!bytes.is_empty() && bytes.len().is_multiple_of(16)).then_some(bytes)
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

#[cfg(test)]
mod tests {
    use rsa::{RsaPrivateKey, pkcs8::DecodePrivateKey};

    use super::*;

    const PUBLIC: &str = include_str!("../../tests/fixtures/card-client-2048.pub.pem");
    const PRIVATE: &str = include_str!("../../tests/fixtures/card-client-2048.key.pem");

    /// What the client does with `temporalPK`: RSA (PKCS#1 v1.5) with its private key, then hex.
    fn unseal(temporal_pk: &str) -> [u8; 32] {
        let private = RsaPrivateKey::from_pkcs8_pem(PRIVATE).unwrap();
        let hex_key = private
            .decrypt(Pkcs1v15Encrypt, &STANDARD.decode(temporal_pk).unwrap())
            .unwrap();
        let text = String::from_utf8(hex_key).unwrap();
        assert_eq!(text.len(), 64, "{text}");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        hex::decode(text).unwrap().try_into().unwrap()
    }

    struct Sealed([String; 4]);

    impl Sealed {
        fn new(key: &[u8; 32]) -> Self {
            Self(["Ana García", "4111111111111111", "0330", "123"].map(|f| seal_field(key, f)))
        }

        fn card(&self) -> EncryptedCard<'_> {
            EncryptedCard {
                owner: &self.0[0],
                number: &self.0[1],
                expiration: &self.0[2],
                cvv: &self.0[3],
            }
        }
    }

    #[test]
    fn a_card_sealed_with_the_temporal_key_opens_once() {
        let keys = TemporalKeys::new();
        let rsa = ClientRsaKey::from_pem(PUBLIC).unwrap();
        let (client, now) = (Uuid::new_v4(), Utc::now());
        let temporal_pk = keys.issue(client, &rsa, now).unwrap();
        assert_eq!(STANDARD.decode(&temporal_pk).unwrap().len(), 256);
        let sealed = Sealed::new(&unseal(&temporal_pk));
        let card = keys.open(client, sealed.card(), now).unwrap();
        assert_eq!(
            (card.owner(), card.number(), card.expiration(), card.cvv()),
            ("Ana García", "4111111111111111", "0330", "123")
        );
        assert_eq!(format!("{card:?}"), "CardData { .. }");
        assert_eq!(keys.open(client, sealed.card(), now), Err(NotEncrypted));
        assert_eq!(keys.live(client, now), 0);
    }

    #[test]
    fn a_key_serves_only_its_client_and_only_for_five_minutes() {
        let keys = TemporalKeys::new();
        let rsa = ClientRsaKey::from_pem(PUBLIC).unwrap();
        let (client, other, now) = (Uuid::new_v4(), Uuid::new_v4(), Utc::now());
        let sealed = Sealed::new(&unseal(&keys.issue(client, &rsa, now).unwrap()));
        assert_eq!(keys.open(other, sealed.card(), now), Err(NotEncrypted));
        let expiry = now + TEMPORAL_KEY_LIFETIME;
        assert_eq!(keys.live(client, expiry - Duration::seconds(1)), 1);
        assert_eq!(keys.open(client, sealed.card(), expiry), Err(NotEncrypted));
        assert_eq!(keys.live(client, expiry), 0);
    }

    #[test]
    fn anything_but_the_right_ciphertext_is_not_encrypted() {
        let keys = TemporalKeys::new();
        let rsa = ClientRsaKey::from_pem(PUBLIC).unwrap();
        let (client, now) = (Uuid::new_v4(), Utc::now());
        let key = unseal(&keys.issue(client, &rsa, now).unwrap());
        let good = Sealed::new(&key);
        let mut tampered = good.0.clone();
        let mut bytes = STANDARD.decode(&tampered[3]).unwrap();
        bytes[15] ^= 1;
        tampered[3] = STANDARD.encode(bytes);
        let wrong_key = Sealed::new(&[7u8; 32]);
        let clear = ["Ana García", "4111111111111111", "0330", "123"].map(str::to_owned);
        for fields in [
            tampered,
            wrong_key.0.clone(),
            clear,
            [
                good.0[0].clone(),
                String::new(),
                good.0[2].clone(),
                good.0[3].clone(),
            ],
            [
                good.0[0].clone(),
                "AAAA".to_owned(),
                good.0[2].clone(),
                good.0[3].clone(),
            ],
            [
                good.0[0].clone(),
                "not base64!".to_owned(),
                good.0[2].clone(),
                good.0[3].clone(),
            ],
        ] {
            assert_eq!(
                keys.open(client, Sealed(fields).card(), now),
                Err(NotEncrypted)
            );
        }
        // Failed tries do not use the key up.
        assert!(keys.open(client, good.card(), now).is_ok());
        let problem = Problem::from(NotEncrypted);
        assert_eq!(problem.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(problem.detail, "Card data not encrypted.");
    }

    #[test]
    fn a_client_keeps_at_most_its_newest_keys() {
        let keys = TemporalKeys::new();
        let rsa = ClientRsaKey::from_pem(PUBLIC).unwrap();
        let (client, now) = (Uuid::new_v4(), Utc::now());
        let first = Sealed::new(&unseal(&keys.issue(client, &rsa, now).unwrap()));
        for _ in 0..KEYS_PER_CLIENT {
            keys.issue(client, &rsa, now).unwrap();
        }
        assert_eq!(keys.live(client, now), KEYS_PER_CLIENT);
        assert_eq!(keys.open(client, first.card(), now), Err(NotEncrypted));
        assert!(format!("{keys:?}").contains("keys: 100"), "{keys:?}");
    }

    #[test]
    fn fields_are_what_java_s_aes_gives() {
        // AES-256-ECB/PKCS5Padding of "123" under the key 00 01 … 1f: what Java's Cipher "AES" and
        // `openssl enc -aes-256-ecb -K 000102…1f` give.
        let key: [u8; 32] = std::array::from_fn(|i| u8::try_from(i).unwrap());
        assert_eq!(seal_field(&key, "123"), "+T5WZpje3LUhnN0kM1jl2A==");
        let opened = decrypt(&key, &STANDARD.decode("+T5WZpje3LUhnN0kM1jl2A==").unwrap());
        assert_eq!(opened.as_deref().map(String::as_str), Some("123"));
        // 16 bytes of text take a whole block of padding.
        let sealed = STANDARD
            .decode(seal_field(&key, "4111111111111111"))
            .unwrap();
        assert_eq!(sealed.len(), 32);
    }
}
