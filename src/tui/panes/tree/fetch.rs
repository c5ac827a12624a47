//! The tree's queries answered on the worker: the run list, a run's outline, `:run` text
//! resolved, flags of runs (the CLI's diagnostics recipe and anomaly scorer), and runs whose
//! artifacts match the filter.
//!
//! Never touches state or the terminal; never reads the clock (`now` comes in the query).

use super::{Loaded, Query, RunFlags, TreePane};
use crate::analysis::diagnostics::DiagnosticsOptions;
use crate::analysis::resources::RESOURCE_CODES;
use crate::model::{Ref, Timestamp};
use crate::query::{
    self, AnomalyScorer, DEFAULT_ANOMALY_THRESHOLD, FactsOptions, QueryError, Workspace,
};
use crate::tui::panes::Fetch;
use std::collections::BTreeMap;

/// Other runs a tree flag needs: with fewer, a robust score on a handful of values flags
/// nearly every run (the anomaly pane and CLI still score them, with their baseline size).
const FLAG_MIN_BASELINE: usize = 5;
/// Runs listed at most for an artifact search.
const SEARCH_LIMIT: usize = 500;

impl Fetch for TreePane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Catalog => query::workspace_tree(ws).map(Loaded::Catalog),
            Query::Outline { run } => {
                query::run_outline(ws, run).map(|o| Loaded::Outline(run.clone(), o))
            }
            Query::Resolve { text } => query::resolve_run(ws, text).map(Loaded::Resolved),
            Query::Flags { runs, now } => flags(ws, runs, *now).map(Loaded::Flags),
            Query::Search { text } => query::runs_with_artifact(ws, text, SEARCH_LIMIT)
                .map(|hits| Loaded::SearchHits(text.clone(), hits)),
            Query::Latest { runs } => query::latest_metrics(ws, runs).map(Loaded::Latest),
        }
    }
}

/// Flags for the tree: the CLI's diagnostics (`query::diagnose_run`) at the explorer's clock.
/// Artifacts are not re-hashed here (the diagnostics pane does that for the run it shows):
/// flagging every run must stay cheap.
fn flags(ws: &Workspace, runs: &[(Ref, u64)], now: Timestamp) -> Result<Vec<RunFlags>, QueryError> {
    // Each (project, key) population is read once per request.
    let mut scorer = AnomalyScorer::new(ws, DEFAULT_ANOMALY_THRESHOLD);
    let facts = FactsOptions {
        verify_artifacts: false,
        points: false,
    };
    let opts = DiagnosticsOptions {
        now,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(runs.len());
    for (run, generation) in runs {
        let found = match query::diagnose_run(ws, run, facts, None, &opts) {
            Ok(d) => d.findings,
            // Gone since the tree was read: no flags (answered, so it is not asked again).
            Err(QueryError::NoRun { .. }) => {
                out.push(RunFlags {
                    run: run.clone(),
                    generation: *generation,
                    worst: None,
                    anomalies: vec![],
                    resources: vec![],
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let worst = found.iter().map(|f| f.severity).max();
        let resources = found
            .iter()
            .filter(|f| RESOURCE_CODES.contains(&f.code.as_str()))
            .map(|f| f.summary.clone())
            .collect();
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
            resources,
        });
    }
    Ok(out)
}
