use alloy::primitives::{Address, B256};

use crate::{
    Amount, Created, EmTokenClient, Fund, MintKind, OperationId, OrderStatus, Prepare,
    PreparedCall, Result, TxOutcome, client::contract_error,
};

impl EmTokenClient {
    /// `orderFund`: asks for `amount` to be minted to the signer; `instructions_hash` commits to the
    /// off-chain payment details.
    pub async fn order_fund(
        &self,
        operation: OperationId,
        amount: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .order_fund(operation, amount, instructions_hash),
            operation,
        )
        .await
    }

    /// `orderFundFrom`: for `wallet`, by its fund operator or the operator role.
    pub async fn order_fund_from(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .order_fund_from(operation, wallet, amount, instructions_hash),
            operation,
        )
        .await
    }

    /// `cancelFund` (orderer or wallet, while Ordered).
    pub async fn cancel_fund(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().cancel_fund(order_id)).await
    }

    /// `processFund` (operator).
    pub async fn process_fund(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().process_fund(order_id)).await
    }

    /// `executeFund` (operator): mints.
    pub async fn execute_fund(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().execute_fund(order_id)).await
    }

    /// `rejectFund` (operator).
    pub async fn reject_fund(&self, order_id: B256, reason: &str) -> Result<TxOutcome> {
        self.send(self.prepare().reject_fund(order_id, reason))
            .await
    }

    /// `mint` (operator): a cash-in already received, of `kind`, tied to the fiat record by `reference`,
    /// which must not be zero (`ZeroPaymentReference`) and mints once whatever the kind
    /// (`MintReferenceUsed` for a second mint against it; see [`EmTokenClient::is_mint_reference_used`]).
    pub async fn mint(
        &self,
        to: Address,
        amount: Amount,
        kind: MintKind,
        reference: B256,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().mint(to, amount, kind, reference))
            .await
    }

    /// `authorizeFundOperator`.
    pub async fn authorize_fund_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().authorize_fund_operator(operator))
            .await
    }

    /// `revokeFundOperator`.
    pub async fn revoke_fund_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().revoke_fund_operator(operator))
            .await
    }

    /// `isFundOperatorFor`.
    pub async fn is_fund_operator_for(&self, operator: Address, wallet: Address) -> Result<bool> {
        self.contract()
            .isFundOperatorFor(operator, wallet)
            .call()
            .await
            .map_err(|e| contract_error("isFundOperatorFor", e))
    }

    /// `isMintReferenceUsed`: whether a mint was made against `reference` (one namespace for every kind).
    pub async fn is_mint_reference_used(&self, reference: B256) -> Result<bool> {
        self.contract()
            .isMintReferenceUsed(reference)
            .call()
            .await
            .map_err(|e| contract_error("isMintReferenceUsed", e))
    }

    /// `retrieveFundData`.
    pub async fn retrieve_fund(&self, order_id: B256) -> Result<Fund> {
        let f = self
            .contract()
            .retrieveFundData(order_id)
            .call()
            .await
            .map_err(|e| contract_error("retrieveFundData", e))?;
        Ok(Fund {
            id: order_id,
            orderer: f.orderer,
            wallet: f.walletToFund,
            value: self.on_chain_amount(f.value)?,
            status: OrderStatus::try_from(f.status)?,
        })
    }
}

impl Prepare<'_> {
    /// `orderFund`: asks for `amount` to be minted to the signer; `instructions_hash` commits to the
    /// off-chain payment details.
    pub fn order_fund(
        &self,
        operation: OperationId,
        amount: Amount,
        instructions_hash: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderFund(operation.as_bytes(), amount.base_units(), instructions_hash)
                .into_transaction_request(),
        )
    }

    /// `orderFundFrom`: for `wallet`, by its fund operator or the operator role.
    pub fn order_fund_from(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        instructions_hash: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderFundFrom(
                    operation.as_bytes(),
                    wallet,
                    amount.base_units(),
                    instructions_hash,
                )
                .into_transaction_request(),
        )
    }

    /// `cancelFund` (orderer or wallet, while Ordered).
    pub fn cancel_fund(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .cancelFund(order_id)
                .into_transaction_request(),
        )
    }

    /// `processFund` (operator).
    pub fn process_fund(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .processFund(order_id)
                .into_transaction_request(),
        )
    }

    /// `executeFund` (operator): mints.
    pub fn execute_fund(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executeFund(order_id)
                .into_transaction_request(),
        )
    }

    /// `rejectFund` (operator).
    pub fn reject_fund(&self, order_id: B256, reason: &str) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .rejectFund(order_id, reason.to_owned())
                .into_transaction_request(),
        )
    }

    /// `mint` (operator): a cash-in already received, of `kind`, tied to the fiat record by `reference`,
    /// which must not be zero (`ZeroPaymentReference`) and mints once whatever the kind
    /// (`MintReferenceUsed` for a second mint against it; see [`EmTokenClient::is_mint_reference_used`]).
    pub fn mint(
        &self,
        to: Address,
        amount: Amount,
        kind: MintKind,
        reference: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .mint(to, amount.base_units(), kind as u8, reference)
                .into_transaction_request(),
        )
    }

    /// `authorizeFundOperator`.
    pub fn authorize_fund_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .authorizeFundOperator(operator)
                .into_transaction_request(),
        )
    }

    /// `revokeFundOperator`.
    pub fn revoke_fund_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .revokeFundOperator(operator)
                .into_transaction_request(),
        )
    }
}
