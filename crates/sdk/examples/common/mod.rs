//! What every example needs: where the devnet is, which EmToken contract, and a client per role.
//!
//! - `EMTOKEN_RPC_URL`: the node (default `http://127.0.0.1:8545`, where `scripts/devnet up` listens);
//! - `EMTOKEN_ADDRESS`: the EmToken contract; when unset, the `address` of
//!   `contracts/deployments/<chainId>.json`, which `scripts/devnet up` writes;
//! - `EMTOKEN_PROFILE`: `anvil` or `besu`; when unset, the profile of `anvil/` whose chain id the node has.
//!
//! Role keys derive from the mnemonic of `anvil/accounts.toml`, at the index its `[roles]` gives each role.

#![allow(dead_code)] // each example uses part of it

use std::{fmt::Display, process::ExitCode};

use alloy::{
    primitives::Address,
    providers::{Provider, ProviderBuilder},
};
use anyhow::{Context, Result, bail};
use emtoken_sdk::{Amount, EmTokenClient, NetworkProfile};
use emtoken_test_utils::{Accounts, Profile, ProfileName, Role, TxType, repo_root};

/// The exit of an example: on error, the message and its causes on one line (no backtrace), and failure.
pub(crate) fn exit(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The devnet and the contract the examples run against.
pub(crate) struct Devnet {
    url: String,
    token: Address,
    profile: NetworkProfile,
    accounts: Accounts,
}

impl Devnet {
    /// Finds the node, the contract and the dev accounts, and says where it runs.
    pub(crate) async fn connect() -> Result<Self> {
        let url =
            std::env::var("EMTOKEN_RPC_URL").unwrap_or_else(|_| "http://127.0.0.1:8545".to_owned());
        let provider = ProviderBuilder::new()
            .connect(&url)
            .await
            .with_context(|| format!("cannot connect to {url} (EMTOKEN_RPC_URL)"))?;
        let chain_id = provider.get_chain_id().await.with_context(|| {
            format!(
                "no node answers at {url} (EMTOKEN_RPC_URL): start one with `scripts/devnet up`"
            )
        })?;
        let token = match std::env::var("EMTOKEN_ADDRESS") {
            Ok(text) => text
                .trim()
                .parse()
                .with_context(|| format!("EMTOKEN_ADDRESS {text:?} is not an address"))?,
            Err(_) => deployed_address(chain_id)?,
        };
        if provider.get_code_at(token).await?.is_empty() {
            bail!("no contract at {token} on chain {chain_id}: deploy with `scripts/devnet up`");
        }
        let profile = profile(chain_id)?;
        let accounts = Accounts::load().context("cannot read anvil/accounts.toml")?;
        println!("EmToken {token} on chain {chain_id} at {url} ({profile:?} profile)");
        Ok(Self {
            url,
            token,
            profile,
            accounts,
        })
    }

    /// A client of the contract signing as `role`.
    pub(crate) async fn client(&self, role: Role) -> Result<EmTokenClient> {
        let index = self.accounts.index(role)?;
        EmTokenClient::builder(self.url.clone())
            .mnemonic(&self.accounts.mnemonic, index)?
            .profile(self.profile)
            .connect(self.token)
            .await
            .with_context(|| format!("cannot connect as {role}"))
    }

    /// The address of `role`.
    pub(crate) fn address(&self, role: Role) -> Result<Address> {
        Ok(self.accounts.address(role)?)
    }
}

/// The address `scripts/devnet up` recorded for the deployment on `chain_id`.
fn deployed_address(chain_id: u64) -> Result<Address> {
    #[derive(serde::Deserialize)]
    struct Deployment {
        address: Address,
    }
    let path = repo_root()
        .join("contracts/deployments")
        .join(format!("{chain_id}.json"));
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no deployment on chain {chain_id} in {}: run `scripts/devnet up` or set EMTOKEN_ADDRESS",
            path.display()
        )
    })?;
    let deployment: Deployment =
        serde_json::from_str(&text).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(deployment.address)
}

/// `EMTOKEN_PROFILE`, else the profile of the `anvil/` devnet with this chain id, else anvil's.
fn profile(chain_id: u64) -> Result<NetworkProfile> {
    if let Ok(name) = std::env::var("EMTOKEN_PROFILE") {
        return NetworkProfile::from_name(&name)
            .with_context(|| format!("EMTOKEN_PROFILE {name:?} is neither anvil nor besu"));
    }
    for name in ProfileName::ALL {
        let profile = Profile::load(name)?;
        if profile.chain_id == chain_id {
            return Ok(match profile.tx_type {
                TxType::Legacy => NetworkProfile::Besu,
                TxType::Eip1559 => NetworkProfile::Anvil,
            });
        }
    }
    Ok(NetworkProfile::Anvil)
}

/// Prints the gross, held and available balances of `who`.
pub(crate) async fn show_balances(
    client: &EmTokenClient,
    name: impl Display,
    who: Address,
) -> Result<()> {
    println!(
        "  {name:<8} balance {:>9}  on hold {:>9}  available {:>9}",
        client.balance_of(who).await?.to_string(),
        client.balance_on_hold(who).await?.to_string(),
        client.available_balance_of(who).await?.to_string()
    );
    Ok(())
}

/// Fails with a hint unless `who` is registered and has `needed` available.
pub(crate) async fn require_funds(
    client: &EmTokenClient,
    name: impl Display,
    who: Address,
    needed: Amount,
) -> Result<()> {
    if !client.is_registered(who).await? {
        bail!(
            "{name} is not registered: run `cargo run -p emtoken-sdk --example register_wallets` first"
        );
    }
    let available = client.available_balance_of(who).await?;
    if available < needed {
        bail!(
            "{name} has {available} available, {needed} needed: run `cargo run -p emtoken-sdk --example card_cash_in` first"
        );
    }
    Ok(())
}
