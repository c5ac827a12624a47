//! `restore resume`: finishes a restore that was killed between its two renames, when the
//! workspace was set aside (`.NAME.previous-PID-…`) and the restored copy
//! (`.NAME.restore-PID-…`, already verified before the first rename) was not yet in its place.
//! It puts the copy in place, checks it opens and passes redb's page check, and only then removes
//! the set-aside workspace, as the restore would have. If the copy is gone or fails the check,
//! or `put_back` is asked, the set-aside workspace is renamed back instead.

use super::leftovers::{dead, tidy};
use super::restore::carry_backups;
use super::{RecoveryError, io, sync_dir};
use crate::store::{Access, Workspace, check_pages, siblings};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resumed {
    /// The restored copy is in place and the set-aside workspace removed.
    Finished,
    /// The set-aside workspace is back in place; the restore is undone.
    PutBack,
    /// A workspace is in place already; only leftovers were tidied.
    NothingToFinish,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ResumeReport {
    pub target: PathBuf,
    pub outcome: Resumed,
    /// What was done or found, one line each.
    pub notes: Vec<String>,
}

pub fn resume(target: &Path, put_back: bool) -> Result<ResumeReport, RecoveryError> {
    if let Some(live) = siblings(target).into_iter().find(|s| s.running()) {
        return Err(RecoveryError::Refused(format!(
            "a restore (process {}) is still working on {} (it made {}); wait for it to finish",
            live.pid,
            target.display(),
            live.path.display()
        )));
    }
    let report = |outcome, notes| ResumeReport {
        target: target.to_path_buf(),
        outcome,
        notes,
    };
    let found = dead(target);
    if target.exists() {
        // A set-aside workspace is kept, never deleted: beside a workspace in place, it may
        // hold data written after the kill. `tidy` names it.
        return Ok(report(Resumed::NothingToFinish, tidy(target)?));
    }
    let Some(previous) = found.iter().rev().find(|s| s.kind == "previous") else {
        return Err(RecoveryError::Refused(format!(
            "nothing to resume: no workspace at {} and none set aside beside it",
            target.display()
        )));
    };
    let staged = found
        .iter()
        .find(|s| s.kind == "restore" && s.pid == previous.pid);
    let mut notes = Vec::new();
    if let (Some(staged), false) = (staged, put_back) {
        match place(&staged.path, target) {
            Ok(()) => {
                carry_backups(&previous.path, target);
                std::fs::remove_dir_all(&previous.path).map_err(io(&previous.path))?;
                notes.push(format!(
                    "finished the interrupted restore: the restored copy is in place at {}; the workspace it replaced ({}) is removed",
                    target.display(),
                    previous.path.display()
                ));
                notes.extend(tidy(target)?);
                return Ok(report(Resumed::Finished, notes));
            }
            Err(e) => notes.push(format!(
                "the restored copy {} did not check out ({e}); putting the previous workspace back",
                staged.path.display()
            )),
        }
    }
    // `tidy` renames the set-aside workspace back (the target is missing) and removes the rest.
    notes.extend(tidy(target)?);
    Ok(report(Resumed::PutBack, notes))
}

/// Renames the verified copy into place and checks it there; on failure it goes back where it
/// was and the target is left missing.
fn place(staged: &Path, target: &Path) -> Result<(), RecoveryError> {
    std::fs::rename(staged, target).map_err(io(target))?;
    if let Some(parent) = target.parent() {
        sync_dir(parent);
    }
    let checked = check_pages(target)
        .and_then(|()| Workspace::open(target, Access::Read).and_then(|ws| ws.read()?.counts()));
    if let Err(e) = checked {
        let _ = std::fs::rename(target, staged);
        return Err(e.into());
    }
    Ok(())
}
