//! What can go wrong exporting to a collector, each saying which URL or file.

use crate::query::QueryError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("bad --endpoint `{endpoint}`: {reason}")]
    BadEndpoint { endpoint: String, reason: String },
    #[error(
        "cannot deliver to the collector at {url}: {reason} (gave up after {attempts} attempts; batches already acknowledged are kept in the cursor, the rest is sent on the next run)"
    )]
    Unreachable {
        url: String,
        reason: String,
        attempts: u32,
    },
    #[error("the collector at {url} refused the batch: HTTP {status} {reason}{}", if body.is_empty() { String::new() } else { format!(" ({body})") })]
    Refused {
        url: String,
        status: u16,
        reason: String,
        body: String,
    },
    #[error(
        "another export of {run} to {endpoint} is running (it holds {}); stop it first, or both would send the same batches",
        lock.display()
    )]
    Busy {
        run: String,
        endpoint: String,
        lock: PathBuf,
    },
    #[error("export cursor {}: {reason}", path.display())]
    Cursor { path: PathBuf, reason: String },
    #[error(
        "no state directory for the export cursor: set XDG_STATE_HOME or HOME (the cursor is what keeps a second export from sending the same data twice)"
    )]
    NoStateDir,
}
