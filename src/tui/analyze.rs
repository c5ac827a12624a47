//! The worker's answers to the investigation panes' queries: compare, diagnostics, tree flags,
//! lineage, project trends, record lookup, artifact search and artifact verification (hashing
//! is disk work). Each calls the CLI's recipe (`query::diagnose_run`, `query::compare_runs`,
//! `query::AnomalyScorer` and the same `crate::query` reads), run on the worker so render and
//! the reducer never wait on it.
//!
//! Never touches app state or the terminal; never reads the clock (`now` comes in the query).

use super::effect::{Compared, Payload, Query, RunFlags, Trend};
use crate::analysis::diagnostics::{DiagnosticsOptions, Finding};
use crate::analysis::direction::direction;
use crate::analysis::lineage::build;
use crate::model::{Ref, Timestamp};
use crate::query::{
    self, AnomalyScorer, DEFAULT_ANOMALY_THRESHOLD, FactsOptions, QueryError, RunFilter, Workspace,
};
use crate::recovery::verify::verify_artifact;
use std::collections::{BTreeMap, BTreeSet};

/// Other runs a tree flag needs: with fewer, a robust score on a handful of values flags
/// nearly every run (the anomaly pane and CLI still score them, with their baseline size).
const FLAG_MIN_BASELINE: usize = 5;
/// Runs listed at most for an artifact search.
const SEARCH_LIMIT: usize = 500;

/// `None` for queries this module does not answer.
pub fn answer(ws: &Workspace, q: &Query) -> Option<Result<Payload, QueryError>> {
    Some(match q {
        Query::Compare { runs } => compare_runs(ws, runs).map(Payload::Compared),
        Query::CompareSeries { lines, buckets } => {
            query::series_lines(ws, lines, None, *buckets).map(Payload::CompareSeries)
        }
        Query::Diagnose { run, now } => {
            findings(ws, run, *now, true).map(|f| Payload::Findings(run.clone(), f))
        }
        Query::Flags { runs, now } => flags(ws, runs, *now).map(Payload::Flags),
        Query::Lineage { root, depth } => query::resolve_ref(ws, root).and_then(|root| {
            let (edges, missing) = query::lineage_edges(ws, &root, true, true, *depth)?;
            Ok(Payload::Lineage(Box::new(build(&root, &edges, &missing))))
        }),
        Query::Verify { run, artifacts } => Ok(Payload::Verified(
            run.clone(),
            artifacts
                .iter()
                .map(|m| {
                    let state = verify_artifact(ws.root(), m)
                        .map(|c| c.state)
                        .map_err(|e| e.to_string());
                    (m.artifact_ref.clone(), state)
                })
                .collect(),
        )),
        Query::Trends { project } => {
            trends(ws, project).map(|t| Payload::Trends(project.clone(), t))
        }
        Query::Locate { record } => match query::record_seq(ws, record) {
            Ok(Some((run, seq))) => Ok(Payload::Located(run, seq)),
            Ok(None) => Err(QueryError::Invalid(format!("no record {record}"))),
            Err(e) => Err(e),
        },
        Query::Search { text } => query::runs_with_artifact(ws, text, SEARCH_LIMIT)
            .map(|hits| Payload::SearchHits(text.clone(), hits)),
        _ => return None,
    })
}

fn compare_runs(ws: &Workspace, runs: &[String]) -> Result<Compared, QueryError> {
    if runs.len() < 2 {
        return Err(QueryError::Invalid(
            "compare needs two runs or more".to_string(),
        ));
    }
    let refs = runs
        .iter()
        .map(|t| query::resolve_run(ws, t))
        .collect::<Result<Vec<Ref>, QueryError>>()?;
    Ok(match refs.as_slice() {
        [l, r] => Compared::Two(Box::new(
            query::compare_two_runs(ws, l, r, FactsOptions::default())?.comparison,
        )),
        many => Compared::Many(Box::new(query::compare_runs(ws, many)?)),
    })
}

/// The CLI's diagnostics (`query::diagnose_run`), at the explorer's clock.
fn findings(
    ws: &Workspace,
    run: &Ref,
    now: Timestamp,
    verify: bool,
) -> Result<Vec<Finding>, QueryError> {
    let facts = FactsOptions {
        verify_artifacts: verify,
        points: false,
    };
    let opts = DiagnosticsOptions {
        now,
        ..Default::default()
    };
    Ok(query::diagnose_run(ws, run, facts, None, &opts)?.findings)
}

/// Flags for the tree. Artifacts are not re-hashed here (the diagnostics pane does that for the
/// run it shows): flagging every run must stay cheap.
fn flags(ws: &Workspace, runs: &[(Ref, u64)], now: Timestamp) -> Result<Vec<RunFlags>, QueryError> {
    // Each (project, key) population is read once per request.
    let mut scorer = AnomalyScorer::new(ws, DEFAULT_ANOMALY_THRESHOLD);
    let mut out = Vec::with_capacity(runs.len());
    for (run, generation) in runs {
        let found = match findings(ws, run, now, false) {
            Ok(f) => f,
            // Gone since the tree was read: no flags (answered, so it is not asked again).
            Err(QueryError::NoRun { .. }) => {
                out.push(RunFlags {
                    run: run.clone(),
                    generation: *generation,
                    worst: None,
                    anomalies: vec![],
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let worst = found.iter().map(|f| f.severity).max();
        let mut anomalies = Vec::new();
        // A run still writing has no final values yet: its early losses are not anomalies.
        let open = query::run_status(ws, run)? == Some(crate::model::Status::Open);
        let project = if open { None } else { run.project_ref() };
        if let Some(p) = &project {
            let mut latest: BTreeMap<String, f64> = BTreeMap::new();
            for m in query::metric_list(ws, run)? {
                latest.insert(m.key, m.last);
            }
            for (key, actual) in latest {
                let scored = scorer.score(run, p.value(), &key, actual)?;
                if scored.baseline_runs >= FLAG_MIN_BASELINE
                    && scored.anomaly.is_some_and(|a| a.severity == "error")
                {
                    anomalies.push(key);
                }
            }
        }
        out.push(RunFlags {
            run: run.clone(),
            generation: *generation,
            worst,
            anomalies,
        });
    }
    Ok(out)
}

fn trends(ws: &Workspace, project: &Ref) -> Result<Vec<Trend>, QueryError> {
    let filter = RunFilter {
        project: Some(project.value().to_string()),
        ..Default::default()
    };
    let mut rows = query::list_run_rows(ws, &filter)?;
    rows.sort_by(|a, b| (a.started_at, &a.run_ref).cmp(&(b.started_at, &b.run_ref)));
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for r in &rows {
        keys.extend(
            query::metric_list(ws, &r.run_ref)?
                .into_iter()
                .map(|m| m.key),
        );
    }
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let by_run: BTreeMap<Ref, Option<f64>> =
            query::metric_across_runs(ws, &filter, &key, None)?
                .into_iter()
                .map(|(row, v)| (row.run_ref, v))
                .collect();
        let values = rows
            .iter()
            .map(|r| (r.name.clone(), by_run.get(&r.run_ref).copied().flatten()))
            .collect();
        out.push(Trend {
            direction: direction(&key, None),
            key,
            values,
        });
    }
    Ok(out)
}
