//! Backfill with two tokens (issue 18: one `index` follows every registered token, and the backfill
//! speed per token must not drop). On the chain's two tokens (the workload's history on each, other
//! decimals), each into a fresh database of the server: `emtoken index --until-head` on the first token
//! alone (the second not registered), on the second alone (as `--contract`), then on the first with the
//! second registered as an issuer's token (`emtoken currencies add`, `emtoken issuers add`), which
//! indexes both at once under two ledgers. Each token's events/s with two tokens is set beside its rate
//! alone; every rate is events over the process's wall time (start → exit, caught up).

use std::path::Path;

use alloy::{
    primitives::Address,
    providers::{Provider, ProviderBuilder},
    rpc::types::Filter,
};
use anyhow::{Context, bail};
use emtoken_test_utils::Role;
use serde::Serialize;
use tokio::process::Command;

use crate::{
    chain::{Chain, ChainInfo, SecondToken},
    databases::fresh_database,
    indexer::{Backfill, Run, Target, command_for, show, timed},
    stats::{per_mille, per_second},
};

/// What the stage needs.
#[derive(Debug)]
pub(crate) struct TwoTokenSetup<'a> {
    /// The `emtoken` binary.
    pub(crate) emtoken: &'a Path,
    /// A PostgreSQL server URL the bench may create databases on.
    pub(crate) admin_url: &'a str,
    /// Events of the first token on the chain (its logs, the deployment's included).
    pub(crate) first_events: u64,
    /// Where child logs go.
    pub(crate) logs: &'a Path,
}

/// The stage's three runs and the per-token comparison.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TwoTokens {
    /// The first token alone (the second not registered).
    pub(crate) first_alone: Backfill,
    /// The second token alone (`--contract` the second).
    pub(crate) second_alone: Backfill,
    /// The first token with the second registered: both in one process (its `events` and rates are the
    /// first token's; `tokens` and `total*` count both).
    pub(crate) both: Backfill,
    /// Per token: its rate in `both` beside its rate alone.
    pub(crate) tokens: Vec<TokenRate>,
    /// Events of both tokens in `both`.
    pub(crate) total_events: u64,
    /// `total_events` per second of `both`'s wall time.
    pub(crate) total_events_per_second: u64,
    /// The registration before `both` (not timed).
    pub(crate) registration: Vec<String>,
}

/// One token's backfill rate with two tokens and alone.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenRate {
    /// Its symbol and decimals, e.g. `USDe (6 decimals)`.
    pub(crate) token: String,
    /// The contract.
    pub(crate) contract: Address,
    /// Its ledger in the two-token run (the chain id for the first token).
    pub(crate) ledger: Option<i64>,
    /// Events indexed in the two-token run.
    pub(crate) events: u64,
    /// Those events per second of the two-token run's wall time.
    pub(crate) events_per_second: u64,
    /// Its events per second alone.
    pub(crate) alone_events_per_second: u64,
    /// `events_per_second` over `alone_events_per_second`, per mille.
    pub(crate) ratio_per_mille: Option<u64>,
}

impl TokenRate {
    /// `events` of `token` over `wall_ms` of the two-token run, beside `alone` events/s.
    fn new(
        token: String,
        contract: Address,
        ledger: Option<i64>,
        events: u64,
        wall_ms: u64,
        alone: u64,
    ) -> Self {
        let events_per_second = per_second(events, std::time::Duration::from_millis(wall_ms));
        Self {
            token,
            contract,
            ledger,
            events,
            events_per_second,
            alone_events_per_second: alone,
            ratio_per_mille: per_mille(events_per_second, alone),
        }
    }
}

impl TwoTokens {
    /// The lowest per-token ratio (two tokens ÷ alone), per mille.
    pub(crate) fn lowest_ratio(&self) -> Option<u64> {
        self.tokens.iter().filter_map(|t| t.ratio_per_mille).min()
    }
}

/// The code of the second token's currency in the two-token run's database.
const SECOND_CURRENCY: &str = "USD";

