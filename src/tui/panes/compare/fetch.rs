//! The compare pane's queries answered on the worker: the CLI's comparison recipes
//! (`query::compare_two_runs`, `query::compare_runs`), and the overlay chart's series.
//!
//! Never touches state or the terminal.

use super::{ComparePane, Compared, Loaded, Query};
use crate::model::Ref;
use crate::query::{self, FactsOptions, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for ComparePane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Compare { runs } => compare_runs(ws, runs).map(Loaded::Compared),
            Query::Series { lines, buckets } => {
                query::series_lines(
                    ws,
                    lines,
                    &query::ChartAsk {
                        columns: *buckets * 2,
                        ..query::ChartAsk::default()
                    },
                ).map(Loaded::Series)
            }
        }
    }
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
