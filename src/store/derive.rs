//! What the derived tables of one run should hold, recomputed from its primary records alone:
//! counters, stage and type spans, metric series, the record-ref index and duplicates. `check`
//! compares this with what is stored; `repair` writes it. It reads only; it never writes.

use super::block::decode_row;
use super::codec::*;
use super::error::StoreError;
use crate::model::{Degradation, Level, SpanStatus};
use redb::ReadableTable;
use std::collections::{BTreeMap, BTreeSet};

/// The derived state of one run.
#[derive(Debug, Default)]
pub(super) struct Derived {
    pub records: u64,
    pub last_seq: u32,
    /// Missing seq ranges (inclusive) below `last_seq`.
    pub gaps: Vec<(u32, u32)>,
    pub by_type: [u64; 4],
    pub degraded: u64,
    pub last_problem_seq: u32,
    pub last_observed: i64,
    pub min_observed: Option<i64>,
    /// (stage, first seq) → last seq
    pub stage_spans: BTreeMap<(u32, u32), u32>,
    /// (type, first seq) → last seq, for non-metric records
    pub type_spans: BTreeMap<(u32, u32), u32>,
    pub series: BTreeMap<u32, Vec<Point>>,
    pub first_of_token: BTreeMap<String, u32>,
    /// seq of a repeat → seq of the first record with that ref
    pub duplicates: BTreeMap<u32, u32>,
    /// stage id → (first, last) observed time of its records
    pub stages: BTreeMap<u32, (i64, i64)>,
    pub unreadable: Vec<(u32, String)>,
}

impl Derived {
    pub fn stats(&self, stored: Option<&RunStats>) -> RunStats {
        let mut s = stored.cloned().unwrap_or_default();
        s.last_seq = self.last_seq;
        s.by_type = self.by_type;
        s.duplicates = self.duplicates.len() as u32;
        s.last_observed = self.last_observed;
        s.degraded = self.degraded;
        s.last_problem_seq = self.last_problem_seq;
        s
    }

    pub fn summary(points: &[Point]) -> Option<MetricSummary> {
        let first = points.first()?;
        let last = points.last()?;
        let n = points.len() as u64;
        Some(MetricSummary {
            count: n,
            first_step: first.step,
            last_step: last.step,
            last: last.value,
            min: points.iter().map(|p| p.value).fold(first.value, f64::min),
            max: points.iter().map(|p| p.value).fold(first.value, f64::max),
            first_seq: first.seq,
            last_seq: last.seq,
            last_at: last.at,
            open_chunk: (n / CHUNK_POINTS as u64) as u32,
            open_len: (n % CHUNK_POINTS as u64) as u32,
        })
    }
}

fn close_span<K: Ord + Copy>(
    map: &mut BTreeMap<(K, u32), u32>,
    open: &mut BTreeMap<K, (u32, u32)>,
) {
    for (k, (s, e)) in std::mem::take(open) {
        map.insert((k, s), e);
    }
}

fn extend<K: Ord + Copy>(
    map: &mut BTreeMap<(K, u32), u32>,
    open: &mut BTreeMap<K, (u32, u32)>,
    key: K,
    seq: u32,
) {
    match open.get_mut(&key) {
        Some(span) if span.1 + 1 == seq => span.1 = seq,
        Some(span) => {
            map.insert((key, span.0), span.1);
            *span = (seq, seq);
        }
        None => {
            open.insert(key, (seq, seq));
        }
    }
}

