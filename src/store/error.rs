//! Store errors: what went wrong with the workspace database, in words a user can act on.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no workspace at {0} (run `contexta demo` or `contexta init` to create one)")]
    Missing(PathBuf),
    #[error(
        "workspace {path} was written by a newer contexta (schema {found}, this build reads up to {supported}); upgrade contexta"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    #[error(
        "workspace {0} needs recovery after a writer crashed; it recovers when any writer opens it (run any writing command, e.g. `contexta doctor`)"
    )]
    NeedsRecovery(PathBuf),
    #[error(
        "workspace {path} is held by another process (a restore replacing it, or one using an incompatible mode): {detail}"
    )]
    Locked { path: PathBuf, detail: String },
    #[error("{}", set_aside_message(root, aside, *pid, *running))]
    SetAside {
        root: PathBuf,
        aside: PathBuf,
        pid: u32,
        running: bool,
    },
    #[error("{}", in_use_message(path, holders))]
    InUse {
        path: PathBuf,
        holders: Vec<super::holders::Holder>,
    },
    #[error("workspace database is damaged: {0}")]
    Corrupt(String),
    #[error("encoding a value failed: {0}")]
    Codec(String),
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Db(String),
    #[error(
        "refusing the workspace {path} (found by searching up from the current directory): {why}; if you trust it, name it with --workspace or CONTEXTA_WORKSPACE"
    )]
    Untrusted { path: PathBuf, why: String },
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn set_aside_message(root: &Path, aside: &Path, pid: u32, running: bool) -> String {
    if running {
        format!(
            "a restore (process {pid}) is replacing the workspace {} right now; it is set aside as {} until the restored copy is in place: wait for the restore to finish, then try again",
            root.display(),
            aside.display()
        )
    } else {
        format!(
            "no workspace at {}: a restore (process {pid}) was interrupted after setting it aside as {}; run `contexta restore resume --target-workspace {}` to finish it (or `contexta restore apply ARCHIVE --force` again)",
            root.display(),
            aside.display(),
            root.display()
        )
    }
}

fn in_use_message(path: &Path, holders: &[super::holders::Holder]) -> String {
    let who = if holders.is_empty() {
        "another process this user cannot see (another user's, or in another container)".to_string()
    } else {
        holders
            .iter()
            .map(|h| format!("process {} ({})", h.pid, h.command))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "workspace {} is open in {who}; stop {} first (Ctrl-C where it runs, or `kill PID`), then try again",
        path.display(),
        if holders.len() > 1 { "them" } else { "it" }
    )
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
from_redb!(redb::Error);

/// redb's I/O failures keep their `io::Error` (its kind says "file too large", "no space"),
/// with the database file named by `Workspace::name_io` where the write is made.
impl From<redb::StorageError> for StoreError {
    fn from(e: redb::StorageError) -> Self {
        match e {
            redb::StorageError::Io(source) => StoreError::Io {
                path: PathBuf::from(super::workspace::DB_FILE),
                source,
            },
            other => StoreError::Db(other.to_string()),
        }
    }
}

impl From<redb::CommitError> for StoreError {
    fn from(e: redb::CommitError) -> Self {
        match e {
            redb::CommitError::Storage(s) => s.into(),
            other => StoreError::Db(other.to_string()),
        }
    }
}

impl From<redb::TransactionError> for StoreError {
    fn from(e: redb::TransactionError) -> Self {
        match e {
            redb::TransactionError::Storage(s) => s.into(),
            other => StoreError::Db(other.to_string()),
        }
    }
}

impl From<redb::TableError> for StoreError {
    fn from(e: redb::TableError) -> Self {
        match e {
            redb::TableError::Storage(s) => s.into(),
            other => StoreError::Db(other.to_string()),
        }
    }
}
