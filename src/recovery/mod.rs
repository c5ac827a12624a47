//! Getting data out of a workspace and back in, safely: artifact verification, backups and
//! restores, JSONL export and replay, and import from the reference (Python) system.
//!
//! Everything here is a plain blocking function over a workspace or a path, reporting progress
//! through a callback; the CLI and the explorer add the faces. Nothing here prints, and nothing
//! here names redb: database copies and checks go through `store`.

pub mod archive;
mod background_writer;
pub mod backup;
pub mod export;
mod hash_thread;
pub mod health;
mod import_artifacts;
pub mod import_py;
mod ledger;
mod leftovers;
pub mod merge;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod replay;
pub mod restore;
pub mod resume;
mod staging;
pub mod verify;

pub use leftovers::{in_progress, tidy_in_progress};

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("archive {archive}: {reason}")]
    BadArchive { archive: PathBuf, reason: String },
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RecoveryError + '_ {
    move |source| RecoveryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Progress of a long job: `done` of `total` units (bytes unless said otherwise) in `phase`.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub phase: &'static str,
    pub done: u64,
    pub total: u64,
}

/// A timestamp safe in file names: `2026-11-20T09-00-00Z`.
pub(crate) fn file_stamp() -> String {
    let t = crate::model::Timestamp::now();
    let s = crate::model::Timestamp(t.0 - t.0.rem_euclid(1_000_000)).to_string();
    s.replace(':', "-")
}

/// Removes a directory tree when dropped, unless `keep` was called: temporary folders never
/// outlive a failed job.
pub(crate) struct TempDir {
    path: Option<PathBuf>,
}

impl TempDir {
    pub fn create(path: PathBuf) -> Result<TempDir, RecoveryError> {
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        Ok(TempDir { path: Some(path) })
    }
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }
    pub fn keep(mut self) -> PathBuf {
        self.path.take().unwrap_or_default()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// fsync a directory so renames inside it survive a crash.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}
