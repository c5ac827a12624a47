//! `restore apply`: puts a backup archive back, in an order that never risks existing data.
//! 1. Read the whole archive and check every member's path, type, size and SHA-256 against
//!    the manifest — nothing is written before this passes.
//! 2. Extract into a fresh, private folder beside the target (same filesystem), checking every
//!    hash again as it is written, and following no link on the way (staging.rs).
//! 3. Verify the extracted copy: redb's page check, and the counts the manifest promises.
//! 4. Rename it into place. A non-empty target is refused without `force`; with it, the old
//!    workspace is renamed aside, the new one is opened and checked, and only then is the old
//!    one removed (its `backups/` folder is carried over, since backups are not workspace data).
//!
//! A failure or a kill at any step before 4 leaves the target untouched. `verify_only` runs
//! steps 1–3 in a temporary folder elsewhere and never writes to the target.

use super::archive::{self, BackupManifest};
use super::leftovers::sibling;
use super::staging::{create_dirs, create_file, fresh_dir};
use super::{Progress, RecoveryError, TempDir, io, sync_dir};
use crate::store::{Access, DB_FILE, Workspace, WorkspaceCounts, check_pages, sibling_prefix};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct RestoreOptions {
    /// The `.contexta` directory to restore into.
    pub target: PathBuf,
    pub verify_only: bool,
    pub force: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct RestoreReport {
    pub archive: PathBuf,
    pub target: PathBuf,
    pub applied: bool,
    pub members: usize,
    pub bytes: u64,
    pub counts: WorkspaceCounts,
    /// Set when a previous workspace was replaced (and removed after the new one checked out).
    pub replaced: bool,
    pub manifest_created_at: String,
    pub label: Option<String>,
    /// What was tidied after an earlier, interrupted restore.
    pub notes: Vec<String>,
}

/// What is at the target now.
fn target_state(target: &Path) -> Result<Option<String>, RecoveryError> {
    let rd = match std::fs::read_dir(target) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(target)(e)),
    };
    let entries: Vec<_> = rd.filter_map(Result::ok).collect();
    if entries.is_empty() {
        return Ok(None);
    }
    if !target.join(DB_FILE).exists() {
        return Ok(Some(format!(
            "{} is not empty and holds no workspace",
            target.display()
        )));
    }
    let ws = Workspace::open_read_recovering(target)?;
    let counts = ws.read()?.counts()?;
    let objects = std::fs::read_dir(target.join("artifacts/objects"))
        .map(|mut r| r.next().is_some())
        .unwrap_or(false);
    if counts.runs > 0 || counts.projects > 0 || objects {
        return Ok(Some(format!(
            "{} holds a workspace ({} runs, {} records)",
            target.display(),
            counts.runs,
            counts.records
        )));
    }
    Ok(None)
}

