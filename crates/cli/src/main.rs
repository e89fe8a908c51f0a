//! `emtoken`: the command line of EmToken. It builds the contracts into the artifacts the bindings
//! crate reads, runs the indexer, and shows what the index holds (wallets, movements, holds).

mod args;
mod commands;
mod contract_build;
mod format;
mod logging;
mod metrics_server;
mod output;
mod progress;
mod signals;
mod table;

use clap::Parser;

/// EmToken: regulated electronic money on EVM chains.
#[derive(Debug, Parser)]
#[command(name = "emtoken", version, about, long_about = None)]
struct Cli {
    /// Print the result as JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command, output::Output::new(cli.json)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The whole chain of causes, one line, without a backtrace: errors here are for users.
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every subcommand's flags are declared consistently (types, groups, conflicts): clap's own check,
    /// which otherwise fails only when the flag is used.
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
