//! Loading: everything visible from scratch (start, `:refresh`, workspace back), what is visible
//! and live after a workspace change, what is stale after the selection changed, and results
//! handed to the pane that asked (stale ones dropped by request id).
//!
//! Pure like the rest of `app`: panes ask for queries through `Cx`; nothing here runs them.

use super::{AppState, FlashLevel};
use crate::model::Ref;
use crate::tui::effect::{LoadError, Loaded};

impl AppState {
    /// Everything visible, from scratch (start, `:refresh`, workspace back).
    pub(super) fn refresh_all(&mut self) {
        self.each(|p, cx| p.refresh(cx));
    }

    /// After a workspace change: the run list, and what the visible panes show live.
    pub(super) fn refresh_live(&mut self) {
        self.each(|p, cx| p.on_changed(cx));
    }

    /// Loads what visible panes show when it is for another run (or everything, if `force`).
    pub(super) fn sync_panes(&mut self, force: bool) {
        self.each(|p, cx| p.sync(cx, force));
    }

    /// Makes `run` the one the panes show.
    pub(super) fn set_run(&mut self, run: Option<Ref>) {
        if run == self.shared.run {
            return;
        }
        self.shared.run = run;
        self.sync_panes(false);
    }

    /// The tree selection changed: a node inside a run shows that run (a project row keeps the
    /// run shown), and whatever depends on the selection is loaded.
    pub(super) fn selection_changed(&mut self) {
        if let Some(run) = self.shared.selected.as_ref().and_then(|n| n.run_ref()) {
            self.set_run(Some(run));
        }
        self.sync_panes(false);
    }

    pub(super) fn on_loaded(&mut self, loaded: Loaded) {
        if !self.requests.accept(&loaded) {
            return;
        }
        match loaded.result {
            Ok(payload) => self.with(|p, cx| p.on_loaded(payload, cx)),
            Err(LoadError::Workspace(p)) => self.on_problem(p),
            Err(LoadError::Query(msg)) => {
                let slot = loaded.slot;
                self.panes.get_mut(slot.pane).on_failed(slot.lane, &msg);
                self.flash(FlashLevel::Error, msg);
            }
        }
    }
}
