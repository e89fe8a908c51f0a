use crate::{Error, Result, minimum_events};

/// What to generate. The same configuration on a fresh deployment gives the same history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkloadConfig {
    /// Seeds every choice: wallets, operations, amounts, operation ids.
    pub seed: u64,
    /// The number of EmToken events to emit (the run stops creating records once the events sent and
    /// still to come reach it, and lands a few events above it: well within ±5% above
    /// [`minimum_events`]).
    pub events: usize,
    /// Generated wallets (registered at [`crate::WALLET_LEVEL`]; at least 2).
    pub wallets: usize,
    /// Most transactions in flight at once, and the size of a wave. Anvil stalls with thousands in flight
    /// (seen with its default instant mining); 256 is safe.
    pub in_flight: usize,
}

impl WorkloadConfig {
    /// The default number of transactions in flight.
    pub const DEFAULT_IN_FLIGHT: usize = 256;

    /// `events` events over `wallets` wallets from `seed`, with the default in-flight limit.
    pub fn new(seed: u64, events: usize, wallets: usize) -> Self {
        Self {
            seed,
            events,
            wallets,
            in_flight: Self::DEFAULT_IN_FLIGHT,
        }
    }

    /// Checks the configuration can run.
    pub fn validate(&self) -> Result<()> {
        if self.wallets < 2 {
            return Err(Error::Config(format!(
                "wallets is {}: transfers need at least 2 wallets",
                self.wallets
            )));
        }
        if self.in_flight == 0 {
            return Err(Error::Config(
                "in_flight is 0: allow at least 1 transaction in flight".to_owned(),
            ));
        }
        let minimum = minimum_events(self.wallets);
        if self.events < minimum {
            return Err(Error::Config(format!(
                "events is {} but {} wallets need at least {minimum} (their registration and first \
                 cash-in, then one of every lifecycle): ask for more events or fewer wallets",
                self.events, self.wallets
            )));
        }
        Ok(())
    }
}

impl Default for WorkloadConfig {
    /// The benchmark workload: 100,000 events over 1,000 wallets, seed 1.
    fn default() -> Self {
        Self::new(1, 100_000, 1_000)
    }
}
