//! The run tree pane: projects → runs → stages → batches and operations. It reads the run list
//! (kept in `Shared::catalog`, since every pane looks runs up in it) and writes the selection and
//! the marks (`Shared::selected`, `Shared::marks`); the app shows the selected node's run in the
//! other panes. Also: which runs changed since the user last looked (`•`), rows that changed in
//! a live refresh (highlighted for two seconds), flags computed lazily by the worker, and the
//! `/` filter: a run query (`query::run_filter`, the language of `contexta runs --where`); a
//! query of bare words also matches runs by an artifact's name. The latest metric values a
//! query names are read by the worker only while such a query is set.
//!
//! Pure: returns queries through `Cx`; the worker answers them (`fetch.rs`), `view.rs` draws.

mod fetch;
mod flags;
mod rows;
mod view;

pub use flags::{FLAG_CHUNK, RunFlags, generations};
pub use rows::{Row, RowKind, selected_index};

use super::{Info, Pane, PaneKind, Place, motion_delta};
use crate::model::{Ref, Timestamp};
use crate::query::run_filter::{ParseError, RunQuery};
use crate::query::{ProjectNode, RunOutline};
use crate::tui::action::{Action, Motion, PaneId, SortKey};
use crate::tui::context::{Cx, FlashLevel, Intent, Load, Shared};
use crate::tui::effect::{Lane, Priority};
use std::collections::{BTreeMap, BTreeSet};

/// How long rows changed by a live refresh stay highlighted.
const FRESH_MICROS: i64 = 2_000_000;

/// From this inner height the tree's last row is a legend of its markers.
const LEGEND_FROM: usize = 8;

