//! Diagnostics of one run: the reference's seven rules (§5.6) with the spec's corrections
//! (degraded severity honoured; `missing_expected_stage` from sibling runs), plus stale runs,
//! non-finite metrics, stages outside their run, regressions against a baseline, artifact
//! drift, dangling refs, duplicate record refs and failed runs. Pure: works on `RunFacts`.

use super::direction::{Direction, direction};
use crate::model::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Info,
    Warning,
    Error,
}

impl FindingSeverity {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "info" => FindingSeverity::Info,
            "warning" | "warn" => FindingSeverity::Warning,
            "error" => FindingSeverity::Error,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Info => "info",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: String,
    pub severity: FindingSeverity,
    pub summary: String,
    /// What the finding is about (run, stage, batch, record, artifact, deployment).
    pub subject_ref: String,
    /// Refs that show it (the record, the stage, the artifact …).
    pub evidence: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct DiagnosticsOptions {
    /// An open run with no commit for longer than this is stale.
    pub stale_after_s: f64,
    /// Relative worsening (fraction) that counts as a regression.
    pub regression_threshold: f64,
    pub now: Timestamp,
}

impl Default for DiagnosticsOptions {
    fn default() -> Self {
        DiagnosticsOptions {
            stale_after_s: 600.0,
            regression_threshold: 0.05,
            now: Timestamp::now(),
        }
    }
}

/// Context beyond the run: its project's other runs' stage names, and a baseline to compare to.
#[derive(Clone, Debug, Default)]
pub struct DiagnosticsContext<'a> {
    /// Stage names of each sibling run of the same project (not this run).
    pub sibling_stages: Vec<Vec<String>>,
    /// The project's previous completed run, or the chosen baseline.
    pub baseline: Option<&'a RunFacts>,
}

fn finding(
    code: &str,
    sev: FindingSeverity,
    summary: String,
    subject: &Ref,
    evidence: Vec<String>,
) -> Finding {
    Finding {
        code: code.into(),
        severity: sev,
        summary,
        subject_ref: subject.to_string(),
        evidence,
    }
}

