//! The overview's artifact verification: when a run's detail arrives, the artifacts not yet
//! checked go to the worker (size, then SHA-256 against the manifest); the answers are cached
//! per run until `:refresh`, so moving back and forth between runs never hashes twice.
//!
//! Pure: returns effects; the worker hashes.

use super::AppState;
use crate::model::Ref;
use crate::tui::effect::{Effect, Query, Verdict};

impl AppState {
    /// Asks to verify the overview run's artifacts that have no cached state.
    pub(super) fn verify_artifacts(&mut self) -> Vec<Effect> {
        let Some(d) = &self.overview.detail else {
            return vec![];
        };
        let run = d.info.run.run_ref.clone();
        let cached = self.overview.verified.get(&run);
        let artifacts: Vec<_> = d
            .artifacts
            .iter()
            .filter(|a| !cached.is_some_and(|c| c.contains_key(&a.artifact_ref)))
            .cloned()
            .collect();
        if artifacts.is_empty() {
            return vec![];
        }
        vec![self.requests.issue(Query::Verify { run, artifacts })]
    }

    pub(super) fn apply_verified(&mut self, run: Ref, states: Vec<(Ref, Verdict)>) {
        self.overview
            .verified
            .entry(run)
            .or_default()
            .extend(states);
    }

    /// The cached state of one of the overview run's artifacts (`None`: not checked yet).
    pub fn artifact_verdict(&self, artifact: &Ref) -> Option<&Verdict> {
        let run = self.overview.run.as_ref()?;
        self.overview.verified.get(run)?.get(artifact)
    }
}
