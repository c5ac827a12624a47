//! The metrics pane: every metric key of the shown run with its summary and a sparkline, the
//! selected key (by name), the keys pinned to the chart, and the chart of the selected or pinned
//! keys with the same keys of marked runs overlaid (options in `chart.rs`). Series arrive
//! downsampled to the chart's width, sparklines to their column's.
//!
//! Pure: returns queries through `Cx`; the worker reads series (`fetch.rs`), `view.rs` draws.

mod chart;
mod fetch;
mod view;

pub use chart::{Smoothing, XAxis, ZOOMS, chart_data};

use super::{Info, Pane, PaneKind, Place, clamp_offset};
use crate::model::Ref;
use crate::query::{MetricInfo, SeriesLine, Spark};
use crate::tui::action::{Action, PaneId, Zoom};
use crate::tui::context::{Cx, Load, Shared};
use crate::tui::effect::{Lane, Priority};
use crate::tui::layout::Area;
use std::collections::BTreeMap;

/// Metric keys that get a sparkline (the list is scrolled, not paged; more would cost reads).
const SPARK_KEYS: usize = 100;

#[derive(Clone, Debug, Default)]
pub struct MetricsPane {
    pub run: Option<Ref>,
    pub load: Load,
    pub keys: Vec<MetricInfo>,
    pub filter: String,
    pub selected: Option<String>,
    pub offset: usize,
    pub sparks: BTreeMap<String, Vec<Option<f64>>>,
    /// Keys pinned to the chart; empty means "the selected key".
    pub pinned: Vec<String>,
    pub series: Vec<SeriesLine>,
    pub series_load: Load,
    pub smoothing: Smoothing,
    pub log_y: bool,
    pub x_axis: XAxis,
    pub zoom: usize,
}

impl MetricsPane {
    pub fn reset(&mut self, run: Option<Ref>) {
        let keep = (
            self.smoothing,
            self.log_y,
            self.x_axis,
            self.zoom,
            self.filter.clone(),
        );
        *self = MetricsPane {
            run,
            load: Load::Loading,
            ..MetricsPane::default()
        };
        (
            self.smoothing,
            self.log_y,
            self.x_axis,
            self.zoom,
            self.filter,
        ) = keep;
    }

    pub fn visible_keys(&self) -> Vec<&MetricInfo> {
        let f = self.filter.to_lowercase();
        self.keys
            .iter()
            .filter(|k| f.is_empty() || k.key.to_lowercase().contains(&f))
            .collect()
    }

    pub fn selected_index(&self) -> Option<usize> {
        let sel = self.selected.as_ref()?;
        self.visible_keys().iter().position(|k| &k.key == sel)
    }

    /// Keys the chart shows.
    pub fn chart_keys(&self) -> Vec<String> {
        if self.pinned.is_empty() {
            self.selected.iter().cloned().collect()
        } else {
            self.pinned.clone()
        }
    }

    /// The (run, key) lines to chart: each chart key for the current run, and for every marked
    /// run (overlay).
    pub fn chart_lines(&self, marks: &[Ref]) -> Vec<(Ref, String)> {
        let Some(run) = &self.run else { return vec![] };
        let mut out = Vec::new();
        for key in self.chart_keys() {
            out.push((run.clone(), key.clone()));
            for m in marks.iter().filter(|m| *m != run) {
                out.push((m.clone(), key.clone()));
            }
        }
        out
    }

    pub fn apply_keys(&mut self, keys: Vec<MetricInfo>) {
        self.keys = keys;
        self.load = Load::Ready;
        self.pinned
            .retain(|p| self.keys.iter().any(|k| &k.key == p));
        if self.selected_index().is_none() {
            // Start on the longest series: usually the training curve people look for first.
            let keys = self.visible_keys();
            let best = keys
                .iter()
                .max_by(|a, b| a.count.cmp(&b.count).then(b.key.cmp(&a.key)));
            self.selected = best.map(|k| k.key.clone());
        }
    }

    fn move_keys(&mut self, delta: isize, height: usize) {
        let keys = self.visible_keys();
        if keys.is_empty() {
            return;
        }
        let idx = self.selected_index().unwrap_or(0) as isize;
        let new = (idx + delta).clamp(0, keys.len() as isize - 1) as usize;
        let (key, len) = (keys[new].key.clone(), keys.len());
        self.selected = Some(key);
        self.offset = clamp_offset(self.offset, new, len, height);
    }

    /// Charts `key` (the finder's choice): selected, and added to the pinned keys if some
    /// are pinned; a filter that would hide it is cleared. Keys not loaded yet keep it.
    pub fn chart_key(&mut self, key: &str, cx: &mut Cx<'_>) {
        self.filter.clear();
        self.selected = Some(key.to_string());
        if !self.pinned.is_empty() && !self.pinned.iter().any(|p| p == key) {
            self.pinned.push(key.to_string());
        }
        let h = self.list_height(cx);
        if let Some(i) = self.selected_index() {
            self.offset = clamp_offset(self.offset, i, self.visible_keys().len(), h);
        }
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

    pub fn zoom_points(&self) -> Option<usize> {
        ZOOMS.get(self.zoom).copied().flatten()
    }
}


#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// The run's metric keys with their summaries.
    Keys { run: Ref },
    Sparklines {
        run: Ref,
        keys: Vec<String>,
        buckets: usize,
    },
    /// One line per (run, key), zoomed to the last `last_n` points, `buckets` wide.
    Series {
        lines: Vec<(Ref, String)>,
        last_n: Option<usize>,
        buckets: usize,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Keys(Vec<MetricInfo>),
    Sparklines(Vec<(String, Spark)>),
    Series(Vec<SeriesLine>),
}

/// How the pane splits its inner area: the key list on top, the chart below.
pub fn split(inner: Area, keys: usize) -> (Area, Area) {
    let list_h = (keys as u16).clamp(1, (inner.h / 3).max(1)).min(inner.h);
    let list = Area::new(inner.x, inner.y, inner.w, list_h);
    let chart = Area::new(inner.x, inner.y + list_h, inner.w, inner.h - list_h);
    (list, chart)
}

/// (key column, sparkline column) widths for a list `w` wide.
pub fn columns(w: u16) -> (usize, usize) {
    let w = w as usize;
    let key_w = (w / 4).clamp(10, 22);
    let spark_w = w.saturating_sub(2 + key_w + 1 + 30).min(40);
    (key_w, spark_w)
}

impl MetricsPane {
    fn list_height(&self, cx: &Cx<'_>) -> usize {
        cx.shared
            .area(PaneId::Metrics)
            .map_or(0, |a| split(a.inner(), self.keys.len()).0.h as usize)
    }