/// The rows of the list in a pane `inner_h` tall (the legend takes one when there is room).
pub fn list_rows(inner_h: usize) -> usize {
    if inner_h >= LEGEND_FROM {
        inner_h - 1
    } else {
        inner_h
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeSort {
    /// Newest start first.
    Start,
    Name,
}

#[derive(Clone, Debug)]
pub struct TreePane {
    pub load: Load,
    pub outlines: BTreeMap<Ref, RunOutline>,
    pub expanded: BTreeSet<Ref>,
    pub collapsed: BTreeSet<Ref>,
    pub sort: TreeSort,
    pub filter: String,
    /// The filter parsed (an error keeps the tree empty and says where).
    pub query: Result<RunQuery, ParseError>,
    /// The instant the query's relative times (`2h ago`, `today`) count from: when it was
    /// typed or the run list last read, so rows never shift between two keys.
    pub query_now: Timestamp,
    /// Latest metric values per run, read while the query names metrics (`None`: not yet).
    pub latest: Option<BTreeMap<Ref, BTreeMap<String, f64>>>,
    /// Each run's last seq when the user last looked at it (or when it first appeared).
    pub seen: BTreeMap<Ref, u32>,
    /// Runs that changed in a refresh, highlighted until the instant given.
    pub fresh: BTreeMap<Ref, Timestamp>,
    pub offset: usize,
    /// Per-run diagnostics and anomaly flags, by generation (computed lazily by the worker).
    pub flags: BTreeMap<Ref, RunFlags>,
    /// Runs whose artifacts match the filter text (the text they were searched for).
    pub artifact_hits: Option<(String, BTreeSet<Ref>)>,
    /// The run the other panes showed when last synced, to mark a newly shown run as seen.
    shown: Option<Ref>,
}

impl Default for TreePane {
    fn default() -> Self {
        TreePane {
            load: Load::Loading,
            outlines: BTreeMap::new(),
            expanded: BTreeSet::new(),
            collapsed: BTreeSet::new(),
            sort: TreeSort::Start,
            filter: String::new(),
            query: Ok(RunQuery::default()),
            query_now: Timestamp(0),
            latest: None,
            seen: BTreeMap::new(),
            fresh: BTreeMap::new(),
            offset: 0,
            flags: BTreeMap::new(),
            artifact_hits: None,
            shown: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// Every project and run, with their counters.
    Catalog,
    /// A run's stages, batches and operations (for an expanded run).
    Outline { run: Ref },
    /// Resolve what the user typed after `:run`.
    Resolve { text: String },
    /// Flags (worst finding, anomalies) of runs whose cached flags are stale.
    Flags { runs: Vec<(Ref, u64)>, now: Timestamp },
    /// Runs whose artifacts match the filter's text.
    Search { text: String },
    /// The latest metric values of these runs (for a query that names metrics).
    Latest { runs: Vec<Ref> },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Catalog(Vec<ProjectNode>),
    Outline(Ref, RunOutline),
    Resolved(Ref),
    Flags(Vec<RunFlags>),
    SearchHits(String, Vec<Ref>),
    Latest(BTreeMap<Ref, BTreeMap<String, f64>>),
}

impl TreePane {
    /// Selects a node by ref (revealing it, clearing a filter that hides it) and shows its run.
    pub fn select_node(&mut self, node: Ref, cx: &mut Cx<'_>) {
        self.reveal(&node);
        if !self.filter.is_empty() && !self.rows(&cx.shared.catalog).iter().any(|r| r.node == node)
        {
            self.filter.clear();
            self.query = Ok(RunQuery::default());
            self.latest = None;
        }
        cx.shared.selected = Some(node.clone());
        self.clamp(cx.shared);
        if node.kind() != "run"
            && let Some(run) = node.run_ref()
            && !self.outlines.contains_key(&run)
        {
            cx.ask(Query::Outline { run });
        }
        cx.intent(Intent::SelectionChanged);
    }

    /// `C` on a run that failed (or a node inside it): its console at the last lines before
    /// the failure.
    fn console_at_failure(&mut self, cx: &mut Cx<'_>) {
        let Some(run) = cx.shared.selected.as_ref().and_then(|n| n.run_ref()) else {
            cx.flash(FlashLevel::Warn, "console-at-failure: select a run");
            return;
        };
        cx.console_at_failure(run);
    }

    fn toggle_node(&mut self, cx: &mut Cx<'_>) {
        let Some(kind) = self.selected_kind(cx.shared) else {
            return;
        };
        let Some(node) = cx.shared.selected.clone() else {
            return;
        };
        let open = match kind {
            RowKind::Project => self.collapsed.contains(&node),
            RowKind::Run | RowKind::Stage => !self.expanded.contains(&node),
            RowKind::Batch | RowKind::Operation => return,
        };
        self.expand(open, cx);
    }

    fn expand(&mut self, open: bool, cx: &mut Cx<'_>) {
        let (Some(kind), Some(node)) = (self.selected_kind(cx.shared), cx.shared.selected.clone())
        else {
            return;
        };
        match (kind, open) {
            (RowKind::Project, true) => {
                self.collapsed.remove(&node);
            }
            (RowKind::Project, false) => {
                self.collapsed.insert(node);
            }
            (RowKind::Run | RowKind::Stage, true) => {
                if kind == RowKind::Run && !self.outlines.contains_key(&node) {
                    cx.ask(Query::Outline { run: node.clone() });
                }
                self.expanded.insert(node);
            }
            (_, false) if self.expanded.contains(&node) => {
                self.expanded.remove(&node);
            }
            (_, false) => {
                // Collapsing a leaf moves to its parent, as in a file tree.
                let parent = match kind {
                    RowKind::Run => node.project_ref(),
                    RowKind::Stage => node.run_ref(),
                    _ => node.stage_ref(),
                };
                if let Some(p) = parent {
                    cx.shared.selected = Some(p);
                }
            }
            _ => {}
        }
        self.clamp(cx.shared);
    }

    fn mark(&mut self, cx: &mut Cx<'_>) {
        let run = match (self.selected_kind(cx.shared), &cx.shared.selected) {
            (Some(RowKind::Run), Some(r)) => r.clone(),
            _ => {
                cx.flash(FlashLevel::Warn, "mark: select a run in the tree first");
                return;
            }
        };
        if !cx.shared.marks.remove(&run) {
            cx.shared.marks.insert(run);
        }
        cx.intent(Intent::MarksChanged);
    }

    /// A filter of bare words also matches runs by their artifacts: ask which runs have one
    /// matching.
    fn search_artifacts(&mut self, text: &str, cx: &mut Cx<'_>) {
        let bare = self.query.as_ref().is_ok_and(|q| q.bare_words().is_some());
        if text.trim().is_empty() || !bare {
            self.artifact_hits = None;
            return;
        }
        cx.ask(Query::Search {
            text: text.to_lowercase(),
        });
    }

    fn apply_search(&mut self, text: String, hits: Vec<Ref>, cx: &mut Cx<'_>) {
        if text != self.filter.to_lowercase() {
            return;
        }
        self.artifact_hits = Some((self.filter.clone(), hits.into_iter().collect()));
        self.keep_selection_visible(cx.shared);
        self.clamp(cx.shared);
        cx.intent(Intent::SelectionChanged);
    }

    fn apply_catalog(&mut self, nodes: Vec<ProjectNode>, cx: &mut Cx<'_>) {
        let first = self.load != Load::Ready;
        let prev: BTreeMap<Ref, u32> = cx
            .shared
            .catalog
            .all_runs()
            .map(|r| (r.run.run_ref.clone(), r.stats.last_seq))
            .collect();
        cx.shared.catalog.projects = nodes;
        self.load = Load::Ready;
        self.query_now = cx.shared.now;
        self.request_latest(cx);
        let until = Timestamp(cx.shared.now.0 + FRESH_MICROS);
        let runs: Vec<(Ref, u32)> = cx
            .shared
            .catalog
            .all_runs()
            .map(|r| (r.run.run_ref.clone(), r.stats.last_seq))
            .collect();
        if first {
            // Marks restored from a saved view may name runs deleted since.
            let before = cx.shared.marks.len();
            cx.shared
                .marks
                .retain(|m| runs.iter().any(|(r, _)| r == m));
            if cx.shared.marks.len() != before {
                cx.intent(Intent::MarksChanged);
            }
        }
        for (run, last) in &runs {
            if first {
                self.seen.insert(run.clone(), *last);
            } else if prev.get(run) != Some(last) {
                self.fresh.insert(run.clone(), until);
                if self.expanded.contains(run) {
                    cx.ask(Query::Outline { run: run.clone() });
                }
            }
        }
        // The run on screen is being looked at: its new records are seen.
        if let Some(run) = &cx.shared.run
            && let Some((_, last)) = runs.iter().find(|(r, _)| r == run)
        {
            self.seen.insert(run.clone(), *last);
        }
        cx.intent(Intent::CatalogChanged);
        // First load, or the selected run is gone (deleted, workspace re-created): start on the
        // most recently active run, as at startup.
        let catalog = &cx.shared.catalog;
        let exists = cx
            .shared
            .selected
            .as_ref()
            .is_some_and(|sel| match sel.run_ref() {
                Some(r) => catalog.run_info(&r).is_some(),
                None => catalog.projects.iter().any(|p| &p.project.project_ref == sel),
            });
        if !exists {
            // The most recent run the filter shows (a filter restored from a saved view stays).
            let visible: BTreeSet<Ref> = self
                .rows(catalog)
                .into_iter()
                .filter(|r| r.kind == RowKind::Run)
                .map(|r| r.node)
                .collect();
            let start = catalog.most_recent_run_where(|r| visible.contains(&r.run.run_ref));
            if let Some(run) = start {
                self.select_node(run.clone(), cx);
                self.expanded.insert(run.clone());
                cx.ask(Query::Outline { run });
            } else {
                cx.shared.selected = None;
                cx.intent(Intent::ClearRun);
            }
        }
        self.clamp(cx.shared);
        self.request_flags(cx);
    }
}

impl TreePane {
    /// Sets the filter saved with a view (at start: the run list and metrics come later).
    pub fn restore_filter(&mut self, text: &str) {
        self.filter = text.to_string();
        self.query = RunQuery::parse(text);
        self.latest = None;
    }

    /// Asks for the runs' latest metric values when the query names metrics.
    fn request_latest(&mut self, cx: &mut Cx<'_>) {
        if !self.query.as_ref().is_ok_and(RunQuery::needs_metrics) {
            self.latest = None;
            return;
        }
        let runs: Vec<Ref> = cx
            .shared
            .catalog
            .all_runs()
            .map(|r| r.run.run_ref.clone())
            .collect();
        cx.ask(Query::Latest { runs });
    }

    /// Whether the query waits for metric values before it can say which runs match.
    pub fn awaiting_metrics(&self) -> bool {
        self.latest.is_none() && self.query.as_ref().is_ok_and(RunQuery::needs_metrics)
    }
}

impl Pane for TreePane {
    fn sync(&mut self, cx: &mut Cx<'_>, _force: bool) {
        // A run newly shown is being looked at: its records so far are seen.
        if cx.shared.run != self.shown {
            self.shown = cx.shared.run.clone();
            if let Some(r) = &self.shown
                && let Some(info) = cx.shared.catalog.run_info(r)
            {
                self.seen.insert(r.clone(), info.stats.last_seq);
            }
        }
    }

    fn refresh(&mut self, cx: &mut Cx<'_>) {
        cx.ask(Query::Catalog);
        for run in self.expanded.clone() {
            if run.kind() == "run" {
                cx.ask(Query::Outline { run });
            }
        }
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        cx.ask(Query::Catalog);
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Open if focused => self.toggle_node(cx),
            Action::Expand if focused => self.expand(true, cx),
            Action::Collapse if focused => self.expand(false, cx),
            Action::Mark => self.mark(cx),
            Action::ClearMarks => {
                cx.shared.marks.clear();
                cx.intent(Intent::MarksChanged);
            }
            Action::Sort(k @ (SortKey::Start | SortKey::Name | SortKey::Toggle)) => {
                self.sort = match (k, self.sort) {
                    (SortKey::Start, _) | (SortKey::Toggle, TreeSort::Name) => TreeSort::Start,
                    _ => TreeSort::Name,
                };
                self.clamp(cx.shared);
            }
            Action::GotoRun(text) => cx.ask(Query::Resolve { text: text.clone() }),
            Action::ConsoleAtFailure if focused => self.console_at_failure(cx),
            _ => return false,
        }
        true
    }

    fn select(&mut self, motion: Motion, cx: &mut Cx<'_>) {
        // A page is the rows the list shows (the legend takes the pane's last one).
        let page = list_rows(cx.shared.pane_height(PaneId::Tree));
        self.move_by(motion_delta(motion, page), cx);
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let rows = self.rows(&cx.shared.catalog);
        if rows.is_empty() {
            return;
        }
        let idx = selected_index(&rows, cx.shared.selected.as_ref()).unwrap_or(0) as isize;
        let new = idx.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
        cx.shared.selected = Some(rows[new].node.clone());
        self.clamp(cx.shared);
        cx.intent(Intent::SelectionChanged);
        self.request_flags(cx);
    }

    fn click(&mut self, row: usize, cx: &mut Cx<'_>) {
        let rows = self.rows(&cx.shared.catalog);
        let idx = selected_index(&rows, cx.shared.selected.as_ref()).unwrap_or(0);
        let target = self.offset + row;
        if target < rows.len() && target != idx {
            self.move_by(target as isize - idx as isize, cx);
        }
    }

    fn clamp(&mut self, shared: &Shared) {
        self.clamp_view(shared, list_rows(shared.pane_height(PaneId::Tree)));
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, text: &str, submitted: bool, cx: &mut Cx<'_>) {
        let needed_metrics = self.query.as_ref().is_ok_and(RunQuery::needs_metrics);
        self.filter = text.to_string();
        self.query = RunQuery::parse(text);
        self.query_now = cx.shared.now;
        match &self.query {
            Err(e) if submitted => cx.flash(FlashLevel::Error, format!("filter: {e}")),
            Ok(q) if q.needs_metrics() && !needed_metrics => self.request_latest(cx),
            Ok(q) if !q.needs_metrics() => self.latest = None,
            _ => {}
        }
        self.keep_selection_visible(cx.shared);
        self.clamp(cx.shared);
        self.search_artifacts(text, cx);
        cx.intent(Intent::SelectionChanged);
    }

    fn filter_problem(&self) -> Option<(usize, String)> {
        self.query
            .as_ref()
            .err()
            .map(|e| (e.column, e.message.clone()))
    }

    fn on_clock(&mut self, now: Timestamp) {
        self.fresh.retain(|_, until| *until > now);
    }

    fn next_wake(&self) -> Option<Timestamp> {
        self.fresh.values().min().copied()
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        if lane == "catalog" {
            self.load = Load::Failed(message.to_string());
        }
    }

    fn on_problem(&mut self, why: &Load) {
        if self.load != Load::Ready {
            self.load = why.clone();
        }
    }
}

impl PaneKind for TreePane {
    const INFO: Info = Info {
        name: "tree",
        aliases: &[],
        title: "Runs",
        help: "Runs (tree)",
        place: Place::Side,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(q: &Query) -> Lane {
        match q {
            Query::Catalog => Lane::new(Priority::View, "catalog"),
            Query::Outline { run } => Lane::keyed(Priority::Background, "outline", run.clone()),
            Query::Resolve { .. } => Lane::new(Priority::Input, "resolve"),
            Query::Flags { .. } => Lane::new(Priority::Background, "flags"),
            Query::Search { .. } => Lane::new(Priority::Background, "search"),
            Query::Latest { .. } => Lane::new(Priority::Background, "latest"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        match loaded {
            Loaded::Catalog(nodes) => self.apply_catalog(nodes, cx),
            Loaded::Outline(run, outline) => {
                self.outlines.insert(run, outline);
                self.clamp(cx.shared);
            }
            Loaded::Resolved(r) => self.select_node(r, cx),
            Loaded::Flags(flags) => self.apply_flags(flags, cx),
            Loaded::SearchHits(text, hits) => self.apply_search(text, hits, cx),
            Loaded::Latest(latest) => {
                if self.query.as_ref().is_ok_and(RunQuery::needs_metrics) {
                    self.latest = Some(latest);
                    self.keep_selection_visible(cx.shared);
                    self.clamp(cx.shared);
                    cx.intent(Intent::SelectionChanged);
                }
            }
        }
    }
}
