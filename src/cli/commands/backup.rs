//! `backup create` and `restore apply`: thin faces over `recovery::backup` and
//! `recovery::restore`, with a progress bar on a terminal.

use super::super::Ctx;
use super::super::args::{BackupCommand, RestoreCommand};
use super::super::output;
use super::super::progress::Bar;
use crate::recovery::backup::{BackupOptions, create_backup};
use crate::recovery::restore::{RestoreOptions, restore as apply, tidy_interrupted};
use crate::store::{Access, Workspace};

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub fn backup(ctx: &Ctx, c: BackupCommand) -> anyhow::Result<i32> {
    let BackupCommand::Create {
        label,
        output: out,
        gzip,
        allow_damaged,
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
            allow_damaged,
        },
        &mut |p| bar.update(p),
    );
    bar.clear();
    let report = report?;
    for n in &report.notes {
        eprintln!("note: {}", crate::sanitize::sanitize(n));
    }
    let m = &report.manifest;
    if !m.damage.is_empty() {
        eprintln!(
            "warning: the database failed its page check and was archived as it is (--allow-damaged): {}",
            crate::sanitize::sanitize(&m.damage.join("; "))
        );
    }
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

pub fn restore(ctx: &Ctx, c: RestoreCommand) -> anyhow::Result<i32> {
    let RestoreCommand::Apply {
        archive,
        target_workspace,
        verify_only,
        force,
    } = c;
    let target = match &target_workspace {
        Some(p) => {
            let cwd = std::env::current_dir()?;
            crate::store::locate(Some(p), &cwd).unwrap_or_else(|| p.clone())
        }
        None => ctx.root_or_here()?,
    };
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
