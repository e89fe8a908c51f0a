//! `scripts/devnet up|status|down` as a developer uses it.

use std::{os::unix::fs::PermissionsExt, path::Path};

use alloy::{
    primitives::{Address, B256},
    providers::{Provider, ProviderBuilder},
};
use emtoken_e2e::{free_port, repo_root, run_script};
use emtoken_test_utils::{Accounts, DevNode, ProfileName, Role};

/// Runs scripts/devnet with its state in `state`, recording deployments under
/// contracts/deployments/e2e-<state folder name>/ (never the developer's own devnet records).
fn devnet(state: &Path, args: &[&str]) -> (i32, String, String) {
    let deployments = deployments_dir(state);
    run_script(
        "devnet",
        args,
        &[
            ("EMTOKEN_DEVNET_DIR", state.as_os_str()),
            ("EMTOKEN_DEPLOYMENTS_DIR", deployments.as_os_str()),
        ],
    )
}

/// Relative to contracts/, as the deploy script takes it.
fn deployments_dir(state: &Path) -> std::path::PathBuf {
    let name = state.file_name().expect("temp dir name").to_string_lossy();
    Path::new("deployments").join(format!("e2e-{name}"))
}

/// The deployment record `scripts/devnet up` wrote, removed when dropped.
struct Record(std::path::PathBuf);

impl Drop for Record {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pid_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid.trim()).exists()
}

#[tokio::test]
async fn up_status_down_on_both_profiles() -> anyhow::Result<()> {
    let accounts = Accounts::load()?;
    for profile in ProfileName::ALL {
        let state = tempfile::tempdir()?;
        let port = free_port().to_string();
        let api_port = free_port().to_string();
        let url = format!("http://127.0.0.1:{port}");

        let record_dir = repo_root()
            .join("contracts")
            .join(deployments_dir(state.path()));
        let _cleanup = Record(record_dir.clone());
        let up = [
            "up",
            "--profile",
            profile.as_str(),
            "--port",
            &port,
            "--api-port",
            &api_port,
        ];
        let (code, out, err) = devnet(state.path(), &up);
        assert_eq!(code, 0, "up failed: {out}{err}");
        // The platform came up with it: the API, its keys, and the demo played on it.
        let api = format!("http://127.0.0.1:{api_port}");
        assert!(out.contains(&api), "up does not print the API URL: {out}");
        assert!(out.contains("movements of wallet A"), "{out}");
        let api_pid = std::fs::read_to_string(state.path().join("serve.pid"))?;
        let keys = state.path().join("keys.env");
        assert_eq!(
            std::fs::metadata(&keys)?.permissions().mode() & 0o777,
            0o600
        );
        assert!(out.contains(&url), "up does not print the URL: {out}");
        for role in Role::ALL {
            let address = accounts.address(role)?.to_string();
            assert!(
                out.contains(&address),
                "up does not print {role} ({address}): {out}"
            );
        }
        let pid = std::fs::read_to_string(state.path().join("anvil.pid"))?;
        assert!(state.path().join("anvil.log").exists());

        let provider = ProviderBuilder::new().connect_http(url.parse()?);
        let expected = emtoken_test_utils::Profile::load(profile)?.chain_id;
        assert_eq!(provider.get_chain_id().await?, expected);

        // `up` deployed EmToken and recorded where.
        let record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
            record_dir.join(format!("{expected}.json")),
        )?)?;
        let address: Address = record["address"].as_str().expect("address").parse()?;
        assert!(
            out.contains(&address.to_string()),
            "up does not print the token address: {out}"
        );
        assert_eq!(record["chainId"].as_u64(), Some(expected));
        let tx: B256 = record["transactionHash"]
            .as_str()
            .expect("transactionHash")
            .parse()?;
        let receipt = provider
            .get_transaction_receipt(tx)
            .await?
            .expect("deployment receipt");
        assert_eq!(receipt.contract_address, Some(address));
        assert_eq!(record["deploymentBlock"].as_u64(), receipt.block_number);
        assert!(
            !provider.get_code_at(address).await?.is_empty(),
            "no code at {address}"
        );

        // A second `up` reuses the node and the API.
        let (code, out, err) = devnet(state.path(), &up);
        assert_eq!(code, 0, "second up failed: {out}{err}");
        assert!(out.contains("already running"), "{out}");
        assert!(out.contains(&api), "{out}");
        assert_eq!(
            std::fs::read_to_string(state.path().join("serve.pid"))?,
            api_pid
        );
        assert_eq!(
            std::fs::read_to_string(state.path().join("anvil.pid"))?,
            pid
        );

        let (code, out, _) = devnet(state.path(), &["status"]);
        assert_eq!(code, 0);
        assert!(
            out.contains(&url) && out.contains(profile.as_str()),
            "{out}"
        );

        let (code, out, err) = devnet(state.path(), &["down"]);
        assert_eq!(code, 0, "down failed: {out}{err}");
        assert!(!pid_alive(&pid), "anvil {pid} still runs after down");
        assert!(
            !pid_alive(&api_pid),
            "emtoken serve {api_pid} still runs after down"
        );
        assert!(
            provider.get_chain_id().await.is_err(),
            "the node still answers after down"
        );

        let (code, out, _) = devnet(state.path(), &["status"]);
        assert_eq!(code, 3, "status of a stopped devnet: {out}");
        assert!(out.contains("not running"));
    }
    Ok(())
}

