//! The metrics pane's queries answered on the worker: the key list, sparklines and chart
//! series, downsampled to the widths asked for.
//!
//! Never touches state or the terminal.

use super::{Loaded, MetricsPane, Query};
use crate::query::{self, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for MetricsPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Keys { run } => query::metric_list(ws, run).map(Loaded::Keys),
            Query::Sparklines { run, keys, buckets } => {
                query::sparklines(ws, run, keys, *buckets).map(Loaded::Sparklines)
            }
            Query::Series {
                lines,
                last_n,
                buckets,
            } => query::series_lines(ws, lines, *last_n, *buckets).map(Loaded::Series),
        }
    }
}
