//! `emtoken`: the command line of EmToken. It builds the contracts into the artifacts the bindings
//! crate reads, runs the indexer, and shows what the index holds (wallets, movements, holds).

mod args;
mod commands;
mod config;
mod contract_build;
mod format;
mod logging;
mod metrics_server;
mod output;
mod progress;
mod signals;
mod table;

use clap::{FromArgMatches, Parser};

/// EmToken: regulated electronic money on EVM chains.
#[derive(Debug, Parser)]
#[command(name = "emtoken", version, about, long_about = None)]
struct Cli {
    /// Print the result as JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// A TOML file of settings for `index` and `serve` (and the database of the other commands): its
    /// keys are the flags' long names (`database_url = "postgres://…"`); a flag or its environment
    /// variable overrides the file (docs/operations.md, Configuration; `emtoken config show`).
    #[arg(long, global = true, env = "EMTOKEN_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> std::process::ExitCode {
    // `--json` anywhere: errors are JSON too, usage errors included.
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    let usage = |message: &str| {
        if json {
            eprintln!("{}", json_error(message, &[], "usage"));
        } else {
            eprintln!("error: {message}");
        }
        std::process::ExitCode::from(2)
    };
    // The configuration file's values join the command line as flags (config.rs).
    let layered = match config::layer(std::env::args_os().collect()) {
        Ok(layered) => layered,
        Err(message) => return usage(&message),
    };
    let parsed = config::command()
        .try_get_matches_from(&layered.argv)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error)
            if !matches!(
                error.kind(),
                clap::error::ErrorKind::DisplayHelp
                    | clap::error::ErrorKind::DisplayVersion
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) && (json || layered.blame(&error).is_some()) =>
        {
            // clap's first line, without its "error: " and the usage lines after it.
            let text = error.to_string();
            let first = text.lines().next().unwrap_or_default().trim();
            let message = first.strip_prefix("error: ").unwrap_or(first);
            return match layered.blame(&error) {
                Some(blame) => usage(&format!("{blame}: {message}")),
                None => usage(message),
            };
        }
        Err(error) => error.exit(),
    };
    match commands::run(cli.command, output::Output::new(cli.json), cli.config) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            if cli.json {
                let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
                eprintln!("{}", json_error(&error.to_string(), &causes, "failed"));
            } else {
                // The whole chain of causes, one line, without a backtrace: errors here are for users.
                eprintln!("error: {error:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// An error as one JSON line: `{"error": message, "kind": "usage"|"failed", "causes": [...]}`, the
/// causes from the nearest to the deepest.
fn json_error(message: &str, causes: &[String], kind: &str) -> String {
    serde_json::json!({ "error": message, "kind": kind, "causes": causes }).to_string()
}

#[cfg(test)]
mod tests {
    /// Every subcommand's flags are declared consistently (types, groups, conflicts): clap's own check,
    /// which otherwise fails only when the flag is used.
    #[test]
    fn the_command_line_is_consistent() {
        super::config::command().debug_assert();
    }
}
