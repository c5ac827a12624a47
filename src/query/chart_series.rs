//! Series for charts, cut to an x range and reduced to what a chart `columns` braille dots wide
//! can show: per column of dots, the point with the smallest value and the one with the largest,
//! so the draw cost follows the screen's width, never the series' length, and a spike is never
//! lost. Also the whole series' first and last points, so axes are labelled with the data's own
//! steps and times rather than with whichever points survived downsampling.

use super::resolve::QueryError;
use super::series::series;
use crate::model::Ref;
use crate::store::{Point, Workspace};

/// What a chart's x axis measures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XBy {
    #[default]
    Step,
    /// Seconds since the series' first point (so runs started at different times align).
    Time,
}

impl XBy {
    /// The x of `p` in a series whose first point was observed at `t0` (µs).
    pub fn x(self, p: &Point, t0: i64) -> f64 {
        match self {
            XBy::Step => p.step as f64,
            XBy::Time => (p.at - t0) as f64 / 1e6,
        }
    }
}

/// How to cut and reduce each line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChartAsk {
    pub by: XBy,
    /// The x range shown; `None` is the whole series.
    pub range: Option<(f64, f64)>,
    /// Columns of braille dots (two per terminal cell).
    pub columns: usize,
    /// EMA weight of the previous value, when the chart smooths.
    pub smoothing: Option<f64>,
}

/// One run's series of one key, cut and reduced for a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesLine {
    pub run: Ref,
    pub key: String,
    /// The raw points in range, min and max per column, in x order.
    pub points: Vec<Point>,
    /// The smoothed line (EMA over every point, reduced the same way); empty unless asked.
    pub smooth: Vec<Point>,
    /// Points in the whole series, before the cut and the reduction.
    pub total: usize,
    /// The whole series' first and last points (the axis' own extent and time origin).
    pub first: Option<Point>,
    pub last: Option<Point>,
}

impl SeriesLine {
    /// The whole series' x extent on `by`.
    pub fn extent(&self, by: XBy) -> Option<(f64, f64)> {
        let (f, l) = (self.first?, self.last?);
        let t0 = f.at;
        Some((by.x(&f, t0), by.x(&l, t0)))
    }

    /// The time origin of x in seconds (the first point's observation time).
    pub fn t0(&self) -> i64 {
        self.first.map_or(0, |p| p.at)
    }
}

/// Per column of `columns` over `[lo, hi]`, the points of `points` with the smallest and the
/// largest finite value (one point when they are the same), columns left to right and each
/// pair in input order. Points outside the range or not finite are left out. One pass, memory
/// bounded by `columns`.
pub fn min_max_columns(
    points: &[Point],
    x: impl Fn(&Point) -> f64,
    (lo, hi): (f64, f64),
    columns: usize,
) -> Vec<Point> {
    // A NaN bound compares false either way: no range, no points.
    if columns == 0 || lo.partial_cmp(&hi).is_none_or(|o| o.is_gt()) {
        return vec![];
    }
    let width = hi - lo;
    // (index of the min, index of the max) per column.
    let mut cols: Vec<Option<(usize, usize)>> = vec![None; columns];
    for (i, p) in points.iter().enumerate() {
        let px = x(p);
        if !(p.value.is_finite() && lo <= px && px <= hi) {
            continue;
        }
        let c = if width > 0.0 {
            (((px - lo) / width * columns as f64) as usize).min(columns - 1)
        } else {
            0
        };
        cols[c] = Some(match cols[c] {
            None => (i, i),
            Some((mn, mx)) => (
                if p.value < points[mn].value { i } else { mn },
                if p.value > points[mx].value { i } else { mx },
            ),
        });
    }
    let mut out = Vec::with_capacity(columns * 2);
    for (a, b) in cols.into_iter().flatten() {
        let (a, b) = (a.min(b), a.max(b));
        out.push(points[a]);
        if a != b {
            out.push(points[b]);
        }
    }
    out
}

/// The EMA of `points` (`alpha` the weight of the previous value); non-finite values pass
/// through unsmoothed and do not disturb the average.
fn smoothed(points: &[Point], alpha: f64) -> Vec<Point> {
    let mut ema: Option<f64> = None;
    points
        .iter()
        .map(|p| {
            if !p.value.is_finite() {
                return *p;
            }
            let v = ema.map_or(p.value, |prev| alpha * prev + (1.0 - alpha) * p.value);
            ema = Some(v);
            Point { value: v, ..*p }
        })
        .collect()
}

/// One line of `points` cut and reduced as `ask` says.
pub fn chart_line(run: Ref, key: String, points: &[Point], ask: &ChartAsk) -> SeriesLine {
    let (first, last) = (points.first().copied(), points.last().copied());
    let t0 = first.map_or(0, |p| p.at);
    let x = |p: &Point| ask.by.x(p, t0);
    let range = ask.range.or_else(|| {
        let (a, b) = points
            .iter()
            .map(x)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        (a <= b).then_some((a, b))
    });
    let (reduced, smooth) = match range {
        None => (vec![], vec![]),
        Some(r) => (
            min_max_columns(points, x, r, ask.columns),
            ask.smoothing.map_or_else(Vec::new, |a| {
                min_max_columns(&smoothed(points, a), x, r, ask.columns)
            }),
        ),
    };
    SeriesLine {
        run,
        key,
        points: reduced,
        smooth,
        total: points.len(),
        first,
        last,
    }
}

