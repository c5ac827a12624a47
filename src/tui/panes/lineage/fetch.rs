//! The lineage pane's query answered on the worker: the neighbourhood of a ref (as typed,
//! resolved here), laid out by `analysis::lineage`.
//!
//! Never touches state or the terminal.

use super::{LineagePane, Loaded, Query};
use crate::analysis::lineage::build;
use crate::query::{self, QueryError, Workspace};
use crate::tui::panes::Fetch;

impl Fetch for LineagePane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        let Query::Graph { root, depth } = q;
        let root = query::resolve_ref(ws, root)?;
        let (edges, missing) = query::lineage_edges(ws, &root, true, true, *depth)?;
        Ok(Loaded::Graph(Box::new(build(&root, &edges, &missing))))
    }
}
