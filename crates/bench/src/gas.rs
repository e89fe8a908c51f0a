//! Gas: the contracts' whole-transaction gas table, measured by `scripts/gas` (forge script on a throwaway
//! anvil, receipts' gasUsed), parsed from its Markdown.

use std::path::Path;

use anyhow::{Context, bail};
use serde::Serialize;

/// One row of the gas table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GasRow {
    /// The operation.
    pub(crate) operation: String,
    /// Gas of the whole transaction.
    pub(crate) gas: u64,
    /// Ratio to a plain OpenZeppelin transfer, where the table gives one.
    pub(crate) vs_openzeppelin: String,
}

/// Runs `scripts/gas` and parses its table.
pub(crate) async fn measure(root: &Path) -> anyhow::Result<(String, Vec<GasRow>)> {
    let script = root.join("scripts/gas");
    let output = tokio::process::Command::new(&script)
        .current_dir(root)
        .output()
        .await
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "scripts/gas failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let rows = parse(&String::from_utf8_lossy(&output.stdout));
    if rows.is_empty() {
        bail!("scripts/gas printed no table");
    }
    Ok(("scripts/gas".to_owned(), rows))
}

/// The rows of a `| operation | gas | ratio |` Markdown table (header and rule skipped).
pub(crate) fn parse(markdown: &str) -> Vec<GasRow> {
    markdown
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split('|')
                .map(str::trim)
                .collect();
            let [operation, gas, ratio] = cells.as_slice() else {
                return None;
            };
            let gas = gas.replace(',', "").parse().ok()?;
            Some(GasRow {
                operation: (*operation).to_owned(),
                gas,
                vs_openzeppelin: (*ratio).to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_scripts_gas_table() {
        let table = "| operation | gas (whole transaction) | vs OpenZeppelin transfer |\n|---|---:|---:|\n\
                     | transfer, to an existing holder | 61,234 | 1.20x |\n| hold | 150,000 |  |\n";
        assert_eq!(
            parse(table),
            vec![
                GasRow {
                    operation: "transfer, to an existing holder".into(),
                    gas: 61_234,
                    vs_openzeppelin: "1.20x".into()
                },
                GasRow {
                    operation: "hold".into(),
                    gas: 150_000,
                    vs_openzeppelin: String::new()
                },
            ]
        );
    }
}
