//! The metrics chart's options (smoothing, log scale, x axis, zoom) and the one function that
//! turns a loaded series into points to draw with them.
//!
//! Pure: plain functions over loaded points, so render stays a reader.

use super::MetricsPane;
use crate::query::SeriesLine;

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

/// One chart line ready to draw: (x, y) with gaps removed, smoothed and scaled.
pub fn chart_data(line: &SeriesLine, state: &MetricsPane) -> Vec<(f64, f64)> {
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
