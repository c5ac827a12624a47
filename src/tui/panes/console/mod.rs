//! The console pane: the shown run's console (what `contexta run -- CMD` stored of the
//! command's output), in place of the record stream. It follows the end like `tail -f`, reading
//! only the new lines after each workspace change (`window.rs`); scrolling up pauses it and
//! counts what arrives, `F`/End follows again. `/` searches the whole console and highlights
//! matches, `n`/`N` step through them (`search.rs`); `w` wraps long lines, else they are cut
//! and `Left`/`Right` scroll sideways. `C` (from the tree, diagnostics or here) opens it at the
//! last lines before the run failed.
//!
//! Pure: returns queries through `Cx`; the worker reads lines (`fetch.rs`), `view.rs` draws.

mod fetch;
mod search;
mod view;
mod window;

pub use search::{SEARCH_LIMIT, Search};
pub use window::REDRAW_TAIL;

use super::{Info, Pane, PaneKind, Place, motion_delta};
use crate::model::{ConsoleLine, Ref};
use crate::query::console::{ConsoleView, FailurePoint};
use crate::tui::action::{Action, Motion, PaneId};
use crate::tui::context::{Cx, FlashLevel, Load, Shared};
use crate::tui::effect::{Lane, Priority};
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Clone, Debug, Default)]
pub struct ConsolePane {
    pub run: Option<Ref>,
    pub load: Load,
    /// Lines held, by number: the view and a few screens around it.
    pub lines: BTreeMap<u32, ConsoleLine>,
    /// The console's length as last read.
    pub total: u32,
    pub follow: bool,
    /// The first line shown while paused.
    pub top: u32,
    /// The console's length when following stopped (the title's "N new").
    pub paused_at: Option<u32>,
    /// The last line before the failure, when opened there (`C`).
    pub at_failure: Option<u32>,
    pub wrap: bool,
    /// Columns scrolled sideways (when not wrapping).
    pub hscroll: usize,
    pub search: Search,
    /// The workspace changed while a live read was in flight: read again when it lands.
    pub live_pending: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// The lines numbered in `range`.
    Window { run: Ref, range: Range<u32> },
    /// The lines from `from` on (at most the last `max`), and the console's length.
    Live { run: Ref, from: u32, max: u32 },
    /// Lines whose text contains `needle` (ignoring case).
    Search { run: Ref, needle: String },
    /// The last line before the run failed (at `record`'s moment when given), with the lines
    /// around it.
    Failure {
        run: Ref,
        record: Option<Ref>,
        height: u32,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Lines(Ref, ConsoleView),
    Matches(Ref, String, Vec<u32>),
    Failure(Ref, Option<FailurePoint>, ConsoleView),
}

/// Columns a sideways scroll moves.
const HSCROLL_STEP: usize = 8;

impl ConsolePane {
    fn height(shared: &Shared) -> u32 {
        shared.pane_height(PaneId::Console) as u32
    }

    fn width(shared: &Shared) -> usize {
        shared
            .area(PaneId::Console)
            .map_or(0, |a| a.inner().w as usize)
    }

    /// Starts over on `run`: its end, following. Wrapping stays as the user set it.
    pub fn reset(&mut self, run: Option<Ref>) {
        *self = ConsolePane {
            load: if run.is_some() {
                Load::Loading
            } else {
                Load::Idle
            },
            run,
            follow: true,
            wrap: self.wrap,
            ..ConsolePane::default()
        };
    }

    /// Reads what the view shows and does not hold (unless such a read is in flight; its
    /// answer asks again if the view moved on).
    fn fill(&mut self, cx: &mut Cx<'_>) {
        let (Some(run), Some(range)) = (self.run.clone(), self.missing(Self::height(cx.shared)))
        else {
            return;
        };
        let q = Query::Window {
            run: run.clone(),
            range: 0..0,
        };
        if cx.is_pending(&q.into()) {
            return;
        }
        cx.ask(Query::Window { run, range });
    }

    /// After a workspace change: the new lines while following (and the last few, which a
    /// terminal may have redrawn); only the new length while paused.
    fn live(&mut self, cx: &mut Cx<'_>) {
        let Some(run) = self.run.clone() else {
            return;
        };
        let probe = Query::Live {
            run: run.clone(),
            from: 0,
            max: 0,
        };
        if cx.is_pending(&probe.into()) {
            self.live_pending = true;
            return;
        }
        let height = Self::height(cx.shared);
        let (from, max) = if self.follow {
            (
                self.total.saturating_sub(REDRAW_TAIL),
                (height * 2).max(REDRAW_TAIL * 2),
            )
        } else {
            (u32::MAX, 0)
        };
        cx.ask(Query::Live { run, from, max });
    }

    fn follow_again(&mut self, cx: &mut Cx<'_>) {
        self.resume();
        self.live(cx);
        self.fill(cx);
    }

