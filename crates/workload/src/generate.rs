use std::{
    collections::BTreeMap,
    convert::Infallible,
    pin::pin,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};
use emtoken_sdk::{Amount, EmTokenClient, TxOutcome};
use emtoken_test_utils::Role;
use futures::{
    StreamExt, TryStreamExt,
    future::{self, Either},
};

use crate::{
    Balance, Deployed, Error, OpKind, Result, WorkloadConfig, WorkloadSummary,
    book::Account,
    op::Op,
    plan::{Participants, Planner, User, wallet_address},
    summary::trace_event,
};

/// Sends the workload `config` describes to `deployed` and returns what it did.
///
/// The seed fixes every operation (wallets, kinds, amounts, ids) given the chain's state at the start; on
/// a fresh [`Deployed`] the same configuration therefore gives the same history, except for block
/// numbers, hashes, timestamps and the order transactions of one wave are mined in. Operations go out in
/// waves of at most `in_flight` concurrent transactions; the steps of a record (execute after create) go
/// in later waves than its creation. Most transactions are sent by the operator (default operator of
/// every wallet), the rest by the notary, the compliance role and the role users.
///
/// The generated wallets must be new to the deployment: running again on the same deployment needs
/// another seed. Any failed transaction stops the run with [`Error::Operation`]. A wave that sees no new
/// block for 3 s asks the node to mine one (`evm_mine`), so a node whose mining is switched off still
/// completes; that does not rescue the transaction anvil's instant mining now and then strands (see the
/// crate docs, "Which node").
pub async fn generate(deployed: &Deployed, config: &WorkloadConfig) -> Result<WorkloadSummary> {
    config.validate()?;
    let started = Instant::now();
    let first = wallet_address(config.seed, 0);
    if deployed
        .operator
        .is_registered(first)
        .await
        .map_err(Error::setup("reading isRegistered"))?
    {
        return Err(Error::Config(format!(
            "wallet {first} of seed {} is already registered on {}: each run on a deployment needs a \
             seed of its own",
            config.seed, deployed.address
        )));
    }
    let participants = participants(deployed).await?;
    let mut planner = Planner::new(
        config.seed,
        config.events,
        config.wallets,
        config.in_flight,
        participants,
    );
    let mut by_kind: BTreeMap<OpKind, usize> = OpKind::ALL.iter().map(|k| (*k, 0)).collect();
    let (mut trace, mut transactions, mut waves) = (Vec::new(), 0, 0);
    let (mut first_block, mut last_block) = (u64::MAX, 0);
    while let Some((wave, ops)) = planner.next_wave() {
        let outcomes = send_wave(deployed, wave, transactions, &ops, config.in_flight).await?;
        for (op, outcome) in ops.iter().zip(&outcomes) {
            *by_kind.entry(op.kind).or_default() += 1;
            trace.extend(outcome.events().map(trace_event));
            first_block = first_block.min(outcome.block_number);
            last_block = last_block.max(outcome.block_number);
        }
        transactions += ops.len();
        waves += 1;
        tracing::debug!(
            wave,
            transactions = ops.len(),
            events = trace.len(),
            "workload wave mined"
        );
    }
    let decimals = deployed.operator.decimals();
    let amount = |units: u128| Amount::from_base_units(U256::from(units), decimals);
    let balances = planner
        .book()
        .accounts()
        .iter()
        .map(|(address, a)| {
            let balance = Balance {
                balance: amount(a.balance)?,
                on_hold: amount(a.held)?,
            };
            Ok((*address, balance))
        })
        .collect::<Result<_, emtoken_sdk::AmountError>>()
        .map_err(|e| Error::setup("converting the book's balances")(e.into()))?;
    let total_supply = amount(planner.book().supply())
        .map_err(|e| Error::setup("converting the book's supply")(e.into()))?;
    Ok(WorkloadSummary {
        events: trace.len(),
        transactions,
        first_block: first_block.min(last_block),
        last_block,
        elapsed: started.elapsed(),
        waves,
        by_kind,
        trace,
        wallets: planner.wallet_list().to_vec(),
        balances,
        total_supply,
    })
}

