//! `emtoken currencies`, `emtoken issuers` and `emtoken bank-catalog`: the administrator's catalogue,
//! as `POST/GET /api/v1/admin/…` keep it, from the command line (same checks, same records).

use alloy_primitives::Address;
use anyhow::Context;
use clap::{Args, Subcommand};
use emtoken_api::issuers::{self, Refused};
use emtoken_sdk::EmTokenClient;
use emtoken_store::vocabulary::catalogue::{self, Bic, CurrencyCode};
use emtoken_store::{
    Store,
    api::{Added, BankRow, CurrencyRow, IssuerRow, NewIssuer, Paging},
};
use serde::Serialize;

use super::database::{DatabaseArgs, Open};
use crate::{
    args, format,
    output::Output,
    table::{Align, Table},
};

/// The most rows a list prints.
const LIST_SIZE: i64 = 10_000;

/// The currencies the platform counts.
#[derive(Debug, Subcommand)]
pub(crate) enum CurrenciesCommand {
    /// Create a currency: a code of three capital letters (ISO 4217's form, unique), a name and the
    /// decimals of its tokens (0 to 18).
    ///
    /// Example: `emtoken currencies add --code EUR --name Euro --decimals 2`.
    Add(CurrencyArgs),
    /// List the currencies, by code.
    List(ListArgs),
}

/// Issuers of currencies, each with its token.
#[derive(Debug, Subcommand)]
pub(crate) enum IssuersCommand {
    /// Register an issuer of a currency with its token, an EmToken proxy already deployed: the token is
    /// read on the chain first (code, decimals equal to the currency's, the platform's operator and
    /// compliance addresses holding their roles), as `POST /api/v1/admin/issuers` does.
    ///
    /// Example: `emtoken issuers add --name "EmToken Money SA" --legal-id 5493001KJTIIGC8Y1R12 --currency
    /// EUR --token 0x… --rpc http://127.0.0.1:8545 --operator 0x… --compliance 0x…`.
    Add(IssuerArgs),
    /// Deploy a new EmToken for an issuer, then register it as `add` does: the deployer key (the
    /// issuer's, e.g. its admin key) sends the deployment and holds the admin role until the tiers and the
    /// operator's minter allowance are set, then hands it to --admin; the platform's --operator and
    /// --compliance get their roles. The same checks as `POST /api/v1/admin/issuers` with `deploy`, each
    /// naming its flag; nothing is sent when one fails.
    ///
    /// Example: `EMTOKEN_DEPLOYER_KEY=0x… emtoken issuers deploy --name "Dollar Money Inc" --legal-id LEI-3
    /// --currency USD --token-name "EmToken Dollar" --symbol USDe --rpc http://127.0.0.1:8545 --operator 0x…
    /// --compliance 0x… --admin 0x… --pauser 0x… --upgrader 0x… --suspense 0x… --minter-allowance 1000000
    /// --tier 0:250:100:150 --tier 1:10000:5000:15000 --tier 2:-:-:-`.
    Deploy(DeployIssuerArgs),
    /// List the issuers in the order they were registered (`--currency` keeps one currency's).
    List(IssuerListArgs),
}

/// The banks top-ups and withdrawals name.
#[derive(Debug, Subcommand)]
pub(crate) enum BankCatalogCommand {
    /// Add a bank: its name, its BIC (ISO 9362, the SWIFT code: unique, DEUTDEFF and DEUTDEFFXXX are one)
    /// and its country (ISO 3166-1 alpha-2, the BIC's country letters).
    ///
    /// Example: `emtoken bank-catalog add --name "Deutsche Bank" --bic DEUTDEFF --country DE`.
    Add(BankArgs),
    /// List the banks by name (`--country` keeps one country's).
    List(BankListArgs),
}

