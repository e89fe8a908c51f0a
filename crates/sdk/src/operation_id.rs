use std::{fmt, str::FromStr};

use alloy::{
    primitives::{Address, B256, keccak256},
    sol_types::SolValue,
};
use uuid::Uuid;

/// The id a caller gives an operation (a hold, an order, an operator transfer). The contract keys its
/// record by [`OperationId::record_key`] of the caller (the issuer) and this id.
///
/// From a UUID, the 16 bytes sit in the low half (the high half zero), so [`OperationId::as_uuid`] gives it
/// back; from text, it is the UUID or 0x-prefixed bytes32 the text spells, and otherwise keccak256 of the
/// text's UTF-8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationId(B256);

impl OperationId {
    /// The id with these raw 32 bytes.
    pub const fn from_bytes(bytes: B256) -> Self {
        Self(bytes)
    }

    /// The id of a UUID (reversible).
    pub fn from_uuid(uuid: Uuid) -> Self {
        let mut bytes = [0u8; 32];
        bytes[16..].copy_from_slice(uuid.as_bytes());
        Self(B256::from(bytes))
    }

    /// keccak256 of `text` (for free-form references).
    pub fn hash_of(text: &str) -> Self {
        Self(keccak256(text.as_bytes()))
    }

    /// A fresh random id (a v4 UUID).
    pub fn random() -> Self {
        Self::from_uuid(Uuid::new_v4())
    }

    /// The raw bytes32 the contract takes.
    pub const fn as_bytes(&self) -> B256 {
        self.0
    }

    /// The UUID this id was made from, when it was.
    pub fn as_uuid(&self) -> Option<Uuid> {
        let (high, low) = self.0.split_at(16);
        high.iter()
            .all(|b| *b == 0)
            .then(|| Uuid::from_slice(low).ok())
            .flatten()
    }

    /// The contract's record key of this id created by `issuer`: `keccak256(abi.encode(issuer, id))`, in
    /// every namespace (holds, two-step transfers, fund orders, payouts, operator transfers).
    pub fn record_key(&self, issuer: Address) -> B256 {
        keccak256((issuer, self.0).abi_encode())
    }
}

impl From<Uuid> for OperationId {
    fn from(uuid: Uuid) -> Self {
        Self::from_uuid(uuid)
    }
}

impl From<B256> for OperationId {
    fn from(bytes: B256) -> Self {
        Self(bytes)
    }
}

impl From<&str> for OperationId {
    fn from(text: &str) -> Self {
        text.parse()
            .unwrap_or_else(|never: std::convert::Infallible| match never {})
    }
}

impl FromStr for OperationId {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Ok(bytes) = text.parse::<B256>() {
            return Ok(Self(bytes));
        }
        if let Ok(uuid) = Uuid::parse_str(text) {
            return Ok(Self::from_uuid(uuid));
        }
        Ok(Self::hash_of(text))
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_uuid() {
            Some(uuid) => write!(f, "{uuid}"),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_round_trips() {
        let uuid = Uuid::parse_str("cd496094-a77a-4e4e-bcd9-3361ff89294a").unwrap();
        let id = OperationId::from(uuid);
        assert_eq!(id.as_uuid(), Some(uuid));
        assert_eq!(id.to_string(), "cd496094-a77a-4e4e-bcd9-3361ff89294a");
        assert_eq!(
            "cd496094-a77a-4e4e-bcd9-3361ff89294a"
                .parse::<OperationId>()
                .unwrap(),
            id
        );
    }

    #[test]
    fn text_is_hex_uuid_or_hashed() {
        let hex = "0x00000000000000000000000000000000000000000000000000000000000000ff";
        assert_eq!(
            OperationId::from(hex).as_bytes(),
            hex.parse::<B256>().unwrap()
        );
        assert_eq!(
            OperationId::from("payment 42").as_bytes(),
            keccak256("payment 42")
        );
        assert_eq!(OperationId::hash_of("payment 42").as_uuid(), None);
    }

    #[test]
    fn record_key_is_keccak_of_abi_encoded_issuer_and_id() {
        let issuer: Address = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
            .parse()
            .unwrap();
        let id = OperationId::from_bytes(B256::repeat_byte(0x11));
        let mut encoded = [0u8; 64];
        encoded[12..32].copy_from_slice(issuer.as_slice());
        encoded[32..].copy_from_slice(&[0x11; 32]);
        assert_eq!(id.record_key(issuer), keccak256(encoded));
        assert_ne!(
            id.record_key(issuer),
            id.record_key(Address::ZERO),
            "keys differ per issuer"
        );
    }
}
