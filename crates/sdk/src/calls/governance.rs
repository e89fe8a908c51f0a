//! Fees charged with a platform movement (`IFees`), supply governance (`ISupply`: minter allowances,
//! rescue, wipe) and upgrades by two keys (`IEmTokenUpgrades`).

use alloy::primitives::{Address, B256, Bytes, U256};

use crate::{
    Amount, Created, EmTokenClient, MintKind, OperationId, Prepare, PreparedCall, Result,
    TxOutcome, client::contract_error,
};

/// An upgrade the admin proposed and the upgrader has not executed yet (`pendingUpgrade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PendingUpgrade {
    /// The proposed implementation.
    pub implementation: Address,
    /// Who proposed it: the one key that may not execute it.
    pub proposer: Address,
}

impl EmTokenClient {
    /// `setFeeAccount` (admin): the account fees are paid to, a registered wallet (`WalletNotRegistered`
    /// otherwise) whose tier's balance limit suits what it collects: a fee moves as a transfer.
    pub async fn set_fee_account(&self, account: Address) -> Result<TxOutcome> {
        self.send(self.prepare().set_fee_account(account)).await
    }

    /// `feeAccount`: the account fees are paid to; `None` until the admin sets it (a non-zero fee is
    /// refused with `FeeAccountNotSet` until then).
    pub async fn fee_account(&self) -> Result<Option<Address>> {
        let account = self
            .contract()
            .feeAccount()
            .call()
            .await
            .map_err(|e| contract_error("feeAccount", e))?;
        Ok((account != Address::ZERO).then_some(account))
    }

    /// `operatorTransferWithFee` (operator role only, not an approved transfer operator): as
    /// [`Self::operator_transfer`], and `from` pays `fee` to the fee account in the same transaction
    /// (`FeeCharged` carries the transfer's key). A zero fee charges nothing.
    pub async fn operator_transfer_with_fee(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
        fee: Amount,
    ) -> Result<Created> {
        self.send_created(
            self.prepare()
                .operator_transfer_with_fee(operation, from, to, amount, fee),
            operation,
        )
        .await
    }