#[test]
fn down_never_stops_a_node_it_did_not_start() -> anyhow::Result<()> {
    let other = DevNode::spawn(ProfileName::Dev)?;
    let other_pid = other.pid().to_string();

    // A pid file that names a process the script did not start (a recycled pid, a copied folder).
    let state = tempfile::tempdir()?;
    std::fs::write(state.path().join("anvil.pid"), &other_pid)?;
    std::fs::write(
        state.path().join("node.env"),
        "profile = \"dev\"\nport = 1\nurl = \"http://127.0.0.1:1\"\n",
    )?;
    let (code, out, err) = devnet(state.path(), &["down"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("not running"), "{out}");
    assert!(
        pid_alive(&other_pid),
        "down killed an anvil it did not start"
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", other.port())).is_ok());
    Ok(())
}

#[test]
fn up_rejects_an_unknown_profile() {
    let state = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = devnet(state.path(), &["up", "--profile", "mainnet", "--no-deploy"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("unknown profile 'mainnet'") && err.contains("dev"),
        "{err}"
    );
    assert!(!state.path().join("anvil.pid").exists());
}

/// `up --once`: node, deployment, API and `emtoken demo --check`, then everything stopped, exit 0.
#[test]
fn up_once_plays_and_checks_the_demo() -> anyhow::Result<()> {
    let state = tempfile::tempdir()?;
    let _cleanup = Record(
        repo_root()
            .join("contracts")
            .join(deployments_dir(state.path())),
    );
    let (port, api_port) = (free_port().to_string(), free_port().to_string());
    let (code, out, err) = devnet(
        state.path(),
        &["up", "--once", "--port", &port, "--api-port", &api_port],
    );
    assert_eq!(code, 0, "up --once failed: {out}{err}");
    for expected in [
        format!("http://127.0.0.1:{api_port}/api/v1/public"),
        "wallets\nwallet  id".to_owned(),
        "movements of wallet A".to_owned(),
        "movements of wallet B".to_owned(),
        "BANK_ACCOUNT_CASHOUT".to_owned(),
        "RELEASED_BY_NOTARY".to_owned(),
        "scheduled operation of wallet A".to_owned(),
        "its next 10 dates".to_owned(),
        "curl -H 'Authorization: Bearer emt_".to_owned(),
        "check: passed".to_owned(),
        "API stopped".to_owned(),
        "devnet stopped".to_owned(),
    ] {
        assert!(out.contains(&expected), "no '{expected}' in: {out}{err}");
    }
    assert!(!state.path().join("anvil.pid").exists());
    assert!(!state.path().join("serve.pid").exists());
    for port in [&port, &api_port] {
        let port: u16 = port.parse()?;
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "something still listens on {port} after --once"
        );
    }
    Ok(())
}
