//! Which queries the app asks for, and what it does with their results: loading the panes of
//! the current run when they become visible, re-reading only what is visible when the workspace
//! changes, and applying loaded payloads to pane state (dropping stale ones).
//!
//! Pure like the rest of `app`: it returns effects, it never runs them.

use super::stream::{FRESH_MICROS, PageSize};
use super::{AppState, FlashLevel, Load};
use crate::model::{Ref, Timestamp};
use crate::query::{Anchor, ProjectNode};
use crate::tui::action::PaneId;
use crate::tui::effect::{Effect, LoadError, Loaded, Payload, Query, Slot};
use crate::tui::layout;
use std::collections::BTreeMap;

/// Metric keys that get a sparkline (the list is scrolled, not paged; more would cost reads).
const SPARK_KEYS: usize = 100;

impl AppState {
    pub(super) fn visible(&self, pane: PaneId) -> bool {
        self.screen().is_visible(pane)
    }

    pub(super) fn page_size(&self) -> PageSize {
        PageSize {
            height: self.stream_height(),
        }
    }

    /// Everything visible, from scratch (start, `:refresh`, workspace back).
    pub(super) fn refresh_all(&mut self) -> Vec<Effect> {
        // Bodies may have changed on disk without a commit: hash them again.
        self.overview.verified.clear();
        let mut fx = vec![self.requests.issue(Query::Tree)];
        for run in self.tree.expanded.clone() {
            if run.kind() == "run" {
                fx.push(self.requests.issue(Query::Outline { run }));
            }
        }
        fx.extend(self.load_panes(true));
        fx.extend(self.refresh_investigation());
        fx
    }

    /// After a workspace change: tree counters, the current run's visible panes, the live tail.
    pub(super) fn refresh_live(&mut self) -> Vec<Effect> {
        let mut fx = vec![self.requests.issue(Query::Tree)];
        let Some(run) = self.run.clone() else {
            return fx;
        };
        if self.visible(PaneId::Overview) && self.overview.run.as_ref() == Some(&run) {
            fx.push(self.requests.issue(Query::Detail { run: run.clone() }));
        }
        if self.visible(PaneId::Stream) && self.stream.run.as_ref() == Some(&run) {
            // The tree's counters are not read yet: ask from the cursor; an empty page is cheap.
            if let Some(anchor) = self.stream.live_anchor(None) {
                let limit = self.page_size().cap();
                fx.extend(self.records(anchor, limit));
            }
        }
        if self.visible(PaneId::Metrics) && self.metrics.run.as_ref() == Some(&run) {
            fx.push(self.requests.issue(Query::Metrics { run }));
        }
        fx.extend(self.load_diagnostics(true));
        fx.extend(self.load_project(true));
        fx
    }

    pub(super) fn records(&mut self, anchor: Anchor, limit: usize) -> Vec<Effect> {
        match self.stream.query(anchor, limit) {
            Some((run, filter, anchor, limit)) => vec![self.requests.issue(Query::Records {
                run,
                filter,
                anchor,
                limit,
            })],
            None => vec![],
        }
    }

    /// Loads the visible right-hand panes whose data is for another run (or all, if `force`).
    pub(super) fn load_panes(&mut self, force: bool) -> Vec<Effect> {
        let mut fx = Vec::new();
        let run = self.run.clone();
        if self.visible(PaneId::Overview) && (force || self.overview.run != run) {
            if self.overview.run != run {
                self.overview.highlight = None;
            }
            self.overview.run = run.clone();
            self.overview.scroll = 0;
            self.overview.load = if run.is_some() {
                Load::Loading
            } else {
                Load::Idle
            };
            if self.overview.detail.as_ref().map(|d| &d.info.run.run_ref) != run.as_ref() {
                self.overview.detail = None;
            }
            if let Some(run) = run.clone() {
                fx.push(self.requests.issue(Query::Detail { run }));
            }
        }
        if self.visible(PaneId::Stream) && (force || self.stream.run != run) {
            self.stream.reset(run.clone());
            if run.is_none() {
                self.stream.load = Load::Idle;
            }
            let limit = self.page_size().limit();
            fx.extend(self.records(Anchor::Tail, limit));
        }
        if self.visible(PaneId::Metrics) && (force || self.metrics.run != run) {
            // On a refresh of the same run, keep what is on screen while it reloads.
            if !(force && self.metrics.run == run && self.metrics.load == Load::Ready) {
                self.metrics.reset(run.clone());
            }
            if run.is_none() {
                self.metrics.load = Load::Idle;
            }
            if let Some(run) = run {
                fx.push(self.requests.issue(Query::Metrics { run }));
            }
        }
        fx.extend(self.load_diagnostics(force));
        fx.extend(self.load_project(force));
        fx
    }

