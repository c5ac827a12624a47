//! The project pane's query answered on the worker: each metric key's value across the
//! project's runs (oldest first), with the direction that is better for the key.
//!
//! Never touches state or the terminal.

use super::{Loaded, ProjectPane, Query, Trend};
use crate::analysis::direction::direction;
use crate::model::Ref;
use crate::query::{self, QueryError, RunFilter, Workspace};
use crate::tui::panes::Fetch;
use std::collections::{BTreeMap, BTreeSet};

impl Fetch for ProjectPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        let Query::Trends { project } = q;
        trends(ws, project).map(|(runs, t)| Loaded::Trends(project.clone(), runs, t))
    }
}

type Runs = Vec<(Ref, String)>;

fn trends(ws: &Workspace, project: &Ref) -> Result<(Runs, Vec<Trend>), QueryError> {
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
    let runs = rows.into_iter().map(|r| (r.run_ref, r.name)).collect();
    Ok((runs, out))
}
