//! `backup create`, `restore apply` and `restore resume`: thin faces over `recovery::backup` and
//! `recovery::restore`, with a progress bar on a terminal.

use super::super::Ctx;
use super::super::args::{BackupCommand, RestoreCommand};
use super::super::output;
use super::super::progress::Bar;
use crate::destination::{Destination, DestinationError, Kind, Options};
use crate::recovery::TempDir;
use crate::recovery::backup::{BackupOptions, create_backup};
use crate::recovery::restore::{RestoreOptions, restore as apply, tidy_interrupted};
use crate::recovery::resume::{Resumed, resume as finish};
use crate::store::{Access, StoreError, Workspace};
use anyhow::Context;
use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Where `backup create --output` sends the archive.
enum ArchiveTarget {
    /// A new file or a folder: `create_backup` writes it atomically itself.
    Path(Option<PathBuf>),
    /// Standard output, a FIFO or a device: the archive is built in a private folder, then
    /// streamed through (nothing is ever renamed over a pipe or device).
    Stream(PathBuf),
}

fn archive_target(out: Option<PathBuf>, follow_symlink: bool) -> anyhow::Result<ArchiveTarget> {
    let Some(p) = out else {
        return Ok(ArchiveTarget::Path(None));
    };
    if p == Path::new("-") {
        return Ok(ArchiveTarget::Stream(p));
    }
    let meta = match std::fs::symlink_metadata(&p) {
        Ok(m) => m,
        Err(_) => return Ok(ArchiveTarget::Path(Some(p))),
    };
    let ft = meta.file_type();
    // A link to a folder is where the archive goes, not something replaced: allowed.
    if ft.is_symlink() && !p.is_dir() {
        if !follow_symlink {
            return Err(DestinationError::Symlink(p).into());
        }
        let target =
            std::fs::canonicalize(&p).map_err(|_| DestinationError::DanglingSymlink(p.clone()))?;
        return archive_target(Some(target), false);
    }
    if ft.is_fifo() || ft.is_char_device() {
        return Ok(ArchiveTarget::Stream(p));
    }
    Ok(ArchiveTarget::Path(Some(p)))
}

pub fn backup(ctx: &Ctx, c: BackupCommand) -> anyhow::Result<i32> {
    let BackupCommand::Create {
        label,
        output: out,
        gzip,
        follow_symlink,
        allow_damaged,
    } = c;
    let root = ctx.root()?;
    let ws =
        Workspace::open(&root, Access::Read).or_else(|_| Workspace::open_read_recovering(&root))?;
    let target = archive_target(out, follow_symlink)?;
    // Opened first: a destination that cannot be written fails before any work.
    let (output, mut stream, scratch) = match target {
        ArchiveTarget::Path(p) => (p, None, None),
        ArchiveTarget::Stream(p) => {
            let dest = Destination::open(&p, Options::cli(false))?;
            // Named like backup's own scratch folders, so a killed run's is tidied the same way.
            let scratch = TempDir::create(
                ws.backups_dir()
                    .join(format!(".contexta-backup-{}-stream", std::process::id())),
            )?;
            // The name carries `.gz` when the pipe's does, as a file's would.
            let name = match p.file_name() {
                Some(n) if p != Path::new("-") => n.to_os_string(),
                _ => "backup.tar".into(),
            };
            (Some(scratch.path().join(name)), Some(dest), Some(scratch))
        }
    };
    let mut bar = Bar::new(ctx.quiet);
    let report = create_backup(
        &ws,
        &BackupOptions {
            label,
            output,
            gzip,
            allow_damaged,
        },
        &mut |p| bar.update(p),
    );
    bar.clear();
    let mut report = report?;
    // Not eprintln!: a closed stderr must not turn a finished backup into a panic.
    for n in &report.notes {
        let _ = writeln!(std::io::stderr(), "note: {}", crate::sanitize::sanitize(n));
    }
    if !report.manifest.damage.is_empty() {
        let _ = writeln!(
            std::io::stderr(),
            "warning: the database failed its page check and was archived as it is (--allow-damaged): {}",
            crate::sanitize::sanitize(&report.manifest.damage.join("; "))
        );
    }
    let mut to_stdout = false;
    if let Some(mut dest) = stream.take() {
        let mut f = std::fs::File::open(&report.path)
            .with_context(|| format!("reading {}", report.path.display()))?;
        std::io::copy(&mut f, &mut dest)
            .with_context(|| format!("writing {}", dest.path().display()))?;
        to_stdout = dest.kind() == Kind::Stdout;
        report.path = PathBuf::from(dest.describe());
        dest.commit()?;
    }
    drop(scratch);
    let m = &report.manifest;
    let summary = format!(
        "{}  ({} members, {}; {} runs, {} records, {} artifacts)",
        report.path.display(),
        m.members.len(),
        mb(report.archive_bytes),
        m.counts.runs,
        m.counts.records,
        m.counts.artifacts
    );
    if to_stdout {
        // Standard output holds the archive; the summary goes to stderr.
        if !ctx.quiet {
            let _ = writeln!(std::io::stderr(), "{}", crate::sanitize::sanitize(&summary));
        }
    } else if ctx.json() {
        output::json(&serde_json::json!({
            "path": report.path.display().to_string(),
            "archive_bytes": report.archive_bytes,
            "members": m.members.len(),
            "generation": m.generation,
            "counts": m.counts,
        }));
    } else if !ctx.quiet {
        output::line(&summary);
    } else {
        output::line(&report.path.display().to_string());
    }
    Ok(0)
}

