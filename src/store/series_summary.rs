//! Summaries of stretches of a metric series, so a sparkline or a chart of a long series is
//! drawn from a few hundred rows instead of every point: opening a run of 10 million points
//! costs about what opening one of a thousand does, and memory does not grow with the run.
//!
//! `SERIES_SUMMARIES` holds, for each sealed chunk of `CHUNK_POINTS` points (level 0), and for
//! each group of `GROUP_CHUNKS` sealed chunks (level 1, 65,536 points), its count, finite sum,
//! extremes with their steps, and first and last step and time. Rows are written when a chunk
//! is sealed; the open chunk (at most 1,023 points) is always read as points. A workspace
//! written before this table existed, or a row that is missing, is read from its points, so a
//! summary is only ever a shortcut for what the chunk itself says.

use super::codec::{CHUNK_POINTS, MetricSummary, Point, decode, decode_chunk, encode};
use super::error::StoreError;
use super::tables::{SERIES, SERIES_SUMMARIES};
use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, Table};
use serde::{Deserialize, Serialize};

/// Sealed chunks per level-1 summary.
pub(crate) const GROUP_CHUNKS: u32 = 64;

/// What a stretch of consecutive points (in record order) holds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanSummary {
    pub count: u32,
    /// Points with a finite value, and their sum (a bucket's mean is a sum of sums).
    pub finite: u32,
    pub sum: f64,
    /// The smallest and largest finite value, and the step each was first seen at; NaN when
    /// no value is finite.
    pub min: f64,
    pub min_step: i64,
    pub max: f64,
    pub max_step: i64,
    pub first_step: i64,
    pub last_step: i64,
    /// observed_at, µs since the epoch.
    pub first_at: i64,
    pub last_at: i64,
    /// Whether steps never go back inside the stretch (a resumed run's can).
    pub ordered: bool,
}

impl SpanSummary {
    /// The summary of `points` (not empty).
    pub fn of(points: &[Point]) -> Option<SpanSummary> {
        let first = points.first()?;
        let mut s = SpanSummary::single(first);
        for p in &points[1..] {
            s.absorb(&SpanSummary::single(p));
        }
        Some(s)
    }

    fn single(p: &Point) -> SpanSummary {
        let finite = p.value.is_finite();
        SpanSummary {
            count: 1,
            finite: u32::from(finite),
            sum: if finite { p.value } else { 0.0 },
            min: if finite { p.value } else { f64::NAN },
            min_step: p.step,
            max: if finite { p.value } else { f64::NAN },
            max_step: p.step,
            first_step: p.step,
            last_step: p.step,
            first_at: p.at,
            last_at: p.at,
            ordered: true,
        }
    }

    /// Extends this stretch by the one right after it.
    pub fn absorb(&mut self, next: &SpanSummary) {
        self.ordered = self.ordered && next.ordered && next.first_step >= self.last_step;
        // A stretch with no finite value has no extremes to give (theirs are NaN).
        if next.finite > 0 && (self.finite == 0 || next.min < self.min) {
            self.min = next.min;
            self.min_step = next.min_step;
        }
        if next.finite > 0 && (self.finite == 0 || next.max > self.max) {
            self.max = next.max;
            self.max_step = next.max_step;
        }
        self.count += next.count;
        self.finite += next.finite;
        self.sum += next.sum;
        self.last_step = next.last_step;
        self.last_at = next.last_at;
    }
}

/// A stretch of a series as the reader found it: summarised, or as points.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Span(SpanSummary),
    Points(Vec<Point>),
}

