//! Metric keys with their summaries and series, and downsampling to a screen's width.

use super::resolve::QueryError;
use crate::model::{Payload, Ref};
use crate::store::{MetricSummary, Point, ReadSnapshot, Workspace};

#[derive(Clone, Debug, PartialEq)]
pub struct MetricInfo {
    pub key: String,
    pub count: u64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub first_step: i64,
    pub last_step: i64,
}

impl MetricInfo {
    fn from(key: String, s: MetricSummary) -> Self {
        MetricInfo {
            key,
            count: s.count,
            last: s.last,
            min: s.min,
            max: s.max,
            first_step: s.first_step,
            last_step: s.last_step,
        }
    }
}

pub(crate) fn metric_list_in(
    snap: &ReadSnapshot<'_>,
    run: &Ref,
) -> Result<Vec<MetricInfo>, QueryError> {
    Ok(snap
        .metric_keys(run)?
        .into_iter()
        .map(|(k, s)| MetricInfo::from(k, s))
        .collect())
}

pub fn metric_list(ws: &Workspace, run: &Ref) -> Result<Vec<MetricInfo>, QueryError> {
    metric_list_in(&ws.read()?, run)
}

/// The error for `key` missing from `run` (in `stage`, when given), naming the keys the run has.
pub fn missing_metric(ws: &Workspace, run: &Ref, key: &str, stage: Option<&str>) -> QueryError {
    let available = match ws.read().and_then(|snap| snap.metric_keys(run)) {
        Ok(keys) => keys.into_iter().map(|(k, _)| k).collect(),
        Err(e) => return e.into(),
    };
    let (place, holder) = match stage {
        Some(s) => (format!("stage `{s}` of run {run}"), "the run has"),
        None => (format!("run {run}"), "it has"),
    };
    QueryError::NoMetric {
        key: key.to_string(),
        place,
        holder,
        available,
    }
}

/// The error for `key` missing from every run in `runs`, naming the keys they have.
pub fn missing_metric_across(
    ws: &Workspace,
    runs: &[Ref],
    key: &str,
    stage: Option<&str>,
) -> QueryError {
    if runs.is_empty() {
        return QueryError::NoRunsForMetric(key.to_string());
    }
    let mut available = std::collections::BTreeSet::new();
    let snap = match ws.read() {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    for run in runs {
        match snap.metric_keys(run) {
            Ok(keys) => available.extend(keys.into_iter().map(|(k, _)| k)),
            Err(e) => return e.into(),
        }
    }
    let (place, holder) = match (runs, stage) {
        ([one], Some(s)) => (format!("stage `{s}` of run {one}"), "the run has"),
        ([one], None) => (format!("run {one}"), "it has"),
        (many, Some(s)) => (
            format!("stage `{s}` of any of the {} runs looked at", many.len()),
            "the runs have",
        ),
        (many, None) => (
            format!("any of the {} runs looked at", many.len()),
            "they have",
        ),
    };
    QueryError::NoMetric {
        key: key.to_string(),
        place,
        holder,
        available: available.into_iter().collect(),
    }
}

/// One key's points in step order (record order breaks ties).
pub fn series(ws: &Workspace, run: &Ref, key: &str) -> Result<Vec<Point>, QueryError> {
    let mut pts = ws.read()?.series(run, key)?;
    if pts.windows(2).any(|w| w[0].step > w[1].step) {
        pts.sort_by_key(|p| (p.step, p.seq));
    }
    Ok(pts)
}

/// One key's points written by one rank of a merged multi-rank run, in step order. A point's
/// step is its `step` tag, else its index among that rank's points (the step the rank's own
/// workspace gave it). Read from the records, so it costs a pass over the run.
pub fn series_of_rank(
    ws: &Workspace,
    run: &Ref,
    key: &str,
    rank: u32,
) -> Result<Vec<Point>, QueryError> {
    let rows = ws
        .read()?
        .records_in(run, 1, u32::MAX, false, usize::MAX, |r| {
            matches!(&r.payload, Payload::Metric(m) if m.metric_key == key)
                && r.rank() == Some(rank)
        })?;
    let mut pts: Vec<Point> = rows
        .into_iter()
        .enumerate()
        .filter_map(|(i, row)| match &row.record.payload {
            Payload::Metric(m) => Some(Point {
                step: m
                    .tags
                    .get("step")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(i as i64),
                value: m.value,
                seq: row.seq,
                at: row.record.envelope.observed_at.0,
            }),
            _ => None,
        })
        .collect();
    if pts.windows(2).any(|w| w[0].step > w[1].step) {
        pts.sort_by_key(|p| (p.step, p.seq));
    }
    Ok(pts)
}

/// The ranks that wrote `key` in `run` (empty for a run written by one process without a rank).
pub fn ranks_of(ws: &Workspace, run: &Ref, key: &str) -> Result<Vec<u32>, QueryError> {
    let mut ranks = std::collections::BTreeSet::new();
    // `keep` never keeps, so the walk covers the whole run and returns nothing.
    ws.read()?.records_in(run, 1, u32::MAX, false, 1, |r| {
        if let Payload::Metric(m) = &r.payload
            && m.metric_key == key
            && let Some(rank) = r.rank()
        {
            ranks.insert(rank);
        }
        false
    })?;
    Ok(ranks.into_iter().collect())
}

/// The ranks that wrote any metric of `run`, in order (empty for a run written by one process
/// without a rank). One pass over the run's records.
pub fn run_ranks(ws: &Workspace, run: &Ref) -> Result<Vec<u32>, QueryError> {
    let mut ranks = std::collections::BTreeSet::new();
    // `keep` never keeps, so the walk covers the whole run and returns nothing.
    ws.read()?.records_in(run, 1, u32::MAX, false, 1, |r| {
        if matches!(&r.payload, Payload::Metric(_))
            && let Some(rank) = r.rank()
        {
            ranks.insert(rank);
        }
        false
    })?;
    Ok(ranks.into_iter().collect())
}
