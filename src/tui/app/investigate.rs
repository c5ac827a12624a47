//! Compare and diagnostics in the reducer: starting a comparison from the marks (or `:compare
//! A B`), the overlay chart of the selected metric, findings of the current run, and the jump
//! from a finding to its evidence (a record in the stream, a stage in the tree, an artifact in
//! the overview).
//!
//! Pure: returns effects; the worker computes comparisons and findings.

use super::compare::{CmpRow, two_rows};
use super::{AppState, FlashLevel, Load};
use crate::model::Ref;
use crate::query::Anchor;
use crate::tui::action::PaneId;
use crate::tui::effect::{Compared, Effect, Query};

impl AppState {
    /// Shows `pane` as the main pane and focuses it.
    pub(super) fn show(&mut self, pane: PaneId) {
        self.focus = pane;
        if pane != PaneId::Tree {
            self.main = pane;
        }
        self.clamp_views();
    }

    pub(super) fn compare(&mut self, refs: Vec<String>) -> Vec<Effect> {
        let runs = if refs.is_empty() {
            // Oldest on the left: a comparison reads as "what changed since".
            let mut marked: Vec<_> = self.tree.marks.iter().collect();
            marked.sort_by_key(|r| (self.tree.run_info(r).map(|i| i.run.started_at), *r));
            let marks: Vec<String> = marked.iter().map(|r| r.to_string()).collect();
            if marks.len() < 2 {
                self.flash(
                    FlashLevel::Warn,
                    format!(
                        "compare: mark two runs or more with Space ({} marked)",
                        marks.len()
                    ),
                );
                return vec![];
            }
            marks
        } else if refs.len() < 2 {
            self.flash(FlashLevel::Warn, "compare: give two runs or more");
            return vec![];
        } else {
            refs
        };
        self.compare.start(runs.clone());
        self.show(PaneId::Compare);
        let mut fx = vec![self.requests.issue(Query::Compare { runs })];
        fx.extend(self.load_panes(false));
        fx
    }

    pub(super) fn on_compared(&mut self, c: Compared) -> Vec<Effect> {
        self.compare.load = Load::Ready;
        // A refresh of the same comparison keeps the place; a new one starts on its first metric.
        let again = self.compare.result.replace(c).is_some();
        let n = self.compare.row_count();
        if again && self.compare.selected < n {
            self.compare.series_load = Load::Idle;
            return self.load_compare_series();
        }
        self.compare.selected = match self.compare.two() {
            Some(c) => two_rows(c)
                .iter()
                .position(|r| matches!(r, CmpRow::Metric(_)))
                .unwrap_or(0),
            None => 0,
        };
        self.compare.offset = 0;
        self.load_compare_series()
    }

    /// `:refresh` re-reads what the investigation panes show (compare, lineage).
    pub(super) fn refresh_investigation(&mut self) -> Vec<Effect> {
        let mut fx = Vec::new();
        if self.visible(PaneId::Compare) && self.compare.result.is_some() {
            let runs = self.compare.runs.clone();
            fx.push(self.requests.issue(Query::Compare { runs }));
        }
        if self.visible(PaneId::Lineage)
            && let Some(root) = self.lineage.root.clone()
        {
            fx.push(self.requests.issue(Query::Lineage {
                root,
                depth: super::lineage::DEPTH,
            }));
        }
        fx
    }

    /// Width of the compare pane's chart (the pane's inner width, less the y labels).
    fn compare_chart_width(&self) -> usize {
        self.screen()
            .area(PaneId::Compare)
            .map_or(60, |a| a.inner().w.saturating_sub(10).max(10) as usize)
    }

    /// Rows of the compare list that fit (the chart takes the lower part).
    pub(super) fn compare_list_height(&self) -> usize {
        let h = self.pane_height(PaneId::Compare);
        if self.compare.two().is_some() {
            crate::tui::layout::compare_split(h as u16).0 as usize
        } else {
            h.saturating_sub(1)
        }
    }

    pub(super) fn load_compare_series(&mut self) -> Vec<Effect> {
        let Some((l, r, key)) = self.compare.selected_metric() else {
            return vec![];
        };
        if self
            .compare
            .series
            .first()
            .is_some_and(|s| s.key == key && self.compare.series_load == Load::Ready)
        {
            return vec![];
        }
        self.compare.series_load = Load::Loading;
        let buckets = self.compare_chart_width();
        vec![self.requests.issue(Query::CompareSeries {
            lines: vec![(l, key.clone()), (r, key)],
            buckets,
        })]
    }

    pub(super) fn compare_move(&mut self, delta: isize) -> Vec<Effect> {
        let h = self.compare_list_height();
        self.compare.move_by(delta, h);
        self.load_compare_series()
    }

    /// Asks for the current run's findings when the pane shows and they are for another run.
    pub(super) fn load_diagnostics(&mut self, force: bool) -> Vec<Effect> {
        if !self.visible(PaneId::Diagnostics) {
            return vec![];
        }
        let run = self.run.clone();
        if !force && self.diagnostics.run == run {
            return vec![];
        }
        if self.diagnostics.run != run {
            self.diagnostics.reset(run.clone());
        }
        match run {
            Some(run) => vec![self.requests.issue(Query::Diagnose { run, now: self.now })],
            None => vec![],
        }
    }

    /// `Enter` on a finding: go to its evidence.
    pub(super) fn open_evidence(&mut self) -> Vec<Effect> {
        let Some(target) = self.diagnostics.evidence() else {
            self.flash(FlashLevel::Warn, "open: no finding selected");
            return vec![];
        };
        self.jump_to(target)
    }

    /// Goes to an entity's own view: a record in the stream, a stage or batch in the tree, a
    /// run or artifact in the overview.
    pub(super) fn jump_to(&mut self, target: Ref) -> Vec<Effect> {
        match target.kind() {
            "record" => vec![self.requests.issue(Query::Locate { record: target })],
            "stage" | "batch" | "op" | "sample" => {
                self.show(PaneId::Tree);
                self.select_node(target)
            }
            "run" => {
                let mut fx = self.select_node(target);
                self.show(PaneId::Overview);
                fx.extend(self.load_panes(false));
                fx
            }
            "artifact" | "environment" => {
                let Some(run) = target.run_ref() else {
                    return vec![];
                };
                let mut fx = self.select_node(run);
                self.show(PaneId::Overview);
                fx.extend(self.load_panes(false));
                self.overview.highlight = (target.kind() == "artifact").then_some(target);
                fx
            }
            other => {
                self.flash(
                    FlashLevel::Warn,
                    format!("jump: a {other} has no view of its own (try the lineage, 7)"),
                );
                vec![]
            }
        }
    }

    /// The record stream of `run`, paused, scrolled to and selecting `seq`.
    pub(super) fn jump_to_record(&mut self, run: Ref, seq: u32) -> Vec<Effect> {
        let mut fx = self.select_node(run.clone());
        self.show(PaneId::Stream);
        self.stream.filter = Default::default();
        self.stream.filter_text.clear();
        self.stream.reset(Some(run));
        self.stream.follow = false;
        self.stream.selected = Some(seq);
        // Read from the record on; earlier rows are fetched to fill the pane (`fill`).
        self.stream.more_before = seq > 1;
        self.stream.more_after = true;
        let limit = self.page_size().limit();
        fx.extend(self.records(Anchor::After(seq.saturating_sub(1)), limit));
        fx
    }
}
