//! `diagnostics RUN [--fail-on info|warning|error]`: exit 3 when a finding at or above the
//! threshold exists (0, 1 and 2 keep their meanings).

use super::super::args::DiagnosticsArgs;
use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use super::query::open_read;
use crate::analysis::diagnostics::{DiagnosticsOptions, FindingSeverity};
use crate::query::{self, FactsOptions};

pub fn run(ctx: &Ctx, a: &DiagnosticsArgs) -> anyhow::Result<i32> {
    let fail_on = a
        .fail_on
        .as_deref()
        .map(|s| {
            FindingSeverity::parse(s).ok_or_else(|| {
                UsageError(format!("--fail-on: `{s}` is not info, warning or error"))
            })
        })
        .transpose()?;
    let ws = open_read(ctx)?;
    let run = query::resolve_run(&ws, &a.run)?;
    let chosen = a
        .baseline
        .as_deref()
        .map(|b| query::resolve_run(&ws, b))
        .transpose()?;
    let opts = DiagnosticsOptions {
        stale_after_s: a.stale_after,
        ..Default::default()
    };
    let facts = FactsOptions {
        verify_artifacts: !a.no_verify,
        points: false,
    };
    let query::Diagnosis {
        baseline, findings, ..
    } = query::diagnose_run(&ws, &run, facts, chosen.as_ref(), &opts)?;
    if ctx.json() {
        output::json(&serde_json::json!({
            "run": run.as_str(),
            "baseline": baseline.as_ref().map(|b| b.run.run_ref.to_string()),
            "issues": findings,
        }));
    } else if findings.is_empty() {
        output::line(&format!("{run}: no findings"));
    } else {
        let rows: Vec<Vec<String>> = findings
            .iter()
            .map(|f| {
                vec![
                    f.severity.as_str().to_string(),
                    f.code.clone(),
                    f.summary.clone(),
                    f.subject_ref.clone(),
                ]
            })
            .collect();
        table(
            &["SEVERITY", "CODE", "SUMMARY", "SUBJECT"],
            &rows,
            ctx.style,
            None,
        );
    }
    let tripped = fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok(if tripped { 3 } else { 0 })
}
