//! `recover replay FILE` and `import contexta-py PATH`.

use super::super::Ctx;
use super::super::args::{ImportCommand, RecoverCommand, ReplayModeArg};
use super::super::output;
use crate::recovery::import_py::import_contexta_py;
use crate::recovery::replay::{ReplayMode, replay};
use crate::store::{Access, Workspace};

pub fn recover(ctx: &Ctx, c: RecoverCommand) -> anyhow::Result<i32> {
    let RecoverCommand::Replay {
        file,
        mode,
        max_line_bytes,
    } = c;
    let root = ctx.root_or_here()?;
    let ws = Workspace::open(&root, Access::Write)?;
    let mode = match mode {
        ReplayModeArg::Strict => ReplayMode::Strict,
        ReplayModeArg::Tolerant => ReplayMode::Tolerant,
    };
    let r = replay(&ws, &file, mode, max_line_bytes)?;
    for bad in &r.rejected {
        eprintln!(
            "rejected {}:{}: {}",
            file.display(),
            bad.line,
            crate::sanitize::sanitize(&bad.reason)
        );
    }
    if ctx.json() {
        output::json(&serde_json::to_value(&r).unwrap_or_default());
    } else if !ctx.quiet {
        output::line(&format!(
            "replayed {}: {} records applied, {} already present (skipped), {} same ref with different content (kept as duplicates), {} entities, {} lines rejected",
            file.display(),
            r.applied,
            r.skipped,
            r.duplicates,
            r.entities,
            r.rejected.len()
        ));
    }
    Ok(0)
}

pub fn import(ctx: &Ctx, c: ImportCommand) -> anyhow::Result<i32> {
    let ImportCommand::ContextaPy { path, python } = c;
    let root = ctx.root_or_here()?;
    let ws = Workspace::open(&root, Access::Write)?;
    let r = import_contexta_py(&ws, &path, &python)?;
    if ctx.json() {
        output::json(&serde_json::to_value(&r).unwrap_or_default());
        return Ok(0);
    }
    if ctx.quiet {
        return Ok(0);
    }
    let ents: Vec<String> = r.entities.iter().map(|(k, n)| format!("{n} {k}")).collect();
    output::line(&format!("imported {}", r.source.display()));
    output::line(&format!(
        "  ledger     {}{}",
        r.ledger,
        if ents.is_empty() {
            String::new()
        } else {
            format!(": {}", ents.join(", "))
        }
    ));
    output::line(&format!(
        "  records    {} applied, {} already present, {} duplicate refs kept, from {} segments",
        r.records.applied, r.records.skipped, r.records.duplicates, r.segments
    ));
    output::line(&format!("  artifacts  {}", r.artifacts));
    if !r.inferred.is_empty() {
        output::line(&format!(
            "  inferred   {} (records name them, the ledger lacks them)",
            r.inferred.len()
        ));
    }
    output::line(&format!(
        "  time       {} ms ({} ms reading the ledger)",
        r.total_ms, r.ledger_ms
    ));
    for l in &r.losses {
        output::line(&format!("  lost       {l}"));
    }
    Ok(0)
}
