//! The ABI of the token's address: the proxy, its implementation and the modules the implementation
//! delegates to answer at one address, so their ABIs are merged into one, checked against `IEmToken`.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::Value;

/// The union of the ABIs of `parts` (`(contract, abi)`, the one that answers a selector first — the
/// implementation — first): one entry per signature, constructors, fallbacks and receives dropped (they
/// belong to deployment, not to the address). Two entries of one signature must be the same but for
/// parameter names; two functions must not share a selector. Sorted by kind, then signature.
pub(super) fn merge(parts: &[(&str, &Value)]) -> anyhow::Result<Vec<Value>> {
    let mut merged: BTreeMap<(u8, String), (&str, Value)> = BTreeMap::new();
    let mut selectors: BTreeMap<[u8; 4], String> = BTreeMap::new();
    for (contract, abi) in parts {
        let entries = abi
            .as_array()
            .with_context(|| format!("the ABI of {contract} is not a list"))?;
        for entry in entries {
            let Some(key) = key(entry)? else { continue };
            if let Some((first, kept)) = merged.get(&key) {
                if shape(kept) != shape(entry) {
                    bail!(
                        "{first} and {contract} both declare `{}` but differently ({} against {}): one \
                         address answers both, so they must agree",
                        key.1,
                        shape(kept),
                        shape(entry)
                    );
                }
                continue;
            }
            if kind(entry) == "function" {
                let selector = selector(&key.1);
                if let Some(other) = selectors.insert(selector, key.1.clone()) {
                    bail!(
                        "`{}` of {contract} and `{other}` share the selector 0x{}: the proxy would run only one",
                        key.1,
                        alloy_primitives::hex::encode(selector)
                    );
                }
            }
            merged.insert(key, (contract, entry.clone()));
        }
    }
    Ok(merged.into_values().map(|(_, entry)| entry).collect())
}

