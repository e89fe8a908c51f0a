//! Decoded events of a few transactions, built for the tests.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The decoded events of consecutive transactions, each mined alone in the next block.
pub(super) struct Chain {
    pub(super) block: i64,
    pub(super) decoded: Vec<Decoded>,
}

/// A hash tagged by its first byte (0xbb blocks, 0x77 transactions) with the block number at its end.
pub(super) fn tagged(tag: u8, block: i64) -> Hash {
    let mut hash = [0u8; 32];
    hash[0] = tag;
    hash[24..].copy_from_slice(&block.to_be_bytes());
    hash
}

impl Chain {
    /// A chain whose next transaction is mined in block `first`.
    pub(super) fn from(first: i64) -> Self {
        Self {
            block: first - 1,
            decoded: Vec::new(),
        }
    }

    /// A transaction in the next block, emitting `events` in this order (logs 0, 1, …).
    pub(super) fn tx(mut self, events: Vec<E>) -> Self {
        self.block += 1;
        let block = self.block;
        for (ordinal, event) in events.into_iter().enumerate() {
            let row = EventRow {
                block_hash: tagged(0xbb, block),
                log_index: ordinal as i64,
                block_number: block,
                block_time: chrono::DateTime::from_timestamp(1_750_000_000 + block * 12, 0)
                    .expect("a time"),
                tx_hash: tagged(0x77, block),
                tx_index: 0,
                tx_ordinal: ordinal as i32,
                name: String::new(),
                record_key: record_key(&event),
                args: serde_json::Value::Null,
                topics: Vec::new(),
                data: Vec::new(),
            };
            self.decoded.push(Decoded { row, event });
        }
        self
    }
}

pub(super) fn transfer(from: Address, to: Address, value: u64) -> E {
    E::Transfer(C::Transfer {
        from,
        to,
        value: u(value),
    })
}

/// A direct mint of `kind` (0 card, 1 bank transfer) against payment reference `reference`.
pub(super) fn minted(to: Address, value: u64, kind: u8, reference: u8) -> Vec<E> {
    vec![
        transfer(ZERO, to, value),
        E::Minted(C::Minted {
            to,
            value: u(value),
            kind,
            paymentReference: key(reference),
        }),
    ]
}

pub(super) fn hold_created(hold: u8, payer: Address, payee: Address, value: u64, status: u8) -> E {
    E::HoldCreated(C::HoldCreated {
        holdId: key(hold),
        payer,
        payee,
        issuer: OPERATOR,
        notary: NOTARY,
        operationId: key(hold + 1),
        value: u(value),
        expiration: U256::ZERO,
        status,
    })
}

/// HoldExecuted of `hold` (alice pays bob) with its Transfer log when something was paid.
pub(super) fn hold_executed(
    hold: u8,
    executed: u64,
    released: u64,
    remaining: u64,
    status: u8,
) -> Vec<E> {
    let mut events = Vec::new();
    if executed > 0 {
        events.push(transfer(ALICE, BOB, executed));
    }
    events.push(E::HoldExecuted(C::HoldExecuted {
        holdId: key(hold),
        payer: ALICE,
        payee: BOB,
        executedValue: u(executed),
        releasedValue: u(released),
        remaining: u(remaining),
        status,
    }));
    events
}

/// A two-step transfer's event: alice pays bob 300, ordered by the operator.
pub(super) fn clearable(order: u8, status: u8) -> Vec<E> {
    let (id, from, to, value) = (key(order), ALICE, BOB, u(300));
    vec![match status {
        1 => E::ClearableTransferOrdered(C::ClearableTransferOrdered {
            orderId: id,
            from,
            to,
            orderer: OPERATOR,
            operationId: key(order + 1),
            value,
            moved: U256::ZERO,
            locked: value,
            status,
        }),
        2 => E::ClearableTransferInProcess(C::ClearableTransferInProcess {
            orderId: id,
            from,
            to,
            value,
            moved: U256::ZERO,
            locked: value,
            status,
        }),
        3 => {
            let executed = E::ClearableTransferExecuted(C::ClearableTransferExecuted {
                orderId: id,
                from,
                to,
                value,
                moved: value,
                locked: U256::ZERO,
                status,
            });
            return vec![transfer(from, to, 300), executed];
        }
        4 => E::ClearableTransferRejected(C::ClearableTransferRejected {
            orderId: id,
            from,
            to,
            value,
            reason: "beneficiary account closed".into(),
            moved: U256::ZERO,
            locked: U256::ZERO,
            status,
        }),
        5 => E::ClearableTransferCancelled(C::ClearableTransferCancelled {
            orderId: id,
            from,
            to,
            value,
            moved: U256::ZERO,
            locked: U256::ZERO,
            status,
        }),
        _ => unreachable!("no clearable status {status}"),
    }]
}

