//! The machine a run measured: cores, memory, CPU model, kernel, from /proc.

use serde::Serialize;

/// What the results record about the machine.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Machine {
    /// Host name (`/proc/sys/kernel/hostname`), used in the results' file names.
    pub(crate) hostname: String,
    /// Logical CPUs available to the run.
    pub(crate) cores: usize,
    /// `model name` of the first CPU in /proc/cpuinfo.
    pub(crate) cpu: String,
    /// `MemTotal` of /proc/meminfo, in MiB.
    pub(crate) memory_mib: u64,
    /// Kernel release.
    pub(crate) kernel: String,
}

impl Machine {
    /// Reads the machine's facts (unknown ones are empty or 0, never an error).
    pub(crate) fn read() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu = read("/proc/cpuinfo")
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map(|(_, model)| model.trim().to_owned())
            .unwrap_or_default();
        let memory_kib = read("/proc/meminfo")
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or_default();
        Self {
            hostname: read("/proc/sys/kernel/hostname").trim().to_owned(),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu,
            memory_mib: memory_kib / 1024,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        }
    }

    /// A file-name-safe form of the host name.
    pub(crate) fn slug(&self) -> String {
        let slug: String = self
            .hostname
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if slug.is_empty() {
            "machine".to_owned()
        } else {
            slug
        }
    }
}

/// The commit measured (and whether the tree had changes), from git; read-only.
pub(crate) async fn source_note(root: &std::path::Path) -> String {
    let git = |args: &'static [&'static str]| async move {
        tokio::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .await
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match (
        git(&["rev-parse", "--short", "HEAD"]).await,
        git(&["status", "--porcelain", "--untracked-files=no"]).await,
    ) {
        (Some(commit), Some(changes)) => format!(
            "Source: commit {commit}{}.",
            if changes.is_empty() {
                ""
            } else {
                " with uncommitted changes"
            }
        ),
        _ => "Source: not a git checkout.".to_owned(),
    }
}

/// /proc/loadavg's first three fields.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
