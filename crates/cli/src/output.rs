//! The one place that prints: text for people, JSON for scripts (`--json`).

use std::io::Write;

use serde::Serialize;

/// How a command reports its result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether the user asked for JSON (`--json`).
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Prints `value` as JSON with `--json`, else the text `describe` makes of it. A reader that
    /// stops early (`emtoken wallets | head`) is not an error.
    pub(crate) fn print<T: Serialize>(
        &self,
        value: &T,
        describe: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        let text = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            describe(value)
        };
        match writeln!(std::io::stdout().lock(), "{text}") {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(anyhow::Error::new(error).context("cannot write to stdout"))
            }
            _ => Ok(()),
        }
    }
}
