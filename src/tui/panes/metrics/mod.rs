//! The metrics pane. It opens on a grid: every metric key of the shown run as its own small
//! chart with its own y axis and latest value, grouped by prefix, as many as fit, paged by the
//! selection (`grid.rs`). `Enter` opens the selected key (or the pinned keys) full size with
//! the same keys of marked runs overlaid; there `h`/`l` move a cursor that reads out step, time
//! and values, `[`/`]` zoom the x range around it, `H`/`L` pan and `=` shows all (`cursor.rs`);
//! `Esc` goes back to the grid; `r` splits a merged multi-rank run's chart by rank (all ranks,
//! rank 0, rank 1 …; the ranks are read once per run, on the first press). The `/` filter takes a glob or a regex (`keys.rs`). Series
//! arrive cut to the range and reduced to min and max per braille column by the worker, so
//! drawing costs the screen's width, never the series' length.
//!
//! Pure: returns queries through `Cx`; the worker reads series (`fetch.rs`), `view*.rs` draw.

mod chart;
mod cursor;
mod fetch;
mod grid;
mod keys;
mod view;
mod view_chart;

pub use chart::{Smoothing, XBy};
pub use cursor::{XView, nearest};
pub use keys::{KeyFilter, group};

use super::{Info, Pane, PaneKind, Place, motion_delta};
use crate::model::Ref;
use crate::query::{ChartAsk, MetricInfo, Point, SeriesLine};
use crate::tui::action::{Action, Motion, PaneId, Zoom};
use crate::tui::context::{Cx, Load};
use crate::tui::effect::{Lane, Priority};
use crate::tui::layout::Area;

/// What the pane shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// A small chart per key.
    #[default]
    Grid,
    /// The selected (or pinned) keys on one chart, full size, with the cursor.
    Full,
}

#[derive(Clone, Debug, Default)]
pub struct MetricsPane {
    pub run: Option<Ref>,
    pub load: Load,
    /// Every key of the run, grouped by prefix (`keys::sort_grouped`).
    pub keys: Vec<MetricInfo>,
    pub filter: String,
    pub matcher: KeyFilter,
    pub selected: Option<String>,
    pub mode: Mode,
    /// Keys pinned to the full-size chart; empty means "the selected key".
    pub pinned: Vec<String>,
    /// The grid page's lines: each key of the page for the run, then for each marked run.
    pub grid: Vec<SeriesLine>,
    pub grid_load: Load,
    /// The full-size chart's lines.
    pub series: Vec<SeriesLine>,
    pub series_load: Load,
    pub smoothing: Smoothing,
    pub log_y: bool,
    pub x_by: XBy,
    pub view: XView,
    /// The keys were asked again because the workspace changed: when their summaries come
    /// back unchanged, the charts on screen are still right and nothing is read again.
    pub live_check: bool,
    /// The rank the full-size chart shows of the shown run; `None`: every rank's points.
    pub rank: Option<u32>,
    /// The ranks that wrote the shown run's metrics; `None` until asked (the first `r`).
    pub ranks: Option<Vec<u32>>,
    /// `r` was pressed before the ranks were read: step once they arrive.
    pub rank_pending: bool,
}

/// What the cursor reads out: the x under it and each line's nearest point.
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    pub x: f64,
    /// (index into `series`, the point) per line with a point.
    pub values: Vec<(usize, Point)>,
}

impl MetricsPane {
    pub fn reset(&mut self, run: Option<Ref>) {
        let keep = std::mem::take(self);
        *self = MetricsPane {
            run,
            load: Load::Loading,
            filter: keep.filter,
            matcher: keep.matcher,
            mode: keep.mode,
            smoothing: keep.smoothing,
            log_y: keep.log_y,
            x_by: keep.x_by,
            ..MetricsPane::default()
        };
    }

    pub fn visible_keys(&self) -> Vec<&MetricInfo> {
        self.keys
            .iter()
            .filter(|k| self.matcher.matches(&k.key))
            .collect()
    }

    pub fn selected_index(&self) -> Option<usize> {
        let sel = self.selected.as_ref()?;
        self.visible_keys().iter().position(|k| &k.key == sel)
    }

    /// The grid page holding the selection, and the number of pages, `per_page` charts each.
    pub fn page(&self, per_page: usize) -> (usize, usize) {
        let per = per_page.max(1);
        let n = self.visible_keys().len();
        (self.selected_index().unwrap_or(0) / per, n.div_ceil(per).max(1))
    }

    /// The keys on the grid page holding the selection.
    pub fn page_keys(&self, per_page: usize) -> Vec<&MetricInfo> {
        let per = per_page.max(1);
        let (page, _) = self.page(per);
        self.visible_keys()
            .into_iter()
            .skip(page * per)
            .take(per)
            .collect()
    }

