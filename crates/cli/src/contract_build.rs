//! The contract build pipeline: contracts/src → foundry-compilers → the pinned solc (the npm wrapper in
//! .tools/bin/solc) → crates/bindings/artifacts/EmToken.json. Compiler settings come from
//! contracts/foundry.toml (`[profile.default]`), so forge and this build agree.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use foundry_compilers::solc::Solc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The deployable contract the bindings are generated from.
const CONTRACT: (&str, &str) = ("src/EmToken.sol", "EmToken");

/// A fresh build: the artifact's text and what it holds.
#[derive(Debug)]
pub(crate) struct Build {
    pub(crate) json: String,
    pub(crate) summary: Summary,
}

/// What a build produced, for people and `--json`.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    pub(crate) contract: String,
    pub(crate) compiler_version: String,
    pub(crate) runtime_size: usize,
    pub(crate) abi_entries: usize,
    pub(crate) sources: usize,
}

/// The settings of `[profile.default]` that change the bytecode.
#[derive(Debug, Deserialize)]
struct FoundryProfile {
    remappings: Vec<String>,
    optimizer: bool,
    optimizer_runs: u64,
    evm_version: String,
    bytecode_hash: String,
    cbor_metadata: bool,
}

#[derive(Debug, Deserialize)]
struct FoundryToml {
    profile: BTreeMap<String, toml::Value>,
}

/// Where the artifact lives.
pub(crate) fn artifact_path(root: &Path) -> PathBuf {
    root.join("crates/bindings/artifacts/EmToken.json")
}

/// Compiles contracts/src and returns the artifact of `EmToken`.
pub(crate) fn build(root: &Path) -> anyhow::Result<Build> {
    let contracts = root.join("contracts");
    let profile = read_profile(&contracts)?;
    let solc_path = root.join(".tools/bin/solc");
    if !solc_path.is_file() {
        bail!("{} is missing: run scripts/setup", solc_path.display());
    }
    let mut solc = Solc::new(&solc_path).with_context(|| {
        format!(
            "{} does not answer `--version` as solc does",
            solc_path.display()
        )
    })?;
    solc.base_path = Some(contracts.clone());

    let sources = read_sources(&contracts)?;
    let settings = json!({
        "remappings": profile.remappings,
        "optimizer": { "enabled": profile.optimizer, "runs": profile.optimizer_runs },
        "evmVersion": profile.evm_version,
        "metadata": { "bytecodeHash": profile.bytecode_hash, "appendCBOR": profile.cbor_metadata },
        "outputSelection": { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    });
    let input = json!({
        "language": "Solidity",
        "sources": sources.iter().map(|(name, content)| (name.clone(), json!({ "content": content }))).collect::<BTreeMap<_, _>>(),
        "settings": settings,
    });
    let raw = solc.compile_output(&input).context("solc did not run")?;
    let output: Value = serde_json::from_slice(&raw).context("solc's output is not JSON")?;
    check_diagnostics(&output)?;

    let contract = output
        .pointer(&format!(
            "/contracts/{}/{}",
            CONTRACT.0.replace('/', "~1"),
            CONTRACT.1
        ))
        .with_context(|| format!("solc's output has no {}:{}", CONTRACT.0, CONTRACT.1))?;
    let abi = contract
        .get("abi")
        .cloned()
        .context("no abi in solc's output")?;
    let bytecode = hex_field(contract, "/evm/bytecode/object")?;
    let deployed = hex_field(contract, "/evm/deployedBytecode/object")?;

    let version = solc.version.to_string();
    let source_hashes: BTreeMap<String, String> = sources
        .iter()
        .map(|(name, content)| {
            (
                name.clone(),
                format!("0x{}", hex_keccak(content.as_bytes())),
            )
        })
        .collect();
    let artifact = json!({
        "contractName": CONTRACT.1,
        "sourceName": CONTRACT.0,
        "abi": abi,
        "bytecode": format!("0x{bytecode}"),
        "deployedBytecode": format!("0x{deployed}"),
        "compiler": { "version": version, "settings": settings },
        "sources": source_hashes,
    });
    let json = serde_json::to_string_pretty(&artifact)? + "\n";
    Ok(Build {
        json,
        summary: Summary {
            contract: CONTRACT.1.to_owned(),
            compiler_version: version,
            runtime_size: deployed.len() / 2,
            abi_entries: abi.as_array().map_or(0, Vec::len),
            sources: sources.len(),
        },
    })
}

fn read_profile(contracts: &Path) -> anyhow::Result<FoundryProfile> {
    let path = contracts.join("foundry.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut config: FoundryToml =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let default = config
        .profile
        .remove("default")
        .with_context(|| format!("{} has no [profile.default]", path.display()))?;
    default.try_into().with_context(|| {
        format!(
            "{}: [profile.default] lacks a build setting",
            path.display()
        )
    })
}

/// Every .sol file under contracts/src, by source unit name (`src/...`), sorted.
fn read_sources(contracts: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let mut sources = BTreeMap::new();
    let mut pending = vec![contracts.join("src")];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "sol") {
                let name = path
                    .strip_prefix(contracts)?
                    .to_string_lossy()
                    .replace('\\', "/");
                let content = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                sources.insert(name, content);
            }
        }
    }
    if sources.is_empty() {
        bail!("no .sol files under {}", contracts.join("src").display());
    }
    Ok(sources)
}

/// Fails on any error or warning solc reports (forge builds with warnings as errors too).
fn check_diagnostics(output: &Value) -> anyhow::Result<()> {
    let problems: Vec<String> = output
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e.get("severity").and_then(Value::as_str) != Some("info"))
        .map(|e| {
            e.get("formattedMessage")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("unknown compiler error")
                .to_owned()
        })
        .collect();
    if !problems.is_empty() {
        bail!(
            "solc reported {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    Ok(())
}

fn hex_field(contract: &Value, pointer: &str) -> anyhow::Result<String> {
    let object = contract
        .pointer(pointer)
        .and_then(Value::as_str)
        .with_context(|| format!("no {pointer} in solc's output"))?;
    if object.is_empty() {
        bail!(
            "{pointer} is empty: {} is abstract or an interface",
            CONTRACT.1
        );
    }
    Ok(object.trim_start_matches("0x").to_owned())
}

fn hex_keccak(data: &[u8]) -> String {
    alloy_primitives::hex::encode(alloy_primitives::keccak256(data))
}
