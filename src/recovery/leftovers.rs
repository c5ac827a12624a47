//! What a killed job can leave behind, and putting it right on the next run of the same job.
//! A restore (its siblings named and found by `store::siblings`): staging folders
//! (`.NAME.restore-PID-…`) and failed copies (`.NAME.failed-PID-…`) of dead processes are
//! removed; a workspace set aside (`.NAME.previous-PID-…`) is renamed back when the target is
//! missing, and otherwise kept and reported, never deleted. `restore resume` can instead finish
//! the killed restore (restore.rs). A backup: its file in progress (`.contexta-backup-PID-NAME`)
//! is removed once the process that wrote it is gone; a live one's is left alone.

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

/// Where this process writes `name` while `job` (`backup`, `report`) is writing it in `dir`.
pub fn in_progress(dir: &Path, job: &str, name: &str) -> PathBuf {
    dir.join(format!(".contexta-{job}-{}-{name}", std::process::id()))
}

/// Removes from `dir` what `job`s of dead processes left in progress (files, or folders older
/// versions made); returns one line for each.
pub fn tidy_in_progress(dir: &Path, job: &str) -> Result<Vec<String>, RecoveryError> {
    let prefix = format!(".contexta-{job}-");
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(vec![]);
    };
    let mut notes = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let path = e.path();
        if pid == std::process::id() || crate::store::may_have_written(pid, &path) {
            continue;
        }
        let gone = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match gone {
            Ok(()) => notes.push(format!(
                "removed {}, left by an interrupted {job} (process {pid})",
                path.display()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path)(e)),
        }
    }
    notes.sort();
    Ok(notes)
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
