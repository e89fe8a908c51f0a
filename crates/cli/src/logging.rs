//! Logs to stderr through `tracing`: text for people, JSON lines with `--json`; `RUST_LOG` filters
//! them (an EnvFilter), else each command's default. With a progress bar on screen, every log line
//! is written with the bar hidden, so the two never mix.

use std::io::{IsTerminal, Write};

use indicatif::ProgressBar;
use tracing_subscriber::EnvFilter;

/// Installs the logger. `default` is the filter when RUST_LOG is unset or invalid, e.g. `"warn"`.
pub(crate) fn init(json: bool, default: &str, bar: Option<ProgressBar>) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let writer = move || Line {
        bar: bar.clone(),
        buffer: Vec::new(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(!json && std::io::stderr().is_terminal());
    // Only fails when a logger is installed already, which then keeps logging.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The filter of the indexer's logs: its own crates at `level`, everything else at warn, except
/// sqlx's slow-statement warnings (big batches are slow by design).
pub(crate) fn crates_at(level: &str) -> String {
    format!("warn,sqlx=error,emtoken={level},emtoken_indexer={level},emtoken_store={level}")
}

/// One log line, written to stderr when dropped (around the progress bar, if any).
struct Line {
    bar: Option<ProgressBar>,
    buffer: Vec<u8>,
}

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let write = || {
            // Nothing sensible to do when stderr is gone.
            let _ = std::io::stderr().lock().write_all(&self.buffer);
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}
