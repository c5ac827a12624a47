//! What panes ask of the app (`Intent`), and moving between panes: focusing (`Tab`, number
//! keys), showing a pane as the main one, and jumping to an entity's own view (a record in the
//! stream, a stage in the tree, a run or artifact in the overview) from a finding or the
//! lineage.
//!
//! Pure: panes ask for queries; nothing here runs them.

use super::{AppState, FlashLevel};
use crate::model::Ref;
use crate::tui::action::{Focus, PaneId};
use crate::tui::context::Intent;
use crate::tui::panes::stream;

impl AppState {
    pub(super) fn on_intent(&mut self, intent: Intent) {
        match intent {
            Intent::SelectionChanged => self.selection_changed(),
            Intent::ClearRun => self.set_run(None),
            Intent::MarksChanged => self.each(|p, cx| p.on_marks(cx)),
            Intent::CatalogChanged => self.each(|p, cx| p.on_catalog(cx)),
            Intent::Show(pane) => {
                self.show(pane);
                self.sync_panes(false);
            }
            Intent::JumpTo(target) => self.jump_to(target),
            Intent::ShowRecord(run, seq) => {
                self.with(|p, cx| p.tree.select_node(run.clone(), cx));
                self.show(PaneId::Stream);
                self.with(|p, cx| p.stream.show_record(run, seq, cx));
            }
            Intent::ConsoleAtFailure(run, record) => {
                self.with(|p, cx| p.tree.select_node(run.clone(), cx));
                self.show(PaneId::Console);
                self.with(|p, cx| p.console.show_failure(run, record, cx));
            }
            Intent::Overlay(o) => self.overlay = Some(o),
            Intent::Copy { what, text } => self.copy(what, &text),
            Intent::External(e) => self.out.push(crate::tui::effect::Effect::External(e)),
        }
    }

    /// Shows `pane` as the main pane and focuses it.
    pub(super) fn show(&mut self, pane: PaneId) {
        self.shared.focus = pane;
        if pane != PaneId::Tree {
            self.shared.main = pane;
        }
        self.clamp_views();
    }

    pub(super) fn focus_to(&mut self, f: Focus) {
        let cycle: Vec<PaneId> = PaneId::cycle().collect();
        let focus = self.shared.focus;
        let idx = cycle.iter().position(|p| *p == focus).unwrap_or(0);
        let next = match f {
            Focus::Next => cycle[(idx + 1) % cycle.len()],
            Focus::Prev => cycle[(idx + cycle.len() - 1) % cycle.len()],
            Focus::Pane(p) => p,
        };
        self.show(next);
        self.with(|p, cx| p.get_mut(next).on_focus(cx));
        self.sync_panes(false);
    }

    /// Goes to an entity's own view: a record in the stream, a stage or batch in the tree, a
    /// run or artifact in the overview.
    pub(super) fn jump_to(&mut self, target: Ref) {
        match target.kind() {
            "record" => self.with(|_, cx| cx.ask(stream::Query::Locate { record: target })),
            "stage" | "batch" | "op" | "sample" => {
                self.show(PaneId::Tree);
                self.with(|p, cx| p.tree.select_node(target, cx));
            }
            "run" => {
                self.with(|p, cx| p.tree.select_node(target, cx));
                self.show(PaneId::Overview);
                self.sync_panes(false);
            }
            "artifact" | "environment" => {
                let Some(run) = target.run_ref() else {
                    return;
                };
                self.with(|p, cx| p.tree.select_node(run, cx));
                self.show(PaneId::Overview);
                self.sync_panes(false);
                self.panes.overview.highlight = (target.kind() == "artifact").then_some(target);
            }
            other => self.flash(
                FlashLevel::Warn,
                format!("jump: a {other} has no view of its own (try the lineage, 7)"),
            ),
        }
    }
}
