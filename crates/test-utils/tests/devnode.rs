//! The devnet profiles as a test sees them: real anvil processes from the pinned install.

use std::{thread, time::Duration};

use alloy::{
    consensus::TxType as ConsensusTxType,
    network::TransactionBuilder,
    primitives::{U256, utils::parse_ether},
    providers::{Provider, ProviderBuilder},
    rpc::types::{BlockNumberOrTag, TransactionRequest},
};
use emtoken_test_utils::{DevNode, ProfileName, Role};

#[tokio::test]
async fn each_profile_answers_with_its_chain_id() -> anyhow::Result<()> {
    for name in ProfileName::ALL {
        let node = DevNode::spawn(name)?;
        let provider = ProviderBuilder::new().connect_http(node.endpoint_url());
        assert_eq!(
            provider.get_chain_id().await?,
            node.profile().chain_id,
            "{name} profile"
        );
    }
    Ok(())
}

#[tokio::test]
async fn every_role_account_is_funded() -> anyhow::Result<()> {
    for name in ProfileName::ALL {
        let node = DevNode::spawn(name)?;
        let provider = ProviderBuilder::new().connect_http(node.endpoint_url());
        let expected = parse_ether(&node.accounts().balance_ether.to_string())?;
        for role in Role::ALL {
            let balance = provider.get_balance(node.address(role)?).await?;
            assert_eq!(balance, expected, "{role} on the {name} profile");
        }
    }
    Ok(())
}

#[tokio::test]
async fn besu_profile_mines_every_two_seconds_with_gas_price_zero() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Besu)?;
    let provider = ProviderBuilder::new().connect_http(node.endpoint_url());
    assert_eq!(provider.get_gas_price().await?, 0);

    // Blocks come on their own, two seconds apart, with a base fee of 0.
    let mut number = provider.get_block_number().await?;
    while number < 2 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        number = provider.get_block_number().await?;
    }
    let first = provider
        .get_block_by_number(BlockNumberOrTag::Number(1))
        .await?
        .expect("block 1");
    let second = provider
        .get_block_by_number(BlockNumberOrTag::Number(2))
        .await?
        .expect("block 2");
    assert_eq!(second.header.timestamp - first.header.timestamp, 2);
    assert_eq!(second.header.base_fee_per_gas, Some(0));
    Ok(())
}

#[tokio::test]
async fn besu_profile_accepts_a_legacy_transaction_that_costs_nothing() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Besu)?;
    let (alice, bob) = (node.address(Role::Alice)?, node.address(Role::Bob)?);
    let provider = ProviderBuilder::new()
        .wallet(node.signer(Role::Alice)?)
        .connect_http(node.endpoint_url());
    let before = provider.get_balance(alice).await?;

    let value = U256::from(12_345u64);
    let tx = TransactionRequest::default()
        .with_to(bob)
        .with_value(value)
        .with_gas_price(0);
    let receipt = provider.send_transaction(tx).await?.get_receipt().await?;

    assert!(receipt.status(), "the transfer reverted");
    assert_eq!(receipt.transaction_type(), ConsensusTxType::Legacy);
    assert_eq!(receipt.effective_gas_price, 0);
    assert_eq!(
        provider.get_balance(alice).await?,
        before - value,
        "alice paid more than the value"
    );
    Ok(())
}

#[tokio::test]
async fn dev_profile_mines_each_transaction_at_once_with_eip1559_fees() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let provider = ProviderBuilder::new()
        .wallet(node.signer(Role::Alice)?)
        .connect_http(node.endpoint_url());
    assert_eq!(
        provider.get_block_number().await?,
        0,
        "the dev profile mined an empty block"
    );

    let tx = TransactionRequest::default()
        .with_to(node.address(Role::Bob)?)
        .with_value(U256::from(1));
    let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
    assert!(receipt.status());
    assert_eq!(receipt.block_number, Some(1));
    assert_eq!(receipt.transaction_type(), ConsensusTxType::Eip1559);
    assert!(
        receipt.effective_gas_price > 0,
        "the dev profile should charge for gas"
    );
    Ok(())
}

#[test]
fn nodes_spawned_in_parallel_are_separate() -> anyhow::Result<()> {
    let spawn = || thread::spawn(|| DevNode::spawn(ProfileName::Dev));
    let (a, b) = (spawn(), spawn());
    let a = a.join().expect("spawn thread")?;
    let b = b.join().expect("spawn thread")?;
    assert_ne!(a.port(), b.port());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let on_a = ProviderBuilder::new()
            .wallet(a.signer(Role::Alice)?)
            .connect_http(a.endpoint_url());
        let on_b = ProviderBuilder::new().connect_http(b.endpoint_url());
        let tx = TransactionRequest::default()
            .with_to(a.address(Role::Bob)?)
            .with_value(U256::from(7));
        on_a.send_transaction(tx).await?.get_receipt().await?;
        assert_eq!(on_a.get_block_number().await?, 1);
        assert_eq!(
            on_b.get_block_number().await?,
            0,
            "a transaction on one node reached the other"
        );
        anyhow::Ok(())
    })
}

#[test]
fn dropping_a_node_stops_it() -> anyhow::Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let port = node.port();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    drop(node);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "anvil still listens on {port} after drop"
    );
    Ok(())
}
