//! The EmToken indexer.

mod error;

pub use error::{Error, Result};
