//! Diagnosing a run: the one recipe behind `contexta diagnostics`, the explorer's diagnostics
//! pane and tree flags, and the snapshot report. The run's facts, its baseline (the project's
//! previous completed run unless the caller names one) and its completed siblings' stage names
//! feed `analysis::diagnostics`, so every face reports the same findings for the same run.

use super::investigate::{FactsOptions, previous_completed, run_facts, sibling_stages};
use super::resolve::QueryError;
use super::system::resource_use;
use crate::analysis::diagnostics::{
    DiagnosticsContext, DiagnosticsOptions, Finding, diagnose, sort_findings,
};
use crate::analysis::resources;
use crate::model::{Ref, RunFacts};
use crate::store::Workspace;

/// A run's findings with what they were drawn from, for callers that show or reuse it.
pub struct Diagnosis {
    /// The run's facts, read with the caller's `FactsOptions`.
    pub facts: RunFacts,
    /// The run compared against for regressions, if any.
    pub baseline: Option<RunFacts>,
    pub findings: Vec<Finding>,
}

/// Diagnoses `run`. `facts` says how its facts are read (re-hash artifacts, load points); the
/// baseline's facts are read plainly. `baseline` replaces the previous completed run.
pub fn diagnose_run(
    ws: &Workspace,
    run: &Ref,
    facts: FactsOptions,
    baseline: Option<&Ref>,
    opts: &DiagnosticsOptions,
) -> Result<Diagnosis, QueryError> {
    let facts = run_facts(ws, run, facts)?;
    let baseline_ref = match baseline {
        Some(b) => Some(b.clone()),
        None => previous_completed(ws, &facts.run)?,
    };
    let baseline = baseline_ref
        .map(|b| run_facts(ws, &b, FactsOptions::default()))
        .transpose()?;
    let ctx = DiagnosticsContext {
        sibling_stages: sibling_stages(ws, &facts.run)?,
        baseline: baseline.as_ref(),
    };
    let mut findings = diagnose(&facts, &ctx, opts);
    // The machine's findings (an idle GPU, memory near its limit) read the run's system
    // metrics' points, which the facts do not carry unless asked.
    findings.extend(resources::findings(
        &facts.run.run_ref,
        &resource_use(ws, &facts.run.run_ref)?,
    ));
    sort_findings(&mut findings);
    Ok(Diagnosis {
        facts,
        baseline,
        findings,
    })
}
