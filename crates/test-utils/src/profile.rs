use std::{collections::BTreeMap, fmt, path::Path};

use alloy::{
    primitives::Address,
    signers::local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English},
};
use serde::Deserialize;

use crate::{Error, Result, paths::repo_root};

/// The devnet profiles of `anvil/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileName {
    /// `anvil/dev.toml`: instant mining, EIP-1559 fees, chain id 31337.
    Dev,
    /// `anvil/besu.toml`: like a Besu QBFT network: 2 s blocks, gas price 0, legacy transactions.
    Besu,
}

impl ProfileName {
    /// Every profile.
    pub const ALL: [Self; 2] = [Self::Dev, Self::Besu];

    /// The file stem under `anvil/`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Besu => "besu",
        }
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How clients send transactions on a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxType {
    /// EIP-1559 transactions with a fee market.
    Eip1559,
    /// Legacy (type 0) transactions with a gas price, as on Besu QBFT networks.
    Legacy,
}

/// One devnet profile, as written in `anvil/<name>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The chain id the node answers with.
    pub chain_id: u64,
    /// Seconds between blocks; 0 mines every transaction at once.
    pub block_time: u64,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Fixed gas price in wei, when the network has one (0 on Besu-like networks).
    pub gas_price: Option<u128>,
    /// Base fee in wei, when fixed.
    pub base_fee: Option<u128>,
    /// Accept transactions with a priority fee of 0.
    #[serde(default)]
    pub disable_min_priority_fee: bool,
    /// The EVM hardfork anvil runs.
    pub hardfork: String,
    /// How clients send transactions.
    pub tx_type: TxType,
}

impl Profile {
    /// Reads `anvil/<name>.toml`.
    pub fn load(name: ProfileName) -> Result<Self> {
        read_toml(&repo_root().join("anvil").join(format!("{name}.toml")))
    }

    /// The anvil arguments of this profile with these accounts, except host and port. `scripts/lib/common.sh`
    /// (`anvil_args`) maps the same keys to the same flags for `scripts/devnet`.
    pub fn anvil_args(&self, accounts: &Accounts) -> Vec<String> {
        let mut args = vec![
            "--chain-id".to_owned(),
            self.chain_id.to_string(),
            "--mnemonic".to_owned(),
            accounts.mnemonic.clone(),
            "--accounts".to_owned(),
            accounts.accounts.to_string(),
            "--balance".to_owned(),
            accounts.balance_ether.to_string(),
        ];
        if self.block_time > 0 {
            args.extend(["--block-time".to_owned(), self.block_time.to_string()]);
        }
        args.extend(["--gas-limit".to_owned(), self.gas_limit.to_string()]);
        if let Some(price) = self.gas_price {
            args.extend(["--gas-price".to_owned(), price.to_string()]);
        }
        if let Some(fee) = self.base_fee {
            args.extend(["--base-fee".to_owned(), fee.to_string()]);
        }
        args.extend(["--hardfork".to_owned(), self.hardfork.clone()]);
        if self.disable_min_priority_fee {
            args.push("--disable-min-priority-fee".to_owned());
        }
        args
    }
}

/// The dev accounts: `anvil/accounts.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// The BIP-39 mnemonic every dev key derives from.
    pub mnemonic: String,
    /// How many accounts anvil derives and funds.
    pub accounts: u32,
    /// Native balance of each, in ether.
    pub balance_ether: u64,
    /// Role name → BIP-44 index (m/44'/60'/0'/0/index).
    pub roles: BTreeMap<String, u32>,
}

impl Accounts {
    /// Reads `anvil/accounts.toml`.
    pub fn load() -> Result<Self> {
        read_toml(&repo_root().join("anvil").join("accounts.toml"))
    }

    /// The BIP-44 index of a role.
    pub fn index(&self, role: Role) -> Result<u32> {
        self.roles
            .get(role.as_str())
            .copied()
            .ok_or_else(|| Error::MissingRole(role.to_string()))
    }

    /// The private key of a role.
    pub fn signer(&self, role: Role) -> Result<PrivateKeySigner> {
        let index = self.index(role)?;
        MnemonicBuilder::<English>::default()
            .phrase(self.mnemonic.as_str())
            .index(index)
            .and_then(|builder| builder.build())
            .map_err(|source| Error::Derive {
                role: role.to_string(),
                index,
                source,
            })
    }