    /// `executeHoldWithFee` (the hold's notary, which must hold the operator role): as
    /// [`Self::execute_hold`] (moves `amount`, releases the rest), then the payer pays `fee` to the fee
    /// account from its available balance.
    pub async fn execute_hold_with_fee(
        &self,
        hold_id: B256,
        amount: Amount,
        fee: Amount,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().execute_hold_with_fee(hold_id, amount, fee))
            .await
    }

    /// `mintWithFee` (operator, within its minter allowance, which the whole `amount` uses): as
    /// [`Self::mint`], and `to` pays `fee` out of it to the fee account, as a transfer under its limits.
    /// `fee` may not exceed `amount` (`FeeAboveValue`).
    pub async fn mint_with_fee(
        &self,
        to: Address,
        amount: Amount,
        fee: Amount,
        kind: MintKind,
        reference: B256,
    ) -> Result<TxOutcome> {
        self.send(
            self.prepare()
                .mint_with_fee(to, amount, fee, kind, reference),
        )
        .await
    }

    /// `executePayoutWithFee` (operator): as [`Self::execute_payout`] (burns), then the wallet pays
    /// `fee` to the fee account from its available balance.
    pub async fn execute_payout_with_fee(&self, order_id: B256, fee: Amount) -> Result<TxOutcome> {
        self.send(self.prepare().execute_payout_with_fee(order_id, fee))
            .await
    }

    /// `executeFundWithFee` (operator): as [`Self::execute_fund`] (mints the order's value to the wallet),
    /// then the wallet pays `fee` out of it to the fee account (`FeeAboveValue` if above the value).
    pub async fn execute_fund_with_fee(&self, order_id: B256, fee: Amount) -> Result<TxOutcome> {
        self.send(self.prepare().execute_fund_with_fee(order_id, fee))
            .await
    }

    /// `orderPayoutFromWithFee` (operator role only): a payout of `amount` for `wallet` with `fee`
    /// reserved: `amount + fee` is locked, the fee charged on execution and unlocked on rejection or
    /// cancellation. Such a payout does not go to suspense (`PayoutFeeReserved`).
    pub async fn order_payout_from_with_fee(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        fee: Amount,
        instructions_hash: B256,
    ) -> Result<Created> {
        self.send_created(
            self.prepare().order_payout_from_with_fee(
                operation,
                wallet,
                amount,
                fee,
                instructions_hash,
            ),
            operation,
        )
        .await
    }

    /// `payoutFeeOf`: the fee reserved with payout `order_id` (zero when none, or once decided).
    pub async fn payout_fee_of(&self, order_id: B256) -> Result<Amount> {
        let v = self
            .contract()
            .payoutFeeOf(order_id)
            .call()
            .await
            .map_err(|e| contract_error("payoutFeeOf", e))?;
        self.on_chain_amount(v)
    }

    /// `configureMinter` (minter admin): what `minter` may still mint. Replaces the previous allowance
    /// (never added to it); every mint and fund-order execution by `minter` uses it up; zero stops it.
    pub async fn configure_minter(&self, minter: Address, allowance: Amount) -> Result<TxOutcome> {
        self.send(self.prepare().configure_minter(minter, allowance))
            .await
    }

    /// `minterAllowance`: what `minter` may still mint.
    pub async fn minter_allowance(&self, minter: Address) -> Result<Amount> {
        let v = self
            .contract()
            .minterAllowance(minter)
            .call()
            .await
            .map_err(|e| contract_error("minterAllowance", e))?;
        self.on_chain_amount(v)
    }

    /// `rescueERC20` (rescuer, [`crate::Role::Rescuer`]): sends `value` base units of another ERC-20,
    /// `token_contract`, held by this token's address by mistake, to `to`. Never this token itself
    /// (`RescueOfOwnToken`).
    pub async fn rescue_erc20(
        &self,
        token_contract: Address,
        to: Address,
        value: U256,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().rescue_erc20(token_contract, to, value))
            .await
    }

    /// `wipeFrozenBalance` (wiper, [`crate::Role::Wiper`]): burns `amount` of the frozen `wallet`'s
    /// available balance by the court order or decision `order_reference`, for `reason`. Holds and orders
    /// locking its money are decided first; the wallet stays frozen; refused while paused.
    pub async fn wipe_frozen_balance(
        &self,
        wallet: Address,
        amount: Amount,
        order_reference: B256,
        reason: &str,
    ) -> Result<TxOutcome> {
        self.send(
            self.prepare()
                .wipe_frozen_balance(wallet, amount, order_reference, reason),
        )
        .await
    }

    /// `proposeUpgrade` (admin): proposes `implementation` (it must have code), replacing any earlier
    /// proposal; the upgrader, another key, executes it with [`Self::upgrade_to_and_call`].
    pub async fn propose_upgrade(&self, implementation: Address) -> Result<TxOutcome> {
        self.send(self.prepare().propose_upgrade(implementation))
            .await
    }

    /// `cancelUpgrade` (admin or upgrader): withdraws the pending proposal.
    pub async fn cancel_upgrade(&self) -> Result<TxOutcome> {
        self.send(self.prepare().cancel_upgrade()).await
    }

    /// `pendingUpgrade`: the proposal the upgrader may execute, if any.
    pub async fn pending_upgrade(&self) -> Result<Option<PendingUpgrade>> {
        let p = self
            .contract()
            .pendingUpgrade()
            .call()
            .await
            .map_err(|e| contract_error("pendingUpgrade", e))?;
        Ok((p._0 != Address::ZERO).then_some(PendingUpgrade {
            implementation: p._0,
            proposer: p._1,
        }))
    }

    /// `upgradeToAndCall` (upgrader, never the key that proposed): the proxy runs the proposed
    /// `implementation` from now on, and `data`, when not empty, is called on it (a delegate call by the
    /// signer, e.g. a migration). Uses the proposal up.
    pub async fn upgrade_to_and_call(
        &self,
        implementation: Address,
        data: Bytes,
    ) -> Result<TxOutcome> {
        self.send(self.prepare().upgrade_to_and_call(implementation, data))
            .await
    }

    /// `implementation`: the implementation the proxy runs (its ERC-1967 slot).
    pub async fn implementation(&self) -> Result<Address> {
        self.contract()
            .implementation()
            .call()
            .await
            .map_err(|e| contract_error("implementation", e))
    }
}

