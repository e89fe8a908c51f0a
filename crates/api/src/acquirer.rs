//! Who decides whether a card pays: an acquirer, behind [`Acquirer`]. The platform asks it to charge a
//! card for a cash-in's payment reference (at most once per reference: asking again answers the first
//! decision and charges nothing more) and, after a crash, what became of a reference.
//!
//! Built in: [`Simulator`], whose test cards are documented in docs/api.md (Card cash-in).

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Mutex, PoisonError},
    time::Duration,
};

use uuid::Uuid;

/// A future an acquirer returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A charge of a card.
pub struct Charge<'a> {
    /// The cash-in's payment reference (the acquirer's idempotency key).
    pub reference: [u8; 32],
    /// The amount, as a decimal string in euros ("12.50").
    pub amount: &'a str,
    /// The card number (digits only).
    pub number: &'a str,
    /// Expiry month, 1–12.
    pub exp_month: u32,
    /// Expiry year (four digits).
    pub exp_year: u32,
    /// The CVV.
    pub cvv: &'a str,
    /// The holder's name.
    pub owner: &'a str,
}

impl std::fmt::Debug for Charge<'_> {
    /// Shows no card data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Charge")
            .field("reference", &alloy::primitives::B256::from(self.reference))
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

/// What the acquirer decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Charged: the money is the platform's to mint.
    Approved {
        /// The acquirer's authorization code.
        authorization: String,
    },
    /// Not charged.
    Declined {
        /// Why, in the acquirer's words.
        reason: String,
    },
}

/// An acquirer could not be asked (nothing is known of the charge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

/// Charges cards.
pub trait Acquirer: std::fmt::Debug + Send + Sync {
    /// Charges `charge`, once per reference: a second call with a reference answers the first decision.
    fn charge<'a>(&'a self, charge: &'a Charge<'a>)
    -> BoxFuture<'a, Result<Decision, Unreachable>>;

    /// What the acquirer decided for `reference`: None if it never charged it (a charge that never
    /// reached it).
    fn decision<'a>(
        &'a self,
        reference: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<Decision>, Unreachable>>;
}

/// The built-in acquirer: decides by test card number, after `latency`; any other valid card is
/// approved. It keeps its decisions in memory (a restarted simulator never charged anything).
#[derive(Debug, Default)]
pub struct Simulator {
    latency: Duration,
    decisions: Mutex<HashMap<[u8; 32], Decision>>,
}

/// The simulator's test cards and what it decides for them (docs/api.md lists them).
pub const TEST_CARDS: [(&str, &str); 4] = [
    ("4000000000000002", "declined: do not honour"),
    ("4000000000009995", "declined: insufficient funds"),
    ("4000000000000069", "declined: expired card"),
    ("5105105105105100", "declined: do not honour"),
];

impl Simulator {
    /// A simulator that answers after `latency`.
    pub fn new(latency: Duration) -> Self {
        Self {
            latency,
            decisions: Mutex::new(HashMap::new()),
        }
    }

    fn decide(charge: &Charge<'_>) -> Decision {
        match TEST_CARDS
            .iter()
            .find(|(number, _)| *number == charge.number)
        {
            Some((_, reason)) => Decision::Declined {
                reason: (*reason).to_owned(),
            },
            None => Decision::Approved {
                authorization: format!("SIM-{}", &Uuid::new_v4().simple().to_string()[..8])
                    .to_uppercase(),
            },
        }
    }
}

impl Acquirer for Simulator {
    fn charge<'a>(
        &'a self,
        charge: &'a Charge<'a>,
    ) -> BoxFuture<'a, Result<Decision, Unreachable>> {
        Box::pin(async move {
            tokio::time::sleep(self.latency).await;
            let mut decisions = self
                .decisions
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Ok(decisions
                .entry(charge.reference)
                .or_insert_with(|| Self::decide(charge))
                .clone())
        })
    }

    fn decision<'a>(
        &'a self,
        reference: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<Decision>, Unreachable>> {
        Box::pin(async move {
            let decisions = self
                .decisions
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Ok(decisions.get(reference).cloned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(number: &str, reference: u8) -> Charge<'_> {
        Charge {
            reference: [reference; 32],
            amount: "10.00",
            number,
            exp_month: 12,
            exp_year: 2030,
            cvv: "123",
            owner: "Ana García",
        }
    }

    #[tokio::test]
    async fn the_simulator_decides_by_test_card_once_per_reference() {
        let sim = Simulator::new(Duration::ZERO);
        assert_eq!(sim.decision(&[1; 32]).await.unwrap(), None);
        let approved = sim.charge(&charge("4242424242424242", 1)).await.unwrap();
        assert!(
            matches!(approved, Decision::Approved { .. }),
            "{approved:?}"
        );
        // The same reference again: the first decision, whatever the card.
        assert_eq!(
            sim.charge(&charge("4000000000009995", 1)).await.unwrap(),
            approved
        );
        assert_eq!(sim.decision(&[1; 32]).await.unwrap(), Some(approved));
        assert_eq!(
            sim.charge(&charge("4000000000009995", 2)).await.unwrap(),
            Decision::Declined {
                reason: "declined: insufficient funds".into()
            }
        );
        assert!(!format!("{:?}", charge("4242424242424242", 3)).contains("4242"));
    }
}
