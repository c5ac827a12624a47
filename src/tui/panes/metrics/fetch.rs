//! The metrics pane's queries answered on the worker: the key list, and the grid's and the
//! full-size chart's lines, cut to their x range and reduced to their width.
//!
//! Never touches state or the terminal.

use super::{Loaded, MetricsPane, Query};
use crate::query::{self, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for MetricsPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Keys { run } => query::metric_list(ws, run).map(Loaded::Keys),
            Query::Grid { lines, ask } => query::series_lines(ws, lines, ask).map(Loaded::Grid),
            Query::Series {
                lines,
                ask,
                rank: None,
            } => query::series_lines(ws, lines, ask).map(Loaded::Series),
            Query::Series {
                lines,
                ask,
                rank: Some(split),
            } => query::series_lines_split(ws, lines, ask, split).map(Loaded::Series),
            Query::Ranks { run } => query::run_ranks(ws, run).map(Loaded::Ranks),
        }
    }
}
