//! The compare pane: two runs side by side (one list of both sides, and the selected metric's
//! curves overlaid), or three runs or more as a table sortable by column. Opened by `c` on the
//! marked runs or `:compare A B …`.
//!
//! Pure: returns queries through `Cx`; the worker compares (`fetch.rs`), `view.rs` draws.

mod fetch;
mod rows;
mod view;
mod view_table;

pub use rows::{CmpRow, many_columns, many_order, most_changed_row, two_rows};

use super::{Info, Pane, PaneKind, Place, clamp_offset};
use crate::analysis::compare::{Comparison, MultiComparison};
use crate::model::Ref;
use crate::query::SeriesLine;
use crate::tui::action::{Action, PaneId, SortKey};
use crate::tui::context::{Cx, FlashLevel, Intent, Load};
use crate::tui::effect::{Lane, Priority};

#[derive(Clone, Debug, PartialEq)]
pub enum Compared {
    Two(Box<Comparison>),
    Many(Box<MultiComparison>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// Compare two runs side by side, or more in one table (runs as typed or as refs).
    Compare { runs: Vec<String> },
    /// One key's series of each compared run, for the overlay chart.
    Series {
        lines: Vec<(Ref, String)>,
        buckets: usize,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Compared(Compared),
    Series(Vec<SeriesLine>),
}

/// How the two-run view splits its inner height: (list rows, chart rows).
pub fn split(inner_h: u16) -> (u16, u16) {
    let chart = if inner_h >= 16 { inner_h * 2 / 5 } else { 0 };
    (inner_h - chart, chart)
}

#[derive(Clone, Debug, Default)]
pub struct ComparePane {
    /// The runs asked for, as typed or as refs.
    pub runs: Vec<String>,
    pub load: Load,
    pub result: Option<Compared>,
    /// Two runs: the selected row. Many: the selected run row (in display order).
    pub selected: usize,
    pub offset: usize,
    /// Many runs: the selected column (metrics first, then params).
    pub column: usize,
    /// Many runs: sorted by (column, descending).
    pub sort: Option<(usize, bool)>,
    /// The selected metric's series of both runs.
    pub series: Vec<SeriesLine>,
    pub series_load: Load,
}

impl ComparePane {
    pub fn two(&self) -> Option<&Comparison> {
        match &self.result {
            Some(Compared::Two(c)) => Some(c),
            _ => None,
        }
    }

    pub fn many(&self) -> Option<&MultiComparison> {
        match &self.result {
            Some(Compared::Many(m)) => Some(m),
            _ => None,
        }
    }

    /// Starts a new comparison of `runs`.
    pub fn start(&mut self, runs: Vec<String>) {
        *self = ComparePane {
            runs,
            load: Load::Loading,
            ..ComparePane::default()
        };
    }

    pub fn row_count(&self) -> usize {
        match &self.result {
            Some(Compared::Two(c)) => two_rows(c).len(),
            Some(Compared::Many(m)) => m.runs.len(),
            None => 0,
        }
    }

    fn move_rows(&mut self, delta: isize, height: usize) {
        let n = self.row_count();
        if n == 0 {
            return;
        }
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        self.offset = clamp_offset(self.offset, self.selected, n, height);
    }

    /// The selected metric of a two-run comparison: (left run, right run, key).
    pub fn selected_metric(&self) -> Option<(Ref, Ref, String)> {
        let c = self.two()?;
        let rows = two_rows(c);
        let CmpRow::Metric(i) = rows.get(self.selected)? else {
            return None;
        };
        let m = c.metrics.get(*i)?;
        let l = crate::model::Ref::parse(&c.left).ok()?;
        let r = crate::model::Ref::parse(&c.right).ok()?;
        Some((l, r, m.key.clone()))
    }

    /// Moves the many-run table's column; false when there is no table.
    pub fn move_column(&mut self, right: bool) -> bool {
        let Some(n) = self.many().map(many_columns) else {
            return false;
        };
        self.column = if right {
            (self.column + 1).min(n.saturating_sub(1))
        } else {
            self.column.saturating_sub(1)
        };
        true
    }

    /// Sorts by the selected column; again reverses. False when there is no table.
    pub fn sort_column(&mut self) -> bool {
        if self.many().is_none() {
            return false;
        }
        self.sort = match self.sort {
            Some((c, d)) if c == self.column => Some((c, !d)),
            _ => Some((self.column, false)),
        };
        true
    }
}

impl ComparePane {
    /// Compares `refs`, or the marked runs (oldest on the left) when empty.
    fn compare(&mut self, refs: &[String], cx: &mut Cx<'_>) {
        let runs = if refs.is_empty() {
            // Oldest on the left: a comparison reads as "what changed since".
            let shared = &cx.shared;
            let mut marked: Vec<_> = shared.marks.iter().collect();
            marked.sort_by_key(|r| (shared.catalog.run_info(r).map(|i| i.run.started_at), *r));
            let marks: Vec<String> = marked.iter().map(|r| r.to_string()).collect();
            if marks.len() < 2 {
                cx.flash(
                    FlashLevel::Warn,
                    format!(
                        "compare: mark two runs or more with Space ({} marked)",
                        marks.len()
                    ),
                );
                return;
            }
            marks
        } else if refs.len() < 2 {
            cx.flash(FlashLevel::Warn, "compare: give two runs or more");
            return;
        } else {
            refs.to_vec()
        };
        self.start(runs.clone());
        cx.ask(Query::Compare { runs });
        cx.intent(Intent::Show(PaneId::Compare));
    }

    fn on_compared(&mut self, c: Compared, cx: &mut Cx<'_>) {
        self.load = Load::Ready;
        // A refresh of the same comparison keeps the place; a new one starts on the metric that
        // changed most (what a comparison is opened to find), else its first metric.
        let again = self.result.replace(c).is_some();
        let n = self.row_count();
        if again && self.selected < n {
            self.series_load = Load::Idle;
            return self.load_series(cx);
        }
        self.selected = match self.two() {
            Some(c) => most_changed_row(c)
                .or_else(|| {
                    two_rows(c)
                        .iter()
                        .position(|r| matches!(r, CmpRow::Metric(_)))
                })
                .unwrap_or(0),
            None => 0,
        };
        let height = self.list_height(cx);
        self.offset = clamp_offset(0, self.selected, n, height);
        self.load_series(cx);
    }

    /// Width of the chart (the pane's inner width, less the y labels).
    fn chart_width(cx: &Cx<'_>) -> usize {
        cx.shared
            .area(PaneId::Compare)
            .map_or(60, |a| a.inner().w.saturating_sub(10).max(10) as usize)
    }

    /// Rows of the list that fit (the chart takes the lower part).
    fn list_height(&self, cx: &Cx<'_>) -> usize {
        let h = cx.shared.pane_height(PaneId::Compare);
        if self.two().is_some() {
            split(h as u16).0 as usize
        } else {
            h.saturating_sub(1)
        }
    }

    fn load_series(&mut self, cx: &mut Cx<'_>) {
        let Some((l, r, key)) = self.selected_metric() else {
            return;
        };
        if self
            .series
            .first()
            .is_some_and(|s| s.key == key && self.series_load == Load::Ready)
        {
            return;
        }
        self.series_load = Load::Loading;
        let buckets = Self::chart_width(cx);
        cx.ask(Query::Series {
            lines: vec![(l, key.clone()), (r, key)],
            buckets,
        });
    }
}

impl Pane for ComparePane {
    fn refresh(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.visible(PaneId::Compare) && self.result.is_some() {
            let runs = self.runs.clone();
            cx.ask(Query::Compare { runs });
        }
    }

    fn on_focus(&mut self, cx: &mut Cx<'_>) {
        if !self.runs.is_empty() {
            return;
        }
        if cx.shared.marks.len() >= 2 {
            self.compare(&[], cx);
        } else {
            cx.flash(
                FlashLevel::Info,
                "compare: mark runs with Space in the tree, then press c",
            );
        }
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Compare(refs) => self.compare(refs, cx),
            Action::Sort(SortKey::Column) => {
                if !self.sort_column() {
                    cx.flash(
                        FlashLevel::Warn,
                        "sort column: only in a compare table of 3+ runs",
                    );
                }
            }
            Action::Column(right) if focused => return self.move_column(*right),
            _ => return false,
        }
        true
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let h = self.list_height(cx);
        self.move_rows(delta, h);
        self.load_series(cx);
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        let failed = Load::Failed(message.to_string());
        match lane {
            "compare" => self.load = failed,
            "series" => self.series_load = failed,
            _ => {}
        }
    }
}

impl PaneKind for ComparePane {
    const INFO: Info = Info {
        name: "compare",
        aliases: &[],
        title: "Compare",
        help: "Compare",
        place: Place::Investigation,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(q: &Query) -> Lane {
        match q {
            Query::Compare { .. } => Lane::new(Priority::Investigate, "compare"),
            Query::Series { .. } => Lane::new(Priority::Investigate, "series"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        match loaded {
            Loaded::Compared(c) => self.on_compared(c, cx),
            Loaded::Series(lines) => {
                self.series = lines;
                self.series_load = Load::Ready;
            }
        }
    }
}