impl Prepare<'_> {
    /// `setFeeAccount` (admin): the account fees are paid to, a registered wallet (`WalletNotRegistered`
    /// otherwise) whose tier's balance limit suits what it collects: a fee moves as a transfer.
    pub fn set_fee_account(&self, account: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .setFeeAccount(account)
                .into_transaction_request(),
        )
    }

    /// `operatorTransferWithFee` (operator role only, not an approved transfer operator): as
    /// [`Self::operator_transfer`], and `from` pays `fee` to the fee account in the same transaction.
    pub fn operator_transfer_with_fee(
        &self,
        operation: OperationId,
        from: Address,
        to: Address,
        amount: Amount,
        fee: Amount,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .operatorTransferWithFee(
                    operation.as_bytes(),
                    from,
                    to,
                    amount.base_units(),
                    fee.base_units(),
                )
                .into_transaction_request(),
        )
    }

    /// `executeHoldWithFee` (the hold's notary, which must hold the operator role): as
    /// [`Self::execute_hold`], then the payer pays `fee` to the fee account.
    pub fn execute_hold_with_fee(
        &self,
        hold_id: B256,
        amount: Amount,
        fee: Amount,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executeHoldWithFee(hold_id, amount.base_units(), fee.base_units())
                .into_transaction_request(),
        )
    }

    /// `mintWithFee` (operator, within its minter allowance): as [`Self::mint`], and `to` pays `fee`
    /// out of it to the fee account.
    pub fn mint_with_fee(
        &self,
        to: Address,
        amount: Amount,
        fee: Amount,
        kind: MintKind,
        reference: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .mintWithFee(
                    to,
                    amount.base_units(),
                    fee.base_units(),
                    kind as u8,
                    reference,
                )
                .into_transaction_request(),
        )
    }

    /// `executePayoutWithFee` (operator): as [`Self::execute_payout`], then the wallet pays `fee` to the
    /// fee account.
    pub fn execute_payout_with_fee(&self, order_id: B256, fee: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executePayoutWithFee(order_id, fee.base_units())
                .into_transaction_request(),
        )
    }

    /// `executeFundWithFee` (operator): as [`Self::execute_fund`], and the wallet pays `fee` out of the
    /// minted value to the fee account.
    pub fn execute_fund_with_fee(&self, order_id: B256, fee: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .executeFundWithFee(order_id, fee.base_units())
                .into_transaction_request(),
        )
    }

    /// `orderPayoutFromWithFee` (operator role): as [`Self::order_payout_from`], with `fee` reserved.
    pub fn order_payout_from_with_fee(
        &self,
        operation: OperationId,
        wallet: Address,
        amount: Amount,
        fee: Amount,
        instructions_hash: B256,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .orderPayoutFromWithFee(
                    operation.as_bytes(),
                    wallet,
                    amount.base_units(),
                    fee.base_units(),
                    instructions_hash,
                )
                .into_transaction_request(),
        )
    }

    /// `configureMinter` (minter admin): what `minter` may still mint, replacing the previous allowance.
    pub fn configure_minter(&self, minter: Address, allowance: Amount) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .configureMinter(minter, allowance.base_units())
                .into_transaction_request(),
        )
    }

    /// `rescueERC20` (rescuer): sends `value` base units of another ERC-20, `token_contract`, held by
    /// this token's address, to `to`.
    pub fn rescue_erc20(&self, token_contract: Address, to: Address, value: U256) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .rescueERC20(token_contract, to, value)
                .into_transaction_request(),
        )
    }

    /// `wipeFrozenBalance` (wiper): burns `amount` of the frozen `wallet`'s available balance by the
    /// court order or decision `order_reference`, for `reason`.
    pub fn wipe_frozen_balance(
        &self,
        wallet: Address,
        amount: Amount,
        order_reference: B256,
        reason: &str,
    ) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .wipeFrozenBalance(
                    wallet,
                    amount.base_units(),
                    order_reference,
                    reason.to_owned(),
                )
                .into_transaction_request(),
        )
    }

    /// `proposeUpgrade` (admin): proposes `implementation`, replacing any earlier proposal.
    pub fn propose_upgrade(&self, implementation: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .proposeUpgrade(implementation)
                .into_transaction_request(),
        )
    }

    /// `cancelUpgrade` (admin or upgrader): withdraws the pending proposal.
    pub fn cancel_upgrade(&self) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .cancelUpgrade()
                .into_transaction_request(),
        )
    }

    /// `upgradeToAndCall` (upgrader, never the key that proposed): switches the proxy to the proposed
    /// `implementation` and calls `data` on it when not empty.
    pub fn upgrade_to_and_call(&self, implementation: Address, data: Bytes) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .upgradeToAndCall(implementation, data)
                .into_transaction_request(),
        )
    }
}
