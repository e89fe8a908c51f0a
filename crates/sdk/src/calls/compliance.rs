use alloy::primitives::{Address, U256};

use crate::{
    Amount, EmTokenClient, Prepare, PreparedCall, Result, Tier, TxOutcome, client::contract_error,
};

impl EmTokenClient {
    /// `registerWallet` (compliance): `kyc_level` must be a level whose tier the admin set (see
    /// [`EmTokenClient::is_tier_set`]), else the call reverts with `KycLevelWithoutTier`.
    pub async fn register_wallet(&self, wallet: Address, kyc_level: u8) -> Result<TxOutcome> {
        self.send(self.prepare().register_wallet(wallet, kyc_level))
            .await
    }

    /// `setKycLevel` (compliance): as [`EmTokenClient::register_wallet`], only to a level with a tier.
    pub async fn set_kyc_level(&self, wallet: Address, kyc_level: u8) -> Result<TxOutcome> {
        self.send(self.prepare().set_kyc_level(wallet, kyc_level))
            .await
    }

    /// `freeze` (compliance).
    pub async fn freeze(&self, wallet: Address) -> Result<TxOutcome> {
        self.send(self.prepare().freeze(wallet)).await
    }

    /// `unfreeze` (compliance).
    pub async fn unfreeze(&self, wallet: Address) -> Result<TxOutcome> {
        self.send(self.prepare().unfreeze(wallet)).await
    }

    /// `setTier` (admin): the limits of a KYC level (`None` = no limit of that kind), which makes the level
    /// one that wallets may be given.
    pub async fn set_tier(&self, kyc_level: u8, tier: Tier) -> Result<TxOutcome> {
        self.send(self.prepare().set_tier(kyc_level, tier)).await
    }

    /// `isRegistered`.
    pub async fn is_registered(&self, wallet: Address) -> Result<bool> {
        self.contract()
            .isRegistered(wallet)
            .call()
            .await
            .map_err(|e| contract_error("isRegistered", e))
    }

    /// `isFrozen`.
    pub async fn is_frozen(&self, wallet: Address) -> Result<bool> {
        self.contract()
            .isFrozen(wallet)
            .call()
            .await
            .map_err(|e| contract_error("isFrozen", e))
    }

    /// `kycLevelOf`.
    pub async fn kyc_level_of(&self, wallet: Address) -> Result<u8> {
        self.contract()
            .kycLevelOf(wallet)
            .call()
            .await
            .map_err(|e| contract_error("kycLevelOf", e))
    }

    /// `isTierSet`: whether the admin set the tier of `kyc_level`, i.e. whether wallets may be given it.
    pub async fn is_tier_set(&self, kyc_level: u8) -> Result<bool> {
        self.contract()
            .isTierSet(kyc_level)
            .call()
            .await
            .map_err(|e| contract_error("isTierSet", e))
    }

    /// `tierOf`: the limits of a KYC level (all `None` for a level whose tier was never set: see
    /// [`EmTokenClient::is_tier_set`]).
    pub async fn tier_of(&self, kyc_level: u8) -> Result<Tier> {
        let t = self
            .contract()
            .tierOf(kyc_level)
            .call()
            .await
            .map_err(|e| contract_error("tierOf", e))?;
        let limit = |v: alloy::primitives::aliases::U96| -> Result<Option<Amount>> {
            let v = U256::from(v);
            if v.is_zero() {
                Ok(None)
            } else {
                self.on_chain_amount(v).map(Some)
            }
        };
        Ok(Tier {
            max_balance: limit(t.maxBalance)?,
            max_transfer: limit(t.maxTransfer)?,
            max_outflow_30d: limit(t.maxOutflow30d)?,
        })
    }

    /// `outflowOf`: what `wallet` sent in its current 30-day period, and when it started (`None` when there
    /// is no open period).
    pub async fn outflow_of(&self, wallet: Address) -> Result<(Amount, Option<u64>)> {
        let r = self
            .contract()
            .outflowOf(wallet)
            .call()
            .await
            .map_err(|e| contract_error("outflowOf", e))?;
        let start = u64::try_from(r.periodStart).unwrap_or(u64::MAX);
        Ok((
            self.on_chain_amount(r.outflow)?,
            (start != 0).then_some(start),
        ))
    }
}

impl Prepare<'_> {
    /// `registerWallet` (compliance): `kyc_level` must be a level whose tier the admin set (see
    /// [`EmTokenClient::is_tier_set`]), else the call reverts with `KycLevelWithoutTier`.
    pub fn register_wallet(&self, wallet: Address, kyc_level: u8) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .registerWallet(wallet, kyc_level)
                .into_transaction_request(),
        )
    }

    /// `setKycLevel` (compliance): as [`EmTokenClient::register_wallet`], only to a level with a tier.
    pub fn set_kyc_level(&self, wallet: Address, kyc_level: u8) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .setKycLevel(wallet, kyc_level)
                .into_transaction_request(),
        )
    }

    /// `freeze` (compliance).
    pub fn freeze(&self, wallet: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .freeze(wallet)
                .into_transaction_request(),
        )
    }

    /// `unfreeze` (compliance).
    pub fn unfreeze(&self, wallet: Address) -> PreparedCall {
        PreparedCall::new(
            self.client
                .contract()
                .unfreeze(wallet)
                .into_transaction_request(),
        )
    }

    /// `setTier` (admin): the limits of a KYC level (`None` = no limit of that kind), which makes the level
    /// one that wallets may be given.
    pub fn set_tier(&self, kyc_level: u8, tier: Tier) -> PreparedCall {
        let limit = |a: Option<Amount>| a.map_or(U256::ZERO, |a| a.base_units());
        PreparedCall::new(
            self.client
                .contract()
                .setTier(
                    kyc_level,
                    limit(tier.max_balance),
                    limit(tier.max_transfer),
                    limit(tier.max_outflow_30d),
                )
                .into_transaction_request(),
        )
    }
}
