//! `emtoken contracts build` against this repository's own contracts.

use std::process::Command;

fn emtoken(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_emtoken"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run emtoken")
}

#[test]
fn committed_artifacts_match_a_fresh_build() {
    let out = emtoken(&["--json", "contracts", "build", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["contract"], "EmToken");
    assert!(
        summary["compiler_version"]
            .as_str()
            .unwrap()
            .starts_with("0.8.37")
    );
    let artifacts = summary["artifacts"].as_array().unwrap();
    let files: Vec<&str> = artifacts
        .iter()
        .map(|a| a["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "EmToken.json",
            "EmTokenOrders.json",
            "EmTokenAuthorizations.json",
            "EmTokenImplementation.json",
            "EmTokenProxy.json",
            "EmTokenBalanceReader.json"
        ]
    );
    // The merged ABI has no code; each contract with bytecode fits under the EIP-170 limit.
    assert!(artifacts[0]["runtime_size"].is_null());
    for artifact in &artifacts[1..] {
        let size = artifact["runtime_size"].as_u64().unwrap();
        assert!(
            size > 0 && size <= 24_576,
            "{} is {size} bytes: above the EIP-170 code size limit",
            artifact["file"]
        );
    }
    assert_eq!(summary["abi_entries"], artifacts[0]["abi_entries"]);
}

#[test]
fn check_fails_with_a_clear_message_when_the_artifact_is_stale() {
    let root = tempfile::tempdir().unwrap();
    let repo = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    // A copy of the contracts with one source changed, beside a link to the installed tools.
    std::os::unix::fs::symlink(format!("{repo}/.tools"), root.path().join(".tools")).unwrap();
    let copy = |from: &str, to: &std::path::Path| {
        let status = Command::new("cp")
            .args(["-r", from])
            .arg(to)
            .status()
            .unwrap();
        assert!(status.success());
    };
    std::fs::create_dir_all(root.path().join("crates/bindings")).unwrap();
    copy(&format!("{repo}/contracts"), &root.path().join("contracts"));
    copy(
        &format!("{repo}/crates/bindings/artifacts"),
        &root.path().join("crates/bindings/artifacts"),
    );
    let token = root.path().join("contracts/src/EmToken.sol");
    let source = std::fs::read_to_string(&token).unwrap();
    std::fs::write(
        &token,
        source.replace(
            "return interfaceId ==",
            "return interfaceId == bytes4(0x12345678) || interfaceId ==",
        ),
    )
    .unwrap();

    let root_arg = root.path().to_str().unwrap();
    let out = emtoken(&["contracts", "build", "--check", "--root", root_arg]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        (stderr.contains("differs from a fresh build")
            || stderr.contains("differ from a fresh build"))
            && stderr.contains("contracts build"),
        "{stderr}"
    );
    assert!(!stderr.contains("backtrace"), "{stderr}");

    // Rebuilding fixes it.
    assert!(
        emtoken(&["contracts", "build", "--root", root_arg])
            .status
            .success()
    );
    assert!(
        emtoken(&["contracts", "build", "--check", "--root", root_arg])
            .status
            .success()
    );
}