    /// Chart series and sparklines, sized to the pane's current width.
    fn load_series(&mut self, cx: &mut Cx<'_>) {
        let Some(run) = self.run.clone() else {
            return;
        };
        let Some(area) = cx.shared.area(PaneId::Metrics) else {
            return;
        };
        if self.load != Load::Ready {
            return;
        }
        let (list, chart) = split(area.inner(), self.keys.len());
        let marks: Vec<Ref> = cx.shared.marks.iter().cloned().collect();
        let lines = self.chart_lines(&marks);
        if lines.is_empty() {
            self.series.clear();
            self.series_load = Load::Idle;
        } else {
            self.series_load = Load::Loading;
            cx.ask(Query::Series {
                lines,
                last_n: self.zoom_points(),
                buckets: chart.w.max(10) as usize,
            });
        }
        let spark_w = columns(list.w).1;
        if spark_w > 0 {
            let keys: Vec<String> = self
                .keys
                .iter()
                .take(SPARK_KEYS)
                .map(|k| k.key.clone())
                .collect();
            cx.ask(Query::Sparklines {
                run,
                keys,
                buckets: spark_w,
            });
        }
    }
}

impl Pane for MetricsPane {
    /// The selected key (the charted one, unless keys are pinned) stays in the list's view.
    fn clamp(&mut self, shared: &Shared) {
        let height = shared
            .area(PaneId::Metrics)
            .map_or(0, |a| split(a.inner(), self.keys.len()).0.h as usize);
        let (len, idx) = (self.visible_keys().len(), self.selected_index());
        if let Some(idx) = idx {
            self.offset = clamp_offset(self.offset, idx, len, height);
        }
    }

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
            cx.ask(Query::Keys { run });
        }
    }

    fn on_marks(&mut self, cx: &mut Cx<'_>) {
        self.load_series(cx);
    }

    fn on_resize(&mut self, cx: &mut Cx<'_>) {
        // The chart and sparklines are sized to the pane: fetch them at the new width.
        self.load_series(cx);
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Chart => {
                self.toggle_pin();
                self.load_series(cx);
            }
            Action::Open if focused => return self.on_action(&Action::Chart, focused, cx),
            Action::Smooth => self.smoothing = self.smoothing.next(),
            Action::LogScale => self.log_y = !self.log_y,
            Action::XAxis => {
                self.x_axis = match self.x_axis {
                    XAxis::Step => XAxis::Time,
                    XAxis::Time => XAxis::Step,
                }
            }
            Action::Zoom(z) => {
                self.zoom = match z {
                    Zoom::In => (self.zoom + 1).min(ZOOMS.len() - 1),
                    Zoom::Out => self.zoom.saturating_sub(1),
                    Zoom::Reset => 0,
                };
                self.load_series(cx);
            }
            _ => return false,
        }
        true
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let before = self.selected.clone();
        let h = self.list_height(cx);
        self.move_keys(delta, h);
        if self.selected != before && self.pinned.is_empty() {
            self.load_series(cx);
        }
    }

    fn click(&mut self, row: usize, cx: &mut Cx<'_>) {
        // Only the key list is clickable, not the chart below it.
        let keys = self.visible_keys().len();
        let shown = (self.offset + self.list_height(cx)).min(keys);
        let idx = self.selected_index().unwrap_or(0);
        let target = self.offset + row;
        if target < shown && target != idx {
            self.move_by(target as isize - idx as isize, cx);
        }
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, text: &str, _submitted: bool, cx: &mut Cx<'_>) {
        self.filter = text.to_string();
        if self.selected_index().is_none() {
            self.selected = self.visible_keys().first().map(|k| k.key.clone());
            self.load_series(cx);
        }
        self.clamp(cx.shared);
    }

    fn on_failed(&mut self, lane: &'static str, message: &str) {
        let failed = Load::Failed(message.to_string());
        match lane {
            "keys" => self.load = failed,
            "series" => self.series_load = failed,
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
            Query::Series { .. } => Lane::new(Priority::Detail, "series"),
            Query::Sparklines { .. } => Lane::new(Priority::Detail, "sparklines"),
        }
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        match loaded {
            Loaded::Keys(keys) => {
                self.apply_keys(keys);
                self.clamp(cx.shared);
                self.load_series(cx);
            }
            Loaded::Sparklines(s) => self.sparks = s.into_iter().collect(),
            Loaded::Series(lines) => {
                self.series = lines;
                self.series_load = Load::Ready;
            }
        }
    }
}
