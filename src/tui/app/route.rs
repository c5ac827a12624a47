//! Routing of `Action`s. The app's own (quit, help, focus, prompts, jobs) are done here; the
//! rest go to the focused pane first and, unless they are about the focused pane's rows, then to
//! each other pane until one takes it (so `F` follows the records and `e` smooths the chart from
//! anywhere). An action nobody takes says why in the status line when it has a reason (a
//! disabled action is never silent).
//!
//! Pure: panes ask for queries; nothing here runs them.

use super::cmdline::{Prompt, PromptKind};
use super::{AppState, FlashLevel, Overlay, WsState};
use crate::tui::action::{Action, Focus, Motion, PaneId};
use crate::tui::effect::Effect;

impl AppState {
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Quit if self.hold_quit_for_job() => {}
            Action::Quit => {
                self.quit = true;
                self.out.push(Effect::Quit);
            }
            Action::Refresh => match self.ws {
                WsState::Ready => self.refresh_all(),
                _ => self.out.push(Effect::Open),
            },
            Action::Find => self.open_finder(),
            Action::Help => {
                self.overlay = match self.overlay {
                    Some(Overlay::Help { .. }) => None,
                    _ => Some(Overlay::Help { scroll: 0 }),
                };
            }
            Action::Back => self.back(),
            Action::Command => self.prompt = Some(Prompt::new(PromptKind::Command, "")),
            Action::Focus(f) => self.focus_to(f),
            Action::Select(m) => self.select(m),
            Action::Filter(None) => {
                let focus = self.shared.focus;
                match self.panes.get(focus).filter() {
                    Some(text) => {
                        self.prompt = Some(Prompt::new(PromptKind::Filter(focus), text));
                    }
                    None => self.flash(
                        FlashLevel::Warn,
                        format!("filter: the {} pane has nothing to filter", focus.name()),
                    ),
                }
            }
            Action::Filter(Some(text)) => self.set_filter(self.shared.focus, &text, true),
            Action::Report { render, path } => self.report(render, path),
            Action::Export(path) => self.export(path),
            Action::Backup(path) => self.backup(path),
            Action::Maximize => self.shared.maximized = !self.shared.maximized,
            Action::ToggleTree => {
                self.shared.tree_hidden = !self.shared.tree_hidden;
                if self.shared.tree_hidden && self.shared.focus == PaneId::Tree {
                    let main = self.shared.main;
                    self.focus_to(Focus::Pane(main));
                }
            }
            Action::Nop => {}
            other => self.route(other),
        }
    }

    /// The focused pane first; then, for actions not about its rows, every other pane.
    fn route(&mut self, action: Action) {
        let focus = self.shared.focus;
        if self.with(|p, cx| p.get_mut(focus).on_action(&action, true, cx)) {
            return;
        }
        if !action.is_focused_only() {
            for id in PaneId::ALL.iter().filter(|p| **p != focus) {
                if self.with(|p, cx| p.get_mut(*id).on_action(&action, false, cx)) {
                    return;
                }
            }
        }
        if let Some(why) = action.unavailable() {
            self.flash(FlashLevel::Warn, why);
        }
    }

    fn back(&mut self) {
        if self.overlay.take().is_some() {
            return;
        }
        let focus = self.shared.focus;
        if self
            .panes
            .get(focus)
            .filter()
            .is_some_and(|f| !f.is_empty())
        {
            return self.set_filter(focus, "", true);
        }
        if focus != PaneId::Tree {
            self.focus_to(Focus::Pane(PaneId::Tree));
        }
    }

    fn select(&mut self, m: Motion) {
        if let Some(overlay) = &mut self.overlay {
            let scroll = match overlay {
                Overlay::Help { scroll } | Overlay::Record { scroll, .. } => scroll,
                // The finder takes its keys before the keymap; nothing scrolls it.
                Overlay::Finder(_) => return,
            };
            *scroll = match m {
                Motion::Next => *scroll + 1,
                Motion::Prev => scroll.saturating_sub(1),
                Motion::PageDown => *scroll + 10,
                Motion::PageUp => scroll.saturating_sub(10),
                Motion::First => 0,
                Motion::Last => usize::MAX / 2,
            };
            return;
        }
        let focus = self.shared.focus;
        self.with(|p, cx| p.get_mut(focus).select(m, cx));
    }

    pub(super) fn set_filter(&mut self, pane: PaneId, text: &str, submitted: bool) {
        self.with(|p, cx| p.get_mut(pane).set_filter(text, submitted, cx));
    }
}
