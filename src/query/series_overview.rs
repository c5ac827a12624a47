//! A long series read from the store's chunk summaries instead of its points: each summary
//! stands for its stretch by its smallest and largest value at their steps, which is all a
//! chart's min-max columns keep of it (`chart_series`). So a chart or a grid cell of a series
//! of 10 million points reads a few hundred rows and never holds the points. Short series,
//! workspaces without summaries, and series whose steps go back (a resumed run) are read point
//! by point.

use super::resolve::QueryError;
use crate::model::Ref;
use crate::store::{Piece, Point, Workspace};

/// The points that stand for the series `(run, key)` in a chart `columns` dots wide, with the
/// series' total point count, or `None` when the points themselves must be read. Exact where
/// it matters: the first and the last chunk are always read as points (axes and the latest
/// value come from them), and every stretch keeps its extremes at their own steps.
pub fn representative_points(
    ws: &Workspace,
    run: &Ref,
    key: &str,
    columns: usize,
) -> Result<Option<(Vec<Point>, usize)>, QueryError> {
    // At least four chunks a column: a stretch that straddles a column's edge gives its
    // extremes to one side only, so each column must be mostly whole stretches.
    let detail = columns.saturating_mul(4);
    let Some((total, pieces)) = ws.read()?.series_pieces(run, key, None, detail)? else {
        return Ok(None);
    };
    if !in_step_order(&pieces) {
        return Ok(None);
    }
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Points(pts) => out.extend(pts),
            Piece::Span(s) => {
                if s.finite == 0 {
                    continue;
                }
                // An extreme's time is not kept: placed by its step between the stretch's
                // first and last point (exact for evenly logged steps).
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
                match lo.step.cmp(&hi.step) {
                    std::cmp::Ordering::Equal => out.push(lo),
                    std::cmp::Ordering::Less => out.extend([lo, hi]),
                    std::cmp::Ordering::Greater => out.extend([hi, lo]),
                }
            }
        }
    }
    Ok(Some((out, total as usize)))
}

/// Whether steps never go back across the pieces (summaries are in record order, which a
/// chart in step order cannot use when a run went back).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SpanSummary;

    fn pt(step: i64, value: f64) -> Point {
        Point {
            step,
            value,
            seq: 0,
            at: step,
        }
    }

    #[test]
    fn steps_going_back_anywhere_are_noticed() {
        let pts: Vec<Point> = (0..4096).map(|i| pt(i, 1.0)).collect();
        let spans: Vec<Piece> = pts
            .chunks(1024)
            .map(|c| Piece::Span(SpanSummary::of(c).unwrap()))
            .collect();
        assert!(in_step_order(&spans));
        let mut back = pts.clone();
        back[2000].step = 5;
        assert!(!in_step_order(&[Piece::Points(back.clone())]));
        let spans: Vec<Piece> = back
            .chunks(1024)
            .map(|c| Piece::Span(SpanSummary::of(c).unwrap()))
            .collect();
        assert!(!in_step_order(&spans));
    }
}
