//! Shared fixture of the SDK's integration tests: a fresh anvil (dev or besu profile) with EmToken
//! deployed through the SDK, and one client per role of anvil/accounts.toml.

#![allow(dead_code, unreachable_pub)]

use alloy::primitives::{Address, B256};
use emtoken_sdk::{
    Amount, DeployConfig, Deployment, EmTokenClient, MintKind, NetworkProfile, OperationId, Roles,
    Tier, deploy,
};
use emtoken_test_utils::{DevNode, ProfileName, Role};

/// Tier limits of the fixture, in whole euros (2 decimals): level 0 small, level 1 medium, level 2 unlimited.
pub const L0: (&str, &str, &str) = ("250", "100", "150");
pub const L1: (&str, &str, &str) = ("10000", "5000", "15000");

pub struct Fixture {
    pub node: DevNode,
    pub deployment: Deployment,
    pub admin: EmTokenClient,
    pub operator: EmTokenClient,
    pub compliance: EmTokenClient,
    pub pauser: EmTokenClient,
    pub notary: EmTokenClient,
    pub suspense: EmTokenClient,
    pub alice: EmTokenClient,
    pub bob: EmTokenClient,
    pub carol: EmTokenClient,
    pub dave: EmTokenClient,
}

pub fn profile_of(name: ProfileName) -> NetworkProfile {
    match name {
        ProfileName::Dev => NetworkProfile::Anvil,
        ProfileName::Besu => NetworkProfile::Besu,
    }
}

/// A builder for `role` on `node`, with the network profile that matches the node.
pub fn builder(node: &DevNode, role: Role) -> emtoken_sdk::ClientBuilder {
    let accounts = node.accounts();
    EmTokenClient::builder(node.endpoint_url().to_string())
        .mnemonic(
            &accounts.mnemonic,
            accounts.index(role).expect("role index"),
        )
        .expect("derive key")
        .profile(profile_of(node.profile_name()))
}

/// A fresh payment reference for a mint (the contract mints once per reference and refuses zero).
pub fn payment_reference() -> B256 {
    OperationId::random().as_bytes()
}

pub fn amount(text: &str) -> Amount {
    Amount::parse(text, 2).expect("amount")
}

fn tier((balance, transfer, outflow): (&str, &str, &str)) -> Tier {
    Tier {
        max_balance: Some(amount(balance)),
        max_transfer: Some(amount(transfer)),
        max_outflow_30d: Some(amount(outflow)),
    }
}

impl Fixture {
    /// A fresh node of `profile` with EmToken deployed by the admin, tiers 0-2, and alice and bob
    /// registered at level 1, carol at level 2 and dave at level 0. Nobody holds tokens.
    pub async fn new(profile: ProfileName) -> Self {
        Self::with_anvil_args(profile, &[]).await
    }

    /// As [`Fixture::new`], on a node started with extra anvil flags (e.g. `["--block-time", "1"]`).
    pub async fn with_anvil_args(profile: ProfileName, extra: &[&str]) -> Self {
        let node = DevNode::spawn_with_args(profile, extra).expect("spawn anvil");
        let address = |role| node.address(role).expect("address");
        let config = DeployConfig {
            name: "EmToken Euro".to_owned(),
            symbol: "EURe".to_owned(),
            decimals: 2,
            roles: Roles {
                admin: address(Role::Admin),
                operator: address(Role::Operator),
                compliance: address(Role::Compliance),
                pauser: address(Role::Pauser),
                upgrader: address(Role::Upgrader),
                minter_admin: address(Role::MinterAdmin),
            },
            suspense: address(Role::Suspense),
            minter_allowance: emtoken_sdk::Amount::from_base_units(
                alloy::primitives::U256::from(emtoken_sdk::MAX_BASE_UNITS),
                2,
            )
            .unwrap(),
            tiers: vec![
                (0, tier(L0)),
                (1, tier(L1)),
                (
                    2,
                    Tier {
                        max_balance: None,
                        max_transfer: None,
                        max_outflow_30d: None,
                    },
                ),
            ],
        };
        let (deployment, admin) = deploy(builder(&node, Role::Admin), &config)
            .await
            .expect("deploy");
        let client = |role| {
            let b = builder(&node, role);
            async move { b.connect(deployment.address).await.expect("connect") }
        };
        let fixture = Self {
            operator: client(Role::Operator).await,
            compliance: client(Role::Compliance).await,
            pauser: client(Role::Pauser).await,
            notary: client(Role::Notary).await,
            suspense: client(Role::Suspense).await,
            alice: client(Role::Alice).await,
            bob: client(Role::Bob).await,
            carol: client(Role::Carol).await,
            dave: client(Role::Dave).await,
            admin,
            deployment,
            node,
        };
        let registrations = [
            (Role::Alice, 1),
            (Role::Bob, 1),
            (Role::Carol, 2),
            (Role::Dave, 0),
        ]
        .map(|(who, level)| fixture.compliance.register_wallet(fixture.addr(who), level));
        for registered in futures::future::join_all(registrations).await {
            registered.expect("register");
        }
        fixture
    }

    pub fn addr(&self, role: Role) -> Address {
        self.node.address(role).expect("address")
    }

    /// A card cash-in of `value` euros to `role`.
    pub async fn fund(&self, role: Role, value: &str) {
        self.operator
            .mint(
                self.addr(role),
                amount(value),
                MintKind::Card,
                payment_reference(),
            )
            .await
            .expect("mint");
    }
}
