use std::time::Duration;

/// How transactions are priced on a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetworkProfile {
    /// Anvil's dev profile, Ethereum-like networks: EIP-1559 transactions with the node's fee estimate.
    #[default]
    Anvil,
    /// Hyperledger Besu QBFT/IBFT networks of the seeds' kind (and anvil's besu profile): legacy
    /// transactions with a gas price of 0.
    Besu,
}

impl NetworkProfile {
    /// The profile of a name: `anvil` (or `dev`) and `besu`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "anvil" | "dev" => Some(Self::Anvil),
            "besu" => Some(Self::Besu),
            _ => None,
        }
    }
}

/// Settings of a client beyond where it connects and who signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendSettings {
    /// How transactions are priced.
    pub profile: NetworkProfile,
    /// Blocks to wait on top of the one that includes a transaction before its receipt counts (0: the
    /// including block is enough, as on Besu QBFT/IBFT whose blocks are final at once).
    pub confirmations: u64,
    /// How long to wait for a receipt before calling the transaction dropped or still pending.
    pub receipt_timeout: Duration,
    /// Extra gas on top of the node's estimate, in percent (state can change between estimate and
    /// inclusion, e.g. a new outflow period).
    pub gas_margin_percent: u64,
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            profile: NetworkProfile::Anvil,
            confirmations: 0,
            receipt_timeout: Duration::from_secs(60),
            gas_margin_percent: 20,
        }
    }
}