/// The workspace a restore works on: the one named, else the current one, else the one a
/// killed restore set aside (that is what restoring finishes), else `./.contexta`.
fn restore_target(ctx: &Ctx, named: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = named {
        let cwd = std::env::current_dir()?;
        return Ok(crate::store::locate(Some(p), &cwd).unwrap_or_else(|| p.to_path_buf()));
    }
    match ctx.root_or_here() {
        Err(e) => match e.downcast_ref::<StoreError>() {
            Some(StoreError::SetAside { root, .. }) => Ok(root.clone()),
            _ => Err(e),
        },
        ok => ok,
    }
}

pub fn restore(ctx: &Ctx, c: RestoreCommand) -> anyhow::Result<i32> {
    let (archive, target_workspace, verify_only, force) = match c {
        RestoreCommand::Apply {
            archive,
            target_workspace,
            verify_only,
            force,
        } => (archive, target_workspace, verify_only, force),
        RestoreCommand::Resume {
            target_workspace,
            put_back,
        } => return resume(ctx, target_workspace.as_deref(), put_back),
    };
    let target = restore_target(ctx, target_workspace.as_deref())?;
    if !verify_only {
        for n in tidy_interrupted(&target)? {
            eprintln!("note: {}", crate::sanitize::sanitize(&n));
        }
    }
    let mut bar = Bar::new(ctx.quiet);
    let result = apply(
        &archive,
        &RestoreOptions {
            target: target.clone(),
            verify_only,
            force,
        },
        &mut |p| bar.update(p),
    );
    bar.clear();
    let r = result?;
    for n in &r.notes {
        eprintln!("note: {}", crate::sanitize::sanitize(n));
    }
    if ctx.json() {
        output::json(&serde_json::to_value(&r).unwrap_or_default());
    } else if !ctx.quiet {
        let what = if r.applied {
            format!(
                "restored into {}{}",
                r.target.display(),
                if r.replaced {
                    " (the previous workspace was replaced)"
                } else {
                    ""
                }
            )
        } else {
            "verified; nothing was written".to_string()
        };
        output::line(&format!(
            "{}: {} members, {}, every SHA-256 matches; {} runs, {} records, {} artifacts; {what}",
            r.archive.display(),
            r.members,
            mb(r.bytes),
            r.counts.runs,
            r.counts.records,
            r.counts.artifacts
        ));
    }
    Ok(0)
}

fn resume(ctx: &Ctx, named: Option<&Path>, put_back: bool) -> anyhow::Result<i32> {
    let target = restore_target(ctx, named)?;
    let r = finish(&target, put_back)?;
    if ctx.json() {
        output::json(&serde_json::to_value(&r).unwrap_or_default());
        return Ok(0);
    }
    for n in &r.notes {
        eprintln!("note: {}", crate::sanitize::sanitize(n));
    }
    if !ctx.quiet {
        let what = match r.outcome {
            Resumed::Finished => "the interrupted restore is finished",
            Resumed::PutBack => "the workspace is back as it was before the interrupted restore",
            Resumed::NothingToFinish => "a workspace is in place; nothing to finish",
        };
        output::line(&format!("{}: {what}", r.target.display()));
    }
    Ok(0)
}
