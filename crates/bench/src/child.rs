//! Child processes the bench times: their peak resident memory (VmHWM, sampled from /proc while they
//! run, for the process and its descendants) and a polite stop (SIGTERM, then SIGKILL).

use std::{
    process::{ExitStatus, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use anyhow::Context;
use tokio::process::{Child, Command};

/// A running child and the peak memory seen so far.
#[derive(Debug)]
pub(crate) struct Timed {
    child: Child,
    pid: u32,
    peak_kib: Arc<AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
}

/// How often the sampler reads /proc.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

impl Timed {
    /// Spawns `command` (stdout and stderr to the given files) and starts sampling its memory.
    pub(crate) fn spawn(
        mut command: Command,
        stdout: Stdio,
        stderr: Stdio,
    ) -> anyhow::Result<Self> {
        command
            .stdout(stdout)
            .stderr(stderr)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {command:?}"))?;
        let pid = child
            .id()
            .context("the child exited before it could be watched")?;
        let peak_kib = Arc::new(AtomicU64::new(0));
        let peak = peak_kib.clone();
        let sampler = tokio::spawn(async move {
            loop {
                let kib = tree_peak_kib(pid);
                peak.fetch_max(kib, Relaxed);
                tokio::time::sleep(SAMPLE_EVERY).await;
            }
        });
        Ok(Self {
            child,
            pid,
            peak_kib,
            sampler,
        })
    }

    /// Waits for the child to exit; returns its status and peak memory (KiB).
    pub(crate) async fn wait(mut self) -> anyhow::Result<(ExitStatus, u64)> {
        let status = self.child.wait().await.context("waiting for the child")?;
        self.sampler.abort();
        Ok((status, self.peak_kib.load(Relaxed)))
    }

    /// Peak memory so far (KiB), sampling once more now.
    pub(crate) fn peak_kib(&self) -> u64 {
        self.peak_kib.fetch_max(tree_peak_kib(self.pid), Relaxed);
        self.peak_kib.load(Relaxed)
    }

    /// Whether the child has exited (with its status).
    pub(crate) fn try_status(&mut self) -> anyhow::Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL; returns the peak memory (KiB).
    pub(crate) async fn stop(mut self, grace: Duration) -> anyhow::Result<u64> {
        let peak = self.peak_kib();
        terminate(self.pid);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await.context("killing the child")?;
        }
        self.sampler.abort();
        Ok(peak)
    }
}

/// Sends SIGTERM to one process id (through kill(1): no libc binding needed).
fn terminate(pid: u32) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The sum of VmHWM over `pid` and its descendants (KiB; 0 once gone).
fn tree_peak_kib(pid: u32) -> u64 {
    let mut total = vm_hwm_kib(pid);
    for child in children(pid) {
        total += tree_peak_kib(child);
    }
    total
}

fn vm_hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}
