use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use emtoken_sdk::{
    Amount, ClientBuilder, DeployConfig, Deployment, EmTokenClient, MAX_BASE_UNITS, NetworkProfile,
    Roles, Tier, deploy,
};
use emtoken_test_utils::{Accounts, DevNode, ProfileName, Role};

use crate::{Error, Result};

/// Decimals of the deployed token (euro cents).
pub const DECIMALS: u8 = 2;

/// The KYC level of the generated wallets: a tier with no limits, so no generated operation is refused.
pub const WALLET_LEVEL: u8 = 3;

/// The KYC level [`Deployed::deploy`] registers each role user at (as the SDK's test fixture does).
pub const USER_LEVELS: [(Role, u8); 4] = [
    (Role::Alice, 1),
    (Role::Bob, 1),
    (Role::Carol, 2),
    (Role::Dave, 0),
];

/// A KYC level and its limits in whole euros: `(level, max balance, max transfer, max 30-day outflow)`,
/// `None` = unlimited.
pub type TierInEuros = (u8, Option<u64>, Option<u64>, Option<u64>);

/// The tiers [`Deployed::deploy`] sets, as `(level, max balance, max transfer, max 30-day outflow)` in
/// whole euros (`None` = unlimited): level 0 small, level 1 medium, level 2 unlimited (the SDK fixture's),
/// and [`WALLET_LEVEL`] unlimited for the generated wallets.
pub const TIERS: [TierInEuros; 4] = [
    (0, Some(250), Some(100), Some(150)),
    (1, Some(10_000), Some(5_000), Some(15_000)),
    (2, None, None, None),
    (WALLET_LEVEL, None, None, None),
];

/// Extra anvil flags for a dev node that takes a sizeable workload, for
/// `DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS)`: a block every 0.1 s with a 300M gas
/// limit instead of one block per transaction. About twice as fast (5,000 events in ~12 s instead of
/// ~28 s in a debug build), still a hundred-odd blocks, and clear of instant mining's occasional
/// stranded transaction (foundry-rs/foundry#10122), which fails a run after the 60 s receipt timeout.
pub const LOAD_ANVIL_ARGS: [&str; 4] = ["--block-time", "0.1", "--gas-limit", "300000000"];

/// [`TIERS`] as the SDK takes them.
pub fn tiers() -> Vec<(u8, Tier)> {
    tiers_of(DECIMALS)
}

/// [`TIERS`] for a token of `decimals` (the same whole units).
pub fn tiers_of(decimals: u8) -> Vec<(u8, Tier)> {
    let unit = U256::from(10u64).pow(U256::from(decimals));
    let euros = |whole: Option<u64>| {
        whole.map(|whole| {
            Amount::from_base_units(U256::from(whole) * unit, decimals)
                .expect("the tiers' limits are far below the supply cap")
        })
    };
    TIERS
        .iter()
        .map(|&(level, balance, transfer, outflow)| {
            let tier = Tier {
                max_balance: euros(balance),
                max_transfer: euros(transfer),
                max_outflow_30d: euros(outflow),
            };
            (level, tier)
        })
        .collect()
}

/// The SDK network profile matching a dev node profile.
pub fn network_profile(name: ProfileName) -> NetworkProfile {
    match name {
        ProfileName::Dev => NetworkProfile::Anvil,
        ProfileName::Besu => NetworkProfile::Besu,
    }
}

