//! The metrics pane's view state: every metric key of the current run with its summary and a
//! sparkline, the selected key (by name), the keys pinned to the chart, and the chart's options
//! (smoothing, log scale, x axis, zoom). Series arrive downsampled to the chart's width.
//!
//! Pure: returns queries for the app to send; smoothing and scaling are done in `chart_data`
//! (plain functions over loaded points) so render stays a reader.

use super::Load;
use super::tree::clamp_offset;
use crate::model::Ref;
use crate::query::{MetricInfo, SeriesLine};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Smoothing {
    #[default]
    Off,
    Light,
    Heavy,
}

impl Smoothing {
    pub fn next(self) -> Smoothing {
        match self {
            Smoothing::Off => Smoothing::Light,
            Smoothing::Light => Smoothing::Heavy,
            Smoothing::Heavy => Smoothing::Off,
        }
    }
    /// EMA weight of the previous value.
    pub fn alpha(self) -> Option<f64> {
        match self {
            Smoothing::Off => None,
            Smoothing::Light => Some(0.6),
            Smoothing::Heavy => Some(0.9),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum XAxis {
    #[default]
    Step,
    /// Seconds since the series' first point.
    Time,
}

/// Zoom levels: all points, then the last N.
pub const ZOOMS: [Option<usize>; 7] = [
    None,
    Some(1000),
    Some(500),
    Some(200),
    Some(100),
    Some(50),
    Some(20),
];

#[derive(Clone, Debug, Default)]
pub struct MetricsState {
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

impl MetricsState {
    pub fn reset(&mut self, run: Option<Ref>) {
        let keep = (
            self.smoothing,
            self.log_y,
            self.x_axis,
            self.zoom,
            self.filter.clone(),
        );
        *self = MetricsState {
            run,
            load: Load::Loading,
            ..MetricsState::default()
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

    pub fn move_by(&mut self, delta: isize, height: usize) {
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

/// One chart line ready to draw: (x, y) with gaps removed, smoothed and scaled.
pub fn chart_data(line: &SeriesLine, state: &MetricsState) -> Vec<(f64, f64)> {
    let t0 = line.points.first().map_or(0, |p| p.at);
    let mut ema: Option<f64> = None;
    let mut out = Vec::with_capacity(line.points.len());
    for p in &line.points {
        if !p.value.is_finite() {
            continue;
        }
        let v = match (state.smoothing.alpha(), ema) {
            (Some(a), Some(prev)) => a * prev + (1.0 - a) * p.value,
            _ => p.value,
        };
        ema = Some(v);
        let y = if state.log_y {
            if v <= 0.0 {
                continue;
            }
            v.log10()
        } else {
            v
        };
        let x = match state.x_axis {
            XAxis::Step => p.step as f64,
            XAxis::Time => (p.at - t0) as f64 / 1e6,
        };
        out.push((x, y));
    }
    out
}
