//! A series reduced to what a screen can show, read from the store's chunk summaries where the
//! series is long: a sparkline's bucket means and a chart's per-column extremes cost about
//! the same for 10 million points as for 60,000, and never hold the points in memory.
//! Short series, workspaces without summaries, and series whose steps go back (a resumed run)
//! are read point by point, in step order, exactly as before.

use super::resolve::QueryError;
use super::series::{downsample, series};
use crate::model::Ref;
use crate::store::{Piece, Point, SpanSummary, Workspace};

/// The long-series path of one key: `(total points, pieces in step order)`, or `None` when
/// the points must be read.
fn long_pieces(
    ws: &Workspace,
    run: &Ref,
    key: &str,
    last_n: Option<usize>,
    detail: usize,
) -> Result<Option<(u64, Vec<Piece>)>, QueryError> {
    let Some((total, pieces)) =
        ws.read()?
            .series_pieces(run, key, last_n.map(|n| n as u64), detail)?
    else {
        return Ok(None);
    };
    Ok(in_step_order(&pieces).then_some((total, pieces)))
}

/// Whether steps never go back across the pieces (else the summaries are in record order,
/// which a chart in step order cannot use).
fn in_step_order(pieces: &[Piece]) -> bool {
    let mut last = i64::MIN;
    for p in pieces {
        match p {
            Piece::Span(s) => {
                if !s.ordered || s.first_step < last {
                    return false;
                }
                last = s.last_step;
            }
            Piece::Points(pts) => {
                for pt in pts {
                    if pt.step < last {
                        return false;
                    }
                    last = pt.step;
                }
            }
        }
    }
    true
}

/// The pieces as summaries in `buckets` columns by position: bucket `b` holds what lies
/// between `b/buckets` and `(b+1)/buckets` of the stretch (a summary goes where its middle
/// point is).
fn columns(pieces: &[Piece], buckets: usize) -> Vec<Option<SpanSummary>> {
    let n: u64 = pieces.iter().map(Piece::len).sum();
    let buckets = buckets.min(n as usize);
    let mut out: Vec<Option<SpanSummary>> = vec![None; buckets];
    if buckets == 0 {
        return out;
    }
    let mut at = 0u64;
    let mut put = |mid: u64, s: &SpanSummary| {
        let b = ((mid as u128 * buckets as u128) / n as u128) as usize;
        let slot = &mut out[b.min(buckets - 1)];
        match slot {
            Some(have) => have.absorb(s),
            None => *slot = Some(*s),
        }
    };
    for p in pieces {
        match p {
            Piece::Span(s) => {
                put(at + u64::from(s.count) / 2, s);
                at += u64::from(s.count);
            }
            Piece::Points(pts) => {
                for (i, pt) in pts.iter().enumerate() {
                    if let Some(s) = SpanSummary::of(std::slice::from_ref(pt)) {
                        put(at + i as u64, &s);
                    }
                }
                at += pts.len() as u64;
            }
        }
    }
    out
}

/// A sparkline's values: one per bucket, `None` where the bucket has no finite value.
pub type Spark = Vec<Option<f64>>;

/// One key's values as `buckets` bucket means (non-finite values become gaps).
pub fn spark(ws: &Workspace, run: &Ref, key: &str, buckets: usize) -> Result<Spark, QueryError> {
    if buckets == 0 {
        return Ok(vec![]);
    }
    if let Some((_, pieces)) = long_pieces(ws, run, key, None, buckets)? {
        return Ok(columns(&pieces, buckets)
            .into_iter()
            .map(|c| {
                c.filter(|s| s.finite > 0)
                    .map(|s| s.sum / f64::from(s.finite))
            })
            .collect());
    }
    Ok(bucket_means(&series(ws, run, key)?, buckets))
}

