//! Lineage, the project view, tree flags and artifact search in the reducer: centring the
//! navigator (on the tree selection, a typed ref, or a neighbour), jumping to an entity's own
//! view, loading a project's trends, and asking the worker for flags of runs that changed.
//!
//! Pure: returns effects.

use super::diagnostics::stale_flags;
use super::lineage::DEPTH;
use super::{AppState, FlashLevel};
use crate::model::Ref;
use crate::tui::action::PaneId;
use crate::tui::effect::{Effect, Query, RunFlags, Slot};

impl AppState {
    /// Opens the navigator on `text`, or on the tree selection (the current run when none).
    pub(super) fn open_lineage(&mut self, text: Option<String>) -> Vec<Effect> {
        let origin = self.tree.selected.clone().or_else(|| self.run.clone());
        let root = match text.or_else(|| origin.as_ref().map(|r| r.to_string())) {
            Some(r) => r,
            None => {
                self.flash(FlashLevel::Warn, "lineage: select something in the tree");
                return vec![];
            }
        };
        self.lineage.start(root.clone(), origin);
        self.show(PaneId::Lineage);
        let mut fx = vec![self.requests.issue(Query::Lineage { root, depth: DEPTH })];
        fx.extend(self.load_panes(false));
        fx
    }

    /// Focusing the navigator re-centres it when the tree selection moved since it was opened.
    pub(super) fn lineage_on_focus(&mut self) -> Vec<Effect> {
        let origin = self.tree.selected.clone().or_else(|| self.run.clone());
        if self.lineage.root.is_some() && self.lineage.origin == origin {
            return vec![];
        }
        self.open_lineage(None)
    }

    /// `Enter`: the selected neighbour becomes the focus.
    pub(super) fn lineage_recentre(&mut self) -> Vec<Effect> {
        let Some(next) = self.lineage.selected_ref() else {
            self.flash(FlashLevel::Warn, "lineage: no neighbour selected");
            return vec![];
        };
        let origin = self.lineage.origin.clone();
        self.lineage.start(next.clone(), origin);
        vec![self.requests.issue(Query::Lineage {
            root: next,
            depth: DEPTH,
        })]
    }

    /// `o`: the selected neighbour's (or the focus's) own view. A deployment opens the run
    /// that made it (from the graph's run → deployment edge).
    pub(super) fn lineage_jump(&mut self) -> Vec<Effect> {
        let Some(g) = &self.lineage.graph else {
            return vec![];
        };
        let text = self
            .lineage
            .selected_ref()
            .unwrap_or_else(|| g.root.clone());
        let Ok(target) = Ref::parse(&text) else {
            return vec![];
        };
        let target = match target.kind() {
            "deployment" => g
                .edges
                .iter()
                .filter(|e| e.to == text)
                .find_map(|e| Ref::parse(&e.from).ok().filter(|r| r.kind() == "run"))
                .unwrap_or(target),
            _ => target,
        };
        if !self.lineage.graph.as_ref().is_some_and(|g| {
            g.nodes
                .iter()
                .any(|n| n.node_ref == target.as_str() && n.exists)
        }) {
            self.flash(FlashLevel::Warn, format!("jump: {target} does not exist"));
            return vec![];
        }
        self.jump_to(target)
    }

    /// The project the project view is about: the tree selection's project.
    fn selected_project(&self) -> Option<Ref> {
        let sel = self.tree.selected.as_ref().or(self.run.as_ref())?;
        if sel.kind() == "project" {
            Some(sel.clone())
        } else {
            sel.project_ref()
        }
    }

    pub(super) fn load_project(&mut self, force: bool) -> Vec<Effect> {
        if !self.visible(PaneId::Project) {
            return vec![];
        }
        let p = self.selected_project();
        if !force && self.project.project == p {
            return vec![];
        }
        if self.project.project != p {
            self.project.reset(p.clone());
        }
        match p {
            Some(project) => vec![self.requests.issue(Query::Trends { project })],
            None => vec![],
        }
    }

    /// Flags of runs near the tree's viewport whose generation moved (a chunk at a time; the
    /// answer asks for more, and so does scrolling the tree).
    pub(super) fn request_flags(&mut self) -> Vec<Effect> {
        // One chunk at a time: its answer asks for the next (for where the tree is then).
        if self.requests.latest.contains_key(&Slot::Flags) {
            return vec![];
        }
        let runs = stale_flags(&self.tree, self.pane_height(PaneId::Tree));
        if runs.is_empty() {
            return vec![];
        }
        vec![self.requests.issue(Query::Flags {
            runs,
            now: self.now,
        })]
    }

    pub(super) fn apply_flags(&mut self, flags: Vec<RunFlags>) -> Vec<Effect> {
        for f in flags {
            self.tree.flags.insert(f.run.clone(), f);
        }
        self.request_flags()
    }

    /// The tree filter also matches runs by their artifacts: ask which runs have one matching.
    pub(super) fn search_artifacts(&mut self, text: &str) -> Vec<Effect> {
        if text.trim().is_empty() {
            self.tree.artifact_hits = None;
            return vec![];
        }
        vec![self.requests.issue(Query::Search {
            text: text.to_lowercase(),
        })]
    }

    pub(super) fn apply_search(&mut self, text: String, hits: Vec<Ref>) -> Vec<Effect> {
        if text != self.tree.filter.to_lowercase() {
            return vec![];
        }
        self.tree.artifact_hits = Some((self.tree.filter.clone(), hits.into_iter().collect()));
        self.tree.keep_selection_visible();
        self.clamp_views();
        self.tree_selection_changed()
    }
}
