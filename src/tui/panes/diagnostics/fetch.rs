//! The diagnostics pane's query answered on the worker: the CLI's recipe
//! (`query::diagnose_run`) at the explorer's clock, artifacts re-hashed.
//!
//! Never touches state or the terminal; never reads the clock (`now` comes in the query).

use super::{DiagnosticsPane, Loaded, Query};
use crate::analysis::diagnostics::DiagnosticsOptions;
use crate::query::{self, FactsOptions, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for DiagnosticsPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        let Query::Diagnose { run, now } = q;
        let facts = FactsOptions {
            verify_artifacts: true,
            points: false,
        };
        let opts = DiagnosticsOptions {
            now: *now,
            ..Default::default()
        };
        let found = query::diagnose_run(ws, run, facts, None, &opts)?.findings;
        Ok(Loaded::Findings(run.clone(), found))
    }
}