/// Checks `merged` against `interface` (`IEmToken`'s ABI), so the interface integrators compile against
/// and what the address answers never drift apart: fails naming every function of the interface the
/// address does not answer and every entry declared otherwise. Returns the events and errors the
/// interface declares but no contract emits (an inherited standard interface may declare more than the
/// token uses, e.g. IERC1967's `AdminChanged`): harmless, reported.
pub(super) fn check_covers(merged: &[Value], interface: &Value) -> anyhow::Result<Vec<String>> {
    let answered: BTreeMap<(u8, String), &Value> = merged
        .iter()
        .filter_map(|entry| key(entry).ok().flatten().map(|key| (key, entry)))
        .collect();
    let mut problems = Vec::new();
    let mut declared_only = Vec::new();
    for entry in interface
        .as_array()
        .context("the ABI of IEmToken is not a list")?
    {
        let Some(key) = key(entry)? else { continue };
        match answered.get(&key) {
            None if kind(entry) == "function" => {
                problems.push(format!("function `{}` is missing", key.1));
            }
            None => declared_only.push(format!("{} {}", kind(entry), key.1)),
            Some(found) if shape(found) != shape(entry) => problems.push(format!(
                "{} `{}` differs: {} in the contracts, {} in IEmToken",
                kind(entry),
                key.1,
                shape(found),
                shape(entry)
            )),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        bail!(
            "IEmToken declares what the token's address does not answer:\n  {}\nfix the interface or the \
             contracts (src/EmToken.sol and its modules)",
            problems.join("\n  ")
        );
    }
    Ok(declared_only)
}

/// The entry's kind and signature (`transfer(address,uint256)`); `None` for constructors, fallbacks and
/// receives.
fn key(entry: &Value) -> anyhow::Result<Option<(u8, String)>> {
    let rank = match kind(entry) {
        "function" => 0,
        "event" => 1,
        "error" => 2,
        "constructor" | "fallback" | "receive" => return Ok(None),
        other => bail!("unknown ABI entry type {other:?}: {entry}"),
    };
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .with_context(|| format!("ABI entry without a name: {entry}"))?;
    Ok(Some((
        rank,
        format!("{name}({})", types(entry.get("inputs"))?),
    )))
}

fn kind(entry: &Value) -> &str {
    entry.get("type").and_then(Value::as_str).unwrap_or("")
}

/// The canonical types of a parameter list, comma-separated (tuples spelled out).
fn types(params: Option<&Value>) -> anyhow::Result<String> {
    let Some(params) = params.and_then(Value::as_array) else {
        return Ok(String::new());
    };
    let types = params
        .iter()
        .map(canonical_type)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(types.join(","))
}

fn canonical_type(param: &Value) -> anyhow::Result<String> {
    let ty = param
        .get("type")
        .and_then(Value::as_str)
        .with_context(|| format!("ABI parameter without a type: {param}"))?;
    match ty.strip_prefix("tuple") {
        Some(suffix) => Ok(format!("({}){suffix}", types(param.get("components"))?)),
        None => Ok(ty.to_owned()),
    }
}

/// What callers depend on, names left out: inputs, outputs, mutability, and which event arguments are
/// indexed.
fn shape(entry: &Value) -> String {
    let params = |field: &str| {
        let list = entry.get(field).and_then(Value::as_array);
        list.into_iter()
            .flatten()
            .map(|p| {
                let indexed = p.get("indexed").and_then(Value::as_bool) == Some(true);
                format!(
                    "{}{}",
                    canonical_type(p).unwrap_or_default(),
                    if indexed { " indexed" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mutability = entry
        .get("stateMutability")
        .and_then(Value::as_str)
        .map(|m| format!(" {m}"))
        .unwrap_or_default();
    let anonymous = if entry.get("anonymous").and_then(Value::as_bool) == Some(true) {
        " anonymous"
    } else {
        ""
    };
    let outputs = params("outputs");
    let returns = if entry.get("outputs").is_some() {
        format!(" returns ({outputs})")
    } else {
        String::new()
    };
    format!(
        "{} ({}){mutability}{anonymous}{returns}",
        kind(entry),
        params("inputs")
    )
}

fn selector(signature: &str) -> [u8; 4] {
    let hash = alloy_primitives::keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn function(name: &str, inputs: Value, mutability: &str) -> Value {
        json!({"type": "function", "name": name, "inputs": inputs, "outputs": [], "stateMutability": mutability})
    }

    #[test]
    fn merges_by_signature_and_drops_deployment_entries() {
        let address = json!([{"name": "to", "type": "address", "internalType": "address"}]);
        let renamed = json!([{"name": "other", "type": "address", "internalType": "address"}]);
        let implementation = json!([
            {"type": "constructor", "inputs": []},
            {"type": "fallback", "stateMutability": "nonpayable"},
            function("pay", address, "nonpayable"),
        ]);
        let module = json!([
            function("pay", renamed, "nonpayable"),
            function("order", json!([]), "nonpayable"),
            {"type": "event", "name": "Paid", "anonymous": false, "inputs": [
                {"name": "id", "type": "tuple", "indexed": false, "components": [{"name": "a", "type": "uint8"}]}
            ]},
        ]);
        let merged = merge(&[("EmToken", &implementation), ("EmTokenOrders", &module)]).unwrap();
        let keys: Vec<String> = merged.iter().map(|e| key(e).unwrap().unwrap().1).collect();
        assert_eq!(keys, ["order()", "pay(address)", "Paid((uint8))"]);
        // The implementation's entry is kept (it answers the selector).
        assert_eq!(merged[1]["inputs"][0]["name"], "to");
    }

    #[test]
    fn refuses_one_signature_declared_two_ways() {
        let a = json!([function("pay", json!([]), "nonpayable")]);
        let b = json!([function("pay", json!([]), "view")]);
        let error = merge(&[("EmToken", &a), ("EmTokenOrders", &b)])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`pay()`") && error.contains("EmTokenOrders"),
            "{error}"
        );
    }

    #[test]
    fn refuses_a_selector_clash() {
        // The classic pair of signatures with one selector, 0x42966c68.
        let a = json!([function(
            "collate_propagate_storage",
            json!([{"name": "", "type": "bytes16"}]),
            "nonpayable"
        )]);
        let b = json!([function(
            "burn",
            json!([{"name": "", "type": "uint256"}]),
            "nonpayable"
        )]);
        let error = merge(&[("EmToken", &a), ("EmTokenOrders", &b)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("share the selector 0x42966c68"), "{error}");
    }

    #[test]
    fn coverage_names_what_is_missing_or_different() {
        let merged = vec![function("pay", json!([]), "nonpayable")];
        let interface = json!([
            function("pay", json!([]), "view"),
            function("order", json!([]), "nonpayable"),
        ]);
        let error = check_covers(&merged, &interface).unwrap_err().to_string();
        assert!(error.contains("function `order()` is missing"), "{error}");
        assert!(error.contains("function `pay()` differs"), "{error}");
        // An event the interface declares and nothing emits is reported, not refused.
        let interface = json!([
            function("pay", json!([]), "nonpayable"),
            {"type": "event", "name": "AdminChanged", "anonymous": false, "inputs": []},
        ]);
        assert_eq!(
            check_covers(&merged, &interface).unwrap(),
            ["event AdminChanged()"]
        );
    }
}
