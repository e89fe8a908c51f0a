use alloy::primitives::{Address, TxHash};
use emtoken_bindings::EmToken;

use crate::{ClientBuilder, EmTokenClient, Error, Result, Role, Tier};

/// Who holds each role after deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// `DEFAULT_ADMIN_ROLE`.
    pub admin: Address,
    /// `OPERATOR_ROLE`.
    pub operator: Address,
    /// `COMPLIANCE_ROLE`.
    pub compliance: Address,
    /// `PAUSER_ROLE`.
    pub pauser: Address,
}

/// What to deploy: the same settings as contracts/script/Deploy.s.sol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployConfig {
    /// Token name.
    pub name: String,
    /// Token symbol.
    pub symbol: String,
    /// Decimals (2 for euro cents).
    pub decimals: u8,
    /// The role holders.
    pub roles: Roles,
    /// The suspense account of payouts (a dedicated address, never a registered wallet).
    pub suspense: Address,
    /// KYC level → limits. Amounts must have the token's decimals.
    pub tiers: Vec<(u8, Tier)>,
}

/// Where a deployment landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment {
    /// The contract.
    pub address: Address,
    /// The block of the deployment transaction (indexers start there).
    pub block: u64,
    /// The deployment transaction.
    pub tx_hash: TxHash,
}

/// Deploys EmToken as contracts/script/Deploy.s.sol does: the signer deploys as temporary admin, sets the
/// tiers, and hands the admin role to `config.roles.admin` when that is another address. Returns where it
/// landed and a client of it (signing with the deployer).
pub async fn deploy(
    builder: ClientBuilder,
    config: &DeployConfig,
) -> Result<(Deployment, EmTokenClient)> {
    if let Some((level, tier)) = config.tiers.iter().find(|(_, tier)| {
        [tier.max_balance, tier.max_transfer, tier.max_outflow_30d]
            .iter()
            .flatten()
            .any(|a| a.decimals() != config.decimals)
    }) {
        return Err(Error::Invalid(format!(
            "tier {level} has limits in another number of decimals than the token's {}: {tier:?}",
            config.decimals
        )));
    }
    let sender = builder.sender().await?;
    let deployer = sender
        .from()
        .ok_or_else(|| Error::Invalid("deploying needs a signer".to_owned()))?;
    let roles = EmToken::Roles {
        admin: deployer,
        operator: config.roles.operator,
        compliance: config.roles.compliance,
        pauser: config.roles.pauser,
    };
    let tx = EmToken::deploy_builder(
        sender.provider().clone(),
        config.name.clone(),
        config.symbol.clone(),
        config.decimals,
        roles,
        config.suspense,
    )
    .into_transaction_request();
    let receipt = sender.send("deploy", tx).await?;
    let address = receipt.contract_address.ok_or_else(|| {
        Error::Invalid(format!(
            "deployment {} created no contract",
            receipt.transaction_hash
        ))
    })?;
    let deployment = Deployment {
        address,
        block: receipt.block_number.unwrap_or_default(),
        tx_hash: receipt.transaction_hash,
    };

    let client = EmTokenClient::with_sender(sender, address).await?;
    // The tiers and the admin grant are independent: send them together (they share blocks on slow
    // chains); the deployer renounces only once the new admin holds the role.
    let tiers = config
        .tiers
        .iter()
        .map(|(level, tier)| client.set_tier(*level, *tier));
    let grant = async {
        if config.roles.admin == deployer {
            Ok(None)
        } else {
            client
                .grant_role(Role::Admin, config.roles.admin)
                .await
                .map(Some)
        }
    };
    let (tiers, grant) = futures::future::join(futures::future::join_all(tiers), grant).await;
    tiers.into_iter().collect::<Result<Vec<_>>>()?;
    if grant?.is_some() {
        client.renounce_role(Role::Admin).await?;
    }
    Ok((deployment, client))
}
