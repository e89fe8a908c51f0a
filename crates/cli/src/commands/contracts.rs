//! `emtoken contracts build [--check]`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::{contract_build, output::Output};

/// Contract builds.
#[derive(Debug, Subcommand)]
pub(crate) enum ContractsCommand {
    /// Compile contracts/src with the pinned solc (through foundry-compilers) and write
    /// crates/bindings/artifacts/EmToken.json (ABI, bytecode, compiler settings).
    ///
    /// Example: `emtoken contracts build`, or `emtoken contracts build --check` to fail when the committed
    /// artifact differs from a fresh build (scripts/check-artifacts runs this).
    Build {
        /// Compare with the committed artifact instead of writing it; fail when they differ.
        #[arg(long)]
        check: bool,
        /// Repository root (default: the nearest folder above the current one that has contracts/foundry.toml).
        #[arg(long, env = "EMTOKEN_ROOT")]
        root: Option<PathBuf>,
    },
}

/// Runs a `contracts` subcommand.
pub(crate) fn run(command: ContractsCommand, output: Output) -> anyhow::Result<()> {
    match command {
        ContractsCommand::Build { check, root } => {
            let root = match root {
                Some(root) => root,
                None => find_root()?,
            };
            let build = contract_build::build(&root)?;
            let path = contract_build::artifact_path(&root);
            if check {
                let committed = std::fs::read_to_string(&path).with_context(|| {
                    format!(
                        "cannot read {}: run `emtoken contracts build` and commit it",
                        path.display()
                    )
                })?;
                if committed != build.json {
                    bail!(
                        "{} differs from a fresh build of contracts/src: run `cargo run -p emtoken-cli -- \
                         contracts build` and commit the artifact",
                        path.display()
                    );
                }
            } else {
                std::fs::write(&path, &build.json)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            output.print(&build.summary, |s| {
                format!(
                    "{} {} with solc {} ({} bytes runtime, {} ABI entries, {} sources)",
                    if check { "up to date:" } else { "wrote" },
                    path.display(),
                    s.compiler_version,
                    s.runtime_size,
                    s.abi_entries,
                    s.sources
                )
            })
        }
    }
}

/// The nearest ancestor of the current folder that holds contracts/foundry.toml.
fn find_root() -> anyhow::Result<PathBuf> {
    let start = std::env::current_dir().context("cannot read the current folder")?;
    start
        .ancestors()
        .find(|dir| dir.join("contracts/foundry.toml").is_file())
        .map(PathBuf::from)
        .with_context(|| {
            format!(
                "no contracts/foundry.toml above {}: run inside the repository or pass --root",
                start.display()
            )
        })
}
