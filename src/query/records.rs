//! Pages of a run's records: the tail, a window before or after a seq, with filters. Only the
//! rows walked are read; the stage and type indexes narrow the walk to the seq ranges that can
//! match, so paging through millions of records reads a window, never the whole run.

use super::resolve::QueryError;
use crate::model::*;
use crate::store::{ReadSnapshot, RecordRow, Workspace};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordFilter {
    /// Empty means every type.
    pub types: Vec<RecordType>,
    pub stage: Option<Ref>,
    /// Exact event key, metric key, span name or issue key.
    pub key: Option<String>,
    /// Minimum level for events (degraded warning/error count as warning/error; others pass).
    pub min_level: Option<Level>,
    /// Case-insensitive substring of key, message, value.
    pub text: Option<String>,
}

impl RecordFilter {
    pub fn is_empty(&self) -> bool {
        self == &RecordFilter::default()
    }

    pub fn matches(&self, r: &Record) -> bool {
        if !self.types.is_empty() && !self.types.contains(&r.record_type()) {
            return false;
        }
        if let Some(s) = &self.stage
            && r.envelope.stage_execution_ref.as_ref() != Some(s)
        {
            return false;
        }
        if let Some(k) = &self.key
            && r.payload.key() != k
        {
            return false;
        }
        if let Some(min) = self.min_level {
            let level = match &r.payload {
                Payload::Event(e) => e.level,
                Payload::Degraded(d) => match d.severity {
                    Severity::Warning => Level::Warning,
                    Severity::Error => Level::Error,
                },
                Payload::Span(s) => match s.status {
                    SpanStatus::Ok => Level::Info,
                    SpanStatus::Cancelled => Level::Warning,
                    _ => Level::Error,
                },
                Payload::Metric(_) => Level::Info,
            };
            if level < min {
                return false;
            }
        }
        if let Some(t) = &self.text {
            let t = t.to_lowercase();
            let hay = match &r.payload {
                Payload::Event(e) => format!("{} {}", e.event_key, e.message),
                Payload::Metric(m) => format!("{} {}", m.metric_key, m.value),
                Payload::Span(s) => format!("{} {:?}", s.span_name, s.status),
                Payload::Degraded(d) => format!("{} {}", d.issue_key, d.summary),
            };
            if !hay.to_lowercase().contains(&t) {
                return false;
            }
        }
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The newest records.
    Tail,
    /// The oldest records.
    Head,
    /// Records strictly before this seq (scrolling up).
    Before(u32),
    /// Records strictly after this seq (scrolling down, following).
    After(u32),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordPage {
    /// Oldest first.
    pub rows: Vec<RecordRow>,
    /// The run's newest seq when the page was read.
    pub last_seq: u32,
    /// Records in the run (all types), from stored counters.
    pub total: u64,
    pub more_before: bool,
    pub more_after: bool,
}

fn intersect(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo <= hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn union(mut v: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    v.sort();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (lo, hi) in v {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn candidate_ranges(
    snap: &ReadSnapshot<'_>,
    run: &Ref,
    f: &RecordFilter,
    last: u32,
) -> Result<Vec<(u32, u32)>, QueryError> {
    if last == 0 {
        return Ok(vec![]);
    }
    let mut ranges = vec![(1, last)];
    if let Some(s) = &f.stage {
        ranges = intersect(&ranges, &snap.stage_ranges(run, s)?);
    }
    if !f.types.is_empty() && !f.types.contains(&RecordType::Metric) {
        let mut t = Vec::new();
        for ty in &f.types {
            t.extend(snap.type_ranges(run, *ty)?);
        }
        ranges = intersect(&ranges, &union(t));
    }
    Ok(ranges)
}

/// One page of `limit` matching records around `anchor`.
pub fn records_page(
    ws: &Workspace,
    run: &Ref,
    f: &RecordFilter,
    anchor: Anchor,
    limit: usize,
) -> Result<RecordPage, QueryError> {
    let snap = ws.read()?;
    let stats = snap.stats(run)?.unwrap_or_default();
    let last = stats.last_seq;
    let ranges = candidate_ranges(&snap, run, f, last)?;
    let want = limit + 1; // one extra tells whether there is more
    let mut rows: Vec<RecordRow> = Vec::new();
    let descending = matches!(anchor, Anchor::Tail | Anchor::Before(_));
    let (lo_bound, hi_bound) = match anchor {
        Anchor::Tail | Anchor::Head => (1, last),
        Anchor::Before(s) => (1, s.saturating_sub(1)),
        Anchor::After(s) => (s.saturating_add(1), last),
    };
    let ordered: Vec<(u32, u32)> = if descending {
        ranges.iter().rev().copied().collect()
    } else {
        ranges.clone()
    };
    for (lo, hi) in ordered {
        let (lo, hi) = (lo.max(lo_bound), hi.min(hi_bound));
        if lo > hi {
            continue;
        }
        let need = want - rows.len();
        rows.extend(snap.records_in(run, lo, hi, descending, need, |r| f.matches(r))?);
        if rows.len() >= want {
            break;
        }
    }
    let extra = rows.len() > limit;
    rows.truncate(limit);
    if descending {
        rows.reverse();
    }
    let (more_before, more_after) = match anchor {
        Anchor::Tail => (extra, false),
        Anchor::Before(_) => (extra, true),
        Anchor::Head => (false, extra),
        Anchor::After(s) => (s > 0, extra),
    };
    Ok(RecordPage {
        rows,
        last_seq: last,
        total: stats.total(),
        more_before,
        more_after,
    })
}

/// Records committed after `since` (for live follow), oldest first, at most `limit`.
pub fn tail_since(
    ws: &Workspace,
    run: &Ref,
    f: &RecordFilter,
    since: u32,
    limit: usize,
) -> Result<RecordPage, QueryError> {
    records_page(ws, run, f, Anchor::After(since), limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_algebra() {
        assert_eq!(
            intersect(&[(1, 10)], &[(3, 4), (8, 12)]),
            vec![(3, 4), (8, 10)]
        );
        assert_eq!(
            union(vec![(5, 6), (1, 2), (3, 4), (9, 9)]),
            vec![(1, 6), (9, 9)]
        );
    }
}
