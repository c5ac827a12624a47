//! The panes. A pane is one module (`panes/<name>/`) that owns everything about it:
//!
//! - `mod.rs`: its view state (a `Default` struct), its `Query` and `Loaded` enums, and its
//!   reaction to everything: `impl Pane` (actions, moves, filters, "the shown run changed",
//!   "the workspace changed"…) and `impl PaneKind` (what it is called, where the layout puts it,
//!   and what it does with its own results). Pure: no I/O, no clock, no terminal types;
//! - `fetch.rs`: `impl Fetch`, the blocking answers to its queries over a workspace, run on the
//!   worker through `crate::query`;
//! - `view.rs` (and `view_*.rs`): `impl PaneView`, its render, which only reads.
//!
//! `AppState` holds what all panes share (focus, selection, marks, overlay, prompt, flash,
//! requests: `context.rs`) and routes to the panes through the registry below: it never names
//! a pane's fields to handle its keys or results.
//!
//! # How to add a pane
//! 1. Create `panes/<name>/` with `mod.rs`, `fetch.rs` and `view.rs` as above (copy the
//!    project pane, the smallest). `INFO.place` says where it shows: in place of the overview,
//!    the chart, or the records, or as an investigation pane over both top panes.
//! 2. Add one line to `panes!` below: `Console => console::ConsolePane,`. That gives it a
//!    `PaneId`, a keymap layer (`[console]`), `:focus console`, a section in `?`, routing of its
//!    results and keys, and a place in the layout.
//! 3. Bind a key to focus it, and its own keys, in `assets/keymap.toml` (the help overlay and
//!    the README table are generated from there; `tui_snapshots::readme_key_table` says when
//!    the README is behind).
//!
//! Rules (`tests/architecture.rs`): a pane's state files never name ratatui, widgets, the theme
//! or any view; views never change state; widgets never name a pane.

use super::context::{Cx, Load, Shared};
use super::effect::{Lane, Slot};
use super::view::PaneView;
use crate::model::Timestamp;
use crate::query::{QueryError, Workspace};
use crate::tui::action::{Action, Motion};

/// Where the layout shows a pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The run tree: the left column.
    Side,
    /// The run's summary (top left in the wide layout).
    Summary,
    /// The run's charts (top right).
    Chart,
    /// The run's record stream (bottom).
    Records,
    /// Over both top panes when focused; opened by its own key, not by `Tab`.
    Investigation,
}

/// What a pane is called and where it goes.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    /// The keymap layer, `:focus NAME`, and `/NAME filter`.
    pub name: &'static str,
    /// Other words `:focus` accepts.
    pub aliases: &'static [&'static str],
    /// The frame's title.
    pub title: &'static str,
    /// The help overlay's section.
    pub help: &'static str,
    pub place: Place,
}

