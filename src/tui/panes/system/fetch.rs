//! The system pane's query answered on the worker: the run's `system.*` series as charts
//! (`query::system_charts`), downsampled to a chart's width.
//!
//! Never touches state or the terminal.

use super::{Loaded, Query, SystemPane};
use crate::query::{self, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for SystemPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        let Query::Charts { run, buckets } = q;
        query::system_charts(ws, run, *buckets).map(|c| Loaded::Charts(run.clone(), c))
    }
}
