//! `export jsonl [RUN…]` and `export csv runs [filters]`, to a file or stdout.

use super::super::Ctx;
use super::super::args::{CsvCommand, ExportCommand};
use super::super::output;
use crate::query;
use crate::recovery::export::export_jsonl;
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// A file written under a temporary name and renamed when complete, or stdout.
fn sink(path: Option<&Path>) -> anyhow::Result<(Box<dyn Write>, Option<std::path::PathBuf>)> {
    Ok(match path {
        Some(p) => {
            let tmp = p.with_extension("partial");
            let f = std::fs::File::create(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            (
                Box::new(std::io::BufWriter::with_capacity(1 << 20, f)),
                Some(tmp),
            )
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            None,
        ),
    })
}

fn finish(
    mut w: Box<dyn Write>,
    tmp: Option<std::path::PathBuf>,
    path: Option<&Path>,
) -> anyhow::Result<()> {
    w.flush()?;
    drop(w);
    if let (Some(tmp), Some(p)) = (tmp, path) {
        std::fs::rename(&tmp, p).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// Writes CSV rows to the file (renamed into place when complete) or stdout.
fn write_csv(out: Option<&Path>, header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let (w, tmp) = sink(out)?;
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(header)?;
    for r in rows {
        csv.write_record(r)?;
    }
    let w = csv
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))?;
    finish(w, tmp, out)
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn run(ctx: &Ctx, c: ExportCommand) -> anyhow::Result<i32> {
    let ws = super::query::open_read(ctx)?;
    match c {
        ExportCommand::Jsonl { runs, output: out } => {
            let refs = runs
                .iter()
                .map(|r| query::resolve_run(&ws, r))
                .collect::<Result<Vec<_>, _>>()?;
            let (mut w, tmp) = sink(out.as_deref())?;
            let result = export_jsonl(&ws, &refs, &mut w);
            if result.is_err() {
                drop(w);
                if let Some(t) = &tmp {
                    let _ = std::fs::remove_file(t);
                }
            } else {
                finish(w, tmp, out.as_deref())?;
            }
            let r = result?;
            if let Some(p) = &out
                && !ctx.quiet
            {
                let msg = format!(
                    "{}: {} runs, {} entity lines, {} records",
                    p.display(),
                    r.runs,
                    r.entities,
                    r.records
                );
                if ctx.json() {
                    output::json(
                        &serde_json::json!({"path": p.display().to_string(), "runs": r.runs, "entities": r.entities, "records": r.records}),
                    );
                } else {
                    output::line(&msg);
                }
            }
            Ok(0)
        }
        ExportCommand::Csv(CsvCommand::Compare {
            left,
            right,
            output: out,
        }) => {
            let (l, r) = (
                query::resolve_run(&ws, &left)?,
                query::resolve_run(&ws, &right)?,
            );
            let query::PairComparison {
                left: lf,
                right: rf,
                comparison: c,
            } = query::compare_two_runs(&ws, &l, &r, Default::default())?;
            let status = |f: &crate::model::RunFacts, stage: &Option<String>| -> String {
                match stage {
                    Some(s) => f
                        .stages
                        .iter()
                        .find(|x| &x.stage_name == s)
                        .map(|x| x.status.as_str().to_string())
                        .unwrap_or_default(),
                    None => f.run.status.as_str().to_string(),
                }
            };
            let rows: Vec<Vec<String>> = c
                .metrics
                .iter()
                .map(|m| {
                    let note = match (&m.left, &m.right) {
                        (None, Some(_)) | (Some(_), None) => format!(
                            "sparse_metric_capture:{}:{}",
                            m.stage.as_deref().unwrap_or("run"),
                            m.key
                        ),
                        _ => String::new(),
                    };
                    vec![
                        m.stage.clone().unwrap_or_default(),
                        m.key.clone(),
                        opt(m.left.as_ref().map(|s| s.last)),
                        opt(m.right.as_ref().map(|s| s.last)),
                        opt(m.delta),
                        opt(m.change_ratio),
                        status(&lf, &m.stage),
                        status(&rf, &m.stage),
                        note,
                        opt(m.change_pct),
                        format!("{:?}", m.verdict).to_lowercase(),
                    ]
                })
                .collect();
            write_csv(
                out.as_deref(),
                &[
                    "stage_name",
                    "metric_key",
                    "left_value",
                    "right_value",
                    "delta",
                    "change_ratio",
                    "left_status",
                    "right_status",
                    "notes",
                    "change_pct",
                    "verdict",
                ],
                &rows,
            )?;
            Ok(0)
        }
        ExportCommand::Csv(CsvCommand::Trend {
            key,
            stage,
            filter,
            output: out,
        }) => {
            let names: std::collections::BTreeMap<_, _> = ws
                .read()?
                .projects()?
                .into_iter()
                .map(|p| (p.project_ref, p.name))
                .collect();
            let vals = query::metric_across_runs(
                &ws,
                &super::query::run_filter(&filter)?,
                &key,
                stage.as_deref(),
            )?;
            let rows: Vec<Vec<String>> = vals
                .iter()
                .filter(|(_, v)| v.is_some())
                .map(|(r, v)| {
                    vec![
                        r.run_ref.to_string(),
                        r.name.clone(),
                        key.clone(),
                        names
                            .get(&r.project_ref)
                            .cloned()
                            .unwrap_or_else(|| r.project_ref.value().to_string()),
                        stage.clone().unwrap_or_default(),
                        opt(*v),
                        crate::model::Timestamp(r.stats.last_observed).to_string(),
                    ]
                })
                .collect();
            write_csv(
                out.as_deref(),
                &[
                    "run_id",
                    "run_name",
                    "metric_key",
                    "project_name",
                    "stage_name",
                    "value",
                    "captured_at",
                ],
                &rows,
            )?;
            Ok(0)
        }
        ExportCommand::Csv(CsvCommand::Runs {
            filter,
            output: out,
        }) => {
            let rows = query::list_run_rows(&ws, &super::query::run_filter(&filter)?)?;
            let names: std::collections::BTreeMap<_, _> = ws
                .read()?
                .projects()?
                .into_iter()
                .map(|p| (p.project_ref, p.name))
                .collect();
            let (w, tmp) = sink(out.as_deref())?;
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record([
                "run_id",
                "name",
                "project_name",
                "status",
                "started_at",
                "ended_at",
            ])?;
            for r in &rows {
                let project = names
                    .get(&r.project_ref)
                    .cloned()
                    .unwrap_or_else(|| r.project_ref.value().to_string());
                csv.write_record([
                    r.run_ref.as_str(),
                    &r.name,
                    &project,
                    r.status.as_str(),
                    &r.started_at.to_string(),
                    &r.ended_at.map(|t| t.to_string()).unwrap_or_default(),
                ])?;
            }
            let w = csv
                .into_inner()
                .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))?;
            finish(w, tmp, out.as_deref())?;
            if let Some(p) = &out
                && !ctx.quiet
            {
                output::line(&format!("{}: {} runs", p.display(), rows.len()));
            }
            Ok(0)
        }
    }
}
