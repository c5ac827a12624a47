//! The overview's queries answered on the worker: a run's detail, and its artifact bodies
//! verified against their manifests (hashing is disk work, so it never runs on the loop).
//!
//! Never touches state or the terminal.

use super::{Loaded, OverviewPane, Query};
use crate::query::{self, QueryError, Workspace};
use crate::recovery::verify::verify_artifact;
use crate::tui::panes::Fetch;

impl Fetch for OverviewPane {
    fn answer(ws: &Workspace, q: &Query) -> Result<Loaded, QueryError> {
        match q {
            Query::Detail { run } => {
                query::run_detail(ws, run).map(|d| Loaded::Detail(Box::new(d)))
            }
            Query::Verify { run, artifacts } => Ok(Loaded::Verified(
                run.clone(),
                artifacts
                    .iter()
                    .map(|m| {
                        let state = verify_artifact(ws.root(), m)
                            .map(|c| c.state)
                            .map_err(|e| e.to_string());
                        (m.artifact_ref.clone(), state)
                    })
                    .collect(),
            )),
        }
    }
}
