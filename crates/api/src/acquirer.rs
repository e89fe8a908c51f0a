//! Who decides whether a card pays: an acquirer, behind [`Acquirer`]. The platform asks it to charge a
//! card for a cash-in's payment reference (at most once per reference: asking again answers the first
//! decision and charges nothing more) and, after a crash, what became of a reference.
//!
//! An acquirer may not decide at once: the cardholder may have to pass a 3-D Secure challenge in the
//! browser first ([`Decision::Pending`] with the challenge's address), or the acquirer may tell its
//! decision later in a signed callback ([`Acquirer::callback`], posted to
//! `POST /api/v1/acquirer/callbacks`).
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
    /// Where the cardholder's browser comes back to after a 3-D Secure challenge (the payment page);
    /// None when no browser takes part (card data sent by the client): a card that needs a challenge
    /// is then declined.
    pub return_url: Option<&'a str>,
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
    /// Not decided yet: the cardholder is to pass the 3-D Secure challenge at `challenge` (an address
    /// the browser is sent to; it comes back to the charge's `return_url`), or, with no challenge, the
    /// acquirer tells its decision later (a callback, or [`Acquirer::decision`]).
    Pending {
        /// The challenge page.
        challenge: Option<String>,
    },
}

/// A decision the acquirer posted: its own id for the event (taken once: a replayed callback changes
/// nothing), the charge's reference, the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// The acquirer's id of this event.
    pub event_id: String,
    /// The cash-in's payment reference.
    pub reference: [u8; 32],
    /// Approved or Declined.
    pub decision: Decision,
}

/// Why a callback was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// This acquirer posts no callbacks.
    #[error("this platform's acquirer posts no callbacks")]
    NotSupported,
    /// The signature is missing or wrong, or its time is too far from now (a replay).
    #[error("callback refused: {0}")]
    Refused(String),
    /// The body is not a callback.
    #[error("callback malformed: {0}")]
    Malformed(String),
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

    /// The longest a charge may take to reach the acquirer and be answered. A reference the acquirer
    /// does not know is taken as never received (not charged) only once its charge is older than
    /// this and [`crate::SETTLE_AFTER`]: before, the charge may still be on its way.
    fn charge_timeout(&self) -> Duration {
        Duration::ZERO
    }

    /// Reads a callback the acquirer posted (`headers`, `body`) at `now`: its signature checked, and its
    /// time close to `now`. The platform then takes each event id once.
    fn callback(
        &self,
        headers: &axum::http::HeaderMap,
        body: &[u8],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Callback, CallbackError> {
        let _ = (headers, body, now);
        Err(CallbackError::NotSupported)
    }

    /// The built-in simulator, whose 3-D Secure challenge pages the platform serves.
    fn simulator(&self) -> Option<&Simulator> {
        None
    }
}

/// The built-in acquirer: decides by test card number, after `latency`; any other valid card is
/// approved. [`CHALLENGE_CARD`] asks for a 3-D Secure challenge, which the platform serves as the
/// simulator's page (`/simulator/3ds/{reference}`): the cardholder passes or fails it there. It keeps
/// its charges in memory (a restarted simulator never charged anything, and one `serve` does not know
/// another's).
#[derive(Debug, Default)]
pub struct Simulator {
    latency: Duration,
    charges: Mutex<HashMap<[u8; 32], SimCharge>>,
}

/// A charge the simulator received.
#[derive(Debug, Clone)]
enum SimCharge {
    Decided(Decision),
    /// Waiting for the cardholder's 3-D Secure challenge, which comes back to `return_url`.
    Challenge {
        return_url: String,
        since: std::time::Instant,
    },
}

/// The simulator's declined test cards and why (docs/api.md lists them).
pub const TEST_CARDS: [(&str, &str); 4] = [
    ("4000000000000002", "declined: do not honour"),
    ("4000000000009995", "declined: insufficient funds"),
    ("4000000000000069", "declined: expired card"),
    ("5105105105105100", "declined: do not honour"),
];

/// The simulator's card that needs a 3-D Secure challenge: approved once the cardholder passes it,
/// declined if they fail it, let it lapse, or no browser takes part (card data sent by the client).
pub const CHALLENGE_CARD: &str = "4000000000003220";

/// How long the simulator waits for a challenge to be passed.
pub const CHALLENGE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The simulator's answer when a challenge cannot take place or lapses.
const NO_CHALLENGE: &str =
    "declined: 3-D Secure authentication required (pay through the payment page)";
const CHALLENGE_LAPSED: &str = "declined: 3-D Secure challenge not completed";
const CHALLENGE_FAILED: &str = "declined: 3-D Secure authentication failed";

impl Simulator {
    /// A simulator that answers after `latency`.
    pub fn new(latency: Duration) -> Self {
        Self {
            latency,
            charges: Mutex::new(HashMap::new()),
        }
    }