/// Sends one wave, at most `in_flight` at a time, and returns the outcomes in the wave's order.
async fn send_wave(
    deployed: &Deployed,
    wave: usize,
    first_index: usize,
    ops: &[Op],
    in_flight: usize,
) -> Result<Vec<TxOutcome>> {
    let sends = ops.iter().enumerate().map(|(i, op)| async move {
        match op.send(deployed).await {
            Ok(outcome) => Ok((i, outcome)),
            Err(source) => Err(Error::Operation {
                index: first_index + i,
                wave,
                kind: op.kind,
                source: Box::new(source),
            }),
        }
    });
    let sends = futures::stream::iter(sends)
        .buffer_unordered(in_flight)
        .try_collect::<Vec<(usize, TxOutcome)>>();
    let watchdog = unstick(deployed.operator.provider());
    let mut outcomes = match future::select(pin!(sends), pin!(watchdog)).await {
        Either::Left((outcomes, _)) => outcomes?,
        Either::Right((never, _)) => match never {},
    };
    outcomes.sort_unstable_by_key(|(i, _)| *i);
    Ok(outcomes.into_iter().map(|(_, outcome)| outcome).collect())
}

/// How long a wave may wait without a new block before the node is asked to mine.
const STALL: Duration = Duration::from_secs(3);

/// While a wave is out, every [`STALL`] without a new block, asks the node to mine one (`evm_mine`, which
/// takes the pool's ready transactions), so a node whose mining was switched off still completes the
/// wave. (A transaction stranded by instant mining, foundry-rs/foundry#10122, was not rescued by it in
/// our runs.) Best effort: failures are logged, and the sends report what matters.
async fn unstick(provider: &DynProvider) -> Infallible {
    let mut last = provider.get_block_number().await.ok();
    loop {
        tokio::time::sleep(STALL).await;
        let block = match provider.get_block_number().await {
            Ok(block) => block,
            Err(error) => {
                tracing::warn!(%error, "cannot read the block number while a wave is out");
                continue;
            }
        };
        if last == Some(block) {
            tracing::warn!(
                block,
                "no new block for {STALL:?} with transactions out: mining one"
            );
            if let Err(error) = provider
                .raw_request::<_, String>("evm_mine".into(), ())
                .await
            {
                tracing::warn!(%error, "evm_mine failed");
            }
        }
        last = Some(block);
    }
}

/// The role accounts as the chain shows them now.
async fn participants(d: &Deployed) -> Result<Participants> {
    let c = &d.operator;
    let suspense = c
        .suspense_account()
        .await
        .map_err(Error::setup("reading suspenseAccount"))?;
    let (suspense_account, total_supply, users) = futures::try_join!(
        account(c, suspense),
        async {
            c.total_supply()
                .await
                .map(units)
                .map_err(Error::setup("reading totalSupply"))
        },
        futures::future::try_join_all(Role::USERS.map(|role| user(c, role, d.address_of(role)))),
    )?;
    Ok(Participants {
        operator: d.address_of(Role::Operator),
        notary: d.address_of(Role::Notary),
        suspense,
        suspense_account,
        users: users.into_iter().flatten().collect(),
        total_supply,
    })
}

fn units(amount: Amount) -> u128 {
    // Amounts never exceed the supply cap, 2^96 - 1.
    u128::try_from(amount.base_units()).unwrap_or(u128::MAX)
}

async fn account(c: &EmTokenClient, address: Address) -> Result<Account> {
    let (balance, held) = futures::try_join!(c.balance_of(address), c.balance_on_hold(address))
        .map_err(Error::setup(format!("reading the balances of {address}")))?;
    Ok(Account {
        balance: units(balance),
        held: units(held),
    })
}

/// A role user that may take part (registered, not frozen), with its limits and room.
async fn user(c: &EmTokenClient, role: Role, address: Address) -> Result<Option<User>> {
    let read = Error::setup(format!(
        "reading the compliance state of {role} ({address})"
    ));
    let (registered, frozen, level, (outflow, period)) = futures::try_join!(
        c.is_registered(address),
        c.is_frozen(address),
        c.kyc_level_of(address),
        c.outflow_of(address),
    )
    .map_err(read)?;
    if !registered || frozen {
        return Ok(None);
    }
    let tier = c
        .tier_of(level)
        .await
        .map_err(Error::setup(format!("reading tier {level}")))?;
    let used = if period.is_some() { units(outflow) } else { 0 };
    Ok(Some(User {
        role,
        address,
        account: account(c, address).await?,
        max_balance: tier.max_balance.map(units),
        max_transfer: tier.max_transfer.map(units),
        outflow_left: tier
            .max_outflow_30d
            .map(|max| units(max).saturating_sub(used)),
    }))
}
