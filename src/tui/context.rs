//! What every pane shares, and what a pane is handed when it reacts: `Shared` (the selection,
//! the marks, the run list, the clock and the screen geometry), and `Cx`, through which a pane
//! asks for queries, flashes a message, or asks the app for something only the app can do
//! (`Intent`: show another pane, jump to an entity, re-load what depends on the selection).
//!
//! Pure like the reducer: no I/O, no clock, no terminal types. Requests are numbered here and
//! matched to their results by slot (latest wins), so a pane never sees a stale answer.

use super::action::PaneId;
use super::effect::{Effect, Loaded, Request, Slot};
use super::layout::{self, Area, Screen, View};
use super::panes::Query;
use super::wrapping::{TextView, cell};
use crate::model::{Ref, Timestamp};
use crate::query::{ProjectNode, RunInfo};
use crate::sanitize::sanitize;
use std::collections::{BTreeMap, BTreeSet};

/// Where a pane's data stands; render shows each state (style.md principle 8).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Load {
    /// Nothing to show yet and nothing asked (e.g. no run selected).
    #[default]
    Idle,
    Loading,
    Ready,
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Warn,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
}

/// A box drawn over the panes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    /// Every field of one thing (a record, a finding, a lineage node) in full.
    Detail(Detail),
    /// The fuzzy finder (`Ctrl-p`).
    Finder(Box<super::app::finder::Finder>),
}

/// The detail overlay: the lines shown (wrapped by default, scrollable with j/k and the page
/// keys, sideways with `<`/`>` when cut), and what `y` copies and `o` pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub title: String,
    pub lines: Vec<String>,
    pub scroll: usize,
    pub view: TextView,
    /// What `y` copies, and its name in the flash ("record JSON").
    pub copy: String,
    pub copy_what: &'static str,
}

impl Detail {
    /// The text area (width, height) of the detail box on a screen of `size`: the whole screen
    /// but a margin and the status line, inside a border. Render and the scroll keys share it.
    pub fn page(size: (u16, u16)) -> (usize, usize) {
        let (w, h) = (size.0 as usize, size.1.saturating_sub(1) as usize);
        let box_w = w.saturating_sub(4).max(w.min(30));
        let box_h = h.saturating_sub(2).max(1);
        (box_w.saturating_sub(2), box_h.saturating_sub(2))
    }

    /// The lines shown at `width`: wrapped, or one cut line per line.
    pub fn shown(&self, width: usize) -> Vec<String> {
        self.lines
            .iter()
            .flat_map(|l| cell(&sanitize(l), self.view.wrap, self.view.hscroll, width))
            .collect()
    }

    /// The furthest the view scrolls on a screen of `size` (the last line at the bottom).
    pub fn max_scroll(&self, size: (u16, u16)) -> usize {
        let (w, h) = Detail::page(size);
        self.shown(w).len().saturating_sub(h)
    }

    pub fn new(title: String, lines: Vec<String>, copy_what: &'static str, copy: String) -> Detail {
        Detail {
            title,
            lines,
            scroll: 0,
            view: TextView::wrapped(),
            copy,
            copy_what,
        }
    }
}

/// Something to run outside the explorer (`o`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum External {
    /// Text shown in `$PAGER` (the explorer leaves the alternate screen while it runs).
    Pager { text: String },
    /// A written file opened with `$BROWSER`, else `xdg-open`.
    Browser { path: std::path::PathBuf },
}

/// The workspace's projects and their runs, as last read (the tree pane reads it; everyone
/// else looks runs up in it).
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub projects: Vec<ProjectNode>,
}

impl Catalog {
    pub fn run_info(&self, run: &Ref) -> Option<&RunInfo> {
        self.all_runs().find(|r| &r.run.run_ref == run)
    }

    pub fn all_runs(&self) -> impl Iterator<Item = &RunInfo> {
        self.projects.iter().flat_map(|p| p.runs.iter())
    }

    /// The run most recently written to (open runs win ties).
    pub fn most_recent_run(&self) -> Option<Ref> {
        self.most_recent_run_where(|_| true)
    }

    /// The run most recently written to among those `keep` accepts.
    pub fn most_recent_run_where(&self, keep: impl Fn(&RunInfo) -> bool) -> Option<Ref> {
        self.all_runs()
            .filter(|r| keep(r))
            .max_by_key(|r| {
                (
                    r.stats.last_observed.max(r.run.started_at.0),
                    r.run.ended_at.is_none(),
                    r.run.run_ref.clone(),
                )
            })
            .map(|r| r.run.run_ref.clone())
    }
}

