//! `trend`, `aggregate`, `anomaly`, `alert`, `search`.

use super::super::args::{SearchCommand, TrendArgs};
use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use super::query::{fmt_num, open_read, run_filter};
use crate::analysis::trend::{Operator, aggregate as agg};
use crate::model::*;
use crate::query;

pub fn trend(ctx: &Ctx, a: &TrendArgs) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    if let Some(run) = &a.run {
        let r = query::resolve_run(&ws, run)?;
        let pts = match a.rank {
            Some(rank) => query::series_of_rank(&ws, &r, &a.key, rank)?,
            None => query::series(&ws, &r, &a.key)?,
        };
        if pts.is_empty() {
            if let Some(rank) = a.rank {
                let ranks = query::ranks_of(&ws, &r, &a.key)?;
                if !ranks.is_empty() || !query::series(&ws, &r, &a.key)?.is_empty() {
                    let have: Vec<String> = ranks.iter().map(u32::to_string).collect();
                    return Err(anyhow::anyhow!(
                        "rank {rank} wrote no `{}` in run {r} (ranks that did: {})",
                        a.key,
                        if have.is_empty() {
                            "none".into()
                        } else {
                            have.join(", ")
                        }
                    ));
                }
            }
            return Err(query::missing_metric(&ws, &r, &a.key, None).into());
        }
        if ctx.json() {
            let mut v = serde_json::json!({"run": r.as_str(), "key": a.key, "points": pts.iter().map(|p| serde_json::json!({"step": p.step, "value": p.value, "observed_at": Timestamp(p.at).to_string()})).collect::<Vec<_>>()});
            if let (Some(rank), Some(o)) = (a.rank, v.as_object_mut()) {
                o.insert("rank".into(), rank.into());
            }
            output::json(&v);
        } else {
            let rows: Vec<Vec<String>> = pts
                .iter()
                .map(|p| {
                    vec![
                        p.step.to_string(),
                        fmt_num(p.value),
                        Timestamp(p.at).to_string(),
                    ]
                })
                .collect();
            table(&["STEP", "VALUE", "OBSERVED"], &rows, ctx.style, None);
        }
        return Ok(0);
    }
    let filter = run_filter(&a.runs)?;
    let vals = query::metric_across_runs(&ws, &filter, &a.key, a.stage.as_deref())?;
    if vals.iter().all(|(_, v)| v.is_none()) {
        // No data is an answer the user must see, not an empty table that passes.
        let runs: Vec<Ref> = vals.into_iter().map(|(r, _)| r.run_ref).collect();
        return Err(query::missing_metric_across(&ws, &runs, &a.key, a.stage.as_deref()).into());
    }
    if ctx.json() {
        output::json(
            &serde_json::json!({"key": a.key, "stage": a.stage, "points": vals.iter().map(|(r, v)| serde_json::json!({
            "run": r.run_ref.as_str(), "name": r.name, "project": r.project_ref.as_str(), "started_at": r.started_at.to_string(), "value": v})).collect::<Vec<_>>()}),
        );
        return Ok(0);
    }
    let present: Vec<f64> = vals.iter().filter_map(|(_, v)| *v).collect();
    let (lo, hi) = present
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let bar = |v: f64| -> String {
        let w = if hi > lo {
            ((v - lo) / (hi - lo) * 30.0).round() as usize
        } else {
            15
        };
        "#".repeat(w.max(1))
    };
    let rows: Vec<Vec<String>> = vals
        .iter()
        .map(|(r, v)| {
            vec![
                r.run_ref.to_string(),
                r.started_at.to_string(),
                v.map(fmt_num).unwrap_or_else(|| "-".into()),
                v.map(bar).unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["RUN", "STARTED", &a.key.to_uppercase(), ""],
        &rows,
        ctx.style,
        None,
    );
    Ok(0)
}

pub fn aggregate(ctx: &Ctx, a: &TrendArgs) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let filter = run_filter(&a.runs)?;
    let vals: Vec<f64> = query::metric_across_runs(&ws, &filter, &a.key, a.stage.as_deref())?
        .into_iter()
        .filter_map(|(_, v)| v)
        .collect();
    let s = agg(&vals);
    if ctx.json() {
        output::json(&serde_json::json!({"key": a.key, "aggregate": s}));
    } else {
        if s.count == 0 {
            output::line(&format!(
                "no run has metric `{}` (aggregate_population_empty)",
                a.key
            ));
            return Ok(0);
        }
        let rows = vec![vec![
            s.count.to_string(),
            fmt_num(s.mean),
            fmt_num(s.std),
            fmt_num(s.min),
            fmt_num(s.p25),
            fmt_num(s.p50),
            fmt_num(s.p75),
            fmt_num(s.p90),
            fmt_num(s.p95),
            fmt_num(s.p99),
            fmt_num(s.max),
        ]];
        table(
            &[
                "COUNT", "MEAN", "STD", "MIN", "P25", "P50", "P75", "P90", "P95", "P99", "MAX",
            ],
            &rows,
            ctx.style,
            None,
        );
    }
    Ok(0)
}

