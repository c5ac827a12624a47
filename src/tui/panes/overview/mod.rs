//! The run overview pane: status and timing, counts, a stage timeline, params, provenance,
//! artifacts with their verification state, and the last problem, for the shown run. When a
//! run's detail arrives, its artifacts not yet checked go to the worker (size, then SHA-256
//! against the manifest); the answers are cached per run until `:refresh`, so moving back and
//! forth between runs never hashes twice.
//!
//! Pure: returns queries through `Cx`; the worker reads and hashes (`fetch.rs`).

mod fetch;
mod view;
mod view_artifacts;

use super::{Info, Pane, PaneKind, Place};
use crate::model::{ArtifactManifest, Ref};
use crate::query::RunDetail;
use crate::tui::action::PaneId;
use crate::tui::context::{Cx, Load};
use crate::tui::effect::{Lane, Priority};
use std::collections::BTreeMap;

/// An artifact body checked against its manifest: a state, or why it could not be read.
pub type Verdict = Result<crate::recovery::verify::ArtifactState, String>;

#[derive(Clone, Debug, Default)]
pub struct OverviewPane {
    pub run: Option<Ref>,
    pub load: Load,
    pub detail: Option<Box<RunDetail>>,
    pub scroll: usize,
    /// An artifact to highlight (a jump from a finding's evidence).
    pub highlight: Option<Ref>,
    /// Verification state per run, then per artifact; filled by the worker, kept until
    /// `:refresh` (hashing is disk work, done once per artifact).
    pub verified: BTreeMap<Ref, BTreeMap<Ref, Verdict>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    Detail {
        run: Ref,
    },
    /// Check a run's artifact bodies against their manifests (size, then SHA-256).
    Verify {
        run: Ref,
        artifacts: Vec<ArtifactManifest>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Detail(Box<RunDetail>),
    /// Each artifact's verification state.
    Verified(Ref, Vec<(Ref, Verdict)>),
}

impl OverviewPane {
    /// Asks to verify the shown run's artifacts that have no cached state.
    fn verify_artifacts(&mut self, cx: &mut Cx<'_>) {
        let Some(d) = &self.detail else {
            return;
        };
        let run = d.info.run.run_ref.clone();
        let cached = self.verified.get(&run);
        let artifacts: Vec<_> = d
            .artifacts
            .iter()
            .filter(|a| !cached.is_some_and(|c| c.contains_key(&a.artifact_ref)))
            .cloned()
            .collect();
        if !artifacts.is_empty() {
            cx.ask(Query::Verify { run, artifacts });
        }
    }

    /// The cached state of one of the shown run's artifacts (`None`: not checked yet).
    pub fn artifact_verdict(&self, artifact: &Ref) -> Option<&Verdict> {
        let run = self.run.as_ref()?;
        self.verified.get(run)?.get(artifact)
    }
}

impl Pane for OverviewPane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        let run = cx.shared.run.clone();
        if !cx.shared.visible(PaneId::Overview) || !(force || self.run != run) {
            return;
        }
        if self.run != run {
            self.highlight = None;
        }
        self.run = run.clone();
        self.scroll = 0;
        self.load = if run.is_some() {
            Load::Loading
        } else {
            Load::Idle
        };
        if self.detail.as_ref().map(|d| &d.info.run.run_ref) != run.as_ref() {
            self.detail = None;
        }
        if let Some(run) = run {
            cx.ask(Query::Detail { run });
        }
    }

    fn refresh(&mut self, cx: &mut Cx<'_>) {
        // Bodies may have changed on disk without a commit: hash them again.
        self.verified.clear();
        self.sync(cx, true);
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if let Some(run) = cx.shared.run.clone()
            && cx.shared.visible(PaneId::Overview)
            && self.run.as_ref() == Some(&run)
        {
            cx.ask(Query::Detail { run });
        }
    }

    fn move_by(&mut self, delta: isize, _cx: &mut Cx<'_>) {
        let s = self.scroll as isize;
        self.scroll = s.saturating_add(delta).clamp(0, 10_000) as usize;
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        if lane == "detail" {
            self.load = Load::Failed(message.to_string());
        }
    }
}

impl PaneKind for OverviewPane {
    const INFO: Info = Info {
        name: "overview",
        aliases: &[],
        title: "Overview",
        help: "Overview",
        place: Place::Summary,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(q: &Query) -> Lane {
        match q {
            Query::Detail { .. } => Lane::new(Priority::View, "detail"),
            Query::Verify { .. } => Lane::new(Priority::Background, "verify"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        match loaded {
            Loaded::Detail(d) => {
                if self.run.as_ref() == Some(&d.info.run.run_ref) {
                    self.detail = Some(d);
                    self.load = Load::Ready;
                    self.verify_artifacts(cx);
                }
            }
            Loaded::Verified(run, states) => {
                self.verified.entry(run).or_default().extend(states);
            }
        }
    }
}
