//! `backup create`, `restore apply` and `restore resume`: thin faces over `recovery::backup` and
//! `recovery::restore`, with a progress bar on a terminal.

use super::super::Ctx;
use super::super::args::{BackupCommand, RestoreCommand};
use super::super::output;
use super::super::progress::Bar;
use crate::recovery::backup::{BackupOptions, create_backup};
use crate::recovery::restore::{RestoreOptions, restore as apply, tidy_interrupted};
use crate::recovery::resume::{Resumed, resume as finish};
use crate::store::{Access, StoreError, Workspace};
use std::path::{Path, PathBuf};

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn backup(ctx: &Ctx, c: BackupCommand) -> anyhow::Result<i32> {
    let BackupCommand::Create {
        label,
        output: out,
        gzip,
    } = c;
    let root = ctx.root()?;
    let ws =
        Workspace::open(&root, Access::Read).or_else(|_| Workspace::open_read_recovering(&root))?;
    let mut bar = Bar::new(ctx.quiet);
    let report = create_backup(
        &ws,
        &BackupOptions {
            label,
            output: out,
            gzip,
        },
        &mut |p| bar.update(p),
    );
    bar.clear();
    let report = report?;
    let m = &report.manifest;
    if ctx.json() {
        output::json(&serde_json::json!({
            "path": report.path.display().to_string(),
            "archive_bytes": report.archive_bytes,
            "members": m.members.len(),
            "generation": m.generation,
            "counts": m.counts,
        }));
    } else if !ctx.quiet {
        output::line(&format!(
            "{}  ({} members, {}; {} runs, {} records, {} artifacts)",
            report.path.display(),
            m.members.len(),
            mb(report.archive_bytes),
            m.counts.runs,
            m.counts.records,
            m.counts.artifacts
        ));
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
