//! A throwaway PostgreSQL cluster of a test's own, which the test can stop and start again: a real
//! database outage, its connections closed by the server and new ones refused until it is back.
//!
//! The server binaries are found as `scripts/lib/postgres.sh` finds them: on `PATH` first, then in
//! Debian's `/usr/lib/postgresql/<version>/bin` (the newest). PostgreSQL refuses to run as root: when
//! the test runs as root, `initdb` and `pg_ctl` run as the `postgres` user (`runuser -u postgres --`)
//! and the cluster's folder belongs to that user.

use std::{
    net::{Ipv4Addr, TcpListener},
    path::{Path, PathBuf},
    process::{Command, Output},
};

use rand::Rng;

use crate::{Error, Result};

/// The lowest port tried for a cluster.
const LOWEST_PORT: u16 = 15_000;

/// A PostgreSQL cluster in a temporary folder, listening on a port of its own on 127.0.0.1, user
/// `postgres` without a password (trust), database `postgres`; `fsync` off (nothing in it outlives the
/// test). [`stop`](Self::stop) and [`start`](Self::start) stop it and start it again on the same folder
/// and port; dropping it stops it at once (`pg_ctl stop -m immediate`) and removes the folder.
///
/// The methods block while `initdb` or `pg_ctl` run (about a second): from async code, call them inside
/// `tokio::task::block_in_place` (multi-threaded runtime) or `spawn_blocking`.
///
/// ```no_run
/// # fn example() -> emtoken_test_utils::Result<()> {
/// use emtoken_test_utils::{Error, PgCluster};
///
/// let mut cluster = match PgCluster::start_new() {
///     Ok(cluster) => cluster,
///     Err(Error::PostgresMissing) => return Ok(()), // skipped: no PostgreSQL here
///     Err(other) => return Err(other),
/// };
/// println!("{}", cluster.url());
/// cluster.stop()?; // connections closed, new ones refused
/// cluster.start()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct PgCluster {
    /// The cluster's folder: `data/` (the cluster), `server.log`, and the Unix socket.
    dir: tempfile::TempDir,
    port: u16,
    initdb: PathBuf,
    pg_ctl: PathBuf,
    /// Run the binaries as the `postgres` user (this process is root).
    as_postgres: bool,
    running: bool,
}

impl PgCluster {
    /// Whether PostgreSQL's server binaries (`initdb`, `pg_ctl`) are installed.
    pub fn available() -> bool {
        binaries().is_some()
    }

    /// Makes a new cluster in a temporary folder and starts it on a free port.
    ///
    /// [`Error::PostgresMissing`] when PostgreSQL's server binaries are not installed (a test skips);
    /// [`Error::Postgres`] when `initdb` or the server fails.
    pub fn start_new() -> Result<Self> {
        let (initdb, pg_ctl) = binaries().ok_or(Error::PostgresMissing)?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("emtoken-pg-")
            .tempdir()
            .map_err(|e| failure(format!("cannot create a temporary folder: {e}")))?;
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(dir.path())).map_err(|e| {
                failure(format!(
                    "cannot give {} to postgres: {e}",
                    dir.path().display()
                ))
            })?;
        }
        let port = free_port()?;
        let mut cluster = Self {
            dir,
            port,
            initdb,
            pg_ctl,
            as_postgres,
            running: false,
        };
        let data = cluster.data();
        run(cluster.command(&cluster.initdb).arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]))
        .map_err(|e| failure(format!("initdb failed: {e}")))?;
        // The settings live in the cluster's own file: a start after a stop finds them again.
        let settings = format!(
            "\n# emtoken-test-utils PgCluster\nport = {port}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\nmax_connections = 100\n",
            cluster.dir.path().display()
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)
            .map_err(|e| failure(format!("cannot read {}: {e}", conf.display())))?;
        text.push_str(&settings);
        std::fs::write(&conf, text)
            .map_err(|e| failure(format!("cannot write {}: {e}", conf.display())))?;
        cluster.start()?;
        Ok(cluster)
    }

    /// The URL of its `postgres` database: `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of another database of the cluster (created by the caller).
    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its folder (the cluster is in `data/`, the server's log in `server.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the server runs (as far as [`stop`](Self::stop) and [`start`](Self::start) know).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Stops the server (`pg_ctl stop -m fast`): every connection is closed by the server and new ones
    /// are refused until [`start`](Self::start). Returns once it is down.
    pub fn stop(&mut self) -> Result<()> {
        let data = self.data();
        run(self
            .command(&self.pg_ctl)
            .arg("-D")
            .arg(&data)
            .args(["-m", "fast", "-w", "-t", "60", "stop"]))
        .map_err(|e| failure(format!("pg_ctl stop failed: {e}")))?;
        self.running = false;
        Ok(())
    }

    /// Starts the server again (or the first time) on the same folder and port; returns once it accepts
    /// connections.
    pub fn start(&mut self) -> Result<()> {
        let data = self.data();
        let log = self.dir.path().join("server.log");
        run(self
            .command(&self.pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"]))
        .map_err(|e| {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(5).collect();
            failure(format!(
                "pg_ctl start on port {} failed: {e}; server log: {}",
                self.port,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        })?;
        self.running = true;
        Ok(())
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A command running `program`, as the `postgres` user when this process is root, in the cluster's
    /// folder (the `postgres` user may not read the current one).
    fn command(&self, program: &Path) -> Command {
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.current_dir(self.dir.path());
        command
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        if data.join("postmaster.pid").exists() {
            // Errors are of no use here: the folder goes anyway.
            let _ = self
                .command(&self.pg_ctl)
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "-t", "30", "stop"])
                .output();
        }
        // The TempDir removes the folder.
    }
}

/// `initdb` and `pg_ctl`: each on `PATH`, else in the newest `/usr/lib/postgresql/<version>/bin`.
fn binaries() -> Option<(PathBuf, PathBuf)> {
    Some((find_binary("initdb")?, find_binary("pg_ctl")?))
}

fn find_binary(name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry
                .file_name()
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<Vec<u32>, _>>()
                .ok()?;
            Some((version, entry.path().join("bin").join(name)))
        })
        .filter(|(_, path)| is_executable(path))
        .collect();
    versions.sort();
    versions.pop().map(|(_, path)| path)
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether this process runs as root (`id -u` says 0).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A free port on 127.0.0.1 below the range the system hands out for outgoing connections: the cluster
/// takes it again after a stop, when a connection made meanwhile must not have taken it.
fn free_port() -> Result<u16> {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let (low, high) = if ephemeral_low > LOWEST_PORT + 1_000 {
        (LOWEST_PORT, ephemeral_low)
    } else {
        (LOWEST_PORT, u16::MAX)
    };
    let mut rng = rand::rng();
    for _ in 0..200 {
        let port = rng.random_range(low..high);
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(failure(format!("no free port found in {low}..{high}")))
}

/// Runs `command`; its output when it fails.
fn run(command: &mut Command) -> std::result::Result<Output, String> {
    let out = command
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", command.get_program()))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{}: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&out.stdout).trim()
        ))
    }
}

fn failure(message: String) -> Error {
    Error::Postgres(message)
}