/// A fund order's event: bob is funded 700 (nothing is locked).
pub(super) fn fund(order: u8, status: u8) -> Vec<E> {
    let (id, wallet, value, zero) = (key(order), BOB, u(700), U256::ZERO);
    vec![match status {
        1 => E::FundOrdered(C::FundOrdered {
            orderId: id,
            walletToFund: wallet,
            orderer: OPERATOR,
            operationId: key(order + 1),
            value,
            instructionsHash: key(order + 2),
            moved: zero,
            locked: zero,
            status,
        }),
        3 => {
            let executed = E::FundExecuted(C::FundExecuted {
                orderId: id,
                walletToFund: wallet,
                value,
                moved: value,
                locked: zero,
                status,
            });
            return vec![transfer(ZERO, wallet, 700), executed];
        }
        4 => E::FundRejected(C::FundRejected {
            orderId: id,
            walletToFund: wallet,
            value,
            reason: "no matching SEPA transfer".into(),
            moved: zero,
            locked: zero,
            status,
        }),
        _ => unreachable!("no fund status {status} here"),
    }]
}

/// A payout's event: alice is paid out 400 through the suspense account (`14`: executed from the
/// wallet, `15`: rejected in process, neither through the suspense account).
pub(super) fn payout(order: u8, status: u8) -> Vec<E> {
    let (id, wallet, value, zero) = (key(order), ALICE, u(400), U256::ZERO);
    vec![match status {
        1 => E::PayoutOrdered(C::PayoutOrdered {
            orderId: id,
            wallet,
            orderer: OPERATOR,
            operationId: key(order + 1),
            value,
            instructionsHash: key(order + 2),
            moved: zero,
            locked: value,
            status,
        }),
        2 => E::PayoutInProcess(C::PayoutInProcess {
            orderId: id,
            wallet,
            value,
            moved: zero,
            locked: value,
            status,
        }),
        3 => {
            let in_suspense = E::PayoutFundsInSuspense(C::PayoutFundsInSuspense {
                orderId: id,
                wallet,
                suspenseAccount: SUSPENSE,
                value,
                moved: value,
                locked: value,
                status,
            });
            return vec![transfer(wallet, SUSPENSE, 400), in_suspense];
        }
        // Executed from the suspense account (4) or, never put there, from the wallet (14).
        4 | 14 => {
            let burnt_from = if status == 4 { SUSPENSE } else { wallet };
            let executed = E::PayoutExecuted(C::PayoutExecuted {
                orderId: id,
                wallet,
                burntFrom: burnt_from,
                value,
                moved: value,
                locked: zero,
                status: 4,
            });
            return vec![transfer(burnt_from, ZERO, 400), executed];
        }
        5 => {
            let rejected = E::PayoutRejected(C::PayoutRejected {
                orderId: id,
                wallet,
                refundedFrom: SUSPENSE,
                value,
                reason: "IBAN refused by the bank".into(),
                moved: value,
                locked: zero,
                status,
            });
            return vec![transfer(SUSPENSE, wallet, 400), rejected];
        }
        // Rejected before its funds left the wallet: nothing is sent back (refundedFrom zero).
        15 => E::PayoutRejected(C::PayoutRejected {
            orderId: id,
            wallet,
            refundedFrom: ZERO,
            value,
            reason: "sanctions screening".into(),
            moved: zero,
            locked: zero,
            status: 5,
        }),
        6 => E::PayoutCancelled(C::PayoutCancelled {
            orderId: id,
            wallet,
            value,
            moved: zero,
            locked: zero,
            status,
        }),
        _ => unreachable!("no payout status {status}"),
    }]
}
