//! `compare`, `compare-multi`, `best`.

use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use super::query::{fmt_num, open_read};
use crate::analysis::compare::{self, Comparison};
use crate::query::{self, FactsOptions, RunFilter};

fn opt(v: Option<f64>) -> String {
    v.map(fmt_num).unwrap_or_else(|| "-".into())
}

pub fn two(ctx: &Ctx, left: &str, right: &str) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let (l, r) = (
        query::resolve_run(&ws, left)?,
        query::resolve_run(&ws, right)?,
    );
    let c = query::compare_two_runs(&ws, &l, &r, FactsOptions::default())?.comparison;
    if ctx.json() {
        output::json(&serde_json::to_value(&c)?);
        return Ok(0);
    }
    print_comparison(ctx, &c);
    Ok(0)
}

fn print_comparison(ctx: &Ctx, c: &Comparison) {
    let st = ctx.style;
    output::raw_line(&st.paint(
        "1",
        &format!(
            "{}  vs  {}",
            crate::sanitize::sanitize(&c.left),
            crate::sanitize::sanitize(&c.right)
        ),
    ));
    output::line(&c.summary);
    output::line("");
    let rows: Vec<Vec<String>> = c.metrics.iter().map(|m| m.cells().to_vec()).collect();
    table(
        &[
            "STAGE", "METRIC", "LEFT", "RIGHT", "DELTA", "CHANGE", "VERDICT",
        ],
        &rows,
        st,
        None,
    );
    let stage_rows: Vec<Vec<String>> = c
        .stages
        .iter()
        .filter(|s| s.change != "same")
        .map(|s| {
            vec![
                s.name.clone(),
                s.left_status
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_else(|| "-".into()),
                s.right_status
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_else(|| "-".into()),
                s.left_duration_s
                    .map(crate::model::format_duration)
                    .unwrap_or_else(|| "-".into()),
                s.right_duration_s
                    .map(crate::model::format_duration)
                    .unwrap_or_else(|| "-".into()),
                s.change.clone(),
            ]
        })
        .collect();
    if !stage_rows.is_empty() {
        output::line("");
        table(
            &[
                "STAGE",
                "LEFT",
                "RIGHT",
                "LEFT TIME",
                "RIGHT TIME",
                "CHANGE",
            ],
            &stage_rows,
            st,
            None,
        );
    }
    if !c.params.is_empty() {
        output::line("");
        let rows: Vec<Vec<String>> = c
            .params
            .iter()
            .map(|p| {
                vec![
                    p.key.clone(),
                    p.left.clone().unwrap_or_else(|| "-".into()),
                    p.right.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        table(&["PARAM", "LEFT", "RIGHT"], &rows, st, None);
    }
    let p = &c.provenance;
    let mut prov = Vec::new();
    if let Some((a, b)) = &p.code_revision {
        prov.push(format!(
            "code revision {} -> {}",
            a.as_deref().unwrap_or("-"),
            b.as_deref().unwrap_or("-")
        ));
    }
    if let Some((a, b)) = &p.python_version {
        prov.push(format!("python {a} -> {b}"));
    }
    if let Some((a, b)) = &p.platform {
        prov.push(format!("platform {a} -> {b}"));
    }
    for (k, a, b) in &p.packages.changed {
        prov.push(format!("package {k} {a} -> {b}"));
    }
    for (k, v) in &p.packages.added {
        prov.push(format!("package {k} added ({v})"));
    }
    for (k, v) in &p.packages.removed {
        prov.push(format!("package {k} removed ({v})"));
    }
    for (k, a, b) in &p.environment_variables.changed {
        prov.push(format!("variable {k} {a} -> {b}"));
    }
    prov.extend(p.notes.iter().cloned());
    if !prov.is_empty() {
        output::line("");
        for l in prov {
            output::line(&format!("provenance: {l}"));
        }
    }
    for a in &c.artifacts {
        output::line(&format!("artifact {}: {} {}", a.kind, a.change, a.detail));
    }
    output::line("");
    let counts: Vec<String> = c
        .record_counts
        .iter()
        .map(|(t, [a, b])| format!("{t} {a}/{b}"))
        .collect();
    output::line(&format!("records (left/right): {}", counts.join("  ")));
    for (side, list) in ["left", "right"].iter().zip(&c.degraded) {
        for d in list {
            output::line(&format!("degraded ({side}): {d}"));
        }
    }
}

pub fn many(ctx: &Ctx, runs: &[String]) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let mut refs = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for r in runs {
        let rref = query::resolve_run(&ws, r)?;
        if seen.insert(rref.clone()) {
            refs.push(rref);
        }
    }
    if refs.len() < 2 {
        return Err(UsageError("compare-multi needs at least two distinct runs".into()).into());
    }
    let m = query::compare_runs(&ws, &refs)?;
    if ctx.json() {
        output::json(&serde_json::to_value(&m)?);
        return Ok(0);
    }
    let mut header: Vec<String> = vec!["STAGE".into(), "METRIC".into()];
    header.extend(m.names.iter().cloned());
    let rows: Vec<Vec<String>> = m
        .metrics
        .iter()
        .map(|row| {
            let mut v = vec![
                row.stage.clone().unwrap_or_else(|| "(run)".into()),
                row.key.clone(),
            ];
            for (i, x) in row.values.iter().enumerate() {
                let mark = if row.best == Some(i) && row.values.iter().flatten().count() > 1 {
                    " *"
                } else {
                    ""
                };
                v.push(format!("{}{mark}", opt(*x)));
            }
            v
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    table(&h, &rows, ctx.style, None);
    if !m.params.is_empty() {
        output::line("");
        let rows: Vec<Vec<String>> = m
            .params
            .iter()
            .map(|(k, vals)| {
                let mut v = vec!["(param)".to_string(), k.clone()];
                v.extend(vals.iter().map(|x| x.clone().unwrap_or_else(|| "-".into())));
                v
            })
            .collect();
        table(&h, &rows, ctx.style, None);
    }
    output::line(
        "* best value in the row (lower for losses, errors, latencies; higher for accuracy-like keys; no mark for a key with no direction)",
    );
    Ok(0)
}

pub fn best(
    ctx: &Ctx,
    key: &str,
    project: Option<String>,
    stage: Option<&str>,
) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let filter = RunFilter {
        project,
        ..Default::default()
    };
    let mut facts = Vec::new();
    for (row, v) in query::metric_across_runs(&ws, &filter, key, stage)? {
        if v.is_some() {
            facts.push(query::run_facts(
                &ws,
                &row.run_ref,
                FactsOptions::default(),
            )?);
        }
    }
    let Some((f, v)) = compare::best_run(&facts, key, stage) else {
        anyhow::bail!(
            "no run has metric `{key}`{}",
            stage.map(|s| format!(" in stage {s}")).unwrap_or_default()
        );
    };
    let dir = crate::analysis::direction::direction(key, f.goals().get(key).map(String::as_str));
    if ctx.json() {
        output::json(
            &serde_json::json!({"run": f.run.run_ref.as_str(), "name": f.run.name, "key": key, "value": v, "direction": dir, "candidates": facts.len()}),
        );
    } else {
        let better = match dir {
            crate::analysis::direction::Direction::Lower => "lower is better",
            crate::analysis::direction::Direction::Higher => "higher is better",
            crate::analysis::direction::Direction::Unknown => {
                "no declared direction: higher taken as better"
            }
        };
        output::line(&format!(
            "{}  {key} = {}  ({better}; {} runs compared)",
            f.run.run_ref,
            fmt_num(v),
            facts.len()
        ));
    }
    Ok(0)
}
