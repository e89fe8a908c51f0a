use std::time::Duration;

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::Address,
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    transports::http::reqwest::Url,
};

use crate::{Accounts, Error, Profile, ProfileName, Result, Role, paths::tools_dir};

/// A running anvil with one of the `anvil/` profiles, on a port of its own; killed when dropped.
#[derive(Debug)]
pub struct DevNode {
    instance: AnvilInstance,
    name: ProfileName,
    profile: Profile,
    accounts: Accounts,
    /// Where anvil persists old states; dropped (removed) after the node, declared last.
    _cache: tempfile::TempDir,
}

impl DevNode {
    /// Starts anvil (from `.tools/`, installed by `scripts/setup`) with the named profile on a free port.
    pub fn spawn(name: ProfileName) -> Result<Self> {
        Self::spawn_with_args(name, &[])
    }

    /// As [`Self::spawn`], with extra anvil flags that replace the profile's own (e.g. `["--block-time",
    /// "1", "--gas-limit", "300000000"]`, which anvil needs under load: in its default one-block-per-transaction
    /// mode it stalls once a few thousand transactions wait). The node still reports the profile's name and settings.
    pub fn spawn_with_args(name: ProfileName, extra: &[&str]) -> Result<Self> {
        Self::spawn_waiting(name, extra, Duration::from_secs(120))
    }

    /// As [`Self::spawn_with_args`], waiting up to `startup` for the node to listen (two minutes there).
    /// A node loading a saved state of a million events (GBs of JSON) needs several: it reads the state
    /// before it prints its banner, and the wait is checked at each line of it.
    pub fn spawn_waiting(name: ProfileName, extra: &[&str], startup: Duration) -> Result<Self> {
        let profile = Profile::load(name)?;
        let accounts = Accounts::load()?;
        let anvil = tools_dir().join("node_modules/.bin/anvil");
        if !anvil.exists() {
            return Err(Error::AnvilMissing(anvil));
        }
        // Drop each profile flag (and its value) that `extra` sets again: anvil refuses a flag twice.
        let mut args = Vec::new();
        let mut profile_args = profile.anvil_args(&accounts).into_iter().peekable();
        while let Some(arg) = profile_args.next() {
            if arg.starts_with("--") && extra.contains(&arg.as_str()) {
                profile_args.next_if(|value| !value.starts_with("--"));
            } else {
                args.push(arg);
            }
        }
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        // Anvil moves old states to disk under ~/.foundry/anvil/tmp and removes them only on a clean exit;
        // a node killed on drop would leave them behind (tens of GB over many test runs). Each node keeps
        // them in a folder of its own, removed with it.
        let cache = tempfile::Builder::new()
            .prefix("emtoken-anvil-states-")
            .tempdir()
            .map_err(|e| Error::StateCache(e.to_string()))?;
        args.push("--cache-path".to_owned());
        args.push(cache.path().display().to_string());
        // A node loading a saved 100,000-event chain (700 MB of JSON) takes tens of seconds on a busy
        // machine, past the library's default wait.
        let instance = Anvil::at(anvil)
            .host("127.0.0.1")
            .port(0u16)
            .timeout(u64::try_from(startup.as_millis()).unwrap_or(u64::MAX))
            .args(args)
            .try_spawn()
            .map_err(|source| Error::Spawn {
                profile: name.to_string(),
                source,
            })?;
        Ok(Self {
            instance,
            name,
            profile,
            accounts,
            _cache: cache,
        })
    }

    /// Which profile the node runs.
    pub fn profile_name(&self) -> ProfileName {
        self.name
    }

    /// The profile's settings.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The dev accounts.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The port the node listens on.
    pub fn port(&self) -> u16 {
        self.instance.port()
    }

    /// The operating-system process id of the node.
    pub fn pid(&self) -> u32 {
        self.instance.child().id()
    }

    /// The HTTP JSON-RPC URL.
    pub fn endpoint_url(&self) -> Url {
        self.instance.endpoint_url()
    }

    /// The WebSocket JSON-RPC URL.
    pub fn ws_endpoint_url(&self) -> Url {
        self.instance.ws_endpoint_url()
    }

    /// The private key of a role.
    pub fn signer(&self, role: Role) -> Result<PrivateKeySigner> {
        self.accounts.signer(role)
    }

    /// The address of a role.
    pub fn address(&self, role: Role) -> Result<Address> {
        self.accounts.address(role)
    }

    /// Stops mining (instant and interval) and returns the head once it has stayed put for 300 ms: from
    /// then on the chain only grows by what is mined on request (`evm_mine`).
    pub async fn freeze(&self) -> Result<u64> {
        let provider = ProviderBuilder::new().connect_http(self.endpoint_url());
        let failed = |method| move |source| Error::Rpc { method, source };
        let _: serde_json::Value = provider
            .raw_request("evm_setAutomine".into(), (false,))
            .await
            .map_err(failed("evm_setAutomine"))?;
        let _: serde_json::Value = provider
            .raw_request("evm_setIntervalMining".into(), (0u64,))
            .await
            .map_err(failed("evm_setIntervalMining"))?;
        let mut head = provider
            .get_block_number()
            .await
            .map_err(failed("eth_blockNumber"))?;
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let now = provider
                .get_block_number()
                .await
                .map_err(failed("eth_blockNumber"))?;
            if now == head {
                return Ok(head);
            }
            head = now;
        }
    }
}
