//! Routing of `Action`s. The app's own (quit, help, focus, prompts, jobs) are done here; the
//! rest go to the focused pane first and, unless they are about the focused pane's rows, then to
//! each other pane until one takes it (so `F` follows the records and `e` smooths the chart from
//! anywhere). An action nobody takes says why in the status line when it has a reason (a
//! disabled action is never silent).
//!
//! Pure: panes ask for queries; nothing here runs them.

use super::cmdline::{Prompt, PromptKind};
use super::{AppState, FlashLevel, Overlay, WsState};
use crate::sanitize::sanitize;
use crate::tui::action::{Action, Focus, Motion, PaneId};
use crate::tui::clipboard::{MAX_COPY_BYTES, clean_copy, osc52, size_label};
use crate::tui::context::{Detail, External};
use crate::tui::effect::Effect;
use crate::tui::wrapping::SCROLL_WHILE_WRAPPED;

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
            Action::ToggleWrap
            | Action::HScroll(_)
            | Action::Copy
            | Action::OpenExternal
            | Action::Detail
                if self.overlay.is_some() =>
            {
                self.on_overlay_action(&action)
            }
            Action::OpenExternal => {
                let focus = self.shared.focus;
                if !self.with(|p, cx| p.get_mut(focus).on_action(&action, true, cx)) {
                    self.open_written();
                }
            }
            other => self.route(other),
        }
    }

    /// Wrap, scroll, copy and page act on the detail overlay while it is open (the help has
    /// nothing to copy or wrap).
    fn on_overlay_action(&mut self, action: &Action) {
        let Some(Overlay::Detail(d)) = &mut self.overlay else {
            return;
        };
        match action {
            Action::ToggleWrap => d.view.toggle_wrap(),
            Action::HScroll(right) if !d.view.scroll(*right) => {
                self.flash(FlashLevel::Warn, SCROLL_WHILE_WRAPPED)
            }
            Action::Copy => {
                let (what, text) = (d.copy_what, d.copy.clone());
                self.copy(what, &text);
            }
            Action::OpenExternal => {
                let text = d.lines.join("\n") + "\n";
                self.out.push(Effect::External(External::Pager { text }));
            }
            _ => {}
        }
    }

    /// Copies `text` through OSC 52 and says what and how much; text too large for a terminal's
    /// clipboard is refused with where to read it instead.
    pub(super) fn copy(&mut self, what: &str, text: &str) {
        let size = clean_copy(text).len();
        if size > MAX_COPY_BYTES {
            self.flash(
                FlashLevel::Warn,
                format!(
                    "copy: the {what} is {}, more than a terminal's clipboard takes (o opens it in $PAGER)",
                    size_label(size)
                ),
            );
            return;
        }
        self.out.push(Effect::Terminal(osc52(text)));
        let shown = if text.contains('\n') || text.chars().count() > 60 {
            String::new()
        } else {
            format!(" {}", sanitize(text))
        };
        self.flash(
            FlashLevel::Info,
            format!(
                "copied {what}{shown} ({}) to the clipboard",
                size_label(size)
            ),
        );
    }

    /// `o` where no pane opens anything: the last report written, in a browser.
    fn open_written(&mut self) {
        match self.last_report.clone() {
            Some(path) => {
                let name = sanitize(&path.display().to_string()).into_owned();
                self.out.push(Effect::External(External::Browser { path }));
                self.flash(FlashLevel::Info, format!("opening {name}"));
            }
            None => self.flash(
                FlashLevel::Warn,
                "open: no report written yet (R writes one; o then opens it)",
            ),
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
        // `y` where the pane has no row of its own to copy: the tree's selection (a run, a
        // stage, a project), which is what the overview, metrics and compare show.
        if action == Action::Copy
            && let Some(sel) = self.shared.selected.clone()
        {
            let what = match sel.kind() {
                "run" => "run ref",
                "project" => "project ref",
                _ => "ref",
            };
            return self.copy(what, sel.as_str());
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
        // A pane with a view of its own to leave (the metrics' full-size chart) goes back first.
        if self.with(|p, cx| p.get_mut(focus).on_action(&Action::Back, true, cx)) {
            return;
        }
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
            // The detail view knows how far it scrolls (so `G` then `k` moves at once); the
            // help is clamped where it is drawn.
            let (scroll, max, page) = match overlay {
                Overlay::Help { scroll } => (scroll, usize::MAX / 2, 10),
                // The finder takes its keys before the keymap; nothing scrolls it.
                Overlay::Finder(_) => return,
                Overlay::Detail(d) => {
                    let max = d.max_scroll(self.shared.size);
                    let page = Detail::page(self.shared.size).1.max(1);
                    (&mut d.scroll, max, page)
                }
            };
            *scroll = match m {
                Motion::Next => *scroll + 1,
                Motion::Prev => scroll.saturating_sub(1),
                Motion::PageDown => *scroll + page,
                Motion::PageUp => scroll.saturating_sub(page),
                Motion::First => 0,
                Motion::Last => max,
            }
            .min(max);
            return;
        }
        let focus = self.shared.focus;
        self.with(|p, cx| p.get_mut(focus).select(m, cx));
    }

    pub(super) fn set_filter(&mut self, pane: PaneId, text: &str, submitted: bool) {
        self.with(|p, cx| p.get_mut(pane).set_filter(text, submitted, cx));
    }
}
