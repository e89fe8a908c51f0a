//! One subcommand per file.

mod contracts;

use clap::Subcommand;

use crate::output::Output;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Contract builds: compile contracts/src into the artifacts of crates/bindings.
    #[command(subcommand)]
    Contracts(contracts::ContractsCommand),
}

/// Runs a subcommand.
pub(crate) fn run(command: Command, output: Output) -> anyhow::Result<()> {
    match command {
        Command::Contracts(command) => contracts::run(command, output),
    }
}
