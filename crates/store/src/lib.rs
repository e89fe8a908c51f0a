//! The EmToken indexer's store.

mod error;

pub use error::{Error, Result};