/// Arguments of `currencies add`.
#[derive(Debug, Args)]
pub(crate) struct CurrencyArgs {
    /// Three capital letters, e.g. EUR.
    #[arg(long)]
    code: String,
    /// Its name, e.g. Euro.
    #[arg(long)]
    name: String,
    /// The decimals of its tokens, 0 to 18.
    #[arg(long)]
    decimals: u8,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of a plain list.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Who the issuer is (`issuers add` and `issuers deploy`).
#[derive(Debug, Args)]
pub(crate) struct IssuerNaming {
    /// The issuer's name.
    #[arg(long)]
    name: String,
    /// Its legal identifier (e.g. its LEI or registration number), unique.
    #[arg(long, value_name = "ID")]
    legal_id: String,
    /// The code of the currency it issues, e.g. EUR (its decimals are the token's).
    #[arg(long, value_name = "CODE")]
    currency: String,
}

/// Arguments of `issuers add`.
#[derive(Debug, Args)]
pub(crate) struct IssuerArgs {
    #[command(flatten)]
    issuer: IssuerNaming,
    /// Its token: the EmToken proxy, 0x and 40 hex digits.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    token: Address,
    /// HTTP JSON-RPC endpoint of the token's chain.
    #[arg(long, value_name = "URL", value_parser = args::http_url)]
    rpc: String,
    /// The platform's operator key's address (`serve --operator-key`'s), which must hold the operator
    /// role on the token.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    operator: Address,
    /// The platform's compliance key's address, which must hold the compliance role on the token.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    compliance: Address,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of `issuers deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployIssuerArgs {
    #[command(flatten)]
    issuer: IssuerNaming,
    /// The token's name.
    #[arg(long, value_name = "NAME")]
    token_name: String,
    /// The token's symbol: 1 to 11 letters and digits.
    #[arg(long)]
    symbol: String,
    /// HTTP JSON-RPC endpoint of the chain.
    #[arg(long, value_name = "URL", value_parser = args::http_url)]
    rpc: String,
    /// Private key (hex) that sends the deployment.
    #[arg(
        long,
        env = "EMTOKEN_DEPLOYER_KEY",
        value_name = "HEX",
        hide_env_values = true
    )]
    deployer_key: String,
    /// How to send transactions: anvil (EIP-1559) or besu (legacy, gas price 0).
    #[arg(long, value_enum, default_value = "anvil")]
    profile: super::serve::Profile,
    /// The platform's operator key's address: the token's operator.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    operator: Address,
    /// The platform's compliance key's address: the token's compliance officer.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    compliance: Address,
    /// The issuer's admin (and minter admin) key.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    admin: Address,
    /// Who may pause the token.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    pauser: Address,
    /// Who executes upgrades: another key than the admin's and the deployer's.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    upgrader: Address,
    /// The suspense account of its payouts: a dedicated address.
    #[arg(long, value_name = "ADDRESS", value_parser = args::address)]
    suspense: Address,
    /// What the operator may mint at first, in the currency.
    #[arg(long, value_name = "AMOUNT")]
    minter_allowance: String,
    /// A KYC tier, LEVEL:MAX_BALANCE:MAX_TRANSFER:MAX_OUTFLOW_30D in the currency (`-`: unlimited); once
    /// per level, at least one.
    #[arg(long = "tier", value_name = "TIER", required = true)]
    tiers: Vec<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// A `--tier` value: (level, max balance, max transfer, max 30-day outflow).
fn tier_flag(text: &str) -> anyhow::Result<issuers::TierWanted> {
    let parts: Vec<&str> = text.split(':').collect();
    let [level, balance, transfer, outflow] = parts[..] else {
        anyhow::bail!(
            "--tier {text}: expected LEVEL:MAX_BALANCE:MAX_TRANSFER:MAX_OUTFLOW_30D (`-` unlimited)"
        );
    };
    let level: u8 = level
        .parse()
        .map_err(|_| anyhow::anyhow!("--tier {text}: the level must be 0 to 255"))?;
    let limit = |v: &str| (v != "-").then(|| v.to_owned());
    Ok((level, limit(balance), limit(transfer), limit(outflow)))
}

/// The flag a deployment setting comes from.
fn flag_of(field: &str) -> String {
    match field {
        "name" => "--token-name".to_owned(),
        "minterAllowance" => "--minter-allowance".to_owned(),
        f if f.starts_with("tiers") => format!("--tier ({f})"),
        f => format!("--{f}"),
    }
}