/// Colours a run can take (the theme's `run0`…`run5`).
pub const RUN_COLOURS: usize = 6;

/// A run's preferred colour slot: a stable hash (FNV-1a) of its ref.
fn ref_slot(run: &Ref) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in run.as_str().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % RUN_COLOURS as u64) as usize
}

/// What all panes read: the selection (the tree writes it), the clock and the screen.
#[derive(Clone, Debug)]
pub struct Shared {
    pub now: Timestamp,
    pub size: (u16, u16),
    pub focus: PaneId,
    /// The right-hand pane of the narrow layout (the last focused one that is not the tree).
    pub main: PaneId,
    /// The focused pane fills the screen (`z`).
    pub maximized: bool,
    /// The run tree is hidden (`T`) unless focused.
    pub tree_hidden: bool,
    /// The run the right-hand panes show.
    pub run: Option<Ref>,
    /// The tree's selected node: a project, run, stage, batch or operation ref.
    pub selected: Option<Ref>,
    /// Runs marked in the tree (chart overlay, compare, reports, export).
    pub marks: BTreeSet<Ref>,
    pub catalog: Catalog,
}

impl Shared {
    pub fn new(size: (u16, u16), now: Timestamp) -> Shared {
        Shared {
            now,
            size,
            focus: PaneId::Tree,
            main: PaneId::Overview,
            maximized: false,
            tree_hidden: false,
            run: None,
            selected: None,
            marks: BTreeSet::new(),
            catalog: Catalog::default(),
        }
    }

    pub fn screen(&self) -> Screen {
        layout::compute(self.size.0, self.size.1, self.layout_view())
    }

    /// What the layout depends on besides the size.
    pub fn layout_view(&self) -> View {
        View {
            focus: self.focus,
            main: self.view_main(),
            maximized: self.maximized,
            tree_hidden: self.tree_hidden,
        }
    }

    /// The main pane as shown: a project row selected in the tree shows the project view in
    /// place of the overview (a run's overview has nothing to say about a project).
    pub fn view_main(&self) -> PaneId {
        let project_row = self
            .selected
            .as_ref()
            .is_some_and(|r| r.kind() == "project");
        if self.focus == PaneId::Tree && self.main == PaneId::Overview && project_row {
            PaneId::Project
        } else {
            self.main
        }
    }

    pub fn area(&self, pane: PaneId) -> Option<Area> {
        self.screen().area(pane)
    }

    pub fn visible(&self, pane: PaneId) -> bool {
        self.screen().is_visible(pane)
    }

    /// The colour slot (`0..RUN_COLOURS`) of a run, the same in every view: derived from its
    /// ref, and unique among the runs marked or shown (on a clash the later ref, in ref order,
    /// takes the next free slot), so overlaid runs never share a colour.
    pub fn run_colour(&self, run: &Ref) -> usize {
        let mut set: BTreeSet<&Ref> = self.marks.iter().collect();
        set.extend(self.run.iter());
        if !set.contains(run) {
            return ref_slot(run);
        }
        let mut taken = [false; RUN_COLOURS];
        for r in set {
            let mut slot = ref_slot(r);
            // More runs than colours share, in order.
            for _ in 0..RUN_COLOURS {
                if !taken[slot] {
                    break;
                }
                slot = (slot + 1) % RUN_COLOURS;
            }
            taken[slot] = true;
            if r == run {
                return slot;
            }
        }
        ref_slot(run)
    }

    /// Inner height of a pane as laid out now (0 when hidden).
    pub fn pane_height(&self, pane: PaneId) -> usize {
        self.area(pane).map_or(0, |a| a.inner().h as usize)
    }
}

/// Something a pane asks of the app, done right after the pane returns (in order).
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// The tree selection changed: show its run (when it is in one) and load what is stale.
    SelectionChanged,
    /// Show no run at all (the workspace has none left).
    ClearRun,
    /// The marks changed (the chart overlays marked runs).
    MarksChanged,
    /// The run list was read again.
    CatalogChanged,
    /// Focus `pane` as the main pane and load what it shows.
    Show(PaneId),
    /// Go to an entity's own view: a record, a stage or batch, a run, an artifact.
    JumpTo(Ref),
    /// A record was located: select its run and show it in the stream.
    ShowRecord(Ref, u32),
    /// Show the run's console at the last lines before it failed (at the record's moment,
    /// when a finding gives one).
    ConsoleAtFailure(Ref, Option<Ref>),
    Overlay(Overlay),
    /// Copy `text` to the clipboard; `what` names it in the flash ("record ref").
    Copy {
        what: &'static str,
        text: String,
    },
    /// Run something outside the explorer.
    External(External),
}

