use alloy::primitives::{Address, B256, keccak256};

use crate::{EmTokenClient, Prepare, PreparedCall, Result, TxOutcome, client::contract_error};

/// The contract's roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `DEFAULT_ADMIN_ROLE`: roles, tiers, suspense account.
    Admin,
    /// `OPERATOR_ROLE`: the e-money institution.
    Operator,
    /// `COMPLIANCE_ROLE`: registration, KYC levels, freezing.
    Compliance,
    /// `PAUSER_ROLE`: pause.
    Pauser,
    /// `UPGRADER_ROLE`: executes the upgrades the admin proposes.
    Upgrader,
    /// `MINTER_ADMIN_ROLE`: sets what each minter may mint.
    MinterAdmin,
    /// `RESCUER_ROLE`: sends back other tokens sent to the token's address (granted when needed).
    Rescuer,
    /// `WIPER_ROLE`: burns a frozen wallet's balance by court order (granted when needed).
    Wiper,
}

impl Role {
    /// The role's name in the contract (`"OPERATOR_ROLE"`; the admin role is `"DEFAULT_ADMIN_ROLE"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Admin => "DEFAULT_ADMIN_ROLE",
            Self::Operator => "OPERATOR_ROLE",
            Self::Compliance => "COMPLIANCE_ROLE",
            Self::Pauser => "PAUSER_ROLE",
            Self::Upgrader => "UPGRADER_ROLE",
            Self::MinterAdmin => "MINTER_ADMIN_ROLE",
            Self::Rescuer => "RESCUER_ROLE",
            Self::Wiper => "WIPER_ROLE",
        }
    }

    /// The role's bytes32 id, as AccessControl knows it.
    pub fn id(self) -> B256 {
        match self {
            Self::Admin => B256::ZERO,
            other => keccak256(other.name()),
        }
    }
}

impl EmTokenClient {
    /// `hasRole`.
    pub async fn has_role(&self, role: Role, account: Address) -> Result<bool> {
        self.contract()
            .hasRole(role.id(), account)
            .call()
            .await
            .map_err(|e| contract_error("hasRole", e))
    }

    /// `grantRole` (admin).
    pub async fn grant_role(&self, role: Role, account: Address) -> Result<TxOutcome> {
        self.send(self.prepare().grant_role(role, account)).await
    }

    /// `revokeRole` (admin).
    pub async fn revoke_role(&self, role: Role, account: Address) -> Result<TxOutcome> {
        self.send(self.prepare().revoke_role(role, account)).await
    }

    /// `renounceRole`: the signer gives up `role`.
    pub async fn renounce_role(&self, role: Role) -> Result<TxOutcome> {
        let me = self
            .signer()
            .ok_or_else(|| crate::Error::Invalid("renounceRole needs a signer".to_owned()))?;
        self.send(self.prepare().renounce_role(role, me)).await
    }
}

impl Prepare<'_> {
    /// `grantRole` (admin).
    pub fn grant_role(&self, role: Role, account: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .grantRole(role.id(), account)
                .into_transaction_request(),
        )
    }

    /// `revokeRole` (admin).
    pub fn revoke_role(&self, role: Role, account: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .revokeRole(role.id(), account)
                .into_transaction_request(),
        )
    }

    /// `renounceRole`: `account` (the signer's own address, which the contract asks as confirmation)
    /// gives up `role`.
    pub fn renounce_role(&self, role: Role, account: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .renounceRole(role.id(), account)
                .into_transaction_request(),
        )
    }
}