    /// Keys the full-size chart shows.
    pub fn chart_keys(&self) -> Vec<String> {
        if self.pinned.is_empty() {
            self.selected.iter().cloned().collect()
        } else {
            self.pinned.clone()
        }
    }

    /// The (run, key) lines of `keys`: each key for the shown run, and for every marked run.
    fn lines_of(&self, keys: &[String], marks: &[Ref]) -> Vec<(Ref, String)> {
        let Some(run) = &self.run else { return vec![] };
        let mut out = Vec::new();
        for key in keys {
            out.push((run.clone(), key.clone()));
            for m in marks.iter().filter(|m| *m != run) {
                out.push((m.clone(), key.clone()));
            }
        }
        out
    }

    /// The (run, key) lines of the full-size chart (overlay of the marked runs).
    pub fn chart_lines(&self, marks: &[Ref]) -> Vec<(Ref, String)> {
        self.lines_of(&self.chart_keys(), marks)
    }

    pub fn apply_keys(&mut self, mut keys: Vec<MetricInfo>) {
        keys::sort_grouped(&mut keys);
        self.keys = keys;
        self.load = Load::Ready;
        self.pinned.retain(|p| self.keys.iter().any(|k| &k.key == p));
        if self.selected_index().is_none() {
            self.selected = self.visible_keys().first().map(|k| k.key.clone());
        }
    }

    fn move_keys(&mut self, delta: isize) {
        let keys = self.visible_keys();
        if keys.is_empty() {
            return;
        }
        let idx = self.selected_index().unwrap_or(0) as isize;
        let new = idx.saturating_add(delta).clamp(0, keys.len() as isize - 1) as usize;
        self.selected = Some(keys[new].key.clone());
    }

    /// Charts `key` (the finder's choice): selected, added to the pinned keys if some are
    /// pinned, and opened full size; a filter that would hide it is cleared. Keys not loaded
    /// yet keep it.
    pub fn chart_key(&mut self, key: &str, cx: &mut Cx<'_>) {
        self.filter.clear();
        self.matcher = KeyFilter::parse("");
        self.selected = Some(key.to_string());
        if !self.pinned.is_empty() && !self.pinned.iter().any(|p| p == key) {
            self.pinned.push(key.to_string());
        }
        self.mode = Mode::Full;
        self.view = XView::default();
        self.series.clear();
        self.load_series(cx);
    }

    pub fn toggle_pin(&mut self) {
        let Some(sel) = self.selected.clone() else {
            return;
        };
        if let Some(i) = self.pinned.iter().position(|p| p == &sel) {
            self.pinned.remove(i);
        } else {
            self.pinned.push(sel);
        }
    }

    /// The x extent of the full-size chart's data (every line's whole series).
    pub fn extent(&self) -> Option<(f64, f64)> {
        self.series
            .iter()
            .filter_map(|l| l.extent(self.x_by))
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            .map(|(a, b)| if b > a { (a, b) } else { (a, a + 1.0) })
    }

    /// The x range on screen of the full-size chart.
    pub fn shown(&self) -> Option<(f64, f64)> {
        self.extent().map(|e| self.view.shown(e))
    }

