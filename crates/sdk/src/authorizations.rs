//! Signed authorizations: what a wallet signs (EIP-712 typed data) so that somebody else — the platform,
//! a notary, a payee — submits it and pays the gas. The messages are the contract's types
//! (docs/contracts.md, "Signed authorizations"): EIP-2612 [`Permit`], EIP-3009
//! [`TransferWithAuthorization`], [`ReceiveWithAuthorization`] and [`CancelAuthorization`], and
//! [`HoldWithAuthorization`].
//!
//! A wallet whose key is at hand signs with [`sign_authorization`]; a contract wallet (ERC-1271) signs
//! the same [`alloy::sol_types::SolStruct::eip712_signing_hash`] its own way, and the bytes it returns
//! go to the same submit method: the contract asks the wallet's `isValidSignature`.
//!
//! ```no_run
//! # async fn example(payer_client: emtoken_sdk::EmTokenClient, relayer: emtoken_sdk::EmTokenClient,
//! #     payer_key: alloy::signers::local::PrivateKeySigner, bob: alloy::primitives::Address) -> emtoken_sdk::Result<()> {
//! use alloy::primitives::U256;
//! use emtoken_sdk::{TransferWithAuthorization, sign_authorization};
//!
//! let domain = relayer.eip712_domain().await?;
//! let message = TransferWithAuthorization {
//!     from: payer_client.signer().unwrap(),
//!     to: bob,
//!     value: U256::from(2_500u64),           // base units: 25.00
//!     validAfter: U256::ZERO,
//!     validBefore: U256::from(u64::MAX),
//!     nonce: emtoken_sdk::OperationId::random().as_bytes(),
//! };
//! let signature = sign_authorization(&payer_key, &domain, &message).await?;
//! relayer.transfer_with_authorization(&message, signature).await?; // the relayer pays the gas
//! # Ok(()) }
//! ```

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::Signer,
    sol,
    sol_types::{Eip712Domain, SolStruct},
};

use crate::{
    Created, EmTokenClient, Error, OperationId, PreparedCall, Result, TxOutcome,
    client::contract_error,
};

