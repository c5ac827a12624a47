//! The stream's queries answered on the worker: a page of records around an anchor, and where
//! a record is (for a jump from a finding).
//!
//! Never touches state or the terminal.

use super::{Loaded, Query, StreamPane};
use crate::query::{self, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for StreamPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Records {
                run,
                filter,
                anchor,
                limit,
            } => query::records_page(ws, run, filter, *anchor, *limit).map(|page| {
                Loaded::Records {
                    anchor: *anchor,
                    page,
                }
            }),
            Query::Locate { record } => match query::record_seq(ws, record) {
                Ok(Some((run, seq))) => Ok(Loaded::Located(run, seq)),
                Ok(None) => Err(QueryError::Invalid(format!("no record {record}"))),
                Err(e) => Err(e),
            },
        }
    }
}
