use alloy::{
    primitives::{Address, TxHash},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use emtoken_bindings::{
    EmToken, EmTokenAuthorizations, EmTokenImplementation, EmTokenOrders, EmTokenProxy,
};

use crate::{Amount, ClientBuilder, EmTokenClient, Error, Result, Role, Tier, sender::Sender};

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
    /// `UPGRADER_ROLE`: executes the upgrades the admin proposes. Another key than the admin's and the
    /// deployer's (the contract never lets one key both propose and execute an upgrade).
    pub upgrader: Address,
    /// `MINTER_ADMIN_ROLE`: sets what each minter may mint (`configureMinter`).
    pub minter_admin: Address,
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
    /// What the operator may mint at first (its minter allowance; the supply cap is
    /// [`crate::MAX_BASE_UNITS`] base units). Must have the token's decimals.
    pub minter_allowance: Amount,
    /// KYC level → limits. Amounts must have the token's decimals.
    pub tiers: Vec<(u8, Tier)>,
}

/// Where a deployment landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployment {
    /// The token: its ERC-1967 proxy, the address every call, event and record refers to.
    pub address: Address,
    /// The block of the proxy's creation, which initialised the token (indexers start there).
    pub block: u64,
    /// The proxy's creation transaction.
    pub tx_hash: TxHash,
    /// The implementation the proxy runs (contract `EmToken`).
    pub implementation: Address,
    /// The module the implementation delegates order functions to (contract `EmTokenOrders`).
    pub orders_module: Address,
    /// The module the implementation delegates signed authorizations to (contract
    /// `EmTokenAuthorizations`).
    pub authorizations_module: Address,
}

/// Deploys EmToken as contracts/script/Deploy.s.sol does: the orders and authorizations modules, the
/// implementation delegating to them, then the ERC-1967 proxy initialised in its creation with the signer as temporary
/// admin and minter admin; gives the operator its minter allowance, sets the tiers, and hands the minter
/// admin and admin roles to `config.roles` when those are other addresses.
/// The upgrader must be neither the admin nor the signer. Returns where it landed and a client of the
/// proxy (signing with the deployer).
pub async fn deploy(
    builder: ClientBuilder,
    config: &DeployConfig,
) -> Result<(Deployment, EmTokenClient)> {
    check(config)?;
    deploy_with(std::sync::Arc::new(builder.sender().await?), config).await
}

/// [`deploy`] signed by `client`'s key, in that key's nonce order (a service deploying with a key it
/// also sends other transactions with). Returns a client of the new token sharing that order.
pub async fn deploy_from(
    client: &EmTokenClient,
    config: &DeployConfig,
) -> Result<(Deployment, EmTokenClient)> {
    check(config)?;
    deploy_with(client.shared_sender(), config).await
}

/// The settings' amounts have the token's decimals.
fn check(config: &DeployConfig) -> Result<()> {
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
    if config.minter_allowance.decimals() != config.decimals {
        return Err(Error::Invalid(format!(
            "the minter allowance {} has another number of decimals than the token's {}",
            config.minter_allowance, config.decimals
        )));
    }
    Ok(())
}

async fn deploy_with(
    sender: std::sync::Arc<Sender>,
    config: &DeployConfig,
) -> Result<(Deployment, EmTokenClient)> {
    let deployer = sender
        .from()
        .ok_or_else(|| Error::Invalid("deploying needs a signer".to_owned()))?;
    let upgrader = config.roles.upgrader;
    if upgrader == config.roles.admin || upgrader == deployer {
        return Err(Error::Invalid(format!(
            "the upgrader {upgrader} is also the {}: an upgrade needs two keys, give the upgrader role \
             to another address",
            if upgrader == deployer {
                "deployer (the temporary admin)"
            } else {
                "admin"
            }
        )));
    }
    let provider = sender.provider().clone();
    let orders = create(
        &sender,
        "deploy EmTokenOrders",
        EmTokenOrders::deploy_builder(provider.clone()).into_transaction_request(),
    )
    .await?
    .0;
    let authorizations = create(
        &sender,
        "deploy EmTokenAuthorizations",
        EmTokenAuthorizations::deploy_builder(provider.clone()).into_transaction_request(),
    )
    .await?
    .0;
    let implementation = create(
        &sender,
        "deploy EmToken (implementation)",
        EmTokenImplementation::deploy_builder(provider.clone(), orders, authorizations)
            .into_transaction_request(),
    )
    .await?
    .0;
    let initialize = EmToken::initializeCall {
        name_: config.name.clone(),
        symbol_: config.symbol.clone(),
        decimals_: config.decimals,
        roles: EmToken::Roles {
            admin: deployer,
            operator: config.roles.operator,
            compliance: config.roles.compliance,
            pauser: config.roles.pauser,
            upgrader,
            minterAdmin: deployer,
        },
        suspense: config.suspense,
    };
    let (address, receipt) = create(
        &sender,
        "deploy EmTokenProxy",
        EmTokenProxy::deploy_builder(provider, implementation, initialize.abi_encode().into())
            .into_transaction_request(),
    )
    .await?;
    let deployment = Deployment {
        address,
        block: receipt.block_number.unwrap_or_default(),
        tx_hash: receipt.transaction_hash,
        implementation,
        orders_module: orders,
        authorizations_module: authorizations,
    };

    let client = EmTokenClient::sharing(sender, address).await?;
    // The operator's minter allowance, the tiers and the role grants are independent: send them together
    // (they share blocks on slow chains); the deployer renounces a role only once its new holder has it,
    // the admin role last.
    let allowance = client.send(crate::PreparedCall::new(
        client
            .contract()
            .configureMinter(config.roles.operator, config.minter_allowance.base_units())
            .into_transaction_request(),
    ));
    let tiers = config
        .tiers
        .iter()
        .map(|(level, tier)| client.set_tier(*level, *tier));
    let hand_over = |role: Role, to: Address| {
        let client = &client;
        async move {
            if to == deployer {
                Ok(false)
            } else {
                client.grant_role(role, to).await.map(|_| true)
            }
        }
    };
    let (allowance, tiers, minter_admin, admin) = futures::future::join4(
        allowance,
        futures::future::join_all(tiers),
        hand_over(Role::MinterAdmin, config.roles.minter_admin),
        hand_over(Role::Admin, config.roles.admin),
    )
    .await;
    allowance?;
    tiers.into_iter().collect::<Result<Vec<_>>>()?;
    if minter_admin? {
        client.renounce_role(Role::MinterAdmin).await?;
    }
    if admin? {
        client.renounce_role(Role::Admin).await?;
    }
    Ok((deployment, client))
}

/// Sends a contract creation and returns the contract's address and the receipt.
async fn create(
    sender: &Sender,
    call: &'static str,
    tx: TransactionRequest,
) -> Result<(Address, alloy::rpc::types::TransactionReceipt)> {
    let receipt = sender.send(call, tx).await?;
    let address = receipt.contract_address.ok_or_else(|| {
        Error::Invalid(format!(
            "{call}: transaction {} created no contract",
            receipt.transaction_hash
        ))
    })?;
    Ok((address, receipt))
}
