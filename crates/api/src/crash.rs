//! Crash points, a test hook: `emtoken serve` started with `EMTOKEN_CRASH_AT=<point>` aborts the
//! process (as SIGKILL would, nothing flushed or rolled back) the first time it reaches that point, so
//! that a test can check what a restart makes of the state left at that exact instant. Read once, at
//! start; never set it in production.

/// The environment variable naming the crash point.
pub const CRASH_AT: &str = "EMTOKEN_CRASH_AT";

/// Where the process may be made to abort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// `card-approved`: a card cash-in's approval is stored (APPROVED), its mint not sent.
    CardApproved,
}

impl CrashPoint {
    /// Every point, with its name in [`CRASH_AT`].
    pub const ALL: [(&'static str, Self); 1] = [("card-approved", Self::CardApproved)];

    /// The point named by `text`; Err names the points there are.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, point)| *point)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(name, _)| *name).collect();
                format!(
                    "{CRASH_AT}={text:?} is not a crash point (one of: {})",
                    names.join(", ")
                )
            })
    }

    /// The point [`CRASH_AT`] names, None when it is not set (or empty).
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(CRASH_AT) {
            Ok(text) if text.is_empty() => Ok(None),
            Ok(text) => Self::parse(&text).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{CRASH_AT} is not UTF-8 text")),
        }
    }

    /// Aborts the process if `armed` is this point.
    pub(crate) fn reached(self, armed: Option<Self>) {
        if armed == Some(self) {
            tracing::error!(point = ?self, "{CRASH_AT}: aborting the process (a test hook)");
            std::process::abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_read_by_name() {
        assert_eq!(
            CrashPoint::parse("card-approved").unwrap(),
            CrashPoint::CardApproved
        );
        let error = CrashPoint::parse("card").unwrap_err();
        assert!(
            error.contains("\"card\"") && error.contains("card-approved"),
            "{error}"
        );
        // Not armed, or armed elsewhere: nothing happens.
        CrashPoint::CardApproved.reached(None);
    }
}