/// The chain's second token; a chain generated for one token has none.
fn second_token(info: &ChainInfo) -> anyhow::Result<&SecondToken> {
    info.second
        .as_ref()
        .context("the chain carries one token (generated with --skip-two-tokens)")
}

/// Runs the stage on `chain` (mining stopped).
pub(crate) async fn run(chain: &Chain, setup: &TwoTokenSetup<'_>) -> anyhow::Result<TwoTokens> {
    let info = &chain.info;
    let rpc = chain.node.endpoint_url().to_string();
    let second = second_token(info)?;
    let second_events = count_logs(&rpc, second.contract, second.deploy_block, info.head).await?;
    let first_name = format!("{} ({} decimals)", info.symbol, info.decimals);
    let second_name = format!("{} ({} decimals)", second.symbol, second.decimals);

    let backfill = async |db: &str, contract: Address, run: Run| -> anyhow::Result<Backfill> {
        let target = Target::Server(fresh_database(setup.admin_url, db).await?);
        let command = command_for(setup.emtoken, &rpc, None, contract, &target, true);
        timed(command, &run, setup.logs).await
    };
    let first_alone = backfill(
        "bench_token_first",
        info.contract,
        Run {
            system: format!("{first_name} alone, the other not registered"),
            log_stem: "index-first-token-alone".into(),
            blocks: info.blocks(),
            expected_events: setup.first_events,
        },
    )
    .await?;
    let second_alone = backfill(
        "bench_token_second",
        second.contract,
        Run {
            system: format!("{second_name} alone (as --contract)"),
            log_stem: "index-second-token-alone".into(),
            blocks: info.second_blocks(second),
            expected_events: second_events,
        },
    )
    .await?;

    let url = fresh_database(setup.admin_url, "bench_two_tokens").await?;
    let target = Target::Server(url);
    let registration = register(chain, setup.emtoken, &target, setup.logs).await?;
    let command = command_for(setup.emtoken, &rpc, None, info.contract, &target, true);
    let both = timed(
        command,
        &Run {
            system: format!("{first_name} + {second_name} registered, one process"),
            log_stem: "index-two-tokens".into(),
            blocks: info.blocks(),
            expected_events: setup.first_events,
        },
        setup.logs,
    )
    .await?;

    let summary = both
        .summary
        .as_ref()
        .context("the two-token run printed no summary")?;
    let contract = format!("{:#x}", second.contract);
    let other = summary
        .other_tokens
        .iter()
        .find(|o| o.contract.eq_ignore_ascii_case(&contract))
        .with_context(|| {
            format!(
                "the two-token run did not follow the registered {contract} (its otherTokens: {:?})",
                summary.other_tokens
            )
        })?;
    if other.stopped != "caught up" {
        bail!(
            "the second token's indexer stopped: {} ({contract})",
            other.stopped
        );
    }
    if other.events != second_events {
        tracing::warn!(
            indexed = other.events,
            expected = second_events,
            "the second token's indexer saw another number of events"
        );
    }
    let tokens = vec![
        TokenRate::new(
            first_name,
            info.contract,
            i64::try_from(info.chain_id).ok(),
            summary.events,
            both.wall_ms,
            first_alone.events_per_second,
        ),
        TokenRate::new(
            second_name,
            second.contract,
            other.ledger,
            other.events,
            both.wall_ms,
            second_alone.events_per_second,
        ),
    ];
    let total_events = summary.events + other.events;
    Ok(TwoTokens {
        total_events_per_second: per_second(
            total_events,
            std::time::Duration::from_millis(both.wall_ms),
        ),
        total_events,
        first_alone,
        second_alone,
        both,
        tokens,
        registration,
    })
}

