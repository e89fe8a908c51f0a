use alloy::primitives::{Address, B256};

use crate::{
    Amount, Created, EmTokenClient, Fund, MintKind, OperationId, OrderStatus, Result, TxOutcome,
    client::contract_error,
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
        let tx = self
            .contract()
            .orderFund(operation.as_bytes(), amount.base_units(), instructions_hash)
            .into_transaction_request();
        self.send_created("orderFund", tx, operation).await
    }

    /// `orderFundFrom`: for `wallet`, by its fund operator or the operator role.
    pub async fn order_fund_from(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .orderFundFrom(
                operation.as_bytes(),
                wallet,
                amount.base_units(),
                instructions_hash,
            )
            .into_transaction_request();
        self.send_created("orderFundFrom", tx, operation).await
    }

    /// `cancelFund` (orderer or wallet, while Ordered).
    pub async fn cancel_fund(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "cancelFund",
            self.contract()
                .cancelFund(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `processFund` (operator).
    pub async fn process_fund(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "processFund",
            self.contract()
                .processFund(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `executeFund` (operator): mints.
    pub async fn execute_fund(&self, order_id: B256) -> Result<TxOutcome> {
        self.send(
            "executeFund",
            self.contract()
                .executeFund(order_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `rejectFund` (operator).
    pub async fn reject_fund(&self, order_id: B256, reason: &str) -> Result<TxOutcome> {
        self.send(
            "rejectFund",
            self.contract()
                .rejectFund(order_id, reason.to_owned())
                .into_transaction_request(),
        )
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
        let tx = self
            .contract()
            .mint(to, amount.base_units(), kind as u8, reference)
            .into_transaction_request();
        self.send("mint", tx).await
    }

    /// `authorizeFundOperator`.
    pub async fn authorize_fund_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(
            "authorizeFundOperator",
            self.contract()
                .authorizeFundOperator(operator)
                .into_transaction_request(),
        )
        .await
    }

    /// `revokeFundOperator`.
    pub async fn revoke_fund_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(
            "revokeFundOperator",
            self.contract()
                .revokeFundOperator(operator)
                .into_transaction_request(),
        )
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
