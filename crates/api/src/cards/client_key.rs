//! A client's RSA public key: what `emtoken api-key` reads from a PEM file and the store keeps
//! (SubjectPublicKeyInfo DER), and what seals the client's temporal card keys.

use rsa::{
    RsaPublicKey,
    pkcs1::DecodeRsaPublicKey,
    pkcs8::{DecodePublicKey, EncodePublicKey},
    traits::PublicKeyParts,
};
use sha2::{Digest, Sha256};

/// The smallest RSA key accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Why a public key is refused. The messages say what to give instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A private key was given.
    #[error(
        "this is a private key: give the public key only (openssl pkey -in private.pem -pubout -out public.pem)"
    )]
    Private,
    /// Neither "BEGIN PUBLIC KEY" nor "BEGIN RSA PUBLIC KEY" PEM.
    #[error(
        "not a PEM public key: expected '-----BEGIN PUBLIC KEY-----' (SubjectPublicKeyInfo) or '-----BEGIN RSA PUBLIC KEY-----' (PKCS#1)"
    )]
    NotPem,
    /// The PEM does not hold an RSA public key.
    #[error("not an RSA public key ({0}): give an RSA key of {MIN_RSA_BITS} bits or more")]
    NotRsa(String),
    /// Too small.
    #[error("an RSA key of {0} bits is too small: give one of {MIN_RSA_BITS} bits or more")]
    TooSmall(usize),
}

/// Why a SubjectPublicKeyInfo is no RSA key.
fn spki_error(error: rsa::pkcs8::spki::Error) -> KeyError {
    match error {
        // It names the OID expected (rsaEncryption), not the key's.
        rsa::pkcs8::spki::Error::OidUnknown { .. } => {
            KeyError::NotRsa("a key of another algorithm: EC, Ed25519…".to_owned())
        }
        other => KeyError::NotRsa(other.to_string()),
    }
}

/// A client's RSA public key, checked: RSA, at least [`MIN_RSA_BITS`] bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRsaKey {
    key: RsaPublicKey,
    der: Vec<u8>,
}

impl ClientRsaKey {
    /// A key from PEM text: "BEGIN PUBLIC KEY" (SubjectPublicKeyInfo, what `openssl pkey -pubout` and
    /// Java's `getEncoded()` give) or "BEGIN RSA PUBLIC KEY" (PKCS#1).
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let label = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"));
        let key = match label {
            Some("PUBLIC KEY") => RsaPublicKey::from_public_key_pem(text).map_err(spki_error)?,
            Some("RSA PUBLIC KEY") => {
                RsaPublicKey::from_pkcs1_pem(text).map_err(|e| KeyError::NotRsa(e.to_string()))?
            }
            Some(l) if l.contains("PRIVATE KEY") => return Err(KeyError::Private),
            _ if text.contains("PRIVATE KEY-----") => return Err(KeyError::Private),
            _ => return Err(KeyError::NotPem),
        };
        Self::checked(key)
    }

    /// A key as the store keeps it (SubjectPublicKeyInfo DER).
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = RsaPublicKey::from_public_key_der(der).map_err(spki_error)?;
        Self::checked(key)
    }

    fn checked(key: RsaPublicKey) -> Result<Self, KeyError> {
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return Err(KeyError::TooSmall(bits));
        }
        // The canonical encoding: a key gives the same DER (and fingerprint) whichever PEM it came in.
        let der = key
            .to_public_key_der()
            .map_err(|e| KeyError::NotRsa(e.to_string()))?
            .into_vec();
        Ok(Self { key, der })
    }

    /// The key.
    pub fn key(&self) -> &RsaPublicKey {
        &self.key
    }

    /// Its SubjectPublicKeyInfo DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Its size in bits.
    pub fn bits(&self) -> usize {
        self.key.n().bits()
    }

    /// SHA-256 of its SubjectPublicKeyInfo DER (as `openssl pkey -pubin -outform DER | sha256sum`).
    pub fn fingerprint(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }

    /// The fingerprint as lowercase hex.
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint())
    }
}
