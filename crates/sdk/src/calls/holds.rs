use std::time::Duration;

use alloy::primitives::{Address, B256, U256};

use crate::{
    Amount, Created, EmTokenClient, Hold, HoldStatus, OperationId, Result, TxOutcome,
    client::contract_error,
};

fn seconds(d: Option<Duration>) -> U256 {
    U256::from(d.map_or(0, |d| d.as_secs()))
}

fn date(at: Option<u64>) -> U256 {
    U256::from(at.unwrap_or(0))
}

impl EmTokenClient {
    /// `hold`: locks `amount` of the signer's funds for `to`, executed or released by `notary`, expiring
    /// after `expires_in` (`None` = perpetual).
    pub async fn hold(
        &self,
        operation: OperationId,
        to: Address,
        notary: Address,
        amount: Amount,
        expires_in: Option<Duration>,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .hold(
                operation.as_bytes(),
                to,
                notary,
                amount.base_units(),
                seconds(expires_in),
            )
            .into_transaction_request();
        self.send_created("hold", tx, operation).await
    }

    /// `holdWithExpirationDate`: as [`Self::hold`], expiring at `expiration` (unix seconds; `None` =
    /// perpetual).
    pub async fn hold_until(
        &self,
        operation: OperationId,
        to: Address,
        notary: Address,
        amount: Amount,
        expiration: Option<u64>,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .holdWithExpirationDate(
                operation.as_bytes(),
                to,
                notary,
                amount.base_units(),
                date(expiration),
            )
            .into_transaction_request();
        self.send_created("holdWithExpirationDate", tx, operation)
            .await
    }

    /// `holdFrom`: a hold on `from`'s funds, by the signer as its hold operator or the operator role.
    pub async fn hold_from(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        notary: Address,
        amount: Amount,
        expires_in: Option<Duration>,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .holdFrom(
                operation.as_bytes(),
                from,
                to,
                notary,
                amount.base_units(),
                seconds(expires_in),
            )
            .into_transaction_request();
        self.send_created("holdFrom", tx, operation).await
    }

    /// `holdFromWithExpirationDate`.
    pub async fn hold_from_until(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        notary: Address,
        amount: Amount,
        expiration: Option<u64>,
    ) -> Result<Created> {
        let tx = self
            .contract()
            .holdFromWithExpirationDate(
                operation.as_bytes(),
                from,
                to,
                notary,
                amount.base_units(),
                date(expiration),
            )
            .into_transaction_request();
        self.send_created("holdFromWithExpirationDate", tx, operation)
            .await
    }

    /// `executeHold` (notary): moves `amount` to the payee, releases the rest.
    pub async fn execute_hold(&self, hold_id: B256, amount: Amount) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .executeHold(hold_id, amount.base_units())
            .into_transaction_request();
        self.send("executeHold", tx).await
    }

    /// `executeHoldAndKeepOpen` (notary): moves `amount`, the rest stays held.
    pub async fn execute_hold_and_keep_open(
        &self,
        hold_id: B256,
        amount: Amount,
    ) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .executeHoldAndKeepOpen(hold_id, amount.base_units())
            .into_transaction_request();
        self.send("executeHoldAndKeepOpen", tx).await
    }

    /// `releaseHold`: the notary or payee; anyone once expired.
    pub async fn release_hold(&self, hold_id: B256) -> Result<TxOutcome> {
        self.send(
            "releaseHold",
            self.contract()
                .releaseHold(hold_id)
                .into_transaction_request(),
        )
        .await
    }

    /// `renewHold`: expires `expires_in` from now (`None` = perpetual).
    pub async fn renew_hold(
        &self,
        hold_id: B256,
        expires_in: Option<Duration>,
    ) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .renewHold(hold_id, seconds(expires_in))
            .into_transaction_request();
        self.send("renewHold", tx).await
    }

    /// `renewHoldWithExpirationDate`: expires at `expiration` (unix seconds; `None` = perpetual).
    pub async fn renew_hold_until(
        &self,
        hold_id: B256,
        expiration: Option<u64>,
    ) -> Result<TxOutcome> {
        let tx = self
            .contract()
            .renewHoldWithExpirationDate(hold_id, date(expiration))
            .into_transaction_request();
        self.send("renewHoldWithExpirationDate", tx).await
    }

    /// `authorizeHoldOperator`.
    pub async fn authorize_hold_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(
            "authorizeHoldOperator",
            self.contract()
                .authorizeHoldOperator(operator)
                .into_transaction_request(),
        )
        .await
    }

    /// `revokeHoldOperator`.
    pub async fn revoke_hold_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(
            "revokeHoldOperator",
            self.contract()
                .revokeHoldOperator(operator)
                .into_transaction_request(),
        )
        .await
    }

    /// `isHoldOperatorFor`.
    pub async fn is_hold_operator_for(&self, operator: Address, from: Address) -> Result<bool> {
        self.contract()
            .isHoldOperatorFor(operator, from)
            .call()
            .await
            .map_err(|e| contract_error("isHoldOperatorFor", e))
    }

    /// `retrieveHoldData`.
    pub async fn retrieve_hold(&self, hold_id: B256) -> Result<Hold> {
        let h = self
            .contract()
            .retrieveHoldData(hold_id)
            .call()
            .await
            .map_err(|e| contract_error("retrieveHoldData", e))?;
        let expiration = u64::try_from(h.expiration).unwrap_or(u64::MAX);
        Ok(Hold {
            id: hold_id,
            issuer: h.issuer,
            payer: h.payer,
            payee: h.payee,
            notary: h.notary,
            remaining: self.on_chain_amount(h.value)?,
            expiration: (expiration != 0).then_some(expiration),
            status: HoldStatus::try_from(h.status)?,
        })
    }

    /// `holdIdOf`: the key of the hold `issuer` creates with `operation` (computed off chain, equal to the
    /// contract's).
    pub fn hold_id(&self, issuer: Address, operation: OperationId) -> B256 {
        operation.record_key(issuer)
    }
}
