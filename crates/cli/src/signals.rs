//! Graceful shutdown: the first SIGINT (Ctrl-C) or SIGTERM asks the indexer to stop after the batch
//! in flight; a second one exits at once (committed batches are kept either way).

use anyhow::Context;
use tokio::{
    signal::unix::{SignalKind, signal},
    sync::watch,
};

/// Exit status after a second signal (128 + SIGINT).
const FORCED_EXIT: i32 = 130;

/// Listens for SIGINT and SIGTERM from now on; the first sets `stop` to true.
pub(crate) fn on_shutdown(stop: watch::Sender<bool>) -> anyhow::Result<()> {
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(
            "{name}: stopping after the batch in flight (send it again to stop at once)"
        );
        let _ = stop.send(true);
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::warn!("second signal: stopping at once");
        std::process::exit(FORCED_EXIT);
    });
    Ok(())
}