impl Piece {
    pub fn len(&self) -> u64 {
        match self {
            Piece::Span(s) => u64::from(s.count),
            Piece::Points(p) => p.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes the level-0 summary of sealed chunk `chunk`, and the level-1 summary of its group
/// when it is the group's last chunk and every chunk of the group has its summary.
pub(crate) fn seal(
    table: &mut Table<'_, (u32, u32, u32, u32), &'static [u8]>,
    run: u32,
    key: u32,
    chunk: u32,
    points: &[Point],
) -> Result<(), StoreError> {
    let Some(s) = SpanSummary::of(points) else {
        return Ok(());
    };
    table.insert((run, key, 0, chunk), encode(&s)?.as_slice())?;
    if !(chunk + 1).is_multiple_of(GROUP_CHUNKS) {
        return Ok(());
    }
    let group = chunk / GROUP_CHUNKS;
    let first = group * GROUP_CHUNKS;
    let mut whole: Option<SpanSummary> = None;
    let mut seen = 0;
    for item in table.range((run, key, 0, first)..=(run, key, 0, chunk))? {
        let (_, v) = item?;
        let s: SpanSummary = decode(v.value(), "series summary")?;
        match whole.as_mut() {
            Some(w) => w.absorb(&s),
            None => whole = Some(s),
        }
        seen += 1;
    }
    if let (Some(w), true) = (whole, seen == GROUP_CHUNKS) {
        table.insert((run, key, 1, group), encode(&w)?.as_slice())?;
    }
    Ok(())
}

/// The series `(run, key)` from point `from` (record order) to its end as at most a few
/// hundred pieces (its first and last chunk always as points), or `None` when it is short
/// enough that reading its points is as cheap (fewer than `detail` sealed chunks after
/// `from`): the caller then reads the points.
/// Level-1 summaries are used when at least `detail` groups follow `from`.
pub(crate) fn pieces(
    txn: &ReadTransaction,
    run: u32,
    key: u32,
    summary: &MetricSummary,
    time_base: i64,
    from: u64,
    detail: usize,
) -> Result<Option<Vec<Piece>>, StoreError> {
    let sealed = summary.open_chunk;
    let first_chunk = u32::try_from(from / u64::from(CHUNK_POINTS)).unwrap_or(u32::MAX);
    let chunks_after = sealed.saturating_sub(first_chunk) as usize;
    if chunks_after < detail.max(1) {
        return Ok(None);
    }
    let Ok(sums) = txn.open_table(SERIES_SUMMARIES) else {
        // Written before summaries existed: its points are the only account.
        return Ok(None);
    };
    let groups_ok = chunks_after / GROUP_CHUNKS as usize >= detail.max(1);
    let chunks = txn.open_table(SERIES)?;
    let mut out = Vec::new();
    let mut c = first_chunk;
    while c < sealed {
        // The first and the last point are read exactly (a chart's axes and latest value),
        // so the first chunk, and the last when no open chunk follows it, are points.
        let last_sealed = summary.open_len == 0 && c + 1 == sealed;
        if c == first_chunk || last_sealed {
            let skip = if c == first_chunk {
                (from % u64::from(CHUNK_POINTS)) as usize
            } else {
                0
            };
            let mut pts = chunk_points(&chunks, run, key, c, time_base)?;
            pts.drain(..skip.min(pts.len()));
            out.push(Piece::Points(pts));
            c += 1;
            continue;
        }
        if groups_ok
            && c.is_multiple_of(GROUP_CHUNKS)
            && c + GROUP_CHUNKS <= sealed
            && let Some(s) = summary_row(&sums, (run, key, 1, c / GROUP_CHUNKS))?
        {
            out.push(Piece::Span(s));
            c += GROUP_CHUNKS;
            continue;
        }
        match summary_row(&sums, (run, key, 0, c))? {
            Some(s) => out.push(Piece::Span(s)),
            None => out.push(Piece::Points(chunk_points(
                &chunks, run, key, c, time_base,
            )?)),
        }
        c += 1;
    }
    if summary.open_len > 0 {
        out.push(Piece::Points(chunk_points(
            &chunks, run, key, sealed, time_base,
        )?));
    }
    Ok(Some(out))
}

fn summary_row(
    t: &ReadOnlyTable<(u32, u32, u32, u32), &'static [u8]>,
    k: (u32, u32, u32, u32),
) -> Result<Option<SpanSummary>, StoreError> {
    t.get(k)?
        .map(|v| decode(v.value(), "series summary"))
        .transpose()
}

fn chunk_points(
    t: &ReadOnlyTable<(u32, u32, u32), &'static [u8]>,
    run: u32,
    key: u32,
    chunk: u32,
    time_base: i64,
) -> Result<Vec<Point>, StoreError> {
    let mut out = Vec::new();
    if let Some(v) = t.get((run, key, chunk))? {
        decode_chunk(v.value(), time_base, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pt(step: i64, value: f64) -> Point {
        Point {
            step,
            value,
            seq: step as u32,
            at: step * 10,
        }
    }

    proptest! {
        /// Summaries combine like the points they summarise: absorbing the summary of each
        /// half gives the summary of the whole, whatever the split.
        #[test]
        fn halves_combine_to_the_whole(
            vals in proptest::collection::vec(
                prop_oneof![4 => -1e6f64..1e6, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY)],
                2..60,
            ),
            cut in 1usize..59,
        ) {
            let pts: Vec<Point> = vals.iter().enumerate().map(|(i, v)| pt(i as i64, *v)).collect();
            let cut = cut.min(pts.len() - 1);
            let mut a = SpanSummary::of(&pts[..cut]).unwrap();
            a.absorb(&SpanSummary::of(&pts[cut..]).unwrap());
            let whole = SpanSummary::of(&pts).unwrap();
            prop_assert_eq!(a.count, whole.count);
            prop_assert_eq!(a.finite, whole.finite);
            prop_assert!((a.sum - whole.sum).abs() <= 1e-6 * whole.sum.abs().max(1.0));
            prop_assert_eq!(a.min.to_bits(), whole.min.to_bits());
            prop_assert_eq!(a.max.to_bits(), whole.max.to_bits());
            prop_assert_eq!((a.min_step, a.max_step), (whole.min_step, whole.max_step));
            prop_assert_eq!((a.first_step, a.last_step), (whole.first_step, whole.last_step));
            prop_assert_eq!((a.first_at, a.last_at), (whole.first_at, whole.last_at));
            prop_assert!(a.ordered && whole.ordered);
        }
    }

    #[test]
    fn extremes_skip_non_finite_values_and_steps_going_back_are_noticed() {
        let s = SpanSummary::of(&[pt(0, f64::NAN), pt(1, 2.0), pt(2, -1.0), pt(3, 5.0)]).unwrap();
        assert_eq!((s.min, s.min_step, s.max, s.max_step), (-1.0, 2, 5.0, 3));
        assert_eq!((s.count, s.finite, s.sum), (4, 3, 6.0));
        let none = SpanSummary::of(&[pt(0, f64::NAN)]).unwrap();
        assert!(none.min.is_nan() && none.max.is_nan());
        let back = SpanSummary::of(&[pt(5, 1.0), pt(2, 1.0)]).unwrap();
        assert!(!back.ordered);
    }
}