/// The series of each (run, key) pair, cut and reduced as `ask` says: several keys of one
/// run, one key across runs, or every key of a chart grid.
pub fn series_lines(
    ws: &Workspace,
    lines: &[(Ref, String)],
    ask: &ChartAsk,
) -> Result<Vec<SeriesLine>, QueryError> {
    let mut out = Vec::with_capacity(lines.len());
    for (run, key) in lines {
        // The whole series unsmoothed (the grid, a chart before zoom): a long one from its
        // chunk summaries, which give the same columns. A zoomed range or a smoothed line
        // needs every point.
        if ask.range.is_none()
            && ask.smoothing.is_none()
            && let Some((pts, total)) =
                super::series_overview::representative_points(ws, run, key, ask.columns)?
        {
            let mut line = chart_line(run.clone(), key.clone(), &pts, ask);
            line.total = total;
            out.push(line);
            continue;
        }
        let pts = series(ws, run, key)?;
        out.push(chart_line(run.clone(), key.clone(), &pts, ask));
    }
    Ok(out)
}

/// The chart lines of `lines` as `series_lines` gives them, except those of `split.0`: only
/// the points rank `split.1` wrote (a merged multi-rank run split by rank). A rank's series
/// is read from the records (chunk summaries mix the ranks).
pub fn series_lines_split(
    ws: &Workspace,
    lines: &[(Ref, String)],
    ask: &ChartAsk,
    split: &(Ref, u32),
) -> Result<Vec<SeriesLine>, QueryError> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let (run, key) = line;
        if run == &split.0 {
            let pts = super::series::series_of_rank(ws, run, key, split.1)?;
            out.push(chart_line(run.clone(), key.clone(), &pts, ask));
        } else {
            out.extend(series_lines(ws, std::slice::from_ref(line), ask)?);
        }
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
            seq: 0,
            at: step * 1_000_000,
        }
    }

    fn step_x(p: &Point) -> f64 {
        p.step as f64
    }

    #[test]
    fn a_spike_survives_and_gaps_are_left_out() {
        let mut pts: Vec<Point> = (0..50_000).map(|s| pt(s, 1.0)).collect();
        pts[31_337].value = 1e6;
        pts[100].value = f64::NAN;
        let out = min_max_columns(&pts, step_x, (0.0, 49_999.0), 160);
        assert!(out.len() <= 320);
        assert!(out.iter().any(|p| p.step == 31_337 && p.value == 1e6));
        assert!(out.iter().all(|p| p.value.is_finite()));
    }

    #[test]
    fn the_line_keeps_the_whole_series_extent() {
        let pts: Vec<Point> = (0..50_000).map(|s| pt(s, (s as f64).sin())).collect();
        let ask = ChartAsk {
            columns: 100,
            ..ChartAsk::default()
        };
        let line = chart_line(Ref::parse("run:p.r").unwrap(), "k".into(), &pts, &ask);
        assert_eq!(line.extent(XBy::Step), Some((0.0, 49_999.0)));
        assert_eq!(line.extent(XBy::Time), Some((0.0, 49_999.0)));
        assert_eq!(line.total, 50_000);
        assert!(line.points.len() <= 200);
        assert!(line.smooth.is_empty());
        let ask = ChartAsk {
            range: Some((1000.0, 2000.0)),
            smoothing: Some(0.9),
            ..ask
        };
        let line = chart_line(Ref::parse("run:p.r").unwrap(), "k".into(), &pts, &ask);
        assert!(
            line.points
                .iter()
                .chain(&line.smooth)
                .all(|p| (1000..=2000).contains(&p.step))
        );
        assert!(!line.smooth.is_empty());
    }

    proptest! {
        /// Every column's min and max points are drawn, nothing else is, and the reduction
        /// never exceeds two points a column.
        #[test]
        fn each_columns_min_and_max_are_kept(
            values in prop::collection::vec(-1e6f64..1e6, 0..2000),
            columns in 1usize..300,
            lo in 0usize..500,
            width in 0usize..2000,
        ) {
            let pts: Vec<Point> = values.iter().enumerate().map(|(i, v)| pt(i as i64, *v)).collect();
            let (lo, hi) = (lo as f64, (lo + width) as f64);
            let out = min_max_columns(&pts, step_x, (lo, hi), columns);
            prop_assert!(out.len() <= 2 * columns);
            // Output is in x order and inside the range.
            prop_assert!(out.windows(2).all(|w| w[0].step < w[1].step));
            prop_assert!(out.iter().all(|p| lo <= p.step as f64 && p.step as f64 <= hi));
            let col = |p: &Point| if hi > lo {
                (((p.step as f64 - lo) / (hi - lo) * columns as f64) as usize).min(columns - 1)
            } else { 0 };
            for c in 0..columns {
                let bucket: Vec<&Point> = pts.iter()
                    .filter(|p| lo <= p.step as f64 && p.step as f64 <= hi && col(p) == c)
                    .collect();
                let drawn: Vec<&Point> = out.iter().filter(|p| col(p) == c).collect();
                if bucket.is_empty() {
                    prop_assert!(drawn.is_empty());
                    continue;
                }
                let mn = bucket.iter().map(|p| p.value).fold(f64::INFINITY, f64::min);
                let mx = bucket.iter().map(|p| p.value).fold(f64::NEG_INFINITY, f64::max);
                prop_assert!(drawn.iter().any(|p| p.value == mn));
                prop_assert!(drawn.iter().any(|p| p.value == mx));
                prop_assert!(drawn.len() <= 2);
                // Drawn points are real points of the bucket.
                prop_assert!(drawn.iter().all(|d| bucket.iter().any(|b| b == d)));
            }
        }
    }
}
