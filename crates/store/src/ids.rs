//! Deterministic ids (shared by the indexer, which writes rows, and the API, which names records before
//! they are mined): UUIDv5 of the chain facts a row stands for, so any index of the same chain (fresh,
//! resumed, replayed or re-derived after a reorganisation) gives every row the same id.

use uuid::Uuid;

use emtoken_types::{FeeKind, OrderKind, RecordKind, Role};

use crate::{Addr, Hash};

/// Namespace of every EmToken id (a UUIDv5 of "emtoken" in the URL namespace).
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://emtoken.dev/ids")
}

fn id(parts: &[&[u8]]) -> Uuid {
    let mut name = Vec::with_capacity(96);
    for part in parts {
        name.extend_from_slice(&(part.len() as u32).to_be_bytes());
        name.extend_from_slice(part);
    }
    Uuid::new_v5(&namespace(), &name)
}

/// The ledger of a further token on chain `chain_id` (a chain's first token keeps the chain id): a
/// negative id from the chain id and the token's address, so that the rows of that token, and every id
/// derived from its ledger, are its own.
pub fn ledger_id(chain_id: i64, contract: &Addr) -> i64 {
    let bytes = id(&[b"ledger", &chain_id.to_be_bytes(), contract]).into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    // 62 bits: -(n) - 1 is from -2^62 to -1, never a chain's id.
    let n = u64::from_be_bytes(first) >> 2;
    -i64::try_from(n).unwrap_or(i64::MAX) - 1
}

/// The wallet of `address` on `chain_id` (the platform uses the same id when it registers the address).
pub fn wallet_id(chain_id: i64, address: &Addr) -> Uuid {
    id(&[b"wallet", &chain_id.to_be_bytes(), address])
}

/// A hold record.
pub fn hold_id(chain_id: i64, key: &Hash) -> Uuid {
    id(&[b"hold", &chain_id.to_be_bytes(), key])
}

/// An order record of `kind`.
pub fn order_id(chain_id: i64, kind: OrderKind, key: &Hash) -> Uuid {
    id(&[
        b"order",
        &chain_id.to_be_bytes(),
        kind.as_str().as_bytes(),
        key,
    ])
}

/// A movement tied to a record (hold lock, order movements): `role` names which one.
pub fn record_movement_id(chain_id: i64, kind: RecordKind, key: &Hash, role: Role) -> Uuid {
    id(&[
        b"record-movement",
        &chain_id.to_be_bytes(),
        kind.as_str().as_bytes(),
        key,
        role.as_str().as_bytes(),
    ])
}

/// A movement of one event: the transaction and the event's position among the contract's logs of it,
/// which survive the transaction being mined again in another block.
pub fn event_movement_id(chain_id: i64, tx: &Hash, ordinal: i32, role: Role) -> Uuid {
    id(&[
        b"event-movement",
        &chain_id.to_be_bytes(),
        tx,
        &ordinal.to_be_bytes(),
        role.as_str().as_bytes(),
    ])
}

/// The CARD_CASHIN movement of a card mint: its payment reference, which the contract takes once per
/// chain, so that the platform names the movement before the mint is sent (PENDING, or ERROR when the
/// card is declined) and the indexer gives the mined one the same id.
pub fn card_cashin_movement_id(chain_id: i64, reference: &Hash) -> Uuid {
    id(&[b"card-cashin", &chain_id.to_be_bytes(), reference])
}

/// A COMMISSION (or COMMISSION_IN) movement of the fee `FeeCharged` names: the fee's kind and its
/// operation's key, which the contract charges at most once (one transfer id, one hold execution, one
/// payment reference, one payout execution), so that the platform names the commission before it is mined.
pub fn commission_movement_id(chain_id: i64, kind: FeeKind, operation: &Hash, role: Role) -> Uuid {
    id(&[
        b"commission",
        &chain_id.to_be_bytes(),
        &[kind as u8],
        operation,
        role.as_str().as_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_further_tokens_ledger_is_negative_stable_and_its_own() {
        let (a, b) = ([1u8; 20], [2u8; 20]);
        let ledger = ledger_id(31_337, &a);
        assert!(ledger < 0, "{ledger}");
        assert_eq!(ledger, ledger_id(31_337, &a));
        assert_ne!(ledger, ledger_id(31_337, &b));
        assert_ne!(ledger, ledger_id(1, &a));
        // Part of the data contract, like every id: pinned.
        assert_eq!(ledger_id(31_337, &[0u8; 20]), -1_590_121_517_673_223_609);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = [1u8; 20];
        assert_eq!(wallet_id(1, &a), wallet_id(1, &a));
        assert_ne!(wallet_id(1, &a), wallet_id(2, &a));
        let k = [7u8; 32];
        assert_ne!(hold_id(1, &k), order_id(1, OrderKind::Transfer, &k));
        assert_ne!(
            order_id(1, OrderKind::Transfer, &k),
            order_id(1, OrderKind::Payout, &k)
        );
        assert_ne!(
            record_movement_id(1, RecordKind::Transfer, &k, Role::Out),
            record_movement_id(1, RecordKind::Transfer, &k, Role::In)
        );
        assert_ne!(
            event_movement_id(1, &k, 0, Role::Out),
            event_movement_id(1, &k, 1, Role::Out)
        );
        assert_ne!(
            card_cashin_movement_id(1, &k),
            card_cashin_movement_id(2, &k)
        );
        assert_ne!(
            card_cashin_movement_id(1, &k),
            card_cashin_movement_id(1, &[8u8; 32])
        );
        // A fixed value: ids are part of the data contract with the platform, they must never change.
        assert_eq!(
            wallet_id(31337, &[0u8; 20]).to_string(),
            "371d9960-0a5a-5513-ad31-ef16ffd640a6"
        );
        // The enums' names are the bytes hashed: ids made before the vocabulary had enums are the same.
        assert_eq!(
            record_movement_id(31337, RecordKind::OperatorTransfer, &[0u8; 32], Role::Out)
                .to_string(),
            "2b97189f-bc73-577d-8dbb-82cf89bf5529"
        );
        assert_eq!(
            order_id(31337, OrderKind::Payout, &[0u8; 32]).to_string(),
            "e7097623-9055-559f-aee9-fee409aa15ed"
        );
    }
}