    /// Chart series and sparklines for the metrics pane, sized to its current width.
    pub(super) fn load_metric_series(&mut self) -> Vec<Effect> {
        let Some(run) = self.metrics.run.clone() else {
            return vec![];
        };
        let Some(area) = self.screen().area(PaneId::Metrics) else {
            return vec![];
        };
        if self.metrics.load != Load::Ready {
            return vec![];
        }
        let inner = area.inner();
        let (list, chart) = layout::metrics_split(inner, self.metrics.keys.len());
        let mut fx = Vec::new();
        let marks: Vec<Ref> = self.tree.marks.iter().cloned().collect();
        let lines = self.metrics.chart_lines(&marks);
        if lines.is_empty() {
            self.metrics.series.clear();
            self.metrics.series_load = Load::Idle;
        } else {
            self.metrics.series_load = Load::Loading;
            fx.push(self.requests.issue(Query::Series {
                lines,
                last_n: self.metrics.zoom_points(),
                buckets: chart.w.max(10) as usize,
            }));
        }
        let spark_w = crate::tui::panes::metrics::spark_width(list.w);
        if spark_w > 0 {
            let keys: Vec<String> = self
                .metrics
                .keys
                .iter()
                .take(SPARK_KEYS)
                .map(|k| k.key.clone())
                .collect();
            fx.push(self.requests.issue(Query::Sparklines {
                run,
                keys,
                buckets: spark_w,
            }));
        }
        fx
    }

    /// Makes `run` the one the right-hand panes show.
    pub(super) fn set_run(&mut self, run: Option<Ref>) -> Vec<Effect> {
        if run == self.run {
            return vec![];
        }
        self.run = run;
        if let Some(r) = &self.run
            && let Some(info) = self.tree.run_info(r)
        {
            self.tree.seen.insert(r.clone(), info.stats.last_seq);
        }
        self.load_panes(false)
    }

    pub(super) fn on_loaded(&mut self, loaded: Loaded) -> Vec<Effect> {
        if !self.requests.accept(&loaded) {
            return vec![];
        }
        let payload = match loaded.result {
            Ok(p) => p,
            Err(LoadError::Workspace(p)) => return self.on_problem(p),
            Err(LoadError::Query(msg)) => {
                self.on_failed(&loaded.slot, msg);
                return vec![];
            }
        };
        match payload {
            Payload::Tree(nodes) => self.apply_tree(nodes),
            Payload::Outline(run, outline) => {
                self.tree.outlines.insert(run, outline);
                self.clamp_views();
                vec![]
            }
            Payload::Detail(d) => {
                if self.overview.run.as_ref() == Some(&d.info.run.run_ref) {
                    self.overview.detail = Some(d);
                    self.overview.load = Load::Ready;
                    return self.verify_artifacts();
                }
                vec![]
            }
            Payload::Records { anchor, page } => {
                let size = self.page_size();
                match self.stream.apply_page(anchor, page, &size, self.now) {
                    Some(next) => self.records(next, size.cap()),
                    None => vec![],
                }
            }
            Payload::Metrics(keys) => {
                self.metrics.apply_keys(keys);
                self.load_metric_series()
            }
            Payload::Sparklines(s) => {
                self.metrics.sparks = s.into_iter().collect();
                vec![]
            }
            Payload::Series(lines) => {
                self.metrics.series = lines;
                self.metrics.series_load = Load::Ready;
                vec![]
            }
            Payload::Resolved(r) => self.select_node(r),
            Payload::Compared(c) => self.on_compared(c),
            Payload::CompareSeries(lines) => {
                self.compare.series = lines;
                self.compare.series_load = Load::Ready;
                vec![]
            }
            Payload::Findings(run, findings) => {
                if self.diagnostics.run.as_ref() == Some(&run) {
                    self.diagnostics.findings = findings;
                    self.diagnostics.load = Load::Ready;
                    let n = self.diagnostics.findings.len();
                    self.diagnostics.selected = self.diagnostics.selected.min(n.saturating_sub(1));
                }
                vec![]
            }
            Payload::Flags(flags) => self.apply_flags(flags),
            Payload::Lineage(g) => {
                self.lineage.root = Some(g.root.clone());
                self.lineage.graph = Some(g);
                self.lineage.load = Load::Ready;
                self.lineage.settle();
                vec![]
            }
            Payload::Trends(project, trends) => {
                if self.project.project.as_ref() == Some(&project) {
                    self.project.trends = trends;
                    self.project.load = Load::Ready;
                    let n = self.project.trends.len();
                    self.project.selected = self.project.selected.min(n.saturating_sub(1));
                }
                vec![]
            }
            Payload::Located(run, seq) => self.jump_to_record(run, seq),
            Payload::SearchHits(text, hits) => self.apply_search(text, hits),
            Payload::Verified(run, states) => {
                self.apply_verified(run, states);
                vec![]
            }
        }
    }

