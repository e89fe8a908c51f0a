use alloy::primitives::{Address, B256};

use crate::{
    Amount, Created, EmTokenClient, OperationId, Payout, PayoutStatus, Result, TxOutcome,
    client::contract_error,
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
        let tx = self
            .contract()
            .orderPayout(operation.as_bytes(), amount.base_units(), instructions_hash)
            .into_transaction_request();
        self.send_created("orderPayout", tx, operation).await
    }

    /// `orderPayoutFrom`: for `wallet`, by its payout operator or the operator role.
    pub async fn order_payout_from(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .orderPayoutFrom(
                operation.as_bytes(),
                wallet,
                amount.base_units(),
                instructions_hash,
            )
            .into_transaction_request();
        self.send_created("orderPayoutFrom", tx, operation).await
    }

    /// `cancelPayout` (orderer or wallet, while Ordered).
    pub async fn cancel_payout(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "cancelPayout",
            self.contract()
                .cancelPayout(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `processPayout` (operator).
    pub async fn process_payout(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "processPayout",
            self.contract()
                .processPayout(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `putFundsInSuspenseInPayout` (operator).
    pub async fn put_funds_in_suspense(&self, order_id: B256) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .putFundsInSuspenseInPayout(order_id)
            .into_transaction_request();
        self.send("putFundsInSuspenseInPayout", tx).await
    }

    /// `executePayout` (operator): burns.
    pub async fn execute_payout(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "executePayout",
            self.contract()
                .executePayout(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `rejectPayout` (operator): unlocks, or refunds from suspense.
    pub async fn reject_payout(&self, order_id: B256, reason: &str) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .rejectPayout(order_id, reason.to_owned())
            .into_transaction_request();
        self.send("rejectPayout", tx).await
    }

    /// `authorizePayoutOperator`.
    pub async fn authorize_payout_operator(&self, operator: Address) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .authorizePayoutOperator(operator)
            .into_transaction_request();
        self.send("authorizePayoutOperator", tx).await
    }

    /// `revokePayoutOperator`.
    pub async fn revoke_payout_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(
            "revokePayoutOperator",
            self.contract()
                .revokePayoutOperator(operator)
                .into_transaction_request(),
        )
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
