//! A run's machine over time: its `system.*` metrics (written by `contexta run`'s sampler) as
//! one chart per quantity on a shared time axis, and what the resource findings need. Which
//! key is which quantity is `analysis::resources`.

use super::chart_series::min_max_columns;
use super::resolve::QueryError;
use super::series::{metric_list, series};
use crate::analysis::resources::{self, Quantity, ResourceUse, Wanted};
use crate::model::Ref;
use crate::store::{Point, Workspace};

/// One quantity's chart.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemChart {
    pub quantity: Quantity,
    /// (seconds since the run's first system sample, value), downsampled to the width asked.
    pub points: Vec<(f64, f64)>,
    pub latest: f64,
    pub min: f64,
    pub max: f64,
    /// The limit the reading was measured against (the machine's or GPU's memory), when the
    /// sampler recorded its percentage too.
    pub limit: Option<f64>,
}

/// Every system chart of a run; empty when it has no system metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SystemCharts {
    pub charts: Vec<SystemChart>,
    /// The span of the time axis, seconds.
    pub span_s: f64,
    /// Samples of the most sampled quantity.
    pub samples: u64,
}

/// The latest limit of a reading from its percentage at the same sample (the last pair).
fn limit(ws: &Workspace, run: &Ref, value: &[Point], percent_key: &str) -> Option<f64> {
    let pct = series(ws, run, percent_key).ok()?;
    let (v, p) = (value.last()?, pct.last()?);
    resources::limit_from(v.value, p.value)
}

/// The run's system charts, each downsampled to `buckets` columns.
pub fn system_charts(
    ws: &Workspace,
    run: &Ref,
    buckets: usize,
) -> Result<SystemCharts, QueryError> {
    let metrics = metric_list(ws, run)?;
    let quantities = resources::quantities(metrics.iter().map(|m| m.key.as_str()));
    let mut read = Vec::with_capacity(quantities.len());
    for q in quantities {
        let mut pts = series(ws, run, &q.key)?;
        // Sampled by the clock: time order is the order to draw (steps may be absent).
        pts.sort_by_key(|p| (p.at, p.seq));
        read.push((q, pts));
    }
    let t0 = read
        .iter()
        .filter_map(|(_, p)| p.first().map(|p| p.at))
        .min()
        .unwrap_or(0);
    let t1 = read
        .iter()
        .filter_map(|(_, p)| p.last().map(|p| p.at))
        .max()
        .unwrap_or(t0);
    // The machine's memory is the ceiling of the process tree's RSS too.
    let system_memory = read
        .iter()
        .find(|(q, _)| q.key == "system.memory.used-mb")
        .and_then(|(q, p)| limit(ws, run, p, q.percent_key.as_deref()?));
    let mut out = SystemCharts {
        span_s: (t1 - t0) as f64 / 1e6,
        ..Default::default()
    };
    for (q, pts) in read {
        let Some(last) = pts.last() else { continue };
        out.samples = out.samples.max(pts.len() as u64);
        let finite = pts.iter().map(|p| p.value).filter(|v| v.is_finite());
        let min = finite.clone().fold(f64::INFINITY, f64::min);
        let max = finite.fold(f64::NEG_INFINITY, f64::max);
        let limit = match (&q.percent_key, q.key.as_str()) {
            (_, "system.proc.rss-mb") => system_memory,
            (Some(pk), _) => limit(ws, run, &pts, pk),
            (None, _) => None,
        };
        // A percentage's natural ceiling (the process tree's CPU % counts cores: it has none).
        let limit =
            limit.or((q.unit == "%" && q.key != "system.proc.cpu-percent").then_some(100.0));
        let x = |p: &crate::store::Point| (p.at - t0) as f64 / 1e6;
        let span = (pts.first().map_or(0.0, x), pts.last().map_or(0.0, x));
        let points = min_max_columns(&pts, x, span, buckets)
            .iter()
            .map(|p| ((p.at - t0) as f64 / 1e6, p.value))
            .collect();
        out.charts.push(SystemChart {
            latest: last.value,
            min,
            max,
            limit,
            points,
            quantity: q,
        });
    }
    Ok(out)
}

/// What the resource findings (`gpu_idle`, `memory_near_limit`) are drawn from: each GPU's
/// utilization over time and each memory percentage's peak.
pub fn resource_use(ws: &Workspace, run: &Ref) -> Result<ResourceUse, QueryError> {
    let mut out = ResourceUse::default();
    for m in metric_list(ws, run)? {
        match ResourceUse::wanted(&m.key) {
            Some(Wanted::GpuUtilization(n)) => {
                let mut pts = series(ws, run, &m.key)?;
                pts.sort_by_key(|p| (p.at, p.seq));
                out.gpu_utilization
                    .push((n, pts.iter().map(|p| (p.at, p.value)).collect()));
            }
            Some(Wanted::MemoryPeak(what)) => out.memory_peaks.push((what, m.key, m.max)),
            None => {}
        }
    }
    out.gpu_utilization.sort_by_key(|(n, _)| *n);
    Ok(out)
}
