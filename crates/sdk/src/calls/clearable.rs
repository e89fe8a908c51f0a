use alloy::primitives::{Address, B256};

use crate::{
    Amount, ClearableTransfer, Created, EmTokenClient, OperationId, OrderStatus, Result, TxOutcome,
    client::contract_error,
};

impl EmTokenClient {
    /// `orderTransfer`: a two-step transfer of `amount` from the signer to `to`, locked until cleared.
    pub async fn order_transfer(
        &self,
        operation: OperationId,
        to: Address,
        amount: Amount,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .orderTransfer(operation.as_bytes(), to, amount.base_units())
            .into_transaction_request();
        self.send_created("orderTransfer", tx, operation).await
    }

    /// `orderTransferFrom`: for `from`, by its clearable operator or the operator role.
    pub async fn order_transfer_from(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .orderTransferFrom(operation.as_bytes(), from, to, amount.base_units())
            .into_transaction_request();
        self.send_created("orderTransferFrom", tx, operation).await
    }

    /// `cancelTransfer` (orderer or payer, while Ordered).
    pub async fn cancel_transfer(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "cancelTransfer",
            self.contract()
                .cancelTransfer(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `processClearableTransfer` (operator).
    pub async fn process_clearable_transfer(&self, order_id: B256) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .processClearableTransfer(order_id)
            .into_transaction_request();
        self.send("processClearableTransfer", tx).await
    }

    /// `executeClearableTransfer` (operator).
    pub async fn execute_clearable_transfer(&self, order_id: B256) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .executeClearableTransfer(order_id)
            .into_transaction_request();
        self.send("executeClearableTransfer", tx).await
    }

    /// `rejectClearableTransfer` (operator).
    pub async fn reject_clearable_transfer(
        &self,
        order_id: B256,
        reason: &str,
    ) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .rejectClearableTransfer(order_id, reason.to_owned())
            .into_transaction_request();
        self.send("rejectClearableTransfer", tx).await
    }

    /// `authorizeClearableTransferOperator`.
    pub async fn authorize_clearable_transfer_operator(
        &self,
        operator: Address,
    ) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .authorizeClearableTransferOperator(operator)
            .into_transaction_request();
        self.send("authorizeClearableTransferOperator", tx).await
    }

    /// `revokeClearableTransferOperator`.
    pub async fn revoke_clearable_transfer_operator(&self, operator: Address) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .revokeClearableTransferOperator(operator)
            .into_transaction_request();
        self.send("revokeClearableTransferOperator", tx).await
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