/// Request ids: one counter, and the latest id per slot (results with another id are stale).
#[derive(Clone, Debug, Default)]
pub struct Requests {
    next: u64,
    latest: BTreeMap<Slot, u64>,
}

impl Requests {
    pub fn issue(&mut self, query: Query) -> Effect {
        self.next += 1;
        self.latest.insert(query.slot(), self.next);
        Effect::Query(Request {
            id: self.next,
            query,
        })
    }

    /// Accepts a result if it answers the slot's latest request, and frees the slot.
    pub fn accept(&mut self, loaded: &Loaded) -> bool {
        if self.latest.get(&loaded.slot) == Some(&loaded.id) {
            self.latest.remove(&loaded.slot);
            true
        } else {
            false
        }
    }

    pub fn in_flight(&self) -> usize {
        self.latest.len()
    }

    pub fn is_pending(&self, slot: &Slot) -> bool {
        self.latest.contains_key(slot)
    }

    pub fn clear(&mut self) {
        self.latest.clear();
    }
}

/// A pane's handle on the app while it reacts: read and write the shared selection, ask for
/// queries, flash, and ask the app for what only it can do.
pub struct Cx<'a> {
    pub shared: &'a mut Shared,
    requests: &'a mut Requests,
    out: &'a mut Vec<Effect>,
    flash: &'a mut Option<Flash>,
    intents: Vec<Intent>,
}

impl<'a> Cx<'a> {
    pub fn new(
        shared: &'a mut Shared,
        requests: &'a mut Requests,
        out: &'a mut Vec<Effect>,
        flash: &'a mut Option<Flash>,
    ) -> Cx<'a> {
        Cx {
            shared,
            requests,
            out,
            flash,
            intents: Vec::new(),
        }
    }

    /// Asks the worker a question; its answer comes back to the pane that owns the query.
    pub fn ask(&mut self, query: impl Into<Query>) {
        let effect = self.requests.issue(query.into());
        self.out.push(effect);
    }

    /// Whether a request in `query`'s slot is still unanswered.
    pub fn is_pending(&self, query: &Query) -> bool {
        self.requests.is_pending(&query.slot())
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>) {
        *self.flash = Some(Flash {
            level,
            text: text.into(),
        });
    }

    pub fn intent(&mut self, intent: Intent) {
        self.intents.push(intent);
    }

    /// `C`: the console of `run` at its last lines before the failure, or a flash that it did
    /// not fail (the tree and every other pane ask the same way).
    pub fn console_at_failure(&mut self, run: Ref) {
        let status = self.shared.catalog.run_info(&run).map(|r| r.run.status);
        if matches!(
            status,
            Some(crate::model::Status::Failed | crate::model::Status::Cancelled)
        ) {
            self.intent(Intent::ConsoleAtFailure(run, None));
        } else {
            self.flash(
                FlashLevel::Warn,
                format!(
                    "console-at-failure: {} did not fail (9 shows its console)",
                    sanitize(run.as_str())
                ),
            );
        }
    }

    pub fn into_intents(self) -> Vec<Intent> {
        self.intents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_keeps_its_colour_and_shown_runs_never_share_one() {
        let r = |s: &str| Ref::parse(&format!("run:p.{s}")).unwrap();
        let mut shared = Shared::new((160, 48), Timestamp(0));
        // Unmarked and not shown: the colour comes from the ref alone.
        assert_eq!(shared.run_colour(&r("a")), ref_slot(&r("a")));
        assert_eq!(shared.run_colour(&r("a")), shared.run_colour(&r("a")));
        // Six runs marked or shown take six different colours, whatever their hashes.
        let runs: Vec<Ref> = (0..6).map(|i| r(&format!("run-{i}"))).collect();
        shared.run = Some(runs[0].clone());
        shared.marks = runs[1..].iter().cloned().collect();
        let mut slots: Vec<usize> = runs.iter().map(|x| shared.run_colour(x)).collect();
        assert!(slots.iter().all(|s| *s < RUN_COLOURS));
        slots.sort();
        slots.dedup();
        assert_eq!(slots.len(), 6, "{slots:?}");
    }
}