/// A pane's reactions. Every hook is called on every pane (whether it shows or not) unless
/// said otherwise; a pane that shows nothing of the kind ignores it (the defaults do nothing).
pub trait Pane {
    /// The shown run, the selection or the layout may have changed: load what this pane shows
    /// if it is visible and its data is for something else (or always, with `force`).
    fn sync(&mut self, _cx: &mut Cx<'_>, _force: bool) {}
    /// `:refresh`, or the workspace opened again: read everything visible again.
    fn refresh(&mut self, cx: &mut Cx<'_>) {
        self.sync(cx, true)
    }
    /// The workspace changed on disk: re-read what is visible and live (cheaply).
    fn on_changed(&mut self, _cx: &mut Cx<'_>) {}
    /// The run list was read again (`cx.shared.catalog`).
    fn on_catalog(&mut self, _cx: &mut Cx<'_>) {}
    /// The marks changed.
    fn on_marks(&mut self, _cx: &mut Cx<'_>) {}
    /// The terminal was resized (the pane's area may have changed).
    fn on_resize(&mut self, _cx: &mut Cx<'_>) {}
    /// The pane was just focused.
    fn on_focus(&mut self, _cx: &mut Cx<'_>) {}
    /// An action: the focused pane is asked first (`focused`), then the others, for actions
    /// that are not about the focused pane's rows. True when handled (routing stops).
    fn on_action(&mut self, _action: &Action, _focused: bool, _cx: &mut Cx<'_>) -> bool {
        false
    }
    /// `select …` on the focused pane: by default a move of the selection.
    fn select(&mut self, motion: Motion, cx: &mut Cx<'_>) {
        let page = cx.shared.pane_height(cx.shared.focus);
        self.move_by(motion_delta(motion, page), cx);
    }
    /// Moves the selection by `delta` rows (keys, page keys, the mouse wheel).
    fn move_by(&mut self, _delta: isize, _cx: &mut Cx<'_>) {}
    /// A click on the `row`-th visible row.
    fn click(&mut self, _row: usize, _cx: &mut Cx<'_>) {}
    /// Keeps the selection on screen at the pane's current height.
    fn clamp(&mut self, _shared: &Shared) {}
    /// The `/` filter's text, or `None` when the pane has nothing to filter.
    fn filter(&self) -> Option<&str> {
        None
    }
    /// Applies a filter as typed (live while editing; `submitted` on Enter).
    fn set_filter(&mut self, _text: &str, _submitted: bool, _cx: &mut Cx<'_>) {}
    /// Why the filter as typed cannot apply: its column (1-based) and what was expected.
    fn filter_problem(&self) -> Option<(usize, String)> {
        None
    }
    fn on_clock(&mut self, _now: Timestamp) {}
    /// When this pane needs a redraw without input (a highlight expiring).
    fn next_wake(&self) -> Option<Timestamp> {
        None
    }
    /// One of this pane's queries failed (`lane` names which); the app flashes the message.
    fn on_failed(&mut self, _lane: &'static str, _message: &str) {}
    /// The workspace cannot be read: a pane that never loaded says why.
    fn on_problem(&mut self, _why: &Load) {}
}

/// The typed side of a pane, used by the registry.
pub trait PaneKind: Pane + PaneView + Default {
    const INFO: Info;
    type Query: Clone + std::fmt::Debug + PartialEq;
    type Loaded: Clone + std::fmt::Debug + PartialEq;
    /// The lane of one of its queries (latest wins per lane).
    fn lane(query: &Self::Query) -> Lane;
    /// A result of one of its queries (stale ones never arrive here).
    fn on_loaded(&mut self, loaded: Self::Loaded, cx: &mut Cx<'_>);
}

/// The worker side of a pane: answers its queries. Blocking, over a read handle.
pub trait Fetch: PaneKind {
    fn answer(ws: &Workspace, query: &Self::Query) -> Result<Self::Loaded, QueryError>;
}

macro_rules! panes {
    ($($variant:ident => $module:ident :: $pane:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every pane, in the order of the number keys and of the help.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum PaneId { $($variant),* }

        impl PaneId {
            pub const ALL: &'static [PaneId] = &[$(PaneId::$variant),*];

            pub fn info(self) -> &'static Info {
                match self { $(PaneId::$variant => &<$module::$pane as PaneKind>::INFO),* }
            }
        }

        /// What `:focus` takes, for completion.
        pub const FOCUS_ARGS: &[&str] = &[
            "next", "prev", $(<$module::$pane as PaneKind>::INFO.name),*
        ];

        /// Every pane's state.
        #[derive(Default)]
        pub struct Panes { $(pub $module: $module::$pane),* }

        impl Panes {
            pub fn get(&self, id: PaneId) -> &dyn Pane {
                match id { $(PaneId::$variant => &self.$module),* }
            }

            pub fn get_mut(&mut self, id: PaneId) -> &mut dyn Pane {
                match id { $(PaneId::$variant => &mut self.$module),* }
            }

            pub fn view(&self, id: PaneId) -> &dyn PaneView {
                match id { $(PaneId::$variant => &self.$module),* }
            }

            /// Hands a (fresh) result to the pane that asked.
            pub fn on_loaded(&mut self, payload: Payload, cx: &mut Cx<'_>) {
                match payload { $(Payload::$variant(l) => self.$module.on_loaded(l, cx)),* }
            }
        }

        /// Every pane's queries, each nested under its pane.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Query { $($variant(<$module::$pane as PaneKind>::Query)),* }

        /// Every pane's results, each nested under its pane.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Payload { $($variant(<$module::$pane as PaneKind>::Loaded)),* }

        impl Query {
            pub fn slot(&self) -> Slot {
                match self {
                    $(Query::$variant(q) => {
                        Slot::new(PaneId::$variant, <$module::$pane as PaneKind>::lane(q))
                    })*
                }
            }
        }

        $(impl From<<$module::$pane as PaneKind>::Query> for Query {
            fn from(q: <$module::$pane as PaneKind>::Query) -> Query {
                Query::$variant(q)
            }
        })*

        /// Answers a query on the worker, through the pane that owns it.
        pub fn answer(ws: &Workspace, query: &Query) -> Result<Payload, QueryError> {
            match query {
                $(Query::$variant(q) => {
                    <$module::$pane as Fetch>::answer(ws, q).map(Payload::$variant)
                })*
            }
        }
    };
}

panes! {
    Tree => tree::TreePane,
    Overview => overview::OverviewPane,
    Stream => stream::StreamPane,
    Metrics => metrics::MetricsPane,
    Compare => compare::ComparePane,
    Diagnostics => diagnostics::DiagnosticsPane,
    Lineage => lineage::LineagePane,
    Project => project::ProjectPane,
    System => system::SystemPane,
    Console => console::ConsolePane,
}

impl PaneId {
    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn title(self) -> &'static str {
        self.info().title
    }

    pub fn place(self) -> Place {
        self.info().place
    }

    /// Investigation panes: shown in place of the overview and metrics when focused.
    pub fn is_investigation(self) -> bool {
        self.place() == Place::Investigation
    }

    /// The panes `Tab` cycles through: each place's own pane. Investigation panes, and panes
    /// shown in another's place (the console in the records'), are opened by their own keys,
    /// so `Tab` never swaps what a place shows.
    pub fn cycle() -> impl Iterator<Item = PaneId> {
        PaneId::ALL.iter().copied().filter(|p| {
            !p.is_investigation() && PaneId::ALL.iter().find(|q| q.place() == p.place()) == Some(p)
        })
    }

    /// The number key that focuses it in the default keymap (its position, from 1).
    pub fn number(self) -> usize {
        PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    pub fn parse(s: &str) -> Option<PaneId> {
        PaneId::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s || p.info().aliases.contains(&s))
    }
}

/// The rows a motion moves in a pane `page` rows tall.
pub fn motion_delta(motion: Motion, page: usize) -> isize {
    let page = page.max(1) as isize;
    match motion {
        Motion::Next => 1,
        Motion::Prev => -1,
        Motion::PageDown => page,
        Motion::PageUp => -page,
        Motion::First => -(isize::MAX / 2),
        Motion::Last => isize::MAX / 2,
    }
}

/// The first visible row for a list of `len` rows, `height` tall, so that `idx` is visible.
pub fn clamp_offset(offset: usize, idx: usize, len: usize, height: usize) -> usize {
    if height == 0 {
        return idx;
    }
    let mut off = offset.min(len.saturating_sub(height));
    if idx < off {
        off = idx;
    } else if idx >= off + height {
        off = idx + 1 - height;
    }
    off
}
