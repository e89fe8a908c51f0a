//! `emtoken contracts build [--check]`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::{contract_build, output::Output};

/// Contract builds.
#[derive(Debug, Subcommand)]
pub(crate) enum ContractsCommand {
    /// Compile contracts/src with the pinned solc (through foundry-compilers) and write the artifacts of
    /// crates/bindings/artifacts/: EmToken.json (the ABI of the token's address: proxy, implementation
    /// and modules merged, checked against IEmToken) and EmTokenOrders.json, EmTokenAuthorizations.json,
    /// EmTokenImplementation.json, EmTokenProxy.json (ABI and bytecode, to deploy), and
    /// EmTokenBalanceReader.json (the indexer runs its creation code as an eth_call), with the compiler
    /// settings and the sources' hashes.
    ///
    /// Example: `emtoken contracts build`, or `emtoken contracts build --check` to fail when a committed
    /// artifact differs from a fresh build (scripts/check-artifacts runs this).
    Build {
        /// Compare with the committed artifacts instead of writing them; fail when one differs.
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
            let dir = contract_build::artifacts_dir(&root);
            if check {
                let stale: Vec<String> = build
                    .artifacts
                    .iter()
                    .filter(|(file, json)| {
                        std::fs::read_to_string(dir.join(file)).ok().as_ref() != Some(json)
                    })
                    .map(|(file, _)| dir.join(file).display().to_string())
                    .collect();
                if !stale.is_empty() {
                    bail!(
                        "{} {} from a fresh build of contracts/src (or missing): run `cargo run -p \
                         emtoken-cli -- contracts build` and commit the artifacts",
                        stale.join(", "),
                        if stale.len() == 1 {
                            "differs"
                        } else {
                            "differ"
                        }
                    );
                }
            } else {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                for (file, json) in &build.artifacts {
                    let path = dir.join(file);
                    std::fs::write(&path, json)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
            }
            output.print(&build.summary, |s| {
                let mut text = format!(
                    "{} {} with solc {} ({} sources):",
                    if check { "up to date:" } else { "wrote" },
                    dir.display(),
                    s.compiler_version,
                    s.sources
                );
                for artifact in &s.artifacts {
                    let size = artifact.runtime_size.map_or_else(
                        || "ABI only".to_owned(),
                        |size| format!("{size} bytes runtime"),
                    );
                    text.push_str(&format!(
                        "\n  {:<27} {:<19} {:>3} ABI entries  {}",
                        artifact.file, size, artifact.abi_entries, artifact.contract
                    ));
                }
                if !s.declared_only.is_empty() {
                    text.push_str(&format!(
                        "\n  IEmToken also declares, and no contract emits: {}",
                        s.declared_only.join(", ")
                    ));
                }
                text
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
