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

/// Which state of the node a send is checked against before it is handed over: a call the contract
/// refuses there fails with the decoded error and consumes no nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preflight {
    /// The node's pending state: the latest block and, on nodes that build one (anvil, Besu since 25.1),
    /// the transactions waiting in its pool, so a call refused only because of a transaction not mined
    /// yet fails before it is sent too. Nodes without a pending state answer from the latest block.
    /// Concurrent sends of a client are checked together, in one `eth_simulateV1` with the gas limits
    /// they will carry; the first send of a function, and any the simulation does not run to success,
    /// get an `eth_estimateGas` of their own (see `preflight.rs`).
    #[default]
    Pending,
    /// The latest block only, one `eth_estimateGas` a send. It spares a node that builds a pending state
    /// the run of its pool for each check (anvil re-runs its whole pool for each call on the pending
    /// state); since the default checks concurrent sends together, that saves little. A call refused only because of a transaction still in the pool passes the check, is mined
    /// and fails there ([`crate::Error::Reverted`], a nonce and gas spent).
    Latest,
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
    /// Which state sends are checked against before they are handed over.
    pub preflight: Preflight,
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            profile: NetworkProfile::Anvil,
            confirmations: 0,
            receipt_timeout: Duration::from_secs(60),
            gas_margin_percent: 20,
            preflight: Preflight::Pending,
        }
    }
}
