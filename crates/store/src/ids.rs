//! Deterministic ids (shared by the indexer, which writes rows, and the API, which names records before
//! they are mined): UUIDv5 of the chain facts a row stands for, so any index of the same chain (fresh,
//! resumed, replayed or re-derived after a reorganisation) gives every row the same id.

use uuid::Uuid;

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

/// The wallet of `address` on `chain_id` (the platform uses the same id when it registers the address).
pub fn wallet_id(chain_id: i64, address: &Addr) -> Uuid {
    id(&[b"wallet", &chain_id.to_be_bytes(), address])
}

/// A hold record.
pub fn hold_id(chain_id: i64, key: &Hash) -> Uuid {
    id(&[b"hold", &chain_id.to_be_bytes(), key])
}

/// An order record of `kind` (TRANSFER, FUND, PAYOUT).
pub fn order_id(chain_id: i64, kind: &str, key: &Hash) -> Uuid {
    id(&[b"order", &chain_id.to_be_bytes(), kind.as_bytes(), key])
}

/// A movement tied to a record (hold lock, order movements): `role` names which one.
pub fn record_movement_id(chain_id: i64, kind: &str, key: &Hash, role: &str) -> Uuid {
    id(&[
        b"record-movement",
        &chain_id.to_be_bytes(),
        kind.as_bytes(),
        key,
        role.as_bytes(),
    ])
}

/// A movement of one event: the transaction and the event's position among the contract's logs of it,
/// which survive the transaction being mined again in another block.
pub fn event_movement_id(chain_id: i64, tx: &Hash, ordinal: i32, role: &str) -> Uuid {
    id(&[
        b"event-movement",
        &chain_id.to_be_bytes(),
        tx,
        &ordinal.to_be_bytes(),
        role.as_bytes(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = [1u8; 20];
        assert_eq!(wallet_id(1, &a), wallet_id(1, &a));
        assert_ne!(wallet_id(1, &a), wallet_id(2, &a));
        let k = [7u8; 32];
        assert_ne!(hold_id(1, &k), order_id(1, "TRANSFER", &k));
        assert_ne!(order_id(1, "TRANSFER", &k), order_id(1, "PAYOUT", &k));
        assert_ne!(
            record_movement_id(1, "TRANSFER", &k, "out"),
            record_movement_id(1, "TRANSFER", &k, "in")
        );
        assert_ne!(
            event_movement_id(1, &k, 0, "out"),
            event_movement_id(1, &k, 1, "out")
        );
        // A fixed value: ids are part of the data contract with the platform, they must never change.
        assert_eq!(
            wallet_id(31337, &[0u8; 20]).to_string(),
            "371d9960-0a5a-5513-ad31-ef16ffd640a6"
        );
    }
}
