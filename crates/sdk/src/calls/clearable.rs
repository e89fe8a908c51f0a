use alloy::primitives::{Address, B256};

use crate::{
    Amount, ClearableTransfer, Created, EmTokenClient, OperationId, OrderStatus, Prepare,
    PreparedCall, Result, TxOutcome, client::contract_error,
};

impl EmTokenClient {
    /// `orderTransfer`: a two-step transfer of `amount` from the signer to `to`, locked until cleared.
    pub async fn order_transfer(
        &self,
        operation: OperationId,
        to: Address,
        amount: Amount,
    ) -> Result<Created> {
        self.send_created(
            self.prepare().order_transfer(operation, to, amount),
            operation,
        )
        .await
    }

    /// `orderTransferFrom`: for `from`, by its clearable operator or the operator role.
    pub async fn order_transfer_from(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .order_transfer_from(operation, from, to, amount),
            operation,
        )
        .await
    }

    /// `cancelTransfer` (orderer or payer, while Ordered).
    pub async fn cancel_transfer(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().cancel_transfer(order_id)).await
    }

    /// `processClearableTransfer` (operator).
    pub async fn process_clearable_transfer(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().process_clearable_transfer(order_id))
            .await
    }

    /// `executeClearableTransfer` (operator).
    pub async fn execute_clearable_transfer(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().execute_clearable_transfer(order_id))
            .await
    }

    /// `rejectClearableTransfer` (operator).
    pub async fn reject_clearable_transfer(
        &self,
        order_id: B256,
        reason: &str,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().reject_clearable_transfer(order_id, reason))
            .await
    }

    /// `authorizeClearableTransferOperator`.
    pub async fn authorize_clearable_transfer_operator(
        &self,
        operator: Address,
    ) -> Result<TxOutcome> {
        self.send(
            self.prepare()
                .authorize_clearable_transfer_operator(operator),
        )
        .await
    }

    /// `revokeClearableTransferOperator`.
    pub async fn revoke_clearable_transfer_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().revoke_clearable_transfer_operator(operator))
            .await
    }

    /// `isClearableTransferOperatorFor`.
    pub async fn is_clearable_transfer_operator_for(
        &self,
        operator: Address,
        from: Address,
    ) -> Result<bool> {
        self.contract()
            .isClearableTransferOperatorFor(operator, from)
            .call()
            .await
            .map_err(|e| contract_error("isClearableTransferOperatorFor", e))
    }

    /// `retrieveClearableTransferData`.
    pub async fn retrieve_clearable_transfer(&self, order_id: B256) -> Result<ClearableTransfer> {
        let o = self
            .contract()
            .retrieveClearableTransferData(order_id)
            .call()
            .await
            .map_err(|e| contract_error("retrieveClearableTransferData", e))?;
        Ok(ClearableTransfer {
            id: order_id,
            orderer: o.orderer,
            from: o.from,
            to: o.to,
            value: self.on_chain_amount(o.value)?,
            status: OrderStatus::try_from(o.status)?,
        })
    }
}

impl Prepare<'_> {
    /// `orderTransfer`: a two-step transfer of `amount` from the signer to `to`, locked until cleared.
    pub fn order_transfer(
        &self,
        operation: OperationId,
        to: Address,
        amount: Amount,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderTransfer(operation.as_bytes(), to, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `orderTransferFrom`: for `from`, by its clearable operator or the operator role.
    pub fn order_transfer_from(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderTransferFrom(operation.as_bytes(), from, to, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `cancelTransfer` (orderer or payer, while Ordered).
    pub fn cancel_transfer(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .cancelTransfer(order_id)
                .into_transaction_request(),
        )
    }

    /// `processClearableTransfer` (operator).
    pub fn process_clearable_transfer(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .processClearableTransfer(order_id)
                .into_transaction_request(),
        )
    }

    /// `executeClearableTransfer` (operator).
    pub fn execute_clearable_transfer(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executeClearableTransfer(order_id)
                .into_transaction_request(),
        )
    }

    /// `rejectClearableTransfer` (operator).
    pub fn reject_clearable_transfer(&self, order_id: B256, reason: &str) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .rejectClearableTransfer(order_id, reason.to_owned())
                .into_transaction_request(),
        )
    }

    /// `authorizeClearableTransferOperator`.
    pub fn authorize_clearable_transfer_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .authorizeClearableTransferOperator(operator)
                .into_transaction_request(),
        )
    }

    /// `revokeClearableTransferOperator`.
    pub fn revoke_clearable_transfer_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .revokeClearableTransferOperator(operator)
                .into_transaction_request(),
        )
    }
}
