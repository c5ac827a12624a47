//! What a killed restore can leave beside its target (named and found by `store::siblings`),
//! and putting it right: staging folders (`.NAME.restore-PID-…`) and failed copies
//! (`.NAME.failed-PID-…`) of dead processes are removed; a workspace set aside
//! (`.NAME.previous-PID-…`) is renamed back when the target is missing, and otherwise kept and
//! reported, never deleted. `restore resume` can instead finish the killed restore (restore.rs).

use super::{RecoveryError, io};
use crate::store::{Sibling, siblings};
use std::path::{Path, PathBuf};

/// Where a restore of `target` keeps `what` (`restore`, `previous`, `failed`) while it runs:
/// a hidden sibling named after the target, this process and the time.
pub(crate) fn sibling(target: &Path, what: &str) -> PathBuf {
    let (parent, prefix) = crate::store::sibling_prefix(target, what);
    parent.join(format!("{prefix}{}", super::file_stamp()))
}

/// Siblings of `target` left by restores that are no longer running.
pub(crate) fn dead(target: &Path) -> Vec<Sibling> {
    siblings(target)
        .into_iter()
        .filter(|s| !s.running())
        .collect()
}

/// Tidies after interrupted restores of `target`; returns what it did, one line each.
pub(crate) fn tidy(target: &Path) -> Result<Vec<String>, RecoveryError> {
    let mut notes = Vec::new();
    let found = dead(target);
    // Newest set-aside workspace last (names carry a timestamp).
    if let Some(prev) = found.iter().rev().find(|l| l.kind == "previous") {
        if target.exists() {
            notes.push(format!(
                "{} is a workspace an interrupted restore set aside; kept (remove it when the restored one is right)",
                prev.path.display()
            ));
        } else {
            std::fs::rename(&prev.path, target).map_err(io(target))?;
            notes.push(format!(
                "put back {} from {}, where an interrupted restore had set it aside",
                target.display(),
                prev.path.display()
            ));
        }
    }
    for l in found.iter().filter(|l| l.kind != "previous") {
        std::fs::remove_dir_all(&l.path).map_err(io(&l.path))?;
        notes.push(format!(
            "removed {}, left by an interrupted restore",
            l.path.display()
        ));
    }
    Ok(notes)
}