/// EmToken deployed on a dev node, with a client for every account of `anvil/accounts.toml`: the reusable
/// form of the SDK tests' fixture. The node stays the caller's.
#[derive(Debug)]
pub struct Deployed {
    /// Where the contract landed.
    pub deployment: Deployment,
    /// The contract's address (`deployment.address`).
    pub address: Address,
    /// The block of the deployment (`deployment.block`): indexers start there.
    pub deploy_block: u64,
    /// Holds `DEFAULT_ADMIN_ROLE`; deployed the contract.
    pub admin: EmTokenClient,
    /// Holds `OPERATOR_ROLE`: default operator of every wallet, minter, clearing and payout agent.
    pub operator: EmTokenClient,
    /// Holds `COMPLIANCE_ROLE`: registers wallets.
    pub compliance: EmTokenClient,
    /// Holds `PAUSER_ROLE`.
    pub pauser: EmTokenClient,
    /// The ready-made notary of holds.
    pub notary: EmTokenClient,
    /// Holds `UPGRADER_ROLE`: executes the upgrades the admin proposes.
    pub upgrader: EmTokenClient,
    /// Holds `MINTER_ADMIN_ROLE` (the operator may mint the whole supply cap) when that is not the
    /// admin's account; on the devnet it is, and [`Deployed::client`] gives the admin's client for it.
    pub minter_admin: Option<EmTokenClient>,
    /// The suspense account of payouts (a key, though the contract never needs it to sign).
    pub suspense: EmTokenClient,
    /// A user, registered at level 1.
    pub alice: EmTokenClient,
    /// A user, registered at level 1.
    pub bob: EmTokenClient,
    /// A user, registered at level 2 (unlimited).
    pub carol: EmTokenClient,
    /// A user, registered at level 0 (small limits).
    pub dave: EmTokenClient,
    endpoint: String,
    profile: NetworkProfile,
    accounts: Accounts,
    addresses: BTreeMap<Role, Address>,
}

impl Deployed {
    /// Deploys EmToken on `node` ("EmToken Euro", "EURe", 2 decimals) with the roles and suspense account
    /// of `anvil/accounts.toml`, sets [`TIERS`], connects a client per account and registers the users at
    /// [`USER_LEVELS`]. Nobody holds tokens yet.
    pub async fn deploy(node: &DevNode) -> Result<Self> {
        Self::deploy_token(node, "EmToken Euro", "EURe", DECIMALS).await
    }

    /// As [`Self::deploy`], another token on the same node: `name`, `symbol`, `decimals` (the tiers in the
    /// same whole units). Several tokens on one node are several deployments of EmToken with the same roles.
    pub async fn deploy_token(
        node: &DevNode,
        name: &str,
        symbol: &str,
        decimals: u8,
    ) -> Result<Self> {
        let accounts = node.accounts().clone();
        let addresses = Role::ALL
            .iter()
            .map(|&role| Ok((role, accounts.address(role)?)))
            .collect::<Result<BTreeMap<_, _>>>()?;
        let endpoint = node.endpoint_url().to_string();
        let profile = network_profile(node.profile_name());
        let builder = |role: Role| -> Result<ClientBuilder> {
            builder_for(&endpoint, profile, &accounts, role)
        };
        let config = deploy_config(&addresses, name, symbol, decimals);
        let (deployment, _deployer) = deploy(builder(Role::Admin)?, &config)
            .await
            .map_err(Error::setup("deploying emtoken"))?;
        let deployed =
            Self::connect(deployment, endpoint.clone(), profile, accounts, addresses).await?;
        let d = &deployed;
        let registrations = USER_LEVELS.map(|(user, level)| {
            let wallet = d.address_of(user);
            async move {
                d.compliance
                    .register_wallet(wallet, level)
                    .await
                    .map_err(Error::setup(format!("registering {user} ({wallet})")))
            }
        });
        futures::future::try_join_all(registrations).await?;
        Ok(deployed)
    }

    /// The same deployment on another node: `node` loaded the state of the one it was deployed on
    /// (`anvil_dumpState`, then `--load-state`). Clients are connected anew, so they read their nonces
    /// there.
    pub async fn reconnect(&self, node: &DevNode) -> Result<Self> {
        Self::connect(
            self.deployment,
            node.endpoint_url().to_string(),
            network_profile(node.profile_name()),
            self.accounts.clone(),
            self.addresses.clone(),
        )
        .await
    }

