//! One subcommand per file; `database` and `lookup` are shared by the commands that use the index.

mod api_key;
mod catalogue;
mod contracts;
mod database;
mod demo;
mod holds;
mod index;
mod keystore;
mod lookup;
mod movements;
mod serve;
mod settings;
mod sms;
mod socket;
mod wallets;

use anyhow::Context;
use clap::Subcommand;

use crate::output::Output;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Contract builds: compile contracts/src into the artifacts of crates/bindings.
    #[command(subcommand)]
    Contracts(contracts::ContractsCommand),
    // The help of the commands below is their arguments' doc comment.
    Index(index::IndexArgs),
    Wallets(wallets::WalletsArgs),
    Movements(movements::MovementsArgs),
    Holds(holds::HoldsArgs),
    // Boxed: serve's flags outweigh every other command's.
    Serve(Box<serve::ServeArgs>),
    /// API keys of the HTTP API.
    #[command(subcommand)]
    ApiKey(api_key::ApiKeyCommand),
    /// SMS the platform sent (the development outbox).
    #[command(subcommand)]
    Sms(sms::SmsCommand),
    /// The currencies the platform counts (the admin's catalogue, as /api/v1/admin/currencies).
    #[command(subcommand)]
    Currencies(catalogue::CurrenciesCommand),
    /// Issuers of currencies, each with its EmToken deployment (as /api/v1/admin/issuers).
    #[command(subcommand)]
    Issuers(catalogue::IssuersCommand),
    /// The banks top-ups and withdrawals name (as /api/v1/admin/bank-catalog).
    #[command(subcommand)]
    BankCatalog(catalogue::BankCatalogCommand),
    Demo(demo::DemoArgs),
    /// Encrypted key files (keystores) for `serve --operator-keystore` / `--compliance-keystore`.
    #[command(subcommand)]
    Keystore(keystore::KeystoreCommand),
    /// The configuration file (--config / EMTOKEN_CONFIG) and the environment, as `serve` and `index`
    /// read them.
    #[command(subcommand)]
    Config(settings::ConfigCommand),
    /// Print a shell completion script: `emtoken completions bash > /etc/bash_completion.d/emtoken`, or
    /// for zsh, fish, elvish or PowerShell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Runs a subcommand; those using the index run on a tokio runtime built here.
pub(crate) fn run(
    command: Command,
    output: Output,
    config: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    match command {
        Command::Contracts(command) => contracts::run(command, output),
        Command::Index(args) => block_on(index::run(args, output)),
        Command::Wallets(args) => read(output, wallets::run(args, output)),
        Command::Movements(args) => read(output, movements::run(args, output)),
        Command::Holds(args) => read(output, holds::run(args, output)),
        Command::Serve(args) => block_on(serve::run(*args, output)),
        Command::ApiKey(command) => read(output, api_key::run(command, output)),
        Command::Sms(command) => read(output, sms::run(command, output)),
        Command::Currencies(command) => read(output, catalogue::currencies(command, output)),
        Command::Issuers(command) => read(output, catalogue::issuers(command, output)),
        Command::BankCatalog(command) => read(output, catalogue::bank_catalog(command, output)),
        Command::Demo(args) => read(output, demo::run(args, output)),
        Command::Keystore(command) => keystore::run(command, output),
        Command::Config(command) => settings::run(command, output, config),
        Command::Completions { shell } => {
            let mut command = crate::config::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "emtoken", &mut script);
            // A closed pipe (`| head`) is not an error worth a message.
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(e).context("cannot write the completion script")
                }
                _ => Ok(()),
            }
        }
    }
}

/// Runs a read command: only warnings and errors are logged (RUST_LOG can ask for more).
fn read(output: Output, work: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    crate::logging::init(output.is_json(), &crate::logging::crates_at("warn"), None);
    block_on(work)
}

fn block_on<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(work)
}
