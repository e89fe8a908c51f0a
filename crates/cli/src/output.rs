//! The one place that prints: text for people, JSON for scripts (`--json`).

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

    /// Prints `value` as JSON with `--json`, else the text `describe` makes of it.
    pub(crate) fn print<T: Serialize>(
        &self,
        value: &T,
        describe: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            println!("{}", describe(value));
        }
        Ok(())
    }
}
