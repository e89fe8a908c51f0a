//! The contract build pipeline: contracts/src → foundry-compilers → the pinned solc (the npm wrapper in
//! .tools/bin/solc) → crates/bindings/artifacts/: `EmToken.json`, the ABI of the token's address (its
//! proxy, implementation and modules merged, checked against `IEmToken`; no bytecode), and the
//! deployable `EmTokenOrders.json`, `EmTokenAuthorizations.json`, `EmTokenImplementation.json` and
//! `EmTokenProxy.json` (ABI and bytecode), and `EmTokenBalanceReader.json`, the creation code the indexer's
//! reconciliation sends as an `eth_call` (never deployed). Compiler settings come from contracts/foundry.toml (`[profile.default]`), so forge and this
//! build agree.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use foundry_compilers::solc::Solc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod abi;

/// A contract the bindings deploy: the file it is written to under crates/bindings/artifacts/, its source
/// unit and its name.
struct Deployable {
    file: &'static str,
    source: &'static str,
    contract: &'static str,
}

/// In deployment order: the modules, the implementation delegating to them, the proxy running the
/// implementation (the token's address); then the balance reader, whose creation code is only ever run by
/// an `eth_call` (it reads many accounts' balances at once).
const DEPLOYABLES: [Deployable; 5] = [
    Deployable {
        file: "EmTokenOrders.json",
        source: "src/EmTokenOrders.sol",
        contract: "EmTokenOrders",
    },
    Deployable {
        file: "EmTokenAuthorizations.json",
        source: "src/EmTokenAuthorizations.sol",
        contract: "EmTokenAuthorizations",
    },
    Deployable {
        file: "EmTokenImplementation.json",
        source: "src/EmToken.sol",
        contract: "EmToken",
    },
    Deployable {
        file: "EmTokenProxy.json",
        source: "src/EmTokenProxy.sol",
        contract: "EmTokenProxy",
    },
    Deployable {
        file: "EmTokenBalanceReader.json",
        source: "src/EmTokenBalanceReader.sol",
        contract: "EmTokenBalanceReader",
    },
];

/// The file of the token's merged ABI, and the name of its binding.
const TOKEN_FILE: &str = "EmToken.json";
const TOKEN: &str = "EmToken";

/// The interface the merged ABI must cover.
const INTERFACE: (&str, &str) = ("src/interfaces/IEmToken.sol", "IEmToken");

/// A fresh build: each artifact's file name and text, and what they hold.
#[derive(Debug)]
pub(crate) struct Build {
    pub(crate) artifacts: Vec<(&'static str, String)>,
    pub(crate) summary: Summary,
}

/// What a build produced, for people and `--json`.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    /// The token binding (`EmToken`).
    pub(crate) contract: String,
    pub(crate) compiler_version: String,
    /// Entries of the token's merged ABI.
    pub(crate) abi_entries: usize,
    pub(crate) sources: usize,
    pub(crate) artifacts: Vec<ArtifactSummary>,
    /// Events and errors `IEmToken` declares that no contract emits (not in the token's ABI).
    pub(crate) declared_only: Vec<String>,
}

/// One artifact file.
#[derive(Debug, Serialize)]
pub(crate) struct ArtifactSummary {
    pub(crate) file: String,
    /// `source:contract`, or the contracts merged (the token's ABI).
    pub(crate) contract: String,
    pub(crate) abi_entries: usize,
    /// Deployed code size in bytes; none for the ABI-only artifact.
    pub(crate) runtime_size: Option<usize>,
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

/// Where the artifacts live.
pub(crate) fn artifacts_dir(root: &Path) -> PathBuf {
    root.join("crates/bindings/artifacts")
}

/// Compiles contracts/src and returns the artifacts of the token.
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
    let compiler = json!({ "version": version, "settings": settings });