    /// The cursor's readout: each line's point nearest the cursor.
    pub fn readout(&self) -> Option<Readout> {
        let x = self.view.cursor?;
        let values = self
            .series
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let t0 = l.t0();
                nearest(&l.points, |p| self.x_by.x(p, t0), x).map(|p| (i, p))
            })
            .collect();
        Some(Readout { x, values })
    }

    /// The split after `rank`: all ranks → the first → … → the last → all ranks.
    pub fn next_rank(rank: Option<u32>, ranks: &[u32]) -> Option<u32> {
        match rank {
            None => ranks.first().copied(),
            Some(r) => ranks.iter().copied().find(|x| *x > r),
        }
    }

    /// Steps the rank split with the ranks known, or says the run has none.
    fn step_rank(&mut self, cx: &mut Cx<'_>) {
        let Some(ranks) = &self.ranks else { return };
        if ranks.is_empty() {
            cx.flash(
                crate::tui::context::FlashLevel::Info,
                "this run has no ranks",
            );
            return;
        }
        self.rank = Self::next_rank(self.rank, ranks);
        // Ranks may cover different steps: the range and cursor were for the other series.
        self.view = XView::default();
        self.load_series(cx);
    }

    fn ask(&self, columns: usize, range: Option<(f64, f64)>) -> ChartAsk {
        ChartAsk {
            by: self.x_by,
            range,
            columns,
            smoothing: self.smoothing.alpha(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// The run's metric keys with their summaries.
    Keys { run: Ref },
    /// The grid page's lines.
    Grid {
        lines: Vec<(Ref, String)>,
        ask: ChartAsk,
    },
    /// The full-size chart's lines; with `rank`, that run's lines hold that rank's points.
    Series {
        lines: Vec<(Ref, String)>,
        ask: ChartAsk,
        rank: Option<(Ref, u32)>,
    },
    /// The ranks that wrote the run's metrics.
    Ranks { run: Ref },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Keys(Vec<MetricInfo>),
    Grid(Vec<SeriesLine>),
    Series(Vec<SeriesLine>),
    Ranks(Vec<u32>),
}

/// The full-size plot's width in cells, y labels left out: what one `h`/`l` steps through.
pub fn plot_cells(inner: Area) -> usize {
    inner.w.saturating_sub(grid::Y_LABELS).max(1) as usize
}

/// Charts per grid page in the pane's inner area.
pub fn per_page(inner: Area) -> usize {
    grid::per_page(inner)
}

/// The area of the `i`-th chart of a grid page.
pub fn grid_cell(inner: Area, i: usize) -> Area {
    grid::cell(inner, i)
}

impl MetricsPane {
    fn inner(cx: &Cx<'_>) -> Option<Area> {
        cx.shared.area(PaneId::Metrics).map(Area::inner)
    }

    fn per_page_now(cx: &Cx<'_>) -> usize {
        Self::inner(cx).map_or(1, per_page)
    }

    /// Asks for what the current mode shows, sized to the pane's current width.
    fn load_series(&mut self, cx: &mut Cx<'_>) {
        let Some(inner) = Self::inner(cx) else {
            return;
        };
        if self.run.is_none() || self.load != Load::Ready {
            return;
        }
        let marks: Vec<Ref> = cx.shared.marks.iter().cloned().collect();
        match self.mode {
            Mode::Grid => {
                let per = per_page(inner);
                let keys: Vec<String> = self
                    .page_keys(per)
                    .iter()
                    .map(|k| k.key.clone())
                    .collect();
                let lines = self.lines_of(&keys, &marks);
                if lines.is_empty() {
                    self.grid.clear();
                    self.grid_load = Load::Idle;
                    return;
                }
                self.grid_load = Load::Loading;
                let columns = grid::plot_columns(grid::cell(inner, 0).w);
                cx.ask(Query::Grid {
                    lines,
                    ask: self.ask(columns, None),
                });
            }
            Mode::Full => {
                let lines = self.chart_lines(&marks);
                if lines.is_empty() {
                    self.series.clear();
                    self.series_load = Load::Idle;
                    return;
                }
                self.series_load = Load::Loading;
                cx.ask(Query::Series {
                    lines,
                    ask: self.ask(grid::plot_columns(inner.w), self.view.range),
                    rank: self.run.clone().zip(self.rank),
                });
            }
        }
    }

    /// Opens the full-size chart, or goes back to the grid.
    fn set_mode(&mut self, mode: Mode, cx: &mut Cx<'_>) {
        if self.mode == mode {
            return;
        }
        self.mode = mode;
        self.view = XView::default();
        self.series.clear();
        self.load_series(cx);
    }

    fn full_only(&self, cx: &mut Cx<'_>, what: &str) {
        cx.flash(
            crate::tui::context::FlashLevel::Info,
            format!("{what}: on the full-size chart (Enter opens the selected metric)"),
        );
    }
}

impl Pane for MetricsPane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        let run = cx.shared.run.clone();
        if !cx.shared.visible(PaneId::Metrics) || !(force || self.run != run) {
            return;
        }
        // On a refresh of the same run, keep what is on screen while it reloads.
        if !(force && self.run == run && self.load == Load::Ready) {
            self.reset(run.clone());
        }
        match run {
            None => self.load = Load::Idle,
            Some(run) => cx.ask(Query::Keys { run }),
        }
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if let Some(run) = cx.shared.run.clone()
            && cx.shared.visible(PaneId::Metrics)
            && self.run.as_ref() == Some(&run)
        {
            self.live_check = true;
            cx.ask(Query::Keys { run });
        }
    }

    fn on_marks(&mut self, cx: &mut Cx<'_>) {
        self.load_series(cx);
    }

    fn on_resize(&mut self, cx: &mut Cx<'_>) {
        // Charts are sized to the pane, and the grid's page size follows it.
        self.load_series(cx);
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        let full = self.mode == Mode::Full;
        match action {
            Action::Chart => {
                self.toggle_pin();
                if full {
                    self.load_series(cx);
                }
            }
            Action::Open if focused => self.set_mode(Mode::Full, cx),
            Action::Back if focused && full => self.set_mode(Mode::Grid, cx),
            Action::Smooth => {
                self.smoothing = self.smoothing.next();
                self.load_series(cx);
            }
            Action::LogScale => self.log_y = !self.log_y,
            Action::XAxis => {
                self.x_by = chart::toggle(self.x_by);
                // The range and cursor were in the other axis' units.
                self.view = XView::default();
                self.load_series(cx);
            }
            Action::Zoom(z) if full => {
                let Some(extent) = self.extent() else {
                    return true;
                };
                let before = self.view.range;
                self.view.zoom(extent, *z);
                if self.view.range != before {
                    self.load_series(cx);
                }
            }
            Action::Zoom(Zoom::Reset) => {}
            Action::Zoom(_) => self.full_only(cx, "zoom"),
            Action::Cursor(right) if full => {
                let Some(extent) = self.extent() else {
                    return true;
                };
                let cells = Self::inner(cx).map_or(1, plot_cells);
                self.view.move_cursor(extent, *right, cells);
            }
            // On the grid, h/l move the selection like the cells' reading order.
            Action::Cursor(right) => self.move_by(if *right { 1 } else { -1 }, cx),
            Action::Pan(right) if full => {
                let Some(extent) = self.extent() else {
                    return true;
                };
                let before = self.view.range;
                self.view.pan(extent, *right);
                if self.view.range != before {
                    self.load_series(cx);
                }
            }
            Action::Pan(_) => self.full_only(cx, "pan"),
            Action::Rank if full => match (&self.ranks, &self.run) {
                (Some(_), _) => self.step_rank(cx),
                (None, Some(run)) => {
                    self.rank_pending = true;
                    cx.ask(Query::Ranks { run: run.clone() });
                }
                (None, None) => {}
            },
            Action::Rank => self.full_only(cx, "rank split"),
            _ => return false,
        }
        true
    }

    /// Pages are grid pages, whichever mode shows.
    fn select(&mut self, motion: Motion, cx: &mut Cx<'_>) {
        let per = Self::per_page_now(cx);
        self.move_by(motion_delta(motion, per), cx);
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let per = Self::per_page_now(cx);
        let (page, sel) = (self.page(per).0, self.selected.clone());
        self.move_keys(delta);
        let reload = match self.mode {
            Mode::Grid => self.page(per).0 != page,
            Mode::Full => self.selected != sel && self.pinned.is_empty(),
        };
        if reload {
            if self.mode == Mode::Full {
                self.view = XView::default();
            }
            self.load_series(cx);
        }
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, text: &str, _submitted: bool, cx: &mut Cx<'_>) {
        self.filter = text.to_string();
        self.matcher = KeyFilter::parse(text);
        if self.selected_index().is_none() {
            self.selected = self.visible_keys().first().map(|k| k.key.clone());
        }
        self.load_series(cx);
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        let failed = Load::Failed(message.to_string());
        match lane {
            "keys" => self.load = failed,
            "grid" => self.grid_load = failed,
            "series" => self.series_load = failed,
            "ranks" => self.rank_pending = false,
            _ => {}
        }
    }
}

