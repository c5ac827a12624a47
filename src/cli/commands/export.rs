//! `export jsonl [RUN…]` and `export csv runs [filters]`, to a file or stdout (`export otlp` is in
//! `export_otlp`).

use super::super::Ctx;
use super::super::args::{CsvCommand, ExportCommand};
use super::super::output;
use crate::destination::{Destination, Kind, Options};
use crate::query;
use crate::recovery::export::export_jsonl;
use crate::sanitize::sanitize;
use anyhow::Context;
use std::path::Path;

/// The named file (`-` or none: stdout), written as `destination` describes.
fn sink(path: Option<&Path>, follow_symlink: bool) -> anyhow::Result<Destination> {
    Ok(Destination::open(
        path.unwrap_or(Path::new("-")),
        Options::cli(follow_symlink),
    )?)
}

/// Writes CSV rows to the destination and commits it. Cells are sanitized like the CLI's
/// text output: CSV has no escape for a control character, and a CSV is read with `cat` as
/// often as by a program (the exact bytes are in `export jsonl`, where JSON escapes them).
fn write_csv(mut dest: Destination, header: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
    let shown = dest.describe();
    (|| -> Result<(), csv::Error> {
        let mut csv = csv::Writer::from_writer(&mut dest);
        csv.write_record(header)?;
        for r in rows {
            csv.write_record(r.iter().map(|c| sanitize(c).into_owned()))?;
        }
        csv.flush()?;
        Ok(())
    })()
    // csv's error hides the io::Error it wraps; keep it (a closed pipe, a size limit).
    .map_err(|e| {
        if !e.is_io_error() {
            return anyhow::Error::new(e);
        }
        match e.into_kind() {
            csv::ErrorKind::Io(io) => anyhow::Error::new(io),
            other => anyhow::anyhow!("{other:?}"),
        }
    })
    .with_context(|| format!("writing {shown}"))?;
    dest.commit()?;
    Ok(())
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn run(ctx: &Ctx, c: ExportCommand) -> anyhow::Result<i32> {
    let ws = super::query::open_read(ctx)?;
    match c {
        ExportCommand::Otlp(a) => super::export_otlp::run(ctx, &ws, a),
        ExportCommand::Jsonl {
            runs,
            output: out,
            follow_symlink,
        } => {
            let refs = runs
                .iter()
                .map(|r| query::resolve_run(&ws, r))
                .collect::<Result<Vec<_>, _>>()?;
            let mut dest = sink(out.as_deref(), follow_symlink)?;
            let r = export_jsonl(&ws, &refs, &mut dest)
                .with_context(|| format!("writing {}", dest.describe()))?;
            let to_file = dest.kind() != Kind::Stdout;
            let p = dest.path().to_path_buf();
            dest.commit()?;
            if to_file && !ctx.quiet {
                let msg = format!(
                    "{}: {} runs, {} entity lines, {} records, {} console lines",
                    p.display(),
                    r.runs,
                    r.entities,
                    r.records,
                    r.console_lines
                );
                if ctx.json() {
                    output::json(
                        &serde_json::json!({"path": p.display().to_string(), "runs": r.runs, "entities": r.entities, "records": r.records, "console_lines": r.console_lines}),
                    );
                } else {
                    output::line(&msg);
                }
            }
            Ok(0)
        }
        #[cfg(feature = "parquet")]
        ExportCommand::Parquet {
            runs,
            output: out,
            where_,
            since,
        } => parquet(ctx, &ws, &runs, where_.as_deref(), &out, since.as_deref()),
        ExportCommand::Csv(CsvCommand::Compare {
            left,
            right,
            output: out,
            follow_symlink,
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
                sink(out.as_deref(), follow_symlink)?,
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
            follow_symlink,
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
                sink(out.as_deref(), follow_symlink)?,
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
            follow_symlink,
        }) => {
            let rows = query::list_run_rows(&ws, &super::query::run_filter(&filter)?)?;
            let names: std::collections::BTreeMap<_, _> = ws
                .read()?
                .projects()?
                .into_iter()
                .map(|p| (p.project_ref, p.name))
                .collect();
            let dest = sink(out.as_deref(), follow_symlink)?;
            let to_file = dest.kind() != Kind::Stdout;
            let p = dest.path().to_path_buf();
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let project = names
                        .get(&r.project_ref)
                        .cloned()
                        .unwrap_or_else(|| r.project_ref.value().to_string());
                    vec![
                        r.run_ref.to_string(),
                        r.name.clone(),
                        project,
                        r.status.as_str().to_string(),
                        r.started_at.to_string(),
                        r.ended_at.map(|t| t.to_string()).unwrap_or_default(),
                    ]
                })
                .collect();
            write_csv(
                dest,
                &[
                    "run_id",
                    "name",
                    "project_name",
                    "status",
                    "started_at",
                    "ended_at",
                ],
                &rows,
            )?;
            if to_file && !ctx.quiet {
                output::line(&format!("{}: {} runs", p.display(), rows.len()));
            }
            Ok(0)
        }
    }
}

#[cfg(feature = "parquet")]
fn parquet(
    ctx: &Ctx,
    ws: &crate::store::Workspace,
    runs: &[String],
    where_: Option<&str>,
    out: &Path,
    since: Option<&str>,
) -> anyhow::Result<i32> {
    use crate::recovery::parquet::{ParquetOptions, export_parquet};
    // Both are checked before anything is read: a usage error exits 2 with nothing written.
    let selection = where_.map(super::query::parse_where).transpose()?;
    let since = since
        .map(|s| {
            crate::model::Timestamp::parse(s)
                .map_err(|e| super::super::UsageError(format!("--since: {e}")))
        })
        .transpose()?;
    let mut refs = runs
        .iter()
        .map(|r| query::resolve_run(ws, r))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(q) = selection {
        let filter = query::RunFilter {
            query: Some(q),
            ..Default::default()
        };
        for row in query::list_run_rows(ws, &filter)? {
            if !refs.contains(&row.run_ref) {
                refs.push(row.run_ref);
            }
        }
        if refs.is_empty() {
            // An empty selection means "every run" to the exporter: never export all of them
            // because a query matched none.
            eprintln!(
                "no matches for --where `{}`: nothing exported",
                crate::sanitize::sanitize(where_.unwrap_or_default())
            );
            return Ok(0);
        }
    }
    let mut bar = super::super::progress::Bar::new(ctx.quiet);
    let report = export_parquet(
        ws,
        &ParquetOptions {
            output: out,
            runs: &refs,
            since,
        },
        |p| bar.update(p),
    );
    bar.clear();
    let report = report.with_context(|| format!("exporting to {}", out.display()))?;
    if ctx.json() {
        output::json(&serde_json::to_value(&report)?);
    } else if !ctx.quiet {
        let rows: Vec<String> = report
            .rows
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(f, n)| format!("{n} {f}"))
            .collect();
        output::line(&format!(
            "{}: export {}, {} runs, {} files, {} bytes ({})",
            out.display(),
            report.export_id,
            report.runs,
            report.files,
            report.bytes,
            if rows.is_empty() {
                "no new rows".to_string()
            } else {
                rows.join(", ")
            }
        ));
    }
    Ok(0)
}