    /// A client per account on `endpoint`, for `deployment`.
    async fn connect(
        deployment: Deployment,
        endpoint: String,
        profile: NetworkProfile,
        accounts: Accounts,
        addresses: BTreeMap<Role, Address>,
    ) -> Result<Self> {
        let connect = |role: Role| {
            let builder = builder_for(&endpoint, profile, &accounts, role);
            async move {
                builder?
                    .connect(deployment.address)
                    .await
                    .map_err(Error::setup(format!("connecting the {role} client")))
            }
        };
        let (
            admin,
            operator,
            compliance,
            pauser,
            notary,
            upgrader,
            suspense,
            alice,
            bob,
            carol,
            dave,
        ) = futures::try_join!(
            connect(Role::Admin),
            connect(Role::Operator),
            connect(Role::Compliance),
            connect(Role::Pauser),
            connect(Role::Notary),
            connect(Role::Upgrader),
            connect(Role::Suspense),
            connect(Role::Alice),
            connect(Role::Bob),
            connect(Role::Carol),
            connect(Role::Dave),
        )?;
        let minter_admin = if addresses[&Role::MinterAdmin] == addresses[&Role::Admin] {
            None
        } else {
            Some(connect(Role::MinterAdmin).await?)
        };
        Ok(Self {
            deployment,
            address: deployment.address,
            deploy_block: deployment.block,
            admin,
            operator,
            compliance,
            pauser,
            notary,
            upgrader,
            minter_admin,
            suspense,
            alice,
            bob,
            carol,
            dave,
            endpoint,
            profile,
            accounts,
            addresses,
        })
    }

    /// The client signing as `role`.
    pub fn client(&self, role: Role) -> &EmTokenClient {
        match role {
            Role::Admin => &self.admin,
            Role::Operator => &self.operator,
            Role::Compliance => &self.compliance,
            Role::Pauser => &self.pauser,
            Role::Notary => &self.notary,
            Role::Upgrader => &self.upgrader,
            Role::MinterAdmin => self.minter_admin.as_ref().unwrap_or(&self.admin),
            Role::Suspense => &self.suspense,
            Role::Alice => &self.alice,
            Role::Bob => &self.bob,
            Role::Carol => &self.carol,
            Role::Dave => &self.dave,
        }
    }

    /// The address of `role`'s account.
    pub fn address_of(&self, role: Role) -> Address {
        self.addresses[&role]
    }

    /// Every role account and its address, in `anvil/accounts.toml` order.
    pub fn role_addresses(&self) -> impl Iterator<Item = (Role, Address)> + '_ {
        self.addresses
            .iter()
            .map(|(role, address)| (*role, *address))
    }

    /// A builder of another client signing as `role` on the same node (e.g. one with other send settings).
    pub fn builder(&self, role: Role) -> Result<ClientBuilder> {
        builder_for(&self.endpoint, self.profile, &self.accounts, role)
    }

    /// The node's HTTP endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How clients price transactions on the node.
    pub fn profile(&self) -> NetworkProfile {
        self.profile
    }
}

fn builder_for(
    endpoint: &str,
    profile: NetworkProfile,
    accounts: &Accounts,
    role: Role,
) -> Result<ClientBuilder> {
    EmTokenClient::builder(endpoint)
        .mnemonic(&accounts.mnemonic, accounts.index(role)?)
        .map(|builder| builder.profile(profile))
        .map_err(Error::setup(format!("deriving the {role} key")))
}

fn deploy_config(
    addresses: &BTreeMap<Role, Address>,
    name: &str,
    symbol: &str,
    decimals: u8,
) -> DeployConfig {
    DeployConfig {
        name: name.to_owned(),
        symbol: symbol.to_owned(),
        decimals,
        roles: Roles {
            admin: addresses[&Role::Admin],
            operator: addresses[&Role::Operator],
            compliance: addresses[&Role::Compliance],
            pauser: addresses[&Role::Pauser],
            upgrader: addresses[&Role::Upgrader],
            minter_admin: addresses[&Role::MinterAdmin],
        },
        suspense: addresses[&Role::Suspense],
        minter_allowance: Amount::from_base_units(U256::from(MAX_BASE_UNITS), decimals)
            .expect("the supply cap is an amount"),
        tiers: tiers_of(decimals),
    }
}
