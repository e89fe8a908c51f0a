use alloy::primitives::{Address, B256};

use crate::{
    Amount, Created, EmTokenClient, OperationId, Payout, PayoutStatus, Prepare, PreparedCall,
    Result, TxOutcome, client::contract_error,
};

impl EmTokenClient {
    /// `orderPayout`: a cash-out of `amount` from the signer's wallet, locked until executed;
    /// `instructions_hash` commits to the bank details (never on chain in clear).
    pub async fn order_payout(
        &self,
        operation: OperationId,
        amount: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .order_payout(operation, amount, instructions_hash),
            operation,
        )
        .await
    }

    /// `orderPayoutFrom`: for `wallet`, by its payout operator or the operator role.
    pub async fn order_payout_from(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .order_payout_from(operation, wallet, amount, instructions_hash),
            operation,
        )
        .await
    }

    /// `cancelPayout` (orderer or wallet, while Ordered).
    pub async fn cancel_payout(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().cancel_payout(order_id)).await
    }

    /// `processPayout` (operator).
    pub async fn process_payout(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().process_payout(order_id)).await
    }

    /// `putFundsInSuspenseInPayout` (operator).
    pub async fn put_funds_in_suspense(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().put_funds_in_suspense(order_id))
            .await
    }

    /// `executePayout` (operator): burns.
    pub async fn execute_payout(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().execute_payout(order_id)).await
    }

    /// `rejectPayout` (operator): unlocks, or refunds from suspense.
    pub async fn reject_payout(&self, order_id: B256, reason: &str) -> Result<TxOutcome> {
        self.send(self.prepare().reject_payout(order_id, reason))
            .await
    }

    /// `authorizePayoutOperator`.
    pub async fn authorize_payout_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().authorize_payout_operator(operator))
            .await
    }

    /// `revokePayoutOperator`.
    pub async fn revoke_payout_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().revoke_payout_operator(operator))
            .await
    }

    /// `isPayoutOperatorFor`.
    pub async fn is_payout_operator_for(&self, operator: Address, wallet: Address) -> Result<bool> {
        self.contract()
            .isPayoutOperatorFor(operator, wallet)
            .call()
            .await
            .map_err(|e| contract_error("isPayoutOperatorFor", e))
    }

    /// `retrievePayoutData`.
    pub async fn retrieve_payout(&self, order_id: B256) -> Result<Payout> {
        let p = self
            .contract()
            .retrievePayoutData(order_id)
            .call()
            .await
            .map_err(|e| contract_error("retrievePayoutData", e))?;
        Ok(Payout {
            id: order_id,
            orderer: p.orderer,
            wallet: p.wallet,
            value: self.on_chain_amount(p.value)?,
            status: PayoutStatus::try_from(p.status)?,
        })
    }
}

impl Prepare<'_> {
    /// `orderPayout`: a cash-out of `amount` from the signer's wallet, locked until executed;
    /// `instructions_hash` commits to the bank details (never on chain in clear).
    pub fn order_payout(
        &self,
        operation: OperationId,
        amount: Amount,
        instructions_hash: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderPayout(operation.as_bytes(), amount.base_units(), instructions_hash)
                .into_transaction_request(),
        )
    }

    /// `orderPayoutFrom`: for `wallet`, by its payout operator or the operator role.
    pub fn order_payout_from(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        instructions_hash: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderPayoutFrom(
                    operation.as_bytes(),
                    wallet,
                    amount.base_units(),
                    instructions_hash,
                )
                .into_transaction_request(),
        )
    }

    /// `cancelPayout` (orderer or wallet, while Ordered).
    pub fn cancel_payout(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .cancelPayout(order_id)
                .into_transaction_request(),
        )
    }

    /// `processPayout` (operator).
    pub fn process_payout(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .processPayout(order_id)
                .into_transaction_request(),
        )
    }

    /// `putFundsInSuspenseInPayout` (operator).
    pub fn put_funds_in_suspense(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .putFundsInSuspenseInPayout(order_id)
                .into_transaction_request(),
        )
    }

    /// `executePayout` (operator): burns.
    pub fn execute_payout(&self, order_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executePayout(order_id)
                .into_transaction_request(),
        )
    }

    /// `rejectPayout` (operator): unlocks, or refunds from suspense.
    pub fn reject_payout(&self, order_id: B256, reason: &str) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .rejectPayout(order_id, reason.to_owned())
                .into_transaction_request(),
        )
    }

    /// `authorizePayoutOperator`.
    pub fn authorize_payout_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .authorizePayoutOperator(operator)
                .into_transaction_request(),
        )
    }

    /// `revokePayoutOperator`.
    pub fn revoke_payout_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .revokePayoutOperator(operator)
                .into_transaction_request(),
        )
    }
}
