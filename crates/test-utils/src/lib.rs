//! Test helpers for EmToken.
//!
//! [`DevNode`] spawns anvil from the pinned install (`.tools/`, made by `scripts/setup`) with one of the
//! devnet profiles of `anvil/` on a free port, and kills it when dropped. [`Role`] names the dev accounts
//! of `anvil/accounts.toml`, so tests, scripts and tools agree on who is admin, operator, notary or a user.
//! [`PgCluster`] is a throwaway PostgreSQL cluster a test can stop and start again (a real database
//! outage).
//!
//! ```no_run
//! # async fn example() -> emtoken_test_utils::Result<()> {
//! use emtoken_test_utils::{DevNode, ProfileName, Role};
//!
//! let node = DevNode::spawn(ProfileName::Besu)?;
//! let operator = node.signer(Role::Operator)?;
//! println!("{} on chain {}", node.endpoint_url(), node.profile().chain_id);
//! # let _ = operator;
//! # Ok(())
//! # }
//! ```

mod error;
mod node;
mod paths;
mod pg_cluster;
mod profile;
mod rpc_proxy;

pub use error::{Error, Result};
pub use node::DevNode;
pub use paths::{repo_root, tools_dir};
pub use pg_cluster::PgCluster;
pub use profile::{Accounts, Profile, ProfileName, Role, TxType};
pub use rpc_proxy::{ProxyRules, ProxyStats, RpcProxy};
