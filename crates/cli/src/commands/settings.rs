//! `emtoken config show`: the configuration `index` or `serve` would run with, and where each value
//! comes from.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use crate::{config, output::Output};

/// The configuration file and the environment, as the commands see them.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the effective configuration of `serve` (or `index`): every flag with its value from the
    /// --config file, the environment (EMTOKEN_<FLAG>, DATABASE_URL) or its default, and where it came
    /// from; keys and passwords masked. The text is itself a configuration file.
    Show {
        /// The command whose flags to show.
        #[arg(value_enum, default_value = "serve")]
        command: Which,
    },
}

/// A command the configuration file sets.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Which {
    Serve,
    Index,
}

pub(crate) fn run(
    command: ConfigCommand,
    output: Output,
    file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let ConfigCommand::Show { command } = command;
    let name = match command {
        Which::Serve => "serve",
        Which::Index => "index",
    };
    let mut argv = vec!["emtoken".into(), name.into()];
    if let Some(file) = &file {
        argv.extend(["--config".into(), file.clone().into_os_string()]);
    }
    let layered = config::layer(argv).map_err(|message| anyhow::anyhow!(message))?;
    let settings = config::effective(name, &layered).context("cannot read the configuration")?;
    let shown = serde_json::json!({
        "command": name,
        "file": layered.file,
        "settings": settings,
    });
    output.print(&shown, |_| {
        config::to_toml(name, layered.file.as_deref(), &settings)
            .trim_end()
            .to_owned()
    })
}
