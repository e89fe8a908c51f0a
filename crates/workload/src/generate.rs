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
    let mut generation = Generation::start(deployed, config).await?;
    while generation.next_wave(deployed).await? {}
    generation.finish(deployed)
}

/// A [`generate`] run taken a wave at a time, so that the caller may move it to another node between
/// waves: the state a node saved (`anvil_dumpState`) and another loaded, with a [`Deployed::reconnect`]ed
/// there. Every wave's transactions are mined when [`Generation::next_wave`] returns, so nothing is in
/// flight at that point; the plan lives here, not on the node.
pub struct Generation {
    config: WorkloadConfig,
    started: Instant,
    planner: Planner,
    by_kind: BTreeMap<OpKind, usize>,
    trace: Vec<crate::TracedEvent>,
    transactions: usize,
    waves: usize,
    first_block: u64,
    last_block: u64,
}

impl std::fmt::Debug for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generation")
            .field("events", &self.trace.len())
            .field("transactions", &self.transactions)
            .field("waves", &self.waves)
            .finish_non_exhaustive()
    }
}

impl Generation {
    /// Checks `config` and that its wallets are new to `deployed`, and plans from the chain's state now.
    pub async fn start(deployed: &Deployed, config: &WorkloadConfig) -> Result<Self> {
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
        let planner = Planner::new(
            config.seed,
            config.events,
            config.wallets,
            config.in_flight,
            participants,
        );
        Ok(Self {
            config: *config,
            started,
            planner,
            by_kind: OpKind::ALL.iter().map(|k| (*k, 0)).collect(),
            trace: Vec::new(),
            transactions: 0,
            waves: 0,
            first_block: u64::MAX,
            last_block: 0,
        })
    }

    /// Sends the next wave to `deployed` and waits until all of it is mined; false once the plan is done.
    pub async fn next_wave(&mut self, deployed: &Deployed) -> Result<bool> {
        let Some((wave, ops)) = self.planner.next_wave() else {
            return Ok(false);
        };
        let outcomes = send_wave(
            deployed,
            wave,
            self.transactions,
            &ops,
            self.config.in_flight,
        )
        .await?;
        for (op, outcome) in ops.iter().zip(&outcomes) {
            *self.by_kind.entry(op.kind).or_default() += 1;
            self.trace.extend(outcome.events().map(trace_event));
            self.first_block = self.first_block.min(outcome.block_number);
            self.last_block = self.last_block.max(outcome.block_number);
        }
        self.transactions += ops.len();
        self.waves += 1;
        tracing::debug!(
            wave,
            transactions = ops.len(),
            events = self.trace.len(),
            "workload wave mined"
        );
        Ok(true)
    }

    /// Events mined so far.
    pub fn events(&self) -> usize {
        self.trace.len()
    }

    /// Transactions mined so far.
    pub fn transactions(&self) -> usize {
        self.transactions
    }

    /// What the run did, with the book's balances (`deployed` gives the token's decimals).
    pub fn finish(self, deployed: &Deployed) -> Result<WorkloadSummary> {
        let decimals = deployed.operator.decimals();
        let amount = |units: u128| Amount::from_base_units(U256::from(units), decimals);
        let balances = self
            .planner
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
        let total_supply = amount(self.planner.book().supply())
            .map_err(|e| Error::setup("converting the book's supply")(e.into()))?;
        Ok(WorkloadSummary {
            events: self.trace.len(),
            transactions: self.transactions,
            first_block: self.first_block.min(self.last_block),
            last_block: self.last_block,
            elapsed: self.started.elapsed(),
            waves: self.waves,
            by_kind: self.by_kind,
            trace: self.trace,
            wallets: self.planner.wallet_list().to_vec(),
            balances,
            total_supply,
        })
    }
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
