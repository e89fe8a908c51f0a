use alloy::primitives::Address;

use crate::{
    Amount, Created, EmTokenClient, OperationId, Prepare, PreparedCall, Result, TxOutcome,
    client::contract_error,
};

impl EmTokenClient {
    /// `balanceOf`: the gross balance, held funds included.
    pub async fn balance_of(&self, account: Address) -> Result<Amount> {
        let v = self
            .contract()
            .balanceOf(account)
            .call()
            .await
            .map_err(|e| contract_error("balanceOf", e))?;
        self.on_chain_amount(v)
    }

    /// `balanceOnHold`: the part locked by open holds and orders.
    pub async fn balance_on_hold(&self, account: Address) -> Result<Amount> {
        let v = self
            .contract()
            .balanceOnHold(account)
            .call()
            .await
            .map_err(|e| contract_error("balanceOnHold", e))?;
        self.on_chain_amount(v)
    }

    /// `availableBalanceOf`: what the account can move or commit.
    pub async fn available_balance_of(&self, account: Address) -> Result<Amount> {
        let v = self
            .contract()
            .availableBalanceOf(account)
            .call()
            .await
            .map_err(|e| contract_error("availableBalanceOf", e))?;
        self.on_chain_amount(v)
    }

    /// `totalSupply`.
    pub async fn total_supply(&self) -> Result<Amount> {
        let v = self
            .contract()
            .totalSupply()
            .call()
            .await
            .map_err(|e| contract_error("totalSupply", e))?;
        self.on_chain_amount(v)
    }

    /// `totalSupplyOnHold`.
    pub async fn total_supply_on_hold(&self) -> Result<Amount> {
        let v = self
            .contract()
            .totalSupplyOnHold()
            .call()
            .await
            .map_err(|e| contract_error("totalSupplyOnHold", e))?;
        self.on_chain_amount(v)
    }

    /// `allowance`.
    pub async fn allowance(&self, owner: Address, spender: Address) -> Result<Amount> {
        let v = self
            .contract()
            .allowance(owner, spender)
            .call()
            .await
            .map_err(|e| contract_error("allowance", e))?;
        self.on_chain_amount(v)
    }

    /// `name`.
    pub async fn name(&self) -> Result<String> {
        self.contract()
            .name()
            .call()
            .await
            .map_err(|e| contract_error("name", e))
    }

    /// `symbol`.
    pub async fn symbol(&self) -> Result<String> {
        self.contract()
            .symbol()
            .call()
            .await
            .map_err(|e| contract_error("symbol", e))
    }

    /// `suspenseAccount`.
    pub async fn suspense_account(&self) -> Result<Address> {
        self.contract()
            .suspenseAccount()
            .call()
            .await
            .map_err(|e| contract_error("suspenseAccount", e))
    }

    /// `paused`.
    pub async fn paused(&self) -> Result<bool> {
        self.contract()
            .paused()
            .call()
            .await
            .map_err(|e| contract_error("paused", e))
    }

    /// `transfer` from the signer.
    pub async fn transfer(&self, to: Address, amount: Amount) -> Result<TxOutcome> {
        self.send(self.prepare().transfer(to, amount)).await
    }

    /// `transferFrom` by the signer as spender.
    pub async fn transfer_from(
        &self,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().transfer_from(from, to, amount))
            .await
    }

    /// `approve`.
    pub async fn approve(&self, spender: Address, amount: Amount) -> Result<TxOutcome> {
        self.send(self.prepare().approve(spender, amount)).await
    }

    /// `operatorTransfer` for `from`, by the signer as its transfer operator or as the operator role.
    pub async fn operator_transfer(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .operator_transfer(operation, from, to, amount),
            operation,
        )
        .await
    }

    /// `authorizeTransferOperator`.
    pub async fn authorize_transfer_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().authorize_transfer_operator(operator))
            .await
    }

    /// `revokeTransferOperator`.
    pub async fn revoke_transfer_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().revoke_transfer_operator(operator))
            .await
    }

    /// `isTransferOperatorFor`.
    pub async fn is_transfer_operator_for(
        &self,
        operator: Address,
        wallet: Address,
    ) -> Result<bool> {
        self.contract()
            .isTransferOperatorFor(operator, wallet)
            .call()
            .await
            .map_err(|e| contract_error("isTransferOperatorFor", e))
    }

    /// `setSuspenseAccount` (admin).
    pub async fn set_suspense_account(&self, account: Address) -> Result<TxOutcome> {
        self.send(self.prepare().set_suspense_account(account))
            .await
    }

    /// `pause` (pauser).
    pub async fn pause(&self) -> Result<TxOutcome> {
        self.send(self.prepare().pause()).await
    }

    /// `unpause` (pauser).
    pub async fn unpause(&self) -> Result<TxOutcome> {
        self.send(self.prepare().unpause()).await
    }

    /// The key of a record the signer issues with `operation`.
    pub(crate) fn issued_key(&self, operation: OperationId) -> Result<alloy::primitives::B256> {
        let signer = self
            .signer()
            .ok_or_else(|| crate::Error::Invalid("this call needs a signer".to_owned()))?;
        Ok(operation.record_key(signer))
    }
}

impl Prepare<'_> {
    /// `transfer` from the signer.
    pub fn transfer(&self, to: Address, amount: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .transfer(to, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `transferFrom` by the signer as spender.
    pub fn transfer_from(&self, from: Address, to: Address, amount: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .transferFrom(from, to, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `approve`.
    pub fn approve(&self, spender: Address, amount: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .approve(spender, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `operatorTransfer` for `from`, by the signer as its transfer operator or as the operator role.
    pub fn operator_transfer(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .operatorTransfer(operation.as_bytes(), from, to, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `authorizeTransferOperator`.
    pub fn authorize_transfer_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .authorizeTransferOperator(operator)
                .into_transaction_request(),
        )
    }

    /// `revokeTransferOperator`.
    pub fn revoke_transfer_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .revokeTransferOperator(operator)
                .into_transaction_request(),
        )
    }

    /// `setSuspenseAccount` (admin).
    pub fn set_suspense_account(&self, account: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .setSuspenseAccount(account)
                .into_transaction_request(),
        )
    }

    /// `pause` (pauser).
    pub fn pause(&self) -> PreparedCall {
        PreparedCall::new(self.client.contract().pause().into_transaction_request())
    }

    /// `unpause` (pauser).
    pub fn unpause(&self) -> PreparedCall {
        PreparedCall::new(self.client.contract().unpause().into_transaction_request())
    }
}
