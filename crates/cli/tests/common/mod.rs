//! Shared helpers of the CLI tests: run the built `emtoken` binary, and a fresh empty database per test
//! (a database of the PostgreSQL server of DATABASE_URL when set, as scripts/test provides; else the
//! embedded database in a temporary folder).

#![allow(dead_code, unreachable_pub)]

pub mod api;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use sqlx::{ConnectOptions, Connection, PgConnection, postgres::PgConnectOptions};

/// An address as the CLI prints it: 0x and lowercase hex.
pub fn lower(address: alloy_primitives::Address) -> String {
    alloy_primitives::hex::encode_prefixed(address)
}

/// A file of the API crate's test fixtures (keys of card data: they protect nothing).
pub fn api_fixture(name: &str) -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "api",
        "tests",
        "fixtures",
        name,
    ]
    .iter()
    .collect()
}

/// Runs `emtoken` in `cwd` with `args`, ignoring the caller's DATABASE_URL and RUST_LOG (tests pass
/// their database explicitly).
pub fn emtoken(cwd: &Path, args: &[&str]) -> Output {
    command(cwd, args).output().expect("run emtoken")
}

/// The `emtoken` command, ready to run in `cwd`.
pub fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_emtoken"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("EMTOKEN_CONFIG")
        .env_remove("RUST_LOG");
    command
}

/// stdout of a run that must succeed.
pub fn success(output: &Output) -> String {
    assert!(
        output.status.success(),
        "emtoken failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

/// stderr of a run that must fail; it must not hold a backtrace or a panic.
pub fn failure(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "emtoken succeeded:\nstdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8(output.stderr.clone()).expect("utf-8 stderr");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    stderr
}

/// A fresh, empty database for one test, and a temporary folder to run in.
pub struct Db {
    /// The folder commands run in (the default `.emtoken/db` lands here if anything writes it).
    pub dir: tempfile::TempDir,
    server: Option<(String, String)>,
}

impl Db {
    /// A new database on the server of DATABASE_URL, else an empty folder for the embedded one.
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let server = match std::env::var("DATABASE_URL") {
            Ok(admin) => {
                let name = format!("emtoken_cli_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::connect(&admin)
                    .await
                    .expect("connect to DATABASE_URL");
                // A database name cannot be a bound parameter; this one is made here.
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create a test database");
                conn.close().await.expect("disconnect");
                let options: PgConnectOptions = admin.parse().expect("DATABASE_URL");
                let url = options.database(&name).to_url_lossy().to_string();
                Some((url, name))
            }
            Err(_) => {
                std::fs::create_dir(dir.path().join("db")).expect("create the data folder");
                None
            }
        };
        Self { dir, server }
    }

    /// A fresh embedded database in a temporary folder, whatever DATABASE_URL says.
    pub fn embedded() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir(dir.path().join("db")).expect("create the data folder");
        Self { dir, server: None }
    }

    /// The flags naming this database.
    pub fn args(&self) -> Vec<String> {
        match &self.server {
            Some((url, _)) => vec!["--database-url".into(), url.clone()],
            None => vec!["--data-dir".into(), self.data_dir().display().to_string()],
        }
    }

    /// The embedded database's folder.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    /// Whether this uses a PostgreSQL server.
    pub fn is_server(&self) -> bool {
        self.server.is_some()
    }

    /// Runs `emtoken` with `args` followed by this database's flags.
    pub fn emtoken(&self, args: &[&str]) -> Output {
        let db = self.args();
        let all: Vec<&str> = args
            .iter()
            .copied()
            .chain(db.iter().map(String::as_str))
            .collect();
        emtoken(self.dir.path(), &all)
    }

    /// Indexes `contract` on the node at `rpc` up to its head (`emtoken index --until-head`, then
    /// `more` flags), which must succeed; its standard output.
    pub fn index_until_head(
        &self,
        rpc: &str,
        contract: alloy_primitives::Address,
        more: &[&str],
    ) -> String {
        let contract = lower(contract);
        let args = [
            "index",
            "--rpc",
            rpc,
            "--contract",
            &contract,
            "--until-head",
        ];
        let all: Vec<&str> = args.iter().chain(more).copied().collect();
        success(&self.emtoken(&all))
    }

    /// Nothing was ever written: no schema on the server, nothing in the folders.
    pub async fn untouched(&self) -> bool {
        let default_dir = self.dir.path().join(".emtoken");
        if default_dir.exists() {
            return false;
        }
        match &self.server {
            Some((url, _)) => {
                let mut conn = PgConnection::connect(url).await.expect("connect");
                let tables: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_one(&mut conn)
                .await
                .expect("count tables");
                conn.close().await.expect("disconnect");
                tables == 0
            }
            None => std::fs::read_dir(self.data_dir())
                .expect("data folder")
                .next()
                .is_none(),
        }
    }
}

impl Db {
    /// Opens this database as a store (for reading what the commands wrote).
    pub async fn store(&self) -> emtoken_store::Store {
        match &self.server {
            Some((url, _)) => emtoken_store::Store::connect(url)
                .await
                .expect("connect to the test database"),
            None => emtoken_store::Store::open_embedded(&self.data_dir())
                .await
                .expect("open the embedded database"),
        }
    }
}