/// Registers the chain's second token into `target`: its currency (`emtoken currencies add`), then an
/// issuer with the token (`emtoken issuers add`, which checks the token's code, decimals and the dev
/// operator's and compliance's roles on it). Returns the commands run.
async fn register(
    chain: &Chain,
    emtoken: &Path,
    target: &Target,
    logs: &Path,
) -> anyhow::Result<Vec<String>> {
    let second = second_token(&chain.info)?;
    let accounts = chain.node.accounts();
    let hex = |a: Address| format!("{a:#x}");
    let decimals = second.decimals.to_string();
    let currency = [
        "currencies",
        "add",
        "--code",
        SECOND_CURRENCY,
        "--name",
        "US dollar",
        "--decimals",
        &decimals,
    ]
    .map(str::to_owned);
    let issuer = [
        "issuers".to_owned(),
        "add".to_owned(),
        "--name".to_owned(),
        "EmToken Dollar Bench".to_owned(),
        "--legal-id".to_owned(),
        "BENCH-USD".to_owned(),
        "--currency".to_owned(),
        SECOND_CURRENCY.to_owned(),
        "--token".to_owned(),
        hex(second.contract),
        "--rpc".to_owned(),
        chain.node.endpoint_url().to_string(),
        "--operator".to_owned(),
        hex(accounts.address(Role::Operator)?),
        "--compliance".to_owned(),
        hex(accounts.address(Role::Compliance)?),
    ];
    let mut shown = Vec::new();
    for args in [&currency[..], &issuer[..]] {
        let mut command = Command::new(emtoken);
        command
            .arg("--json")
            .args(args)
            .args(target.args())
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn");
        let line = show(&command);
        let output = command
            .output()
            .await
            .with_context(|| format!("running {line}"))?;
        std::fs::write(
            logs.join(format!("two-tokens-{}-{}.out", args[0], args[1])),
            &output.stdout,
        )?;
        if !output.status.success() {
            bail!(
                "{line} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        shown.push(line);
    }
    Ok(shown)
}

/// The logs of `contract` in `from..=to`, in one `eth_getLogs` (anvil has no range limit).
async fn count_logs(rpc: &str, contract: Address, from: u64, to: u64) -> anyhow::Result<u64> {
    let provider = ProviderBuilder::new().connect_http(rpc.parse()?);
    let filter = Filter::new()
        .address(contract)
        .from_block(from)
        .to_block(to);
    Ok(provider
        .get_logs(&filter)
        .await
        .with_context(|| format!("eth_getLogs {from}..={to} of {contract}"))?
        .len() as u64)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::indexer::finish;

    /// A stage result: each token alone at `alone` events/s (10,000 events each), both in `both_ms`.
    pub(crate) fn sample(alone: [u64; 2], both_ms: u64) -> TwoTokens {
        let run = |name: &str, events_per_second: u64| {
            let ms = 10_000 * 1_000 / events_per_second;
            finish(
                name.into(),
                format!("emtoken index {name}"),
                std::time::Duration::from_millis(ms),
                100,
                10_000,
                100_000,
                None,
            )
        };
        let (first, second) = (run("first", alone[0]), run("second", alone[1]));
        let both = finish(
            "both".into(),
            "emtoken index both".into(),
            std::time::Duration::from_millis(both_ms),
            100,
            10_000,
            150_000,
            None,
        );
        let tokens = vec![
            TokenRate::new(
                "EURe (2 decimals)".into(),
                Address::repeat_byte(1),
                Some(31_337),
                10_000,
                both_ms,
                first.events_per_second,
            ),
            TokenRate::new(
                "USDe (6 decimals)".into(),
                Address::repeat_byte(2),
                Some(-5),
                10_000,
                both_ms,
                second.events_per_second,
            ),
        ];
        TwoTokens {
            first_alone: first,
            second_alone: second,
            both,
            tokens,
            total_events: 20_000,
            total_events_per_second: per_second(20_000, std::time::Duration::from_millis(both_ms)),
            registration: vec!["emtoken currencies add".into()],
        }
    }

    #[test]
    fn each_token_is_compared_with_itself_alone() {
        // 10,000 events each in 2 s: 5,000 ev/s per token, against 10,000 and 4,000 alone.
        let t = sample([10_000, 4_000], 2_000);
        let ratios: Vec<_> = t.tokens.iter().map(|r| r.ratio_per_mille).collect();
        assert_eq!(ratios, [Some(500), Some(1_250)]);
        assert_eq!(t.lowest_ratio(), Some(500));
        assert_eq!(t.total_events_per_second, 10_000);
    }
}