impl PaneKind for MetricsPane {
    const INFO: Info = Info {
        name: "metrics",
        aliases: &[],
        title: "Metrics",
        help: "Metrics",
        place: Place::Chart,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(q: &Query) -> Lane {
        match q {
            Query::Keys { .. } => Lane::new(Priority::View, "keys"),
            Query::Grid { .. } => Lane::new(Priority::View, "grid"),
            Query::Series { .. } => Lane::new(Priority::Detail, "series"),
            Query::Ranks { .. } => Lane::new(Priority::Input, "ranks"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        match loaded {
            Loaded::Keys(keys) => {
                let before = std::mem::take(&mut self.keys);
                let live_check = std::mem::take(&mut self.live_check);
                self.apply_keys(keys);
                let shown = match self.mode {
                    Mode::Grid => &self.grid_load,
                    Mode::Full => &self.series_load,
                };
                // A run that stopped writing (or another run's change): every key's count and
                // latest value are as they were, so the charts are too.
                if live_check && before == self.keys && *shown == Load::Ready {
                    return;
                }
                self.load_series(cx);
            }
            Loaded::Grid(lines) => {
                self.grid = lines;
                self.grid_load = Load::Ready;
            }
            Loaded::Ranks(ranks) => {
                self.ranks = Some(ranks);
                if std::mem::take(&mut self.rank_pending) {
                    self.step_rank(cx);
                }
            }
            Loaded::Series(lines) => {
                self.series = lines;
                self.series_load = Load::Ready;
                if let (Some(c), Some((a, b))) = (self.view.cursor, self.shown()) {
                    self.view.cursor = Some(c.clamp(a, b));
                }
            }
        }
    }
}

