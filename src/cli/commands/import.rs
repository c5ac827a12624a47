//! `recover replay FILE` and `import contexta-py PATH`.

use super::super::Ctx;
use super::super::args::{ImportCommand, RecoverCommand, ReplayModeArg};
use super::super::output;
use crate::recovery::replay::{ReplayMode, replay};
use crate::store::{Access, Workspace};

pub fn recover(ctx: &Ctx, c: RecoverCommand) -> anyhow::Result<i32> {
    let RecoverCommand::Replay { file, mode } = c;
    let root = ctx.root_or_here()?;
    let ws = Workspace::open(&root, Access::Write)?;
    let mode = match mode {
        ReplayModeArg::Strict => ReplayMode::Strict,
        ReplayModeArg::Tolerant => ReplayMode::Tolerant,
    };
    let r = replay(&ws, &file, mode)?;
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

pub fn import(_ctx: &Ctx, c: ImportCommand) -> anyhow::Result<i32> {
    let ImportCommand::ContextaPy { .. } = c;
    anyhow::bail!("not yet")
}
