//! End-to-end tests of EmToken: real anvil and real PostgreSQL, driven only through public interfaces
//! (the scripts, the binaries, the HTTP API). Each file next to this one is a test target; this library
//! holds what they share.

use std::{ffi::OsStr, process::Command};

pub use emtoken_test_utils::repo_root;

/// Runs a script of `scripts/` with extra environment variables, returning (exit code, stdout, stderr).
pub fn run_script(script: &str, args: &[&str], env: &[(&str, &OsStr)]) -> (i32, String, String) {
    let output = Command::new(repo_root().join("scripts").join(script))
        .args(args)
        // Each devnet keeps its records in its own embedded database, whatever the test run's DATABASE_URL
        // (one server shared by parallel devnets of the same chain id would mix their chains).
        .env_remove("DATABASE_URL")
        .envs(env.iter().map(|(key, value)| (*key, *value)))
        .output()
        .unwrap_or_else(|error| panic!("cannot run scripts/{script}: {error}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A TCP port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind a free port");
    listener.local_addr().expect("local address").port()
}