    /// The address of a role.
    pub fn address(&self, role: Role) -> Result<Address> {
        Ok(self.signer(role)?.address())
    }
}

/// Who a dev account is: the contract roles, a ready-made notary and suspense account, and four users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Grants roles, sets KYC tiers, deploys.
    Admin,
    /// The e-money institution: clearing and cash-in/out agent, minter, default operator.
    Operator,
    /// Registers wallets, sets KYC levels, freezes.
    Compliance,
    /// Pauses every balance-moving function.
    Pauser,
    /// A notary for holds.
    Notary,
    /// Executes the upgrades the admin proposes (never the admin's key).
    Upgrader,
    /// Sets what the operator may mint (on the devnet, the admin's account).
    MinterAdmin,
    /// The suspense account of payouts.
    Suspense,
    /// A user.
    Alice,
    /// A user.
    Bob,
    /// A user.
    Carol,
    /// A user.
    Dave,
}

impl Role {
    /// Every role, in `anvil/accounts.toml` order.
    pub const ALL: [Self; 12] = [
        Self::Admin,
        Self::Operator,
        Self::Compliance,
        Self::Pauser,
        Self::Notary,
        Self::Upgrader,
        Self::MinterAdmin,
        Self::Suspense,
        Self::Alice,
        Self::Bob,
        Self::Carol,
        Self::Dave,
    ];

    /// The users (not contract roles).
    pub const USERS: [Self; 4] = [Self::Alice, Self::Bob, Self::Carol, Self::Dave];

    /// The key of this role under `[roles]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Operator => "operator",
            Self::Compliance => "compliance",
            Self::Pauser => "pauser",
            Self::Notary => "notary",
            Self::Upgrader => "upgrader",
            Self::MinterAdmin => "minter_admin",
            Self::Suspense => "suspense",
            Self::Alice => "alice",
            Self::Bob => "bob",
            Self::Carol => "carol",
            Self::Dave => "dave",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| Error::Parse {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_funded_account_only_the_minter_admin_shares_one() {
        let accounts = Accounts::load().unwrap();
        let mut indexes: Vec<u32> = Role::ALL
            .iter()
            .map(|role| accounts.index(*role).unwrap())
            .collect();
        assert!(
            indexes.iter().all(|index| *index < accounts.accounts),
            "{indexes:?} beyond the funded accounts"
        );
        // The one shared account: the minter admin is the admin's on the devnet (accounts.toml).
        assert_eq!(
            accounts.index(Role::MinterAdmin).unwrap(),
            accounts.index(Role::Admin).unwrap()
        );
        indexes.sort_unstable();
        indexes.dedup();
        assert_eq!(
            indexes.len(),
            Role::ALL.len() - 1,
            "two roles share an account"
        );
        assert_eq!(
            accounts.roles.len(),
            Role::ALL.len(),
            "accounts.toml names a role the code does not know"
        );
    }

    #[test]
    fn keys_derive_as_anvil_derives_them() {
        // Anvil's first account for the standard test mnemonic.
        let accounts = Accounts::load().unwrap();
        assert_eq!(accounts.index(Role::Admin).unwrap(), 0);
        assert_eq!(
            accounts.address(Role::Admin).unwrap(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
                .parse::<Address>()
                .unwrap()
        );
    }

    #[test]
    fn profiles_parse_and_differ_in_chain_id() {
        let dev = Profile::load(ProfileName::Dev).unwrap();
        let besu = Profile::load(ProfileName::Besu).unwrap();
        assert_eq!(dev.chain_id, 31337);
        assert_eq!(dev.block_time, 0);
        assert_eq!(dev.tx_type, TxType::Eip1559);
        assert_ne!(besu.chain_id, dev.chain_id);
        assert_eq!(
            (besu.block_time, besu.gas_price, besu.base_fee),
            (2, Some(0), Some(0))
        );
        assert_eq!(besu.tx_type, TxType::Legacy);
    }

    #[test]
    fn besu_args_make_gas_free() {
        let accounts = Accounts::load().unwrap();
        let args = Profile::load(ProfileName::Besu)
            .unwrap()
            .anvil_args(&accounts)
            .join(" ");
        for flag in [
            "--gas-price 0",
            "--base-fee 0",
            "--block-time 2",
            "--disable-min-priority-fee",
        ] {
            assert!(args.contains(flag), "{flag} missing from {args}");
        }
    }
}
