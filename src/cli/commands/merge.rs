//! `merge SRC… [--into W]`: per-rank workspaces folded into one (`recovery::merge`).

use super::super::args::MergeArgs;
use super::super::progress::Bar;
use super::super::{Ctx, output};
use crate::recovery::merge::merge;
use crate::store::{Access, Workspace, locate};
use anyhow::Context;

pub fn run(ctx: &Ctx, a: &MergeArgs) -> anyhow::Result<i32> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let target_root = match &a.into {
        Some(p) => locate(Some(p), &cwd).unwrap_or_else(|| p.clone()),
        None => ctx.root_or_here()?,
    };
    let sources = a
        .sources
        .iter()
        .map(|p| locate(Some(p), &cwd).unwrap_or_else(|| p.clone()))
        .collect::<Vec<_>>();
    let target = Workspace::open(&target_root, Access::Write)
        .with_context(|| format!("opening the target {}", target_root.display()))?;
    let mut bar = Bar::new(ctx.quiet);
    let report = merge(&target, &sources, |p| bar.update(p));
    bar.clear();
    let report = report?;
    if ctx.json() {
        output::json(&serde_json::to_value(&report)?);
        return Ok(0);
    }
    if ctx.quiet {
        return Ok(0);
    }
    for s in &report.sources {
        output::line(&format!(
            "{}: {} runs, {} records appended, {} entities written, {} artifact objects copied, {} conflicts",
            s.source,
            s.runs,
            s.records,
            s.entities,
            s.artifact_objects,
            s.conflicts.len()
        ));
        for c in &s.conflicts {
            let marker = match &c.marker_run {
                Some(r) => format!("degraded marker on {r}"),
                None => "no run to mark".to_string(),
            };
            output::line(&format!(
                "  conflict: {} differs in {} (kept this workspace's copy; {marker})",
                c.entity,
                c.fields.join(", ")
            ));
        }
    }
    Ok(0)
}
