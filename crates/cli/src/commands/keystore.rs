//! `emtoken keystore new`: a private key in an encrypted JSON keystore (Web3 Secret Storage, scrypt and
//! AES-128-CTR: the form geth, clef and `cast wallet import` write), which `serve --operator-keystore`
//! and `--compliance-keystore` open.

use std::path::PathBuf;

use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::output::Output;

/// Encrypted key files for `serve`.
#[derive(Debug, Subcommand)]
pub(crate) enum KeystoreCommand {
    /// Write a key into a new keystore file, encrypted with the password in --password-file (its first
    /// line): the key in EMTOKEN_KEY (hex; or --key, which shows in the process list), or a new random
    /// one with --generate. Prints the key's address; never the key.
    ///
    /// Example: `EMTOKEN_KEY=0x… emtoken keystore new --out operator.json --password-file operator.pass`.
    New(NewArgs),
}

/// Arguments of `keystore new`.
#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The keystore to write: a new file (an existing one is never overwritten).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,

    /// The file holding the password (its first line; at least 8 characters).
    #[arg(long, value_name = "FILE")]
    password_file: PathBuf,

    /// The private key to encrypt (hex); prefer EMTOKEN_KEY.
    #[arg(
        long,
        env = "EMTOKEN_KEY",
        value_name = "HEX",
        hide_env_values = true,
        required_unless_present = "generate",
        conflicts_with = "generate"
    )]
    key: Option<String>,

    /// Encrypt a new random key instead.
    #[arg(long)]
    generate: bool,
}

/// What `keystore new` wrote.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    address: String,
    file: String,
}

/// The shortest password taken.
const MIN_PASSWORD: usize = 8;

/// Runs `emtoken keystore …`.
pub(crate) fn run(command: KeystoreCommand, output: Output) -> anyhow::Result<()> {
    let KeystoreCommand::New(args) = command;
    let text = std::fs::read_to_string(&args.password_file).with_context(|| {
        format!(
            "--password-file {}: cannot read it",
            args.password_file.display()
        )
    })?;
    let password = text.lines().next().unwrap_or_default();
    anyhow::ensure!(
        password.chars().count() >= MIN_PASSWORD,
        "--password-file {}: the password (its first line) must have at least {MIN_PASSWORD} characters",
        args.password_file.display()
    );
    let signer = match &args.key {
        Some(key) => key.trim().parse::<PrivateKeySigner>().map_err(|_| {
            anyhow::anyhow!("--key / EMTOKEN_KEY is not a private key (64 hex digits)")
        })?,
        None => PrivateKeySigner::random(),
    };
    anyhow::ensure!(
        !args.out.exists(),
        "--out {}: the file exists; keystores are never overwritten",
        args.out.display()
    );
    let dir = match args.out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = args
        .out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow::anyhow!("--out {}: not a file name", args.out.display()))?;
    let mut rng = rand_08::thread_rng();
    PrivateKeySigner::encrypt_keystore(&dir, &mut rng, signer.to_bytes(), password, Some(name))
        .map_err(|e| {
            anyhow::anyhow!(
                "--out {}: cannot write the keystore: {e}",
                args.out.display()
            )
        })?;
    let written = Written {
        address: format!("{:#x}", signer.address()),
        file: args.out.display().to_string(),
    };
    output.print(&written, |w| {
        format!(
            "keystore of {} written to {} (keep the password file apart from it)",
            w.address, w.file
        )
    })
}
