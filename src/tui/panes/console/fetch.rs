//! The console's queries answered on the worker: a window of lines, the live tail, a search of
//! the whole console, and the lines around a failure.
//!
//! Never touches state or the terminal.

use super::{ConsolePane, Loaded, Query, SEARCH_LIMIT};
use crate::query::console::{self, ConsoleView};
use crate::query::{QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for ConsolePane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Window { run, range } => {
                console::lines(ws, run, range.clone()).map(|v| Loaded::Lines(run.clone(), v))
            }
            Query::Live { run, from, max } => {
                console::since(ws, run, *from, *max).map(|v| Loaded::Lines(run.clone(), v))
            }
            Query::Search { run, needle } => console::search(ws, run, needle, 0, SEARCH_LIMIT)
                .map(|hits| Loaded::Matches(run.clone(), needle.clone(), hits)),
            Query::Failure {
                run,
                record,
                height,
            } => {
                let point = console::failure_point(ws, run, record.as_ref())?;
                let view = match point {
                    // The failure's line at the bottom of the view, a screen either side.
                    Some(p) => {
                        let end = p.line + 1;
                        console::lines(
                            ws,
                            run,
                            end.saturating_sub(height * 2)..end.saturating_add(*height),
                        )?
                    }
                    None => ConsoleView::default(),
                };
                Ok(Loaded::Failure(run.clone(), point, view))
            }
        }
    }
}