pub fn diagnose(
    f: &RunFacts,
    ctx: &DiagnosticsContext<'_>,
    opts: &DiagnosticsOptions,
) -> Vec<Finding> {
    use FindingSeverity::*;
    let run = &f.run.run_ref;
    let mut out = Vec::new();

    if f.run.status == Status::Failed {
        out.push(finding(
            "failed_run",
            Error,
            format!("run {} failed", f.run.name),
            run,
            vec![run.to_string()],
        ));
    }
    for (_, rec) in &f.degraded {
        let (sev, text) = match &rec.payload {
            Payload::Degraded(d) => (
                match d.severity {
                    Severity::Error => Error,
                    Severity::Warning => Warning,
                },
                format!("{}: {}", d.issue_key, d.summary),
            ),
            other => (
                Warning,
                format!(
                    "{} {} is marked {}",
                    rec.record_type().as_str(),
                    other.key(),
                    rec.envelope.degradation_marker.as_str()
                ),
            ),
        };
        let is_non_finite =
            matches!(&rec.payload, Payload::Degraded(d) if d.issue_key == "metric.non_finite");
        let code = if is_non_finite {
            "non_finite_metric"
        } else {
            "degraded_record"
        };
        let subject = rec.envelope.stage_execution_ref.as_ref().unwrap_or(run);
        out.push(finding(
            code,
            sev,
            text,
            subject,
            vec![rec.envelope.record_ref.to_string()],
        ));
    }
    for s in &f.series {
        if let Some(p) = s.points.iter().find(|p| !p.2.is_finite()) {
            out.push(finding(
                "non_finite_metric",
                Error,
                format!("{} has a non-finite value at step {}", s.key, p.1),
                run,
                vec![],
            ));
        }
    }
    for s in &f.stages {
        let sref = &s.stage_execution_ref;
        if s.status != Status::Completed {
            // An open stage of a run that is still open is work in progress, not a finding.
            if !(s.status == Status::Open && f.run.status == Status::Open) {
                out.push(finding(
                    "incomplete_stage",
                    Warning,
                    format!("stage {} is {}", s.stage_name, s.status.as_str()),
                    sref,
                    vec![sref.to_string()],
                ));
            }
        } else if !f.stages_with_metrics.contains(sref) {
            out.push(finding(
                "missing_stage_metrics",
                Info,
                format!("completed stage {} recorded no metrics", s.stage_name),
                sref,
                vec![sref.to_string()],
            ));
        }
        let before = s.started_at < f.run.started_at;
        let after = match (s.ended_at, f.run.ended_at) {
            (Some(se), Some(re)) => se > re,
            _ => false,
        };
        if before || after {
            out.push(finding(
                "stage_outside_run",
                Warning,
                format!(
                    "stage {} {} its run",
                    s.stage_name,
                    if before {
                        "started before"
                    } else {
                        "ended after"
                    }
                ),
                sref,
                vec![sref.to_string()],
            ));
        }
    }
    for b in &f.batches {
        let bref = &b.batch_execution_ref;
        match b.status {
            Status::Failed => out.push(finding(
                "failed_batch",
                Error,
                format!("batch {} failed", b.batch_name),
                bref,
                vec![bref.to_string()],
            )),
            Status::Cancelled => out.push(finding(
                "incomplete_batch",
                Warning,
                format!("batch {} was cancelled", b.batch_name),
                bref,
                vec![bref.to_string()],
            )),
            _ => {}
        }
    }
    for d in &f.deployments {
        if d.status == Status::Failed {
            let dref = &d.deployment_execution_ref;
            out.push(finding(
                "failed_deployment",
                Error,
                format!("deployment {} failed", d.deployment_name),
                dref,
                vec![dref.to_string()],
            ));
        }
    }
    // Expected stages: those at least half of the project's other runs have.
    if !ctx.sibling_stages.is_empty() {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for names in &ctx.sibling_stages {
            let mut uniq: Vec<&str> = names.iter().map(String::as_str).collect();
            uniq.sort();
            uniq.dedup();
            for n in uniq {
                *seen.entry(n).or_default() += 1;
            }
        }
        let need = ctx.sibling_stages.len().div_ceil(2);
        for (name, n) in seen {
            if n >= need
                && !f.stages.iter().any(|s| s.stage_name == name)
                && f.run.status != Status::Open
            {
                out.push(finding(
                    "missing_expected_stage",
                    Info,
                    format!(
                        "no {name} stage ({n} of {} sibling runs have one)",
                        ctx.sibling_stages.len()
                    ),
                    run,
                    vec![],
                ));
            }
        }
    }
    if f.run.status == Status::Open {
        let idle = opts.now.secs_since(f.last_commit);
        if f.last_commit.0 > 0 && idle > opts.stale_after_s {
            out.push(finding(
                "stale_run",
                Warning,
                format!(
                    "run is open but nothing was committed for {}",
                    format_duration(idle)
                ),
                run,
                vec![],
            ));
        }
    }
    // A run still writing has no final values: comparing its early losses is noise.
    if let Some(base) = ctx.baseline.filter(|_| f.run.status != Status::Open) {
        for s in &f.series {
            let dir = direction(&s.key, f.goals().get(&s.key).map(String::as_str));
            if dir == Direction::Unknown {
                continue;
            }
            let Some(b) = base
                .series
                .iter()
                .find(|b| b.key == s.key && b.stage == s.stage)
            else {
                continue;
            };
            let (Some(now), Some(was)) = (s.latest(), b.latest()) else {
                continue;
            };
            let worse = match dir {
                Direction::Lower => now - was,
                _ => was - now,
            };
            if was != 0.0 && worse / was.abs() > opts.regression_threshold {
                out.push(finding(
                    "metric_regression",
                    Warning,
                    format!(
                        "{}{} regressed {:+.1}% against {} ({:.4} → {:.4})",
                        s.key,
                        s.stage
                            .as_ref()
                            .map(|st| format!(" ({st})"))
                            .unwrap_or_default(),
                        (now - was) / was.abs() * 100.0,
                        base.run.name,
                        was,
                        now
                    ),
                    run,
                    vec![base.run.run_ref.to_string()],
                ));
            }
        }
    }
    for (aref, state) in &f.artifact_states {
        let (code, text) = match state {
            ArtifactState::Missing => ("artifact_missing", "its stored file is missing"),
            ArtifactState::Changed => (
                "artifact_changed",
                "its stored file no longer matches its hash",
            ),
            _ => continue,
        };
        out.push(finding(
            code,
            Error,
            format!("artifact {}: {text}", aref.last()),
            aref,
            vec![aref.to_string()],
        ));
    }
    for (subject, missing) in &f.dangling {
        out.push(finding(
            "dangling_ref",
            Error,
            format!("{subject} refers to {missing}, which does not exist"),
            subject,
            vec![missing.to_string()],
        ));
    }
    // One finding per run, however many records repeat a ref: a re-ingested run repeats
    // every one, and a million findings would bury the rest.
    let total = f.duplicate_count.max(f.duplicates.len());
    if let Some((rref, repeat, first)) = f.duplicates.first() {
        let summary = if total == 1 {
            format!(
                "record ref {} is used by records {first} and {repeat}",
                rref.last()
            )
        } else {
            let examples: Vec<String> = f
                .duplicates
                .iter()
                .map(|(r, rep, first)| format!("{}: records {first} and {rep}", r.last()))
                .collect();
            format!(
                "{total} records repeat an earlier record's ref ({}{})",
                examples.join("; "),
                if total > examples.len() { "; …" } else { "" }
            )
        };
        out.push(finding(
            "duplicate_record_ref",
            Warning,
            summary,
            run,
            f.duplicates.iter().map(|d| d.0.to_string()).collect(),
        ));
    }
    sort_findings(&mut out);
    out
}

/// Findings in the order every face lists them: the worst first, then by code.
pub fn sort_findings(out: &mut [Finding]) {
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
}
