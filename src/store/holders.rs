//! Who has a workspace open, and holding it alone. A restore that swaps a workspace out from under
//! a running writer (an `ingest --follow`, a training run) would leave that writer committing into
//! the set-aside file, lost when it is removed; so a restore first names the processes that hold
//! the database (`/proc/*/fd` on Linux), and then opens it in redb's exclusive mode, which fails
//! while any other process has it open in the shared mode every contexta process uses, and which,
//! while held, keeps any new one from opening it until the swap is done.

use super::error::StoreError;
use super::workspace::DB_FILE;
use redb::{Builder, ConcurrencyMode, Database, DatabaseError};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// Its command line, arguments joined by spaces (shortened when long).
    pub command: String,
}

/// Other processes with the database of the workspace at `root` open, as far as this user can
/// see them (`/proc/PID/fd` of another user's process is unreadable). Empty where there is no
/// `/proc`, or no database.
pub fn holders(root: &Path) -> Vec<Holder> {
    let Ok(want) = std::fs::canonicalize(root.join(DB_FILE)) else {
        return vec![];
    };
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    let me = std::process::id();
    let mut out = Vec::new();
    for p in procs.filter_map(Result::ok) {
        let Some(pid) = p.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .filter_map(Result::ok)
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == want));
        if holds {
            out.push(Holder {
                pid,
                command: command_line(&p.path()),
            });
        }
    }
    out.sort_by_key(|h| h.pid);
    out
}

fn command_line(proc_dir: &Path) -> String {
    let raw = std::fs::read(proc_dir.join("cmdline")).unwrap_or_default();
    let mut s = raw
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(String::from_utf8_lossy)
        .collect::<Vec<_>>()
        .join(" ");
    if s.is_empty() {
        s = "command line unknown".into();
    }
    if s.chars().count() > 200 {
        s = s.chars().take(199).collect::<String>() + "…";
    }
    s
}

/// The workspace's database held open alone: no other process can open it while this lives.
pub struct ExclusiveHold {
    _db: Option<Database>,
}

/// Opens the database of the workspace at `root` alone, or says which processes hold it
/// (`StoreError::InUse`). No database (nothing to protect), or one too damaged to open (a
/// restore is how it gets replaced), gives a hold on nothing unless `/proc` shows a holder.
pub fn hold_exclusive(root: &Path) -> Result<ExclusiveHold, StoreError> {
    let file = root.join(DB_FILE);
    if !file.exists() {
        return Ok(ExclusiveHold { _db: None });
    }
    let in_use = || StoreError::InUse {
        path: root.to_path_buf(),
        holders: holders(root),
    };
    let mut b = Builder::new();
    b.set_concurrency_mode(ConcurrencyMode::ExclusiveWriter);
    b.set_cache_size(1 << 20);
    match b.open(&file) {
        Ok(db) => Ok(ExclusiveHold { _db: Some(db) }),
        Err(DatabaseError::DatabaseAlreadyOpen | DatabaseError::LockProtocolMismatch) => {
            Err(in_use())
        }
        Err(_) => match in_use() {
            StoreError::InUse { holders, .. } if holders.is_empty() => {
                Ok(ExclusiveHold { _db: None })
            }
            e => Err(e),
        },
    }
}

/// `Err(InUse)` naming the processes `/proc` shows holding the workspace open; cheap, and it
/// changes nothing (`hold_exclusive` is the check that also sees other users' processes).
pub fn check_not_held(root: &Path) -> Result<(), StoreError> {
    let holders = holders(root);
    if holders.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InUse {
            path: root.to_path_buf(),
            holders,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Access, Workspace};

    #[test]
    fn the_exclusive_hold_sees_every_open_handle_and_keeps_new_ones_out() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join(".contexta");
        // No database yet: nothing to protect.
        assert!(hold_exclusive(&root).is_ok());
        for access in [Access::Write, Access::Read] {
            let ws = Workspace::open(&root, Access::Write).unwrap();
            let ws = if access == Access::Read {
                drop(ws);
                Workspace::open(&root, Access::Read).unwrap()
            } else {
                ws
            };
            // redb's locks belong to the open file, so this process's own handle is seen as
            // another's would be (and `/proc` leaves this process out of the names).
            match hold_exclusive(&root) {
                Err(StoreError::InUse { holders, .. }) => assert!(holders.is_empty()),
                other => panic!("{access:?}: expected InUse, got {:?}", other.err()),
            }
            drop(ws);
        }
        let hold = hold_exclusive(&root).unwrap();
        for access in [Access::Write, Access::Read] {
            assert!(matches!(
                Workspace::open(&root, access),
                Err(StoreError::Locked { .. })
            ));
        }
        drop(hold);
        assert!(Workspace::open(&root, Access::Write).is_ok());
    }
}
