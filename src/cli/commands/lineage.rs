//! `lineage` and `provenance audit|diff`.

use super::super::args::{LineageArgs, ProvenanceCommand};
use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use super::query::open_read;
use crate::analysis::lineage::{Flow, build};
use crate::analysis::provenance::{audit, env_diff};
use crate::query::{self, FactsOptions};

pub fn run(ctx: &Ctx, a: &LineageArgs) -> anyhow::Result<i32> {
    let flow = Flow::parse(&a.direction).ok_or_else(|| {
        UsageError(format!(
            "--direction: `{}` is not upstream, downstream or both",
            a.direction
        ))
    })?;
    let ws = open_read(ctx)?;
    let root = query::resolve_ref(&ws, &a.target)?;
    let (edges, missing) = query::lineage_edges(
        &ws,
        &root,
        matches!(flow, Flow::Upstream | Flow::Both),
        matches!(flow, Flow::Downstream | Flow::Both),
        a.depth,
    )?;
    let g = build(&root, &edges, &missing);
    if a.dot {
        for l in g.to_dot().lines() {
            output::line(l);
        }
    } else if ctx.json() {
        output::json(&serde_json::to_value(&g)?);
    } else {
        for l in g.to_text() {
            output::line(&l);
        }
        if g.edges.is_empty() {
            output::line("(no lineage: nothing relates to this entity)");
        }
    }
    Ok(0)
}

pub fn provenance(ctx: &Ctx, c: ProvenanceCommand) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    match c {
        ProvenanceCommand::Audit { run } => {
            let r = query::resolve_run(&ws, &run)?;
            let f = query::run_facts(&ws, &r, FactsOptions::default())?;
            let au = audit(&f);
            if ctx.json() {
                output::json(&serde_json::to_value(&au)?);
            } else {
                output::line(&format!(
                    "{}  reproducibility {} ({:.0}%)",
                    au.run,
                    au.status,
                    au.score * 100.0
                ));
                let rows: Vec<Vec<String>> = au
                    .signals
                    .iter()
                    .map(|s| {
                        vec![
                            if s.present { "yes" } else { "no" }.to_string(),
                            s.name.clone(),
                            s.detail.clone(),
                        ]
                    })
                    .collect();
                table(&["PRESENT", "SIGNAL", "DETAIL"], &rows, ctx.style, None);
            }
        }
        ProvenanceCommand::Diff { left, right } => {
            let (l, r) = (
                query::resolve_run(&ws, &left)?,
                query::resolve_run(&ws, &right)?,
            );
            let lf = query::run_facts(&ws, &l, FactsOptions::default())?;
            let rf = query::run_facts(&ws, &r, FactsOptions::default())?;
            let d = env_diff(&lf, &rf);
            if ctx.json() {
                output::json(
                    &serde_json::json!({"left": l.as_str(), "right": r.as_str(), "diff": d}),
                );
                return Ok(0);
            }
            let mut rows: Vec<Vec<String>> = Vec::new();
            let o = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
            if let Some((a, b)) = &d.code_revision {
                rows.push(vec!["code".into(), "git_commit".into(), o(a), o(b)]);
            }
            if let Some((a, b)) = &d.python_version {
                rows.push(vec![
                    "python".into(),
                    "version".into(),
                    a.clone(),
                    b.clone(),
                ]);
            }
            if let Some((a, b)) = &d.platform {
                rows.push(vec!["platform".into(), "".into(), a.clone(), b.clone()]);
            }
            for (what, m) in [
                ("package", &d.packages),
                ("variable", &d.environment_variables),
            ] {
                for (k, v) in &m.added {
                    rows.push(vec![what.into(), k.clone(), "-".into(), v.clone()]);
                }
                for (k, v) in &m.removed {
                    rows.push(vec![what.into(), k.clone(), v.clone(), "-".into()]);
                }
                for (k, a, b) in &m.changed {
                    rows.push(vec![what.into(), k.clone(), a.clone(), b.clone()]);
                }
            }
            if rows.is_empty() {
                output::line("no differences in environment or code revision");
            } else {
                table(&["WHAT", "KEY", "LEFT", "RIGHT"], &rows, ctx.style, None);
            }
            for n in &d.notes {
                output::line(&format!("note: {n}"));
            }
        }
    }
    Ok(0)
}