/// Arguments of `issuers list`.
#[derive(Debug, Args)]
pub(crate) struct IssuerListArgs {
    /// Only the issuers of this currency (its code).
    #[arg(long, value_name = "CODE")]
    currency: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of `bank-catalog add`.
#[derive(Debug, Args)]
pub(crate) struct BankArgs {
    /// The bank's name.
    #[arg(long)]
    name: String,
    /// Its BIC, 8 or 11 capitals and digits.
    #[arg(long)]
    bic: String,
    /// Its country, two capital letters (the BIC's).
    #[arg(long)]
    country: String,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Arguments of `bank-catalog list`.
#[derive(Debug, Args)]
pub(crate) struct BankListArgs {
    /// Only the banks of this country (two capital letters).
    #[arg(long)]
    country: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Currency {
    id: String,
    code: String,
    name: String,
    decimals: i16,
    created_at: String,
}

impl From<&CurrencyRow> for Currency {
    fn from(r: &CurrencyRow) -> Self {
        Self {
            id: r.id.to_string(),
            code: r.code.clone(),
            name: r.name.clone(),
            decimals: r.decimals,
            created_at: format::time(r.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Issuer {
    id: String,
    name: String,
    legal_id: String,
    currency_id: String,
    currency_code: String,
    chain_id: i64,
    token_address: String,
    token_name: String,
    token_symbol: String,
    created_at: String,
}

impl From<&IssuerRow> for Issuer {
    fn from(r: &IssuerRow) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            legal_id: r.legal_id.clone(),
            currency_id: r.currency_id.to_string(),
            currency_code: r.currency_code.clone(),
            chain_id: r.chain_id,
            token_address: format!("{:#x}", Address::from(r.token_address)),
            token_name: r.token_name.clone(),
            token_symbol: r.token_symbol.clone(),
            created_at: format::time(r.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Bank {
    id: String,
    name: String,
    bic: String,
    country: String,
    created_at: String,
}

impl From<&BankRow> for Bank {
    fn from(r: &BankRow) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            bic: r.bic.clone(),
            country: r.country.clone(),
            created_at: format::time(r.created_at),
        }
    }
}

/// One line of 1 to `max` characters, no control characters (as the API's names).
fn line(flag: &str, value: &str, max: usize) -> anyhow::Result<String> {
    let value = value.trim();
    let count = value.chars().count();
    if count == 0 || count > max || value.chars().any(char::is_control) {
        anyhow::bail!("{flag} must be one line of 1 to {max} characters");
    }
    Ok(value.to_owned())
}

/// Runs `work` on the opened store and closes it.
async fn with_store<T>(
    database: &DatabaseArgs,
    work: impl AsyncFnOnce(&Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = database.open(Open::Create).await?;
    let result = work(&store).await;
    let closed = store.close().await.context("cannot close the database");
    let value = result?;
    closed?;
    Ok(value)
}

fn all() -> Paging {
    Paging {
        page: 0,
        size: LIST_SIZE,
    }
}

/// Runs `emtoken currencies …`.
pub(crate) async fn currencies(command: CurrenciesCommand, output: Output) -> anyhow::Result<()> {
    match command {
        CurrenciesCommand::Add(a) => {
            let code = CurrencyCode::parse(&a.code).map_err(|e| anyhow::anyhow!("--code {e}"))?;
            let name = line("--name", &a.name, 100)?;
            if a.decimals > catalogue::MAX_DECIMALS {
                anyhow::bail!("--decimals must be 0 to {}", catalogue::MAX_DECIMALS);
            }
            let row = with_store(&a.database, async |s| {
                match s.add_currency(code.as_str(), &name, a.decimals).await? {
                    Added::Added(row) => Ok(row),
                    Added::Taken(_, id) => {
                        anyhow::bail!("--code {code}: currency {id} has it already")
                    }
                }
            })
            .await?;
            output.print(&Currency::from(&row), |c| {
                format!(
                    "currency {} {} ({} decimals): {}",
                    c.code, c.name, c.decimals, c.id
                )
            })
        }
        CurrenciesCommand::List(a) => {
            let (rows, _) =
                with_store(&a.database, async |s| Ok(s.currencies_page(all()).await?)).await?;
            let list: Vec<Currency> = rows.iter().map(Currency::from).collect();
            output.print(&list, |list| {
                if list.is_empty() {
                    return "no currencies".to_owned();
                }
                let mut table = Table::new(&[
                    ("code", Align::Left),
                    ("name", Align::Left),
                    ("decimals", Align::Right),
                    ("id", Align::Left),
                ]);
                for c in list {
                    table.row(vec![
                        c.code.clone(),
                        c.name.clone(),
                        c.decimals.to_string(),
                        c.id.clone(),
                    ]);
                }
                table.render()
            })
        }
    }
}

/// Runs `emtoken issuers …`.
pub(crate) async fn issuers(command: IssuersCommand, output: Output) -> anyhow::Result<()> {
    match command {
        IssuersCommand::Add(a) => {
            let (name, legal_id, code) = a.issuer.checked()?;
            let reader = EmTokenClient::builder(a.rpc.clone())
                .connect(a.token)
                .await
                .with_context(|| {
                    format!(
                        "--token {}: cannot read a token there through --rpc {}",
                        a.token, a.rpc
                    )
                })?;
            let chain_id =
                i64::try_from(reader.chain_id()).context("the chain id exceeds 2^63 - 1")?;
            let row = with_store(&a.database, async |s| {
                let currency = s.currency_by_code(code.as_str()).await?.ok_or_else(|| {
                    anyhow::anyhow!("--currency {code}: no such currency (emtoken currencies add)")
                })?;
                let facts =
                    issuers::check_token(&reader, a.token, &currency, a.operator, a.compliance)
                        .await
                        .map_err(|e| match e {
                            Refused::Token(e) => anyhow::anyhow!("--token {e}"),
                            other => anyhow::anyhow!("{other}"),
                        })?;
                let new = NewIssuer {
                    name,
                    legal_id,
                    currency_id: currency.id,
                    chain_id,
                    token_address: a.token.into_array(),
                    token_name: facts.name,
                    token_symbol: facts.symbol,
                };
                match s.add_issuer(&new).await? {
                    Added::Added(row) => Ok(row),
                    Added::Taken(field, id) => {
                        let flag = if field == "legalId" {
                            "--legal-id"
                        } else {
                            "--token"
                        };
                        anyhow::bail!("{flag}: issuer {id} has it already")
                    }
                }
            })
            .await?;
            output.print(&Issuer::from(&row), |i| {
                format!(
                    "issuer {} ({}) of {}: token {} {} on chain {}: {}",
                    i.name,
                    i.legal_id,
                    i.currency_code,
                    i.token_symbol,
                    i.token_address,
                    i.chain_id,
                    i.id
                )
            })
        }
        IssuersCommand::Deploy(a) => deploy_issuer(a, output).await,
        IssuersCommand::List(a) => {
            let code = a
                .currency
                .as_deref()
                .map(|c| CurrencyCode::parse(c).map_err(|e| anyhow::anyhow!("--currency {e}")))
                .transpose()?;
            let rows = with_store(&a.database, async |s| {
                let currency = match &code {
                    Some(code) => Some(
                        s.currency_by_code(code.as_str())
                            .await?
                            .ok_or_else(|| anyhow::anyhow!("--currency {code}: no such currency"))?
                            .id,
                    ),
                    None => None,
                };
                Ok(s.issuers_page(currency, all()).await?.0)
            })
            .await?;
            let list: Vec<Issuer> = rows.iter().map(Issuer::from).collect();
            output.print(&list, |list| {
                if list.is_empty() {
                    return "no issuers".to_owned();
                }
                let mut table = Table::new(&[
                    ("currency", Align::Left),
                    ("name", Align::Left),
                    ("legal id", Align::Left),
                    ("token", Align::Left),
                    ("chain", Align::Right),
                    ("id", Align::Left),
                ]);
                for i in list {
                    table.row(vec![
                        i.currency_code.clone(),
                        i.name.clone(),
                        i.legal_id.clone(),
                        format!("{} {}", i.token_symbol, i.token_address),
                        i.chain_id.to_string(),
                        i.id.clone(),
                    ]);
                }
                table.render()
            })
        }
    }
}

/// Runs `emtoken bank-catalog …`.
pub(crate) async fn bank_catalog(
    command: BankCatalogCommand,
    output: Output,
) -> anyhow::Result<()> {
    match command {
        BankCatalogCommand::Add(a) => {
            let name = line("--name", &a.name, 140)?;
            let bic = Bic::parse(&a.bic).map_err(|e| anyhow::anyhow!("--bic {e}"))?;
            let country = catalogue::bank_country(&a.country, &bic)
                .map_err(|e| anyhow::anyhow!("--country {e}"))?;
            let row = with_store(&a.database, async |s| {
                match s.add_bank(&name, bic.as_str(), &country).await? {
                    Added::Added(row) => Ok(row),
                    Added::Taken(_, id) => anyhow::bail!("--bic {bic}: bank {id} has it already"),
                }
            })
            .await?;
            output.print(&Bank::from(&row), |b| {
                format!("bank {} {} ({}): {}", b.bic, b.name, b.country, b.id)
            })
        }
        BankCatalogCommand::List(a) => {
            if let Some(c) = &a.country {
                catalogue::country(c).map_err(|e| anyhow::anyhow!("--country {e}"))?;
            }
            let rows = with_store(&a.database, async |s| {
                Ok(s.banks_page(a.country.as_deref(), all()).await?.0)
            })
            .await?;
            let list: Vec<Bank> = rows.iter().map(Bank::from).collect();
            output.print(&list, |list| {
                if list.is_empty() {
                    return "no banks".to_owned();
                }
                let mut table = Table::new(&[
                    ("bic", Align::Left),
                    ("name", Align::Left),
                    ("country", Align::Left),
                    ("id", Align::Left),
                ]);
                for b in list {
                    table.row(vec![
                        b.bic.clone(),
                        b.name.clone(),
                        b.country.clone(),
                        b.id.clone(),
                    ]);
                }
                table.render()
            })
        }
    }
}

impl IssuerNaming {
    /// The name, the legal id and the currency's code, checked (naming the flag).
    fn checked(&self) -> anyhow::Result<(String, String, CurrencyCode)> {
        let name = line("--name", &self.name, 140)?;
        let legal_id = line("--legal-id", &self.legal_id, 64)?;
        let code =
            CurrencyCode::parse(&self.currency).map_err(|e| anyhow::anyhow!("--currency {e}"))?;
        Ok((name, legal_id, code))
    }
}

/// `emtoken issuers deploy`.
async fn deploy_issuer(a: DeployIssuerArgs, output: Output) -> anyhow::Result<()> {
    let (name, legal_id, code) = a.issuer.checked()?;
    let tiers = a
        .tiers
        .iter()
        .map(|t| tier_flag(t))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let wanted = issuers::DeployWanted {
        name: a.token_name.clone(),
        symbol: a.symbol.clone(),
        admin: a.admin,
        pauser: a.pauser,
        upgrader: a.upgrader,
        suspense: a.suspense,
        minter_allowance: a.minter_allowance.clone(),
        tiers,
    };
    let profile = match a.profile {
        super::serve::Profile::Anvil => emtoken_sdk::NetworkProfile::Anvil,
        super::serve::Profile::Besu => emtoken_sdk::NetworkProfile::Besu,
    };
    let builder = EmTokenClient::builder(a.rpc.clone())
        .private_key(&a.deployer_key)
        .context("--deployer-key is not a private key")?
        .profile(profile);
    let row = with_store(&a.database, async |s| {
        let currency = s.currency_by_code(code.as_str()).await?.ok_or_else(|| {
            anyhow::anyhow!("--currency {code}: no such currency (emtoken currencies add)")
        })?;
        let decimals = u8::try_from(currency.decimals).context("a currency's decimals")?;
        let config = issuers::deploy_config(&wanted, decimals, a.operator, a.compliance)
            .map_err(|e| anyhow::anyhow!("{}: {}", flag_of(&e.field), e.why))?;
        if let Some(id) = s.issuer_with_legal_id(&legal_id).await? {
            anyhow::bail!("--legal-id: issuer {id} has it already; nothing was deployed");
        }
        let (deployment, deployed) = emtoken_sdk::deploy(builder, &config)
            .await
            .with_context(|| format!("deploying through --rpc {}", a.rpc))?;
        eprintln!(
            "deployed {} at {:#x} (block {}); registering it",
            config.symbol, deployment.address, deployment.block
        );
        let facts = issuers::check_token(
            &deployed,
            deployment.address,
            &currency,
            a.operator,
            a.compliance,
        )
        .await
        .map_err(|e| anyhow::anyhow!("the deployed token {:#x}: {e}", deployment.address))?;
        let chain_id = i64::try_from(deployed.chain_id()).context("the chain id exceeds 2^63 - 1")?;
        let new = NewIssuer {
            name,
            legal_id,
            currency_id: currency.id,
            chain_id,
            token_address: deployment.address.into_array(),
            token_name: facts.name,
            token_symbol: facts.symbol,
        };
        match s.add_issuer(&new).await? {
            Added::Added(row) => Ok(row),
            Added::Taken(field, id) => anyhow::bail!(
                "{field}: issuer {id} has it already (registered meanwhile); token {:#x} was deployed and is left unused",
                deployment.address
            ),
        }
    })
    .await?;
    output.print(&Issuer::from(&row), |i| {
        format!(
            "issuer {} ({}) of {}: token {} {} deployed on chain {}: {}",
            i.name, i.legal_id, i.currency_code, i.token_symbol, i.token_address, i.chain_id, i.id
        )
    })
}