    fn on_failed(&mut self, slot: &Slot, msg: String) {
        let failed = Load::Failed(msg.clone());
        match slot {
            Slot::Tree => self.tree.load = failed,
            Slot::Detail => self.overview.load = failed,
            Slot::Records => {
                self.stream.load = failed;
                self.stream.paging = false;
            }
            Slot::Metrics => self.metrics.load = failed,
            Slot::Series => self.metrics.series_load = failed,
            Slot::Compare => self.compare.load = failed,
            Slot::CompareSeries => self.compare.series_load = failed,
            Slot::Diagnose => self.diagnostics.load = failed,
            Slot::Lineage => self.lineage.load = failed,
            Slot::Trends => self.project.load = failed,
            Slot::Sparklines
            | Slot::Outline(_)
            | Slot::Resolve
            | Slot::Locate
            | Slot::Search
            | Slot::Verify
            | Slot::Flags => {}
        }
        self.flash(FlashLevel::Error, msg);
    }

    fn apply_tree(&mut self, nodes: Vec<ProjectNode>) -> Vec<Effect> {
        let first = self.tree.load != Load::Ready;
        let prev: BTreeMap<Ref, u32> = self
            .tree
            .all_runs()
            .map(|r| (r.run.run_ref.clone(), r.stats.last_seq))
            .collect();
        self.tree.projects = nodes;
        self.tree.load = Load::Ready;
        let mut fx = Vec::new();
        let until = Timestamp(self.now.0 + FRESH_MICROS);
        let runs: Vec<(Ref, u32)> = self
            .tree
            .all_runs()
            .map(|r| (r.run.run_ref.clone(), r.stats.last_seq))
            .collect();
        for (run, last) in &runs {
            if first {
                self.tree.seen.insert(run.clone(), *last);
            } else if prev.get(run) != Some(last) {
                self.tree.fresh.insert(run.clone(), until);
                if self.tree.expanded.contains(run) {
                    fx.push(self.requests.issue(Query::Outline { run: run.clone() }));
                }
            }
        }
        if let Some(run) = &self.run
            && let Some((_, last)) = runs.iter().find(|(r, _)| r == run)
        {
            self.tree.seen.insert(run.clone(), *last);
            if self.stream.more_after {
                self.stream.behind = u64::from(last.saturating_sub(self.stream.cursor));
            }
        }
        // First load, or the selected run is gone (deleted, workspace re-created): start on the
        // most recently active run, as at startup.
        let exists = self
            .tree
            .selected
            .as_ref()
            .is_some_and(|sel| match sel.run_ref() {
                Some(r) => self.tree.run_info(&r).is_some(),
                None => self
                    .tree
                    .projects
                    .iter()
                    .any(|p| &p.project.project_ref == sel),
            });
        if !exists {
            if let Some(run) = self.tree.most_recent_run() {
                fx.extend(self.select_node(run.clone()));
                self.tree.expanded.insert(run.clone());
                fx.push(self.requests.issue(Query::Outline { run }));
            } else {
                self.tree.selected = None;
                fx.extend(self.set_run(None));
            }
        }
        self.clamp_views();
        fx.extend(self.request_flags());
        fx
    }

    /// Selects a tree node by ref (revealing it) and shows its run.
    pub(super) fn select_node(&mut self, node: Ref) -> Vec<Effect> {
        self.tree.reveal(&node);
        if !self.tree.filter.is_empty() && !self.tree.rows().iter().any(|r| r.node == node) {
            self.tree.filter.clear();
        }
        self.tree.selected = Some(node.clone());
        self.clamp_views();
        let mut fx = Vec::new();
        if node.kind() != "run"
            && let Some(run) = node.run_ref()
            && !self.tree.outlines.contains_key(&run)
        {
            fx.push(self.requests.issue(Query::Outline { run }));
        }
        fx.extend(self.tree_selection_changed());
        fx
    }

    pub(super) fn tree_selection_changed(&mut self) -> Vec<Effect> {
        let run = self.tree.selected.as_ref().and_then(|n| n.run_ref());
        let mut fx = match run {
            Some(r) => self.set_run(Some(r)),
            None => vec![],
        };
        // The project view follows the selection's project (and shows for a project row).
        fx.extend(self.load_project(false));
        fx
    }
}