    /// Opens at the last lines before `run` failed (at `record`'s moment when given).
    pub fn show_failure(&mut self, run: Ref, record: Option<Ref>, cx: &mut Cx<'_>) {
        self.reset(Some(run.clone()));
        self.follow = false;
        let height = Self::height(cx.shared).max(1);
        cx.ask(Query::Failure {
            run,
            record,
            height,
        });
    }

    /// `C` from a pane other than the tree or diagnostics: the shown run, if it failed.
    fn console_at_failure(&mut self, cx: &mut Cx<'_>) {
        let Some(run) = cx.shared.run.clone() else {
            cx.flash(FlashLevel::Warn, "console-at-failure: select a run first");
            return;
        };
        cx.console_at_failure(run);
    }

    fn step_match(&mut self, forward: bool, cx: &mut Cx<'_>) {
        let height = Self::height(cx.shared);
        if self.search.text.is_empty() {
            cx.flash(FlashLevel::Warn, "match: search first (/ then Enter)");
            return;
        }
        if self.search.searched.as_deref() != Some(self.search.text.as_str()) {
            // Typed but not searched yet: search now; the answer goes to the first match.
            self.submit_search(cx);
            return;
        }
        match self.search.step(forward, self.view_top(height)) {
            Some(step) => {
                self.show_line(step.line, height);
                if step.wrapped {
                    let to = if forward { "first" } else { "last" };
                    cx.flash(FlashLevel::Info, format!("search wrapped to the {to} match"));
                }
                self.fill(cx);
            }
            None => self.say_no_matches(cx),
        }
    }

    fn submit_search(&mut self, cx: &mut Cx<'_>) {
        self.search.searched = None;
        self.search.matches.clear();
        self.search.current = None;
        if let (Some(run), false) = (self.run.clone(), self.search.text.is_empty()) {
            cx.ask(Query::Search {
                run,
                needle: self.search.text.clone(),
            });
        }
    }

    fn say_no_matches(&self, cx: &mut Cx<'_>) {
        cx.flash(
            FlashLevel::Warn,
            format!(
                "search: no matches for `{}`",
                crate::sanitize::sanitize(&self.search.text)
            ),
        );
    }

    fn hscroll_by(&mut self, right: bool, cx: &mut Cx<'_>) {
        if self.wrap {
            cx.flash(FlashLevel::Info, "wrapping: nothing to scroll sideways (w)");
            return;
        }
        let width = Self::width(cx.shared);
        let widest = self.widest_in_view(Self::height(cx.shared));
        let max = widest.saturating_sub(width.saturating_sub(HSCROLL_STEP));
        self.hscroll = if right {
            (self.hscroll + HSCROLL_STEP).min(max)
        } else {
            self.hscroll.saturating_sub(HSCROLL_STEP)
        };
    }
}

impl Pane for ConsolePane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        let run = cx.shared.run.clone();
        if !cx.shared.visible(PaneId::Console) || !(force || self.run != run) {
            return;
        }
        self.reset(run);
        self.live(cx);
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if self.run.is_some() && self.run == cx.shared.run && cx.shared.visible(PaneId::Console)
        {
            self.live(cx);
        }
    }

    fn on_focus(&mut self, cx: &mut Cx<'_>) {
        // Hidden panes are not kept live: catch up on what arrived meanwhile.
        if self.run.is_some() && self.run == cx.shared.run {
            self.live(cx);
        }
    }

    fn on_resize(&mut self, cx: &mut Cx<'_>) {
        self.fill(cx);
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Follow if focused => self.follow_again(cx),
            Action::ToggleWrap if focused => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
            }
            Action::Match(forward) if focused => self.step_match(*forward, cx),
            Action::Column(right) if focused => self.hscroll_by(*right, cx),
            Action::ConsoleAtFailure => self.console_at_failure(cx),
            _ => return false,
        }
        true
    }

    fn select(&mut self, motion: Motion, cx: &mut Cx<'_>) {
        let height = Self::height(cx.shared);
        match motion {
            Motion::First => {
                self.pause(height);
                self.top = 0;
                self.fill(cx);
            }
            Motion::Last => self.follow_again(cx),
            m => self.move_by(motion_delta(m, height as usize), cx),
        }
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        self.scroll(delta, Self::height(cx.shared));
        self.fill(cx);
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.search.text)
    }

    fn set_filter(&mut self, text: &str, submitted: bool, cx: &mut Cx<'_>) {
        if text != self.search.text {
            self.search = Search {
                text: text.to_string(),
                ..Search::default()
            };
        }
        if submitted && !text.is_empty() {
            self.submit_search(cx);
        }
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        if lane == "console" || lane == "console-live" {
            self.load = Load::Failed(message.to_string());
        }
    }

    fn on_problem(&mut self, why: &Load) {
        if self.load == Load::Loading {
            self.load = why.clone();
        }
    }
}

