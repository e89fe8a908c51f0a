//! Signed authorizations through the SDK's typed-data helpers, on a real node: a wallet signs, another
//! client submits and pays the gas. With a key (an EOA) and with an ERC-1271 contract wallet
//! (tests/fixtures/ContractWallet.json, compiled from contracts/test/utils/ContractWallet.sol: valid when
//! its owner's key signed).

mod common;

use alloy::{
    primitives::{Address, B256, U256},
    providers::ProviderBuilder,
    sol_types::SolStruct,
};
use common::{Fixture, amount};
use emtoken_sdk::{
    CancelAuthorization, EmTokenError, Error, HoldWithAuthorization, OperationId, Permit,
    TransferWithAuthorization, sign_authorization,
};
use emtoken_test_utils::{ProfileName, Role};

alloy::sol!(
    #[sol(rpc)]
    ContractWallet,
    "tests/fixtures/ContractWallet.json"
);

fn forever() -> U256 {
    U256::from(u64::MAX)
}

fn transfer(from: Address, to: Address, cents: u64) -> TransferWithAuthorization {
    TransferWithAuthorization {
        from,
        to,
        value: U256::from(cents),
        validAfter: U256::ZERO,
        validBefore: forever(),
        nonce: OperationId::random().as_bytes(),
    }
}

#[tokio::test]
async fn a_key_signs_transfers_permits_holds_and_cancellations_others_submit() {
    let f = Fixture::new(ProfileName::Dev).await;
    f.fund(Role::Alice, "100.00").await;
    let (alice, bob, carol) = (f.addr(Role::Alice), f.addr(Role::Bob), f.addr(Role::Carol));
    let key = f.node.signer(Role::Alice).expect("alice's key");
    let domain = f.operator.eip712_domain().await.expect("domain");
    let on_chain = f
        .operator
        .contract()
        .DOMAIN_SEPARATOR()
        .call()
        .await
        .expect("DOMAIN_SEPARATOR");
    assert_eq!(
        domain.separator(),
        on_chain,
        "the SDK's domain is the contract's"
    );

    // A transfer alice signed, relayed by the operator: once.
    let message = transfer(alice, bob, 2_500);
    let signature = sign_authorization(&key, &domain, &message)
        .await
        .expect("sign");
    f.operator
        .transfer_with_authorization(&message, signature.clone())
        .await
        .expect("relayed transfer");
    assert_eq!(f.operator.balance_of(alice).await.unwrap(), amount("75.00"));
    assert_eq!(f.operator.balance_of(bob).await.unwrap(), amount("25.00"));
    assert!(
        f.operator
            .authorization_state(alice, message.nonce)
            .await
            .unwrap()
    );
    let replay = f
        .notary
        .transfer_with_authorization(&message, signature)
        .await
        .expect_err("a used authorization");
    assert!(
        matches!(
            replay,
            Error::Revert { error: EmTokenError::AuthorizationUsedOrCanceled(ref e), .. }
                if e.authorizer == alice && e.nonce == message.nonce
        ),
        "{replay:?}"
    );

    // A permit: the allowance is set, the nonce moves on.
    let permit = Permit {
        owner: alice,
        spender: carol,
        value: U256::from(1_000u64),
        nonce: f.operator.permit_nonce(alice).await.unwrap(),
        deadline: forever(),
    };
    let signature = sign_authorization(&key, &domain, &permit).await.unwrap();
    f.bob.permit(&permit, signature).await.expect("permit");
    assert_eq!(
        f.operator.allowance(alice, carol).await.unwrap(),
        amount("10.00")
    );
    assert_eq!(
        f.operator.permit_nonce(alice).await.unwrap(),
        U256::from(1u64)
    );

    // A hold alice signed, submitted by its notary: alice's own hold, then executed.
    let operation = OperationId::random();
    let hold = HoldWithAuthorization {
        operationId: operation.as_bytes(),
        payer: alice,
        payee: bob,
        notary: f.addr(Role::Notary),
        value: U256::from(3_000u64),
        expiration: U256::ZERO,
        validAfter: U256::ZERO,
        validBefore: forever(),
        nonce: OperationId::random().as_bytes(),
    };
    let signature = sign_authorization(&key, &domain, &hold).await.unwrap();
    let created = f
        .notary
        .hold_with_authorization(&hold, signature)
        .await
        .expect("signed hold");
    assert_eq!(created.id, f.operator.hold_id(alice, operation));
    assert_eq!(
        f.operator.balance_on_hold(alice).await.unwrap(),
        amount("30.00")
    );
    f.notary
        .execute_hold(created.id, amount("30.00"))
        .await
        .expect("execute");
    assert_eq!(f.operator.balance_of(bob).await.unwrap(), amount("55.00"));

    // A cancellation: the cancelled nonce can no longer move money.
    let unused = transfer(alice, bob, 100);
    let transfer_signature = sign_authorization(&key, &domain, &unused).await.unwrap();
    let cancel = CancelAuthorization {
        authorizer: alice,
        nonce: unused.nonce,
    };
    let signature = sign_authorization(&key, &domain, &cancel).await.unwrap();
    f.carol
        .cancel_authorization(&cancel, signature)
        .await
        .expect("cancel");
    let refused = f
        .operator
        .transfer_with_authorization(&unused, transfer_signature)
        .await
        .expect_err("a cancelled authorization");
    assert!(
        matches!(
            refused,
            Error::Revert {
                error: EmTokenError::AuthorizationUsedOrCanceled(_),
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(f.operator.balance_of(bob).await.unwrap(), amount("55.00"));
}

#[tokio::test]
async fn a_contract_wallet_signs_through_erc1271() {
    let f = Fixture::new(ProfileName::Dev).await;
    let owner_key = f.node.signer(Role::Dave).expect("dave's key");
    let provider = ProviderBuilder::new()
        .wallet(f.node.signer(Role::Admin).expect("admin's key"))
        .connect_http(f.node.endpoint_url());
    let wallet = ContractWallet::deploy(provider, f.addr(Role::Dave))
        .await
        .expect("deploy the contract wallet");
    let wallet_address = *wallet.address();
    f.compliance
        .register_wallet(wallet_address, 1)
        .await
        .expect("register the contract wallet");
    f.operator
        .mint(
            wallet_address,
            amount("40.00"),
            emtoken_sdk::MintKind::Card,
            common::payment_reference(),
        )
        .await
        .expect("fund the contract wallet");
    let domain = f.operator.eip712_domain().await.unwrap();
    let bob = f.addr(Role::Bob);

    // The owner's key signs the EIP-712 hash; the token asks the wallet (isValidSignature).
    let message = transfer(wallet_address, bob, 1_500);
    assert_ne!(message.eip712_signing_hash(&domain), B256::ZERO);
    let signature = sign_authorization(&owner_key, &domain, &message)
        .await
        .unwrap();
    f.operator
        .transfer_with_authorization(&message, signature)
        .await
        .expect("a transfer the contract wallet authorised");
    assert_eq!(f.operator.balance_of(bob).await.unwrap(), amount("15.00"));

    // A key the wallet does not accept: refused, naming the wallet.
    let message = transfer(wallet_address, bob, 100);
    let stranger = f.node.signer(Role::Carol).unwrap();
    let signature = sign_authorization(&stranger, &domain, &message)
        .await
        .unwrap();
    let refused = f
        .operator
        .transfer_with_authorization(&message, signature)
        .await
        .expect_err("not the wallet's signature");
    assert!(
        matches!(
            refused,
            Error::Revert { error: EmTokenError::InvalidSignature(ref e), .. }
                if e.signer == wallet_address
        ),
        "{refused:?}"
    );
}
