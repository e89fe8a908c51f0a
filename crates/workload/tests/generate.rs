//! The workload on a real anvil (dev profile): it lands on its event target with every kind of operation,
//! the chain agrees with the workload's book, and the same seed gives the same history on two nodes.

use std::collections::BTreeMap;

use alloy::{primitives::Address, providers::Provider, rpc::types::Filter};
use anyhow::{Context, Result, ensure};
use emtoken_sdk::Amount;
use emtoken_test_utils::{DevNode, ProfileName, Role};
use emtoken_workload::{
    Deployed, Generation, LOAD_ANVIL_ARGS, OpKind, USER_LEVELS, WALLET_LEVEL, WorkloadConfig,
    WorkloadSummary, generate,
};
use futures::future::try_join_all;

/// A fresh dev node (with `extra` anvil flags), EmToken deployed, and `config` generated on it.
async fn run(
    config: WorkloadConfig,
    extra: &[&str],
) -> Result<(DevNode, Deployed, WorkloadSummary)> {
    let node = DevNode::spawn_with_args(ProfileName::Dev, extra)?;
    let deployed = Deployed::deploy(&node).await?;
    let summary = generate(&deployed, &config).await?;
    Ok((node, deployed, summary))
}

/// `balanceOf` and `balanceOnHold` of every generated wallet, role account and the suspense account.
async fn chain_balances(
    d: &Deployed,
    s: &WorkloadSummary,
) -> Result<BTreeMap<Address, (Amount, Amount)>> {
    let accounts = s
        .wallets
        .iter()
        .copied()
        .chain(d.role_addresses().map(|(_, a)| a));
    let reads = accounts.map(|a| async move {
        let (balance, held) =
            futures::try_join!(d.operator.balance_of(a), d.operator.balance_on_hold(a))?;
        anyhow::Ok((a, (balance, held)))
    });
    Ok(try_join_all(reads).await?.into_iter().collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_run_hits_its_target_covers_every_kind_and_matches_the_chain() -> Result<()> {
    let (_node, d, s) = run(WorkloadConfig::new(42, 600, 50), &[]).await?;

    ensure!(
        (600..=630).contains(&s.events),
        "{} events for a target of 600",
        s.events
    );
    ensure!(s.trace.len() == s.events);
    for kind in OpKind::ALL {
        ensure!(s.by_kind[&kind] > 0, "no {kind} in {:?}", s.by_kind);
    }
    ensure!(s.by_kind.values().sum::<usize>() == s.transactions);
    ensure!(s.first_block > d.deploy_block && s.first_block <= s.last_block);

    // The fixture: users at their levels, generated wallets at the unlimited level.
    for (user, level) in USER_LEVELS {
        ensure!(d.operator.kyc_level_of(d.address_of(user)).await? == level);
    }
    ensure!(d.operator.kyc_level_of(s.wallets[0]).await? == WALLET_LEVEL);
    ensure!(d.operator.is_tier_set(WALLET_LEVEL).await?);
    let unlimited = d.operator.tier_of(WALLET_LEVEL).await?;
    ensure!(unlimited.max_balance.is_none() && unlimited.max_transfer.is_none());
    ensure!(d.operator.suspense_account().await? == d.address_of(Role::Suspense));

    // The logs on chain are the ones the receipts reported.
    let filter = Filter::new()
        .address(d.address)
        .from_block(s.first_block)
        .to_block(s.last_block);
    let logs = d.operator.provider().get_logs(&filter).await?;
    ensure!(
        logs.len() == s.events,
        "{} logs on chain, {} in the summary",
        logs.len(),
        s.events
    );

    // Σ balanceOf over every account that ever held tokens is the total supply, and every balance is
    // what the workload's book says.
    let chain = chain_balances(&d, &s).await?;
    let total: u128 = chain
        .values()
        .map(|(b, _)| u128::try_from(b.base_units()).unwrap())
        .sum();
    let supply = d.operator.total_supply().await?;
    ensure!(
        u128::try_from(supply.base_units())? == total,
        "Σ balanceOf {total} ≠ totalSupply {supply}"
    );
    ensure!(
        supply == s.total_supply,
        "totalSupply {supply}, book {}",
        s.total_supply
    );
    for (address, expected) in &s.balances {
        let (balance, held) = chain
            .get(address)
            .context("an account of the book was not read")?;
        ensure!(
            (*balance, *held) == (expected.balance, expected.on_hold),
            "{address}: chain {balance} ({held} on hold), book {} ({} on hold)",
            expected.balance,
            expected.on_hold
        );
    }
    let on_hold = d.operator.total_supply_on_hold().await?;
    ensure!(
        on_hold.base_units() == alloy::primitives::U256::from(1u64),
        "only the anchor hold stays open, {on_hold} on hold"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_seed_gives_the_same_history_on_two_nodes() -> Result<()> {
    // Interval mining: two busy nodes at once are where instant mining strands a transaction now and then.
    let config = WorkloadConfig::new(7, 600, 30);
    let ((_n1, d1, s1), (_n2, d2, s2)) =
        futures::try_join!(run(config, &LOAD_ANVIL_ARGS), run(config, &LOAD_ANVIL_ARGS))?;

    ensure!(s1.events == s2.events && s1.transactions == s2.transactions);
    ensure!(s1.trace == s2.trace, "the traces differ");
    ensure!(s1.by_kind == s2.by_kind);
    ensure!(s1.wallets == s2.wallets);
    let (b1, b2) = futures::try_join!(chain_balances(&d1, &s1), chain_balances(&d2, &s2))?;
    ensure!(b1 == b2, "the final balances differ");
    ensure!(s1.balances == s2.balances);

    // Another seed, other wallets and another history.
    let other = generate(&d1, &WorkloadConfig::new(8, 600, 30)).await?;
    ensure!(other.wallets != s1.wallets && other.trace != s1.trace);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_run_moved_to_another_node_between_waves_ends_as_on_one_node() -> Result<()> {
    // What the bench does to generate a million events: between two waves the node's state goes to a
    // fresh node, and the run goes on there with clients connected anew.
    let config = WorkloadConfig {
        in_flight: 64,
        ..WorkloadConfig::new(9, 600, 30)
    };
    let whole = async {
        let node = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS)?;
        let d = Deployed::deploy(&node).await?;
        anyhow::Ok(generate(&d, &config).await?)
    };
    let moved = async {
        let first = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS)?;
        let mut d = Deployed::deploy(&first).await?;
        let mut generation = Generation::start(&d, &config).await?;
        ensure!(generation.next_wave(&d).await? && generation.next_wave(&d).await?);
        let before = generation.events();
        ensure!(
            before > 0 && before < 600,
            "{before} events after two waves"
        );
        let head = first.freeze().await?;
        let state: alloy::primitives::Bytes = d
            .operator
            .provider()
            .raw_request("anvil_dumpState".into(), ())
            .await?;
        drop(first);
        let second = DevNode::spawn_with_args(ProfileName::Dev, &LOAD_ANVIL_ARGS)?;
        let _: bool = alloy::providers::ProviderBuilder::new()
            .connect_http(second.endpoint_url())
            .raw_request("anvil_loadState".into(), (state,))
            .await?;
        d = d.reconnect(&second).await?;
        ensure!(d.operator.provider().get_block_number().await? >= head);
        while generation.next_wave(&d).await? {}
        let s = generation.finish(&d)?;
        anyhow::Ok((second, d, s))
    };
    let (one, (_node, d, s)) = futures::try_join!(whole, moved)?;

    ensure!(s.events == one.events && s.transactions == one.transactions);
    ensure!(s.trace == one.trace, "the traces differ");
    ensure!(s.balances == one.balances);
    // The new node holds what the book says.
    let chain = chain_balances(&d, &s).await?;
    for (address, expected) in &s.balances {
        ensure!(
            chain.get(address) == Some(&(expected.balance, expected.on_hold)),
            "{address}: chain {:?}, book {expected:?}",
            chain.get(address)
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reused_seed_or_a_bad_configuration_is_refused() -> Result<()> {
    let (_node, d, _) = run(WorkloadConfig::new(3, 300, 10), &[]).await?;
    let again = generate(&d, &WorkloadConfig::new(3, 300, 10)).await;
    ensure!(
        matches!(&again, Err(emtoken_workload::Error::Config(m)) if m.contains("already registered")),
        "{again:?}"
    );
    let too_few = generate(&d, &WorkloadConfig::new(4, 100, 50)).await;
    ensure!(
        matches!(too_few, Err(emtoken_workload::Error::Config(_))),
        "{too_few:?}"
    );
    Ok(())
}

/// A node that stops mining on its own (as anvil's instant mining now and then does with a transaction,
/// foundry-rs/foundry#10122) does not stall the workload: it asks the node to mine.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_that_stops_mining_is_asked_to_mine() -> Result<()> {
    let node = DevNode::spawn(ProfileName::Dev)?;
    let d = Deployed::deploy(&node).await?;
    let provider = d.operator.provider();
    let mined: String = provider.raw_request("evm_mine".into(), ()).await?;
    ensure!(mined == "0x0", "evm_mine answered {mined}");
    let () = provider
        .raw_request("evm_setAutomine".into(), (false,))
        .await?;
    let s = generate(&d, &WorkloadConfig::new(5, 150, 10)).await?;
    ensure!(s.events >= 150 && s.last_block - s.first_block < s.waves as u64 * 2);
    Ok(())
}