sol! {
    /// EIP-2612: an allowance of `value` to `spender`, until `deadline` (unix seconds); `nonce` is the
    /// owner's next permit nonce ([`EmTokenClient::permit_nonce`]).
    #[derive(Debug, PartialEq, Eq)]
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-3009: `value` from `from` to `to`, valid strictly between `validAfter` and `validBefore`
    /// (unix seconds), once: `nonce` is any 32 bytes the signer never used.
    #[derive(Debug, PartialEq, Eq)]
    struct TransferWithAuthorization {
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    /// EIP-3009: as [`TransferWithAuthorization`], submitted only by the payee `to`.
    #[derive(Debug, PartialEq, Eq)]
    struct ReceiveWithAuthorization {
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    /// EIP-3009: `nonce` of `authorizer` is never to be used.
    #[derive(Debug, PartialEq, Eq)]
    struct CancelAuthorization {
        address authorizer;
        bytes32 nonce;
    }

    /// A hold of `value` on `payer`'s funds for `payee`, decided by `notary`, expiring at `expiration`
    /// (unix seconds, 0 = never), named by the payer's `operationId`; valid strictly between `validAfter`
    /// and `validBefore`, once (`nonce`, in the same space as EIP-3009's).
    #[derive(Debug, PartialEq, Eq)]
    struct HoldWithAuthorization {
        bytes32 operationId;
        address payer;
        address payee;
        address notary;
        uint256 value;
        uint256 expiration;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }
}

/// Signs `message` for `domain` with a key: the 65 bytes (r, s, v) every submit method takes.
pub async fn sign_authorization<S, M>(
    signer: &S,
    domain: &Eip712Domain,
    message: &M,
) -> Result<Bytes>
where
    S: Signer + Sync,
    M: SolStruct + Sync,
{
    let hash = message.eip712_signing_hash(domain);
    let signature = signer
        .sign_hash(&hash)
        .await
        .map_err(|e| Error::Invalid(format!("signing the authorization: {e}")))?;
    Ok(Bytes::from(signature.as_bytes().to_vec()))
}

impl EmTokenClient {
    /// The token's EIP-712 domain: its name, version "1", this chain, the token's address.
    pub async fn eip712_domain(&self) -> Result<Eip712Domain> {
        let name = self.name().await?;
        Ok(Eip712Domain::new(
            Some(name.into()),
            Some("1".into()),
            Some(U256::from(self.chain_id())),
            Some(self.address()),
            None,
        ))
    }

    /// EIP-2612: the next permit nonce of `owner`.
    pub async fn permit_nonce(&self, owner: Address) -> Result<U256> {
        self.contract()
            .nonces(owner)
            .call()
            .await
            .map_err(|e| contract_error("nonces", e))
    }

    /// EIP-3009: whether `authorizer` used or cancelled `nonce`.
    pub async fn authorization_state(&self, authorizer: Address, nonce: B256) -> Result<bool> {
        self.contract()
            .authorizationState(authorizer, nonce)
            .call()
            .await
            .map_err(|e| contract_error("authorizationState", e))
    }

    /// Submits a signed [`Permit`].
    pub async fn permit(&self, permit: &Permit, signature: Bytes) -> Result<TxOutcome> {
        self.send(self.prepare_permit(permit, signature)).await
    }

    /// Submits a signed [`TransferWithAuthorization`] (anyone may).
    pub async fn transfer_with_authorization(
        &self,
        authorization: &TransferWithAuthorization,
        signature: Bytes,
    ) -> Result<TxOutcome> {
        self.send(self.prepare_transfer_with_authorization(authorization, signature))
            .await
    }

    /// Submits a signed [`ReceiveWithAuthorization`] (the payee's client only).
    pub async fn receive_with_authorization(
        &self,
        authorization: &ReceiveWithAuthorization,
        signature: Bytes,
    ) -> Result<TxOutcome> {
        self.send(self.prepare_receive_with_authorization(authorization, signature))
            .await
    }

    /// Submits a signed [`CancelAuthorization`].
    pub async fn cancel_authorization(
        &self,
        cancellation: &CancelAuthorization,
        signature: Bytes,
    ) -> Result<TxOutcome> {
        self.send(self.prepare_cancel_authorization(cancellation, signature))
            .await
    }

    /// Submits a signed [`HoldWithAuthorization`] (anyone may: a notary, the platform); the hold is the
    /// payer's own, its id `holdIdOf(payer, operationId)`.
    pub async fn hold_with_authorization(
        &self,
        authorization: &HoldWithAuthorization,
        signature: Bytes,
    ) -> Result<Created> {
        let id = OperationId::from_bytes(authorization.operationId).record_key(authorization.payer);
        let outcome = self
            .send(self.prepare_hold_with_authorization(authorization, signature))
            .await?;
        Ok(Created { id, outcome })
    }

    /// [`Self::permit`], prepared and not sent.
    pub fn prepare_permit(&self, permit: &Permit, signature: Bytes) -> PreparedCall {
        let call = self.contract().permit_0(
            permit.owner,
            permit.spender,
            permit.value,
            permit.deadline,
            signature,
        );
        PreparedCall::new(call.into_transaction_request())
    }

    /// [`Self::transfer_with_authorization`], prepared and not sent.
    pub fn prepare_transfer_with_authorization(
        &self,
        a: &TransferWithAuthorization,
        signature: Bytes,
    ) -> PreparedCall {
        let call = self.contract().transferWithAuthorization_0(
            a.from,
            a.to,
            a.value,
            a.validAfter,
            a.validBefore,
            a.nonce,
            signature,
        );
        PreparedCall::new(call.into_transaction_request())
    }

    /// [`Self::receive_with_authorization`], prepared and not sent.
    pub fn prepare_receive_with_authorization(
        &self,
        a: &ReceiveWithAuthorization,
        signature: Bytes,
    ) -> PreparedCall {
        let call = self.contract().receiveWithAuthorization_0(
            a.from,
            a.to,
            a.value,
            a.validAfter,
            a.validBefore,
            a.nonce,
            signature,
        );
        PreparedCall::new(call.into_transaction_request())
    }

    /// [`Self::cancel_authorization`], prepared and not sent.
    pub fn prepare_cancel_authorization(
        &self,
        cancellation: &CancelAuthorization,
        signature: Bytes,
    ) -> PreparedCall {
        let call = self.contract().cancelAuthorization_0(
            cancellation.authorizer,
            cancellation.nonce,
            signature,
        );
        PreparedCall::new(call.into_transaction_request())
    }

    /// [`Self::hold_with_authorization`], prepared and not sent.
    pub fn prepare_hold_with_authorization(
        &self,
        a: &HoldWithAuthorization,
        signature: Bytes,
    ) -> PreparedCall {
        let authorization = emtoken_bindings::IAuthorizations::HoldAuthorization {
            operationId: a.operationId,
            payer: a.payer,
            payee: a.payee,
            notary: a.notary,
            value: a.value,
            expiration: a.expiration,
            validAfter: a.validAfter,
            validBefore: a.validBefore,
            nonce: a.nonce,
        };
        let call = self
            .contract()
            .holdWithAuthorization(authorization, signature);
        PreparedCall::new(call.into_transaction_request())
    }
}