impl PaneKind for ConsolePane {
    const INFO: Info = Info {
        name: "console",
        aliases: &["output"],
        title: "Console",
        help: "Console",
        place: Place::Records,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(q: &Query) -> Lane {
        match q {
            Query::Window { .. } => Lane::new(Priority::View, "console"),
            Query::Live { .. } => Lane::new(Priority::View, "console-live"),
            Query::Search { .. } => Lane::new(Priority::Investigate, "console-search"),
            Query::Failure { .. } => Lane::new(Priority::Investigate, "console-failure"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        let height = Self::height(cx.shared);
        match loaded {
            Loaded::Lines(run, view) => {
                // Another run's answer (the shown run changed while it was on its way) still
                // frees its lane: what waited for it is asked now.
                if self.run.as_ref() == Some(&run) {
                    self.load = Load::Ready;
                    self.apply_lines(view.total, view.lines, height);
                }
                if std::mem::take(&mut self.live_pending) {
                    self.live(cx);
                }
                self.fill(cx);
            }
            Loaded::Matches(run, needle, hits) => {
                if self.run.as_ref() != Some(&run) || needle != self.search.text {
                    return;
                }
                let from = if self.follow {
                    // Following: the newest match is the one nearest what is on screen.
                    hits.last().copied().unwrap_or(0)
                } else {
                    self.view_top(height)
                };
                match self.search.found(hits, from) {
                    Some(line) => {
                        self.show_line(line, height);
                        if self.search.matches.len() >= SEARCH_LIMIT {
                            cx.flash(
                                FlashLevel::Info,
                                format!("search: the first {SEARCH_LIMIT} matches"),
                            );
                        }
                        self.fill(cx);
                    }
                    None => self.say_no_matches(cx),
                }
            }
            Loaded::Failure(run, point, view) => {
                if self.run.as_ref() != Some(&run) {
                    return;
                }
                self.load = Load::Ready;
                self.apply_lines(view.total, view.lines, height);
                match point {
                    Some(p) => {
                        self.show_line_at_bottom(p.line, height);
                        self.at_failure = Some(p.line);
                        // Lines written from now on count as new.
                        self.paused_at = Some(self.total);
                        self.fill(cx);
                    }
                    None => cx.flash(
                        FlashLevel::Info,
                        format!(
                            "{}: no console stored (contexta run -- CMD records one)",
                            crate::sanitize::sanitize(run.as_str())
                        ),
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::tui::context::Requests;
    use crate::tui::effect::{Effect, Loaded as Answer, Request};
    use crate::tui::panes::Payload;

    /// The last query asked, answered with `view` as the worker would (freeing its slot).
    fn answer(req: &mut Requests, out: &mut Vec<Effect>, view: ConsoleView) -> (Query, Loaded) {
        let Some(Effect::Query(Request { id, query })) = out.pop() else {
            panic!("no query asked");
        };
        let crate::tui::panes::Query::Console(q) = query.clone() else {
            panic!("not a console query: {query:?}");
        };
        let run = match &q {
            Query::Live { run, .. } | Query::Window { run, .. } => run.clone(),
            other => panic!("{other:?}"),
        };
        let loaded = Loaded::Lines(run, view);
        assert!(req.accept(&Answer {
            id,
            slot: query.slot(),
            result: Ok(Payload::Console(loaded.clone())),
        }));
        (q, loaded)
    }

    #[test]
    fn switching_runs_while_a_live_read_is_on_its_way_still_loads_the_new_run() {
        let (a, b) = (
            Ref::parse("run:p.a").unwrap(),
            Ref::parse("run:p.b").unwrap(),
        );
        let mut shared = Shared::new((80, 24), Timestamp(0));
        shared.focus = PaneId::Console;
        shared.main = PaneId::Console;
        shared.run = Some(a.clone());
        let (mut req, mut out, mut flash) = (Requests::default(), Vec::new(), None);
        let mut pane = ConsolePane::default();
        pane.sync(&mut Cx::new(&mut shared, &mut req, &mut out, &mut flash), false);
        // Run b is shown before a's read answers: b's read waits for the lane.
        shared.run = Some(b.clone());
        let asked = out.len();
        let pending = out.pop().unwrap();
        pane.sync(&mut Cx::new(&mut shared, &mut req, &mut out, &mut flash), false);
        assert_eq!(out.len(), asked - 1, "nothing asked while a's read is on its way");
        out.push(pending);
        let (_, a_lines) = answer(&mut req, &mut out, ConsoleView::default());
        pane.on_loaded(
            a_lines,
            &mut Cx::new(&mut shared, &mut req, &mut out, &mut flash),
        );
        let (q, _) = answer(&mut req, &mut out, ConsoleView::default());
        assert!(matches!(q, Query::Live { run, .. } if run == b), "b is read next");
    }
}
