//! Keys of the send-rate and lag stages: fresh keys funded (anvil_setBalance), registered and minted to,
//! and fresh registered recipients (so a recipient's first movement is the one a probe waits for).

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use anyhow::Context;
use emtoken_sdk::{Amount, EmTokenClient, MintKind, NetworkProfile, Preflight};
use emtoken_test_utils::Role;
use emtoken_workload::{DECIMALS, WALLET_LEVEL};
use futures::{StreamExt, TryStreamExt};

use crate::chain::Chain;

/// Clients of fresh funded keys, and fresh registered recipients.
#[derive(Debug)]
pub(crate) struct Senders {
    /// One client per key, each holding [`BALANCE_EUROS`].
    pub(crate) clients: Vec<EmTokenClient>,
    /// The first key again, its sends checked against the latest block only ([`Preflight::Latest`]).
    pub(crate) latest_preflight: EmTokenClient,
    /// Registered addresses with no movement yet.
    pub(crate) fresh: Vec<Address>,
}

/// What each key is minted, in euros.
const BALANCE_EUROS: u64 = 1_000_000;

/// Registrations and mints in flight at once.
const SETUP_IN_FLIGHT: usize = 128;

fn derive(label: &str, seed: u64, index: usize) -> B256 {
    keccak256(format!("emtoken-bench/{label}/{seed}/{index}"))
}

/// Makes `keys` funded keys and `fresh` recipients (the node must be mining).
pub(crate) async fn prepare(
    chain: &Chain,
    seed: u64,
    keys: usize,
    fresh: usize,
) -> anyhow::Result<Senders> {
    let provider = chain.provider();
    let compliance = chain.client(Role::Compliance).await?;
    let operator = chain.client(Role::Operator).await?;
    let signers: Vec<PrivateKeySigner> = (0..keys)
        .map(|i| {
            PrivateKeySigner::from_bytes(&derive("key", seed, i)).context("deriving a bench key")
        })
        .collect::<anyhow::Result<_>>()?;
    let fresh: Vec<Address> = (0..fresh)
        .map(|i| Address::from_slice(&derive("recipient", seed, i)[12..]))
        .collect();
    let ether = U256::from(10u64).pow(U256::from(21u64));
    for signer in &signers {
        let _: serde_json::Value = provider
            .raw_request("anvil_setBalance".into(), (signer.address(), ether))
            .await
            .context("anvil_setBalance")?;
    }
    let registrations = signers
        .iter()
        .map(|s| s.address())
        .chain(fresh.iter().copied())
        .map(|wallet| {
            let compliance = &compliance;
            async move {
                compliance
                    .register_wallet(wallet, WALLET_LEVEL)
                    .await
                    .with_context(|| format!("registering {wallet}"))
            }
        });
    futures::stream::iter(registrations)
        .buffer_unordered(SETUP_IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await?;
    let balance =
        Amount::from_base_units(U256::from(BALANCE_EUROS) * U256::from(100u64), DECIMALS)?;
    let mints = signers.iter().enumerate().map(|(i, s)| {
        let operator = &operator;
        let reference = derive("mint", seed, i);
        async move {
            operator
                .mint(s.address(), balance, MintKind::Card, reference)
                .await
                .context("minting to a bench key")
        }
    });
    futures::stream::iter(mints)
        .buffer_unordered(SETUP_IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await?;
    let first = signers.first().context("no bench key")?.clone();
    let client = |signer: PrivateKeySigner, preflight: Preflight| {
        EmTokenClient::builder(chain.node.endpoint_url().as_str())
            .signer(signer)
            .profile(NetworkProfile::Anvil)
            .preflight(preflight)
            .connect(chain.info.contract)
    };
    let mut clients = Vec::with_capacity(keys);
    for signer in signers {
        clients.push(client(signer, Preflight::Pending).await?);
    }
    let latest_preflight = client(first, Preflight::Latest).await?;
    Ok(Senders {
        clients,
        latest_preflight,
        fresh,
    })
}

/// One cent: what every benchmark transfer moves.
pub(crate) fn one_cent() -> anyhow::Result<Amount> {
    Ok(Amount::from_base_units(U256::from(1u64), DECIMALS)?)
}