/// Pass 1: reads everything, writes nothing.
fn verify_archive(
    archive: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<BackupManifest, RecoveryError> {
    let (manifest, seen) = archive::walk(
        archive,
        |path, _, body| archive::copy_member(archive, path, body, None),
        &mut |done, total| {
            progress(&Progress {
                phase: "verify",
                done,
                total,
            })
        },
    )?;
    archive::compare(archive, &manifest, &seen)?;
    Ok(manifest)
}

/// Pass 2: extracts into `dir`, checking each hash again against the verified manifest.
fn extract(
    archive: &Path,
    dir: &Path,
    manifest: &BackupManifest,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), RecoveryError> {
    let total = manifest.bytes();
    let mut done = 0u64;
    let (again, seen) = archive::walk(
        archive,
        |path, _, body| {
            let (target, mut f) = create_file(dir, path)?;
            let m = archive::copy_member(archive, path, body, Some((&target, &mut f)))?;
            f.sync_all().map_err(io(&target))?;
            done += m.size;
            progress(&Progress {
                phase: "extract",
                done,
                total,
            });
            Ok(m)
        },
        &mut |_, _| {},
    )?;
    if again != *manifest {
        return Err(RecoveryError::BadArchive {
            archive: archive.to_path_buf(),
            reason: "the archive changed while it was being restored".into(),
        });
    }
    archive::compare(archive, manifest, &seen)?;
    for sub in [
        "artifacts/objects",
        "artifacts/staging",
        "reports",
        "backups",
    ] {
        create_dirs(dir, sub)?;
    }
    Ok(())
}

/// Step 3: the extracted database passes redb's check and shows the promised counts.
fn verify_copy(
    dir: &Path,
    manifest: &BackupManifest,
    pages: bool,
) -> Result<WorkspaceCounts, RecoveryError> {
    if pages {
        check_pages(dir)?;
    }
    let counts = Workspace::open(dir, Access::Read)?.read()?.counts()?;
    if counts != manifest.counts {
        return Err(RecoveryError::Invalid(format!(
            "the restored database holds {counts:?}, the manifest promises {:?}",
            manifest.counts
        )));
    }
    Ok(counts)
}

/// Puts right what a killed restore left beside `target` (see `leftovers.rs`); `restore`
/// does this first too. Returns what was done, one line each.
pub fn tidy_interrupted(target: &Path) -> Result<Vec<String>, RecoveryError> {
    super::leftovers::tidy(target)
}

pub fn restore(
    archive: &Path,
    opts: &RestoreOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RestoreReport, RecoveryError> {
    let notes = if opts.verify_only {
        vec![]
    } else {
        super::leftovers::tidy(&opts.target)?
    };
    let occupied = if opts.verify_only {
        None
    } else {
        // Fail fast, before the archive is read, on a writer that still has the workspace open;
        // `swap_in` checks again, authoritatively, and holds it while it swaps.
        crate::store::check_not_held(&opts.target)?;
        target_state(&opts.target)?
    };
    if let Some(what) = &occupied
        && !opts.force
    {
        return Err(RecoveryError::Refused(format!(
            "{what}; refusing to overwrite it without --force"
        )));
    }
    let manifest = verify_archive(archive, progress)?;
    // A fresh folder with an unpredictable name (see staging.rs): a shared `$TMPDIR`, or a
    // shared folder holding the target, may hold links planted at any name we could predict.
    let staging: TempDir = if opts.verify_only {
        fresh_dir(&std::env::temp_dir(), "contexta-verify-")?
    } else {
        let (parent, prefix) = sibling_prefix(&opts.target, "restore");
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        fresh_dir(&parent, &prefix)?
    };
    extract(archive, staging.path(), &manifest, progress)?;
    let counts = verify_copy(staging.path(), &manifest, true)?;
    let mut report = RestoreReport {
        archive: archive.to_path_buf(),
        target: opts.target.clone(),
        applied: false,
        members: manifest.members.len(),
        bytes: manifest.bytes(),
        counts,
        replaced: false,
        manifest_created_at: manifest.created_at.clone(),
        label: manifest.label.clone(),
        notes,
    };
    if opts.verify_only {
        return Ok(report);
    }
    progress(&Progress {
        phase: "apply",
        done: 0,
        total: 1,
    });
    swap_in(staging, &opts.target, &manifest, &mut report)?;
    progress(&Progress {
        phase: "apply",
        done: 1,
        total: 1,
    });
    Ok(report)
}

fn swap_in(
    staging: TempDir,
    target: &Path,
    manifest: &BackupManifest,
    report: &mut RestoreReport,
) -> Result<(), RecoveryError> {
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    // No process may have the old workspace open while it is swapped out: a writer would go on
    // committing into the set-aside file and lose it all when it is removed. The exclusive hold
    // refuses now if one has it open, and keeps new ones out until the new workspace is in
    // place (one arriving between the renames finds the set-aside folder and waits: set_aside.rs).
    let hold = crate::store::hold_exclusive(target)?;
    let old = if target.exists() {
        let aside = sibling(target, "previous");
        std::fs::rename(target, &aside).map_err(io(target))?;
        Some(aside)
    } else {
        None
    };
    let staged = staging.keep();
    let placed = std::fs::rename(&staged, target);
    drop(hold);
    if let Err(e) = placed {
        if let Some(old) = &old {
            let _ = std::fs::rename(old, target);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(io(target)(e));
    }
    sync_dir(&parent);
    // The new workspace must open in place before the old one goes.
    if let Err(e) = verify_copy(target, manifest, false) {
        let failed = sibling(target, "failed");
        let _ = std::fs::rename(target, &failed);
        if let Some(old) = &old {
            let _ = std::fs::rename(old, target);
        }
        let _ = std::fs::remove_dir_all(&failed);
        return Err(e);
    }
    if let Some(old) = old {
        carry_backups(&old, target);
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
        report.replaced = true;
    }
    report.applied = true;
    sync_dir(&parent);
    Ok(())
}

/// Earlier backups are not workspace data: keep them with the restored workspace.
pub(super) fn carry_backups(old: &Path, target: &Path) {
    let from = old.join("backups");
    let to = target.join("backups");
    let Ok(rd) = std::fs::read_dir(&from) else {
        return;
    };
    let _ = std::fs::create_dir_all(&to);
    for e in rd.filter_map(Result::ok) {
        let dest = to.join(e.file_name());
        if !dest.exists() {
            let _ = std::fs::rename(e.path(), dest);
        }
    }
}