pub fn anomaly(
    ctx: &Ctx,
    run: &str,
    metrics: &[String],
    project: Option<String>,
    threshold: f64,
) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let r = query::resolve_run(&ws, run)?;
    let info = query::run_detail(&ws, &r)?;
    let keys: Vec<String> = if metrics.is_empty() {
        info.metrics.iter().map(|m| m.key.clone()).collect()
    } else {
        metrics.to_vec()
    };
    let project = project.unwrap_or_else(|| info.info.run.project_ref.value().to_string());
    let mut scorer = query::AnomalyScorer::new(&ws, threshold);
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    for key in &keys {
        let Some(actual) = info.metrics.iter().find(|m| &m.key == key).map(|m| m.last) else {
            skipped.push(format!("{key}: not in this run"));
            continue;
        };
        let scored = scorer.score(&r, &project, key, actual)?;
        match (scored.anomaly, scored.excluded) {
            (Some(a), _) => results.push(a),
            (None, Some(why)) => skipped.push(why),
            (None, None) => skipped.push(format!(
                "{key}: baseline has {} runs (needs 2)",
                scored.baseline_runs
            )),
        }
    }
    if ctx.json() {
        output::json(
            &serde_json::json!({"run": r.as_str(), "anomalies": results, "skipped": skipped}),
        );
    } else {
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|a| {
                vec![
                    a.key.clone(),
                    fmt_num(a.actual),
                    format!("{:+.2}", a.score),
                    a.statistic.clone(),
                    a.baseline_size.to_string(),
                    format!("{}..{}", fmt_num(a.expected_low), fmt_num(a.expected_high)),
                    a.severity.clone(),
                ]
            })
            .collect();
        table(
            &[
                "METRIC",
                "VALUE",
                "SCORE",
                "STATISTIC",
                "BASELINE RUNS",
                "EXPECTED",
                "SEVERITY",
            ],
            &rows,
            ctx.style,
            None,
        );
        for s in skipped {
            output::line(&format!("skipped {s}"));
        }
    }
    Ok(0)
}

#[allow(clippy::too_many_arguments)]
pub fn alert(
    ctx: &Ctx,
    run: &str,
    metric: &str,
    operator: &str,
    threshold: f64,
    stage: Option<&str>,
    severity: &str,
) -> anyhow::Result<i32> {
    let op = Operator::parse(operator).ok_or_else(|| {
        UsageError(format!(
            "--operator: `{operator}` is not gt, lt, gte, lte, eq or ne"
        ))
    })?;
    if !matches!(severity, "info" | "warning" | "error") {
        return Err(UsageError(format!(
            "--severity: `{severity}` is not info, warning or error"
        ))
        .into());
    }
    let ws = open_read(ctx)?;
    let r = query::resolve_run(&ws, run)?;
    // A rule on a metric the run does not have is a mistake to report, never a pass.
    let value = query::metric_in_run(&ws, &r, metric, stage)?
        .ok_or_else(|| query::missing_metric(&ws, &r, metric, stage))?;
    let fired = op.holds(value, threshold);
    let name = format!(
        "{metric}{}:{operator}:{threshold}",
        stage.map(|s| format!("@{s}")).unwrap_or_default()
    );
    if ctx.json() {
        output::json(
            &serde_json::json!({"rule_name": name, "run": r.as_str(), "metric_key": metric, "actual_value": value, "operator": op, "threshold": threshold, "triggered": fired, "severity": severity, "notes": Vec::<String>::new()}),
        );
    } else {
        output::line(&format!(
            "{name}: {} ({} = {})",
            if fired {
                format!("TRIGGERED [{severity}]")
            } else {
                "ok".into()
            },
            metric,
            fmt_num(value)
        ));
    }
    Ok(if fired { 3 } else { 0 })
}

pub fn search(ctx: &Ctx, c: SearchCommand) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    match c {
        SearchCommand::Runs {
            text,
            project,
            status,
            limit,
        } => {
            let args = super::super::args::RunsArgs {
                project,
                status,
                desc: true,
                ..Default::default()
            };
            let needle = text.to_lowercase();
            // Match first, then limit (the reference limited before matching, §17.11).
            let rows: Vec<_> = query::list_run_rows(&ws, &run_filter(&args)?)?
                .into_iter()
                .filter(|r| {
                    r.run_ref.as_str().to_lowercase().contains(&needle)
                        || r.name.to_lowercase().contains(&needle)
                        || r.project_ref.as_str().to_lowercase().contains(&needle)
                })
                .take(limit)
                .collect();
            if ctx.json() {
                output::json(&serde_json::Value::Array(
                    rows.iter().map(super::query::row_json).collect(),
                ));
            } else {
                let t: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.run_ref.to_string(),
                            r.status.as_str().to_string(),
                            r.started_at.to_string(),
                            r.name.clone(),
                        ]
                    })
                    .collect();
                table(
                    &["RUN", "STATUS", "STARTED", "NAME"],
                    &t,
                    ctx.style,
                    Some(1),
                );
            }
        }
        SearchCommand::Artifacts { text, kind, limit } => {
            let needle = text.to_lowercase();
            let snap = ws.read()?;
            let mut found = Vec::new();
            'outer: for row in snap.run_rows(true)? {
                for a in snap.artifacts(&row.run_ref)? {
                    if kind.as_ref().is_some_and(|k| &a.artifact_kind != k) {
                        continue;
                    }
                    if a.artifact_ref.as_str().to_lowercase().contains(&needle)
                        || a.artifact_kind.to_lowercase().contains(&needle)
                        || a.location_ref.to_lowercase().contains(&needle)
                    {
                        found.push(a);
                        if found.len() >= limit {
                            break 'outer;
                        }
                    }
                }
            }
            if ctx.json() {
                output::json(&serde_json::Value::Array(
                    found.iter().map(crate::model::json::entity_json).collect(),
                ));
            } else {
                let t: Vec<Vec<String>> = found
                    .iter()
                    .map(|a| {
                        vec![
                            a.artifact_ref.to_string(),
                            a.artifact_kind.clone(),
                            a.location_ref.clone(),
                        ]
                    })
                    .collect();
                table(&["ARTIFACT", "KIND", "FILE"], &t, ctx.style, None);
            }
        }
    }
    Ok(0)
}