/// Recomputes run `run`'s derived state from `records`. `step_id` is the interned id of the
/// tag name `step` (if any name has it), used to read non-canonical step tags.
pub(super) fn derive_run(
    records: &impl ReadableTable<(u32, u32), &'static [u8]>,
    names: &impl ReadableTable<u32, &'static str>,
    step_id: Option<u32>,
    run: u32,
    time_base: i64,
) -> Result<Derived, StoreError> {
    let mut d = Derived::default();
    let mut open_stage: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let mut open_type: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    let mut expected = 1u32;
    // After an unreadable row its length is unknown: the next row's start is not a gap.
    let mut after_unreadable = false;
    for item in records.range((run, 0)..=(run, u32::MAX))? {
        let (k, v) = item?;
        let first = k.value().1;
        if first > expected && !after_unreadable {
            d.gaps.push((expected, first - 1));
        }
        after_unreadable = false;
        let recs = match decode_row(v.value()) {
            Ok(recs) => recs,
            Err(e) => {
                d.unreadable.push((first, e.to_string()));
                d.last_seq = d.last_seq.max(first);
                d.records += 1;
                expected = first.saturating_add(1);
                after_unreadable = true;
                continue;
            }
        };
        expected = first.saturating_add(recs.len() as u32);
        for (i, s) in recs.into_iter().enumerate() {
            let seq = first.saturating_add(i as u32);
            d.last_seq = seq;
            d.records += 1;
            let observed = time_base + s.observed;
            d.last_observed = d.last_observed.max(observed);
            d.min_observed = Some(d.min_observed.map_or(observed, |m| m.min(observed)));
            let (t, problem) = match &s.body {
                StoredBody::Event(e) => (0usize, e.level >= Level::Error),
                StoredBody::Metric { .. } => (1, false),
                StoredBody::Span(sp) => (
                    2,
                    matches!(sp.status, SpanStatus::Error | SpanStatus::Timeout),
                ),
                StoredBody::Degraded(_) => (3, true),
            };
            d.by_type[t] += 1;
            let marker = s
                .context
                .as_ref()
                .is_some_and(|c| c.degradation != Degradation::None);
            if t == 3 || marker {
                d.degraded += 1;
            }
            if problem {
                d.last_problem_seq = seq;
            }
            if let Some(tok) = &s.token {
                match d.first_of_token.get(tok) {
                    Some(first) => {
                        d.duplicates.insert(seq, *first);
                    }
                    None => {
                        d.first_of_token.insert(tok.clone(), seq);
                    }
                }
            }
            if let Some(stage) = s.stage {
                extend(&mut d.stage_spans, &mut open_stage, stage, seq);
                let e = d.stages.entry(stage).or_insert((observed, observed));
                e.0 = e.0.min(observed);
                e.1 = e.1.max(observed);
            }
            if t != 1 {
                extend(&mut d.type_spans, &mut open_type, t as u32, seq);
            }
            if t != 3 && marker {
                extend(
                    &mut d.type_spans,
                    &mut open_type,
                    super::tables::MARKED_TYPE,
                    seq,
                );
            }
            if let StoredBody::Metric {
                key,
                value,
                step,
                rest,
                ..
            } = &s.body
            {
                let tagged = match (step, rest, step_id) {
                    (Some(n), _, _) => Some(*n),
                    (None, Some(rest), Some(sid)) => {
                        match rest.tags.iter().find(|(k, _)| *k == sid) {
                            Some((_, vid)) => names
                                .get(*vid)?
                                .and_then(|v| v.value().trim().parse::<i64>().ok()),
                            None => None,
                        }
                    }
                    _ => None,
                };
                let pts = d.series.entry(*key).or_default();
                pts.push(Point {
                    step: tagged.unwrap_or(pts.len() as i64),
                    value: *value,
                    seq,
                    at: observed,
                });
            }
        }
    }
    close_span(&mut d.stage_spans, &mut open_stage);
    close_span(&mut d.type_spans, &mut open_type);
    Ok(d)
}

/// Distinct run ids that own records, found by jumping from one run's range to the next.
pub(super) fn record_runs(
    records: &impl ReadableTable<(u32, u32), &'static [u8]>,
) -> Result<BTreeSet<u32>, StoreError> {
    let mut out = BTreeSet::new();
    let mut from = 0u32;
    loop {
        let next = records.range((from, 0)..)?.next();
        let Some(item) = next else { break };
        let run = item?.0.value().0;
        out.insert(run);
        match run.checked_add(1) {
            Some(n) => from = n,
            None => break,
        }
    }
    Ok(out)
}