    fn charges(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], SimCharge>> {
        self.charges.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The address of the challenge page of `reference`.
    pub fn challenge_path(reference: &[u8; 32]) -> String {
        format!("/simulator/3ds/{}", hex::encode(reference))
    }

    fn decide(charge: &Charge<'_>) -> SimCharge {
        if charge.number == CHALLENGE_CARD {
            return match charge.return_url {
                Some(url) => SimCharge::Challenge {
                    return_url: url.to_owned(),
                    since: std::time::Instant::now(),
                },
                None => SimCharge::Decided(Decision::Declined {
                    reason: NO_CHALLENGE.to_owned(),
                }),
            };
        }
        SimCharge::Decided(
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
            },
        )
    }

    /// What `charge` stands at: a lapsed challenge is declined.
    fn current(reference: &[u8; 32], charge: &mut SimCharge) -> Decision {
        if let SimCharge::Challenge { since, .. } = charge
            && since.elapsed() > CHALLENGE_LIFETIME
        {
            *charge = SimCharge::Decided(Decision::Declined {
                reason: CHALLENGE_LAPSED.to_owned(),
            });
        }
        match charge {
            SimCharge::Decided(decision) => decision.clone(),
            SimCharge::Challenge { .. } => Decision::Pending {
                challenge: Some(Self::challenge_path(reference)),
            },
        }
    }

    /// Whether `reference` waits for its challenge.
    pub fn challenge_waiting(&self, reference: &[u8; 32]) -> bool {
        let mut charges = self.charges();
        match charges.get_mut(reference) {
            Some(charge) => matches!(Self::current(reference, charge), Decision::Pending { .. }),
            None => false,
        }
    }

    /// The cardholder passed (`passed`) or failed the challenge of `reference`: the charge is
    /// approved or declined, and the browser goes back to the address it came from (None when no
    /// challenge waits).
    pub fn complete_challenge(&self, reference: &[u8; 32], passed: bool) -> Option<String> {
        let mut charges = self.charges();
        let charge = charges.get_mut(reference)?;
        if !matches!(Self::current(reference, charge), Decision::Pending { .. }) {
            return None;
        }
        let SimCharge::Challenge { return_url, .. } = charge.clone() else {
            return None;
        };
        *charge = SimCharge::Decided(if passed {
            Decision::Approved {
                authorization: format!("SIM-{}", &Uuid::new_v4().simple().to_string()[..8])
                    .to_uppercase(),
            }
        } else {
            Decision::Declined {
                reason: CHALLENGE_FAILED.to_owned(),
            }
        });
        Some(return_url)
    }
}

impl Acquirer for Simulator {
    fn charge<'a>(
        &'a self,
        charge: &'a Charge<'a>,
    ) -> BoxFuture<'a, Result<Decision, Unreachable>> {
        Box::pin(async move {
            tokio::time::sleep(self.latency).await;
            let mut charges = self.charges();
            let entry = charges
                .entry(charge.reference)
                .or_insert_with(|| Self::decide(charge));
            Ok(Self::current(&charge.reference, entry))
        })
    }

    fn decision<'a>(
        &'a self,
        reference: &'a [u8; 32],
    ) -> BoxFuture<'a, Result<Option<Decision>, Unreachable>> {
        Box::pin(async move {
            let mut charges = self.charges();
            Ok(charges
                .get_mut(reference)
                .map(|charge| Self::current(reference, charge)))
        })
    }

    fn charge_timeout(&self) -> Duration {
        self.latency
    }

    fn simulator(&self) -> Option<&Simulator> {
        Some(self)
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
            return_url: None,
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

    #[tokio::test]
    async fn the_challenge_card_waits_for_its_challenge() {
        let sim = Simulator::new(Duration::ZERO);
        // No browser: declined.
        let no_browser = sim.charge(&charge(CHALLENGE_CARD, 1)).await.unwrap();
        assert!(
            matches!(no_browser, Decision::Declined { .. }),
            "{no_browser:?}"
        );
        assert_eq!(sim.complete_challenge(&[1; 32], true), None);
        // With the payment page: pending until the challenge is passed, then approved.
        let mut with_page = charge(CHALLENGE_CARD, 2);
        with_page.return_url = Some("/pay/abc");
        let pending = sim.charge(&with_page).await.unwrap();
        assert_eq!(
            pending,
            Decision::Pending {
                challenge: Some(Simulator::challenge_path(&[2; 32]))
            }
        );
        assert!(sim.challenge_waiting(&[2; 32]));
        assert_eq!(sim.decision(&[2; 32]).await.unwrap(), Some(pending));
        assert_eq!(
            sim.complete_challenge(&[2; 32], true).as_deref(),
            Some("/pay/abc")
        );
        assert!(!sim.challenge_waiting(&[2; 32]));
        assert!(matches!(
            sim.decision(&[2; 32]).await.unwrap(),
            Some(Decision::Approved { .. })
        ));
        // Once decided, the challenge is gone.
        assert_eq!(sim.complete_challenge(&[2; 32], false), None);
        // Failed: declined.
        let mut failed = charge(CHALLENGE_CARD, 3);
        failed.return_url = Some("/pay/def");
        sim.charge(&failed).await.unwrap();
        sim.complete_challenge(&[3; 32], false).unwrap();
        assert_eq!(
            sim.charge(&failed).await.unwrap(),
            Decision::Declined {
                reason: CHALLENGE_FAILED.into()
            }
        );
    }
}
