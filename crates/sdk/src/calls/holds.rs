use std::time::Duration;

use alloy::primitives::{Address, B256, U256};

use crate::{
    Amount, Created, EmTokenClient, Hold, HoldStatus, OperationId, Prepare, PreparedCall, Result,
    TxOutcome, client::contract_error,
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
        self.send_created(
            self.prepare()
                .hold(operation, to, notary, amount, expires_in),
            operation,
        )
        .await
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
        self.send_created(
            self.prepare()
                .hold_until(operation, to, notary, amount, expiration),
            operation,
        )
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
        self.send_created(
            self.prepare()
                .hold_from(operation, from, to, notary, amount, expires_in),
            operation,
        )
        .await
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
        self.send_created(
            self.prepare()
                .hold_from_until(operation, from, to, notary, amount, expiration),
            operation,
        )
        .await
    }

    /// `executeHold` (notary): moves `amount` to the payee, releases the rest.
    pub async fn execute_hold(&self, hold_id: B256, amount: Amount) -> Result<TxOutcome> {
        self.send(self.prepare().execute_hold(hold_id, amount))
            .await
    }

    /// `executeHoldAndKeepOpen` (notary): moves `amount`, the rest stays held.
    pub async fn execute_hold_and_keep_open(
        &self,
        hold_id: B256,
        amount: Amount,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().execute_hold_and_keep_open(hold_id, amount))
            .await
    }

    /// `releaseHold`: the notary or payee; anyone once expired.
    pub async fn release_hold(&self, hold_id: B256) -> Result<TxOutcome> {
        self.send(self.prepare().release_hold(hold_id)).await
    }

    /// `renewHold`: expires `expires_in` from now (`None` = perpetual).
    pub async fn renew_hold(
        &self,
        hold_id: B256,
        expires_in: Option<Duration>,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().renew_hold(hold_id, expires_in))
            .await
    }

    /// `renewHoldWithExpirationDate`: expires at `expiration` (unix seconds; `None` = perpetual).
    pub async fn renew_hold_until(
        &self,
        hold_id: B256,
        expiration: Option<u64>,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().renew_hold_until(hold_id, expiration))
            .await
    }

    /// `authorizeHoldOperator`.
    pub async fn authorize_hold_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().authorize_hold_operator(operator))
            .await
    }

    /// `revokeHoldOperator`.
    pub async fn revoke_hold_operator(&self, operator: Address) -> Result<TxOutcome> {
        self.send(self.prepare().revoke_hold_operator(operator))
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

impl Prepare<'_> {
    /// `hold`: locks `amount` of the signer's funds for `to`, executed or released by `notary`, expiring
    /// after `expires_in` (`None` = perpetual).
    pub fn hold(
        &self,
        operation: OperationId,
        to: Address,
        notary: Address,
        amount: Amount,
        expires_in: Option<Duration>,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .hold(
                    operation.as_bytes(),
                    to,
                    notary,
                    amount.base_units(),
                    seconds(expires_in),
                )
                .into_transaction_request(),
        )
    }

    /// `holdWithExpirationDate`: as [`Self::hold`], expiring at `expiration` (unix seconds; `None` =
    /// perpetual).
    pub fn hold_until(
        &self,
        operation: OperationId,
        to: Address,
        notary: Address,
        amount: Amount,
        expiration: Option<u64>,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .holdWithExpirationDate(
                    operation.as_bytes(),
                    to,
                    notary,
                    amount.base_units(),
                    date(expiration),
                )
                .into_transaction_request(),
        )
    }

    /// `holdFrom`: a hold on `from`'s funds, by the signer as its hold operator or the operator role.
    pub fn hold_from(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        notary: Address,
        amount: Amount,
        expires_in: Option<Duration>,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .holdFrom(
                    operation.as_bytes(),
                    from,
                    to,
                    notary,
                    amount.base_units(),
                    seconds(expires_in),
                )
                .into_transaction_request(),
        )
    }

    /// `holdFromWithExpirationDate`.
    pub fn hold_from_until(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        notary: Address,
        amount: Amount,
        expiration: Option<u64>,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .holdFromWithExpirationDate(
                    operation.as_bytes(),
                    from,
                    to,
                    notary,
                    amount.base_units(),
                    date(expiration),
                )
                .into_transaction_request(),
        )
    }

    /// `executeHold` (notary): moves `amount` to the payee, releases the rest.
    pub fn execute_hold(&self, hold_id: B256, amount: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executeHold(hold_id, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `executeHoldAndKeepOpen` (notary): moves `amount`, the rest stays held.
    pub fn execute_hold_and_keep_open(&self, hold_id: B256, amount: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executeHoldAndKeepOpen(hold_id, amount.base_units())
                .into_transaction_request(),
        )
    }

    /// `releaseHold`: the notary or payee; anyone once expired.
    pub fn release_hold(&self, hold_id: B256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .releaseHold(hold_id)
                .into_transaction_request(),
        )
    }

    /// `renewHold`: expires `expires_in` from now (`None` = perpetual).
    pub fn renew_hold(&self, hold_id: B256, expires_in: Option<Duration>) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .renewHold(hold_id, seconds(expires_in))
                .into_transaction_request(),
        )
    }

    /// `renewHoldWithExpirationDate`: expires at `expiration` (unix seconds; `None` = perpetual).
    pub fn renew_hold_until(&self, hold_id: B256, expiration: Option<u64>) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .renewHoldWithExpirationDate(hold_id, date(expiration))
                .into_transaction_request(),
        )
    }

    /// `authorizeHoldOperator`.
    pub fn authorize_hold_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .authorizeHoldOperator(operator)
                .into_transaction_request(),
        )
    }

    /// `revokeHoldOperator`.
    pub fn revoke_hold_operator(&self, operator: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .revokeHoldOperator(operator)
                .into_transaction_request(),
        )
    }
}