    let mut artifacts = Vec::new();
    let mut summaries = Vec::new();
    let mut abis = Vec::new();
    for deployable in &DEPLOYABLES {
        let contract = compiled(&output, deployable.source, deployable.contract)?;
        let abi = contract
            .get("abi")
            .cloned()
            .with_context(|| format!("no abi of {} in solc's output", deployable.contract))?;
        let bytecode = hex_field(contract, deployable.contract, "/evm/bytecode/object")?;
        let deployed = hex_field(
            contract,
            deployable.contract,
            "/evm/deployedBytecode/object",
        )?;
        summaries.push(ArtifactSummary {
            file: deployable.file.to_owned(),
            contract: format!("{}:{}", deployable.source, deployable.contract),
            abi_entries: abi.as_array().map_or(0, Vec::len),
            runtime_size: Some(deployed.len() / 2),
        });
        let artifact = json!({
            "contractName": deployable.contract,
            "sourceName": deployable.source,
            "abi": abi,
            "bytecode": format!("0x{bytecode}"),
            "deployedBytecode": format!("0x{deployed}"),
            "compiler": compiler,
            "sources": source_hashes,
        });
        artifacts.push((
            deployable.file,
            serde_json::to_string_pretty(&artifact)? + "\n",
        ));
        abis.push((deployable.contract, abi));
    }

    // What the token's address answers: the implementation first (a selector it runs never reaches a
    // module), then the modules, then the proxy's own events and errors.
    let order = [
        "EmToken",
        "EmTokenOrders",
        "EmTokenAuthorizations",
        "EmTokenProxy",
    ];
    let parts: Vec<(&str, &Value)> = order
        .iter()
        .filter_map(|name| abis.iter().find(|(contract, _)| contract == name))
        .map(|(contract, abi)| (*contract, abi))
        .collect();
    let merged = abi::merge(&parts)?;
    let interface = compiled(&output, INTERFACE.0, INTERFACE.1)?
        .get("abi")
        .context("no abi of IEmToken in solc's output")?;
    let declared_only = abi::check_covers(&merged, interface)?;
    let merged_from: Vec<String> = order
        .iter()
        .filter_map(|name| DEPLOYABLES.iter().find(|d| d.contract == *name))
        .map(|d| format!("{}:{}", d.source, d.contract))
        .collect();
    summaries.insert(
        0,
        ArtifactSummary {
            file: TOKEN_FILE.to_owned(),
            contract: merged_from.join(" + "),
            abi_entries: merged.len(),
            runtime_size: None,
        },
    );
    let token = json!({
        "contractName": TOKEN,
        "mergedFrom": merged_from,
        "coveredInterface": format!("{}:{}", INTERFACE.0, INTERFACE.1),
        "abi": merged,
        "compiler": compiler,
        "sources": source_hashes,
    });
    artifacts.insert(
        0,
        (TOKEN_FILE, serde_json::to_string_pretty(&token)? + "\n"),
    );

    Ok(Build {
        artifacts,
        summary: Summary {
            contract: TOKEN.to_owned(),
            compiler_version: version,
            abi_entries: merged.len(),
            sources: sources.len(),
            artifacts: summaries,
            declared_only,
        },
    })
}

/// The output of `contract` of source unit `source`.
fn compiled<'a>(output: &'a Value, source: &str, contract: &str) -> anyhow::Result<&'a Value> {
    output
        .pointer(&format!(
            "/contracts/{}/{contract}",
            source.replace('/', "~1")
        ))
        .with_context(|| format!("solc's output has no {source}:{contract}"))
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

fn hex_field(contract: &Value, name: &str, pointer: &str) -> anyhow::Result<String> {
    let object = contract
        .pointer(pointer)
        .and_then(Value::as_str)
        .with_context(|| format!("no {pointer} in solc's output"))?;
    if object.is_empty() {
        bail!("{pointer} is empty: {name} is abstract or an interface");
    }
    Ok(object.trim_start_matches("0x").to_owned())
}

fn hex_keccak(data: &[u8]) -> String {
    alloy_primitives::hex::encode(alloy_primitives::keccak256(data))
}