fn bucket_means(points: &[Point], buckets: usize) -> Vec<Option<f64>> {
    if points.is_empty() || buckets == 0 {
        return vec![];
    }
    let n = buckets.min(points.len());
    let per = points.len() as f64 / n as f64;
    (0..n)
        .map(|b| {
            let lo = (b as f64 * per) as usize;
            let hi = (((b + 1) as f64 * per) as usize)
                .min(points.len())
                .max(lo + 1);
            let (sum, count) = points[lo..hi]
                .iter()
                .map(|p| p.value)
                .filter(|v| v.is_finite())
                .fold((0.0, 0u32), |(s, c), v| (s + v, c + 1));
            (count > 0).then(|| sum / f64::from(count))
        })
        .collect()
}

/// A chart line of one key: its last `last_n` points (or all), reduced to at most two points
/// per bucket, each bucket's smallest and largest value at their steps, so spikes survive;
/// with the series' total point count.
pub fn chart_points(
    ws: &Workspace,
    run: &Ref,
    key: &str,
    last_n: Option<usize>,
    buckets: usize,
) -> Result<(Vec<Point>, usize), QueryError> {
    if buckets > 0
        && let Some((total, pieces)) = long_pieces(ws, run, key, last_n, buckets)?
    {
        let mut out = Vec::with_capacity(buckets * 2);
        for s in columns(&pieces, buckets).into_iter().flatten() {
            if s.finite == 0 {
                continue;
            }
            // The time of an extreme is not kept: placed by its step between the bucket's
            // first and last point, which is exact for evenly logged steps.
            let at = |step: i64| {
                let span = (s.last_step - s.first_step) as f64;
                let f = if span > 0.0 {
                    (step - s.first_step) as f64 / span
                } else {
                    0.0
                };
                s.first_at + ((s.last_at - s.first_at) as f64 * f) as i64
            };
            let lo = Point {
                step: s.min_step,
                value: s.min,
                seq: 0,
                at: at(s.min_step),
            };
            let hi = Point {
                step: s.max_step,
                value: s.max,
                seq: 0,
                at: at(s.max_step),
            };
            match (lo.step == hi.step, lo.step < hi.step) {
                (true, _) => out.push(lo),
                (false, true) => out.extend([lo, hi]),
                (false, false) => out.extend([hi, lo]),
            }
        }
        return Ok((out, total as usize));
    }
    let pts = series(ws, run, key)?;
    let total = pts.len();
    let from = last_n.map_or(0, |n| total.saturating_sub(n));
    Ok((downsample(&pts[from..], buckets), total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: f64) -> Point {
        Point {
            step: 0,
            value: v,
            seq: 0,
            at: 0,
        }
    }

    #[test]
    fn bucket_means_keep_gaps() {
        let pts = [p(1.0), p(3.0), p(f64::NAN), p(f64::NAN)];
        assert_eq!(bucket_means(&pts, 2), vec![Some(2.0), None]);
        assert_eq!(bucket_means(&pts[..1], 5), vec![Some(1.0)]);
        assert!(bucket_means(&[], 5).is_empty());
    }

    fn pt(step: i64, value: f64) -> Point {
        Point {
            step,
            value,
            seq: 0,
            at: step,
        }
    }

    #[test]
    fn columns_of_summaries_equal_columns_of_their_points() {
        let pts: Vec<Point> = (0..4096).map(|i| pt(i, ((i % 97) as f64).sin())).collect();
        let as_spans: Vec<Piece> = pts
            .chunks(1024)
            .map(|c| Piece::Span(SpanSummary::of(c).unwrap()))
            .collect();
        let as_points = vec![Piece::Points(pts.clone())];
        let a = columns(&as_spans, 4);
        let b = columns(&as_points, 4);
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (x.unwrap(), y.unwrap());
            assert_eq!(
                (x.count, x.min_step, x.max_step),
                (y.count, y.min_step, y.max_step)
            );
            assert!((x.sum - y.sum).abs() < 1e-9);
        }
        assert!(in_step_order(&as_spans));
        let mut back = pts.clone();
        back[2000].step = 5;
        assert!(!in_step_order(&[Piece::Points(back)]));
    }
}
