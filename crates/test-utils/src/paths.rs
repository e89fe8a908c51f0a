use std::path::PathBuf;

/// The repository root: `EMTOKEN_ROOT` when set, else the checkout this crate was built from.
pub fn repo_root() -> PathBuf {
    match std::env::var_os("EMTOKEN_ROOT") {
        Some(root) => PathBuf::from(root),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")),
    }
}

/// The folder `scripts/setup` installs the pinned tools into (`<root>/.tools`).
pub fn tools_dir() -> PathBuf {
    repo_root().join(".tools")
}
