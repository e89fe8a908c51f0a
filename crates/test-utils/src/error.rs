use std::path::PathBuf;

/// Errors of the test helpers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The folder for anvil's persisted states could not be made.
    #[error("cannot create a folder for anvil's states: {0}")]
    StateCache(String),
    /// A file of `anvil/` (or another input) could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A profile or accounts file is not valid.
    #[error("invalid {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: Box<toml::de::Error>,
    },
    /// `anvil/accounts.toml` names no account for a role.
    #[error("anvil/accounts.toml has no [roles] entry for '{0}'")]
    MissingRole(String),
    /// The pinned anvil is not installed.
    #[error("anvil not found at {0}: run scripts/setup")]
    AnvilMissing(PathBuf),
    /// anvil did not start.
    #[error("anvil ({profile} profile) did not start: {source}")]
    Spawn {
        /// The profile it was started with.
        profile: String,
        /// The cause.
        source: alloy::node_bindings::NodeError,
    },
    /// A key could not be derived from the mnemonic.
    #[error("cannot derive the key of '{role}' (index {index}) from the mnemonic: {source}")]
    Derive {
        /// The role.
        role: String,
        /// Its BIP-44 index.
        index: u32,
        /// The cause.
        source: alloy::signers::local::LocalSignerError,
    },
    /// The JSON-RPC proxy could not start.
    #[error("cannot start the rpc proxy in front of {upstream}: {source}")]
    Proxy {
        /// The upstream URL it was given.
        upstream: String,
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A request to the node failed.
    #[error("{method} on the dev node failed: {source}")]
    Rpc {
        /// The JSON-RPC method.
        method: &'static str,
        /// The cause.
        source: alloy::transports::TransportError,
    },
    /// PostgreSQL's server binaries (`initdb`, `pg_ctl`) are not installed: a test needing a cluster of
    /// its own skips.
    #[error(
        "PostgreSQL's server binaries (initdb, pg_ctl) are neither on PATH nor under /usr/lib/postgresql/*/bin"
    )]
    PostgresMissing,
    /// A throwaway PostgreSQL cluster could not be made, started or stopped.
    #[error("throwaway PostgreSQL: {0}")]
    Postgres(String),
}

/// Result of the test helpers.
pub type Result<T, E = Error> = std::result::Result<T, E>;
