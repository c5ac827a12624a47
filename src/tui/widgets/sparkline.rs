//! A sparkline as text, one block character per value, scaled between the values' min and max.
//! A missing value is a gap (a space), never a zero: a stalled exporter must look stalled.

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `values` resampled to at most `width` characters.
pub fn spark(values: &[Option<f64>], width: usize) -> String {
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let n = values.len().min(width);
    let picked: Vec<Option<f64>> = (0..n)
        .map(|i| values[i * values.len() / n].filter(|v| v.is_finite()))
        .collect();
    let (lo, hi) = picked
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    picked
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(v) if hi > lo => {
                let i = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                BLOCKS[i.min(7)]
            }
            Some(_) => BLOCKS[3],
        })
        .collect()
}

/// The columns value `i` of `n` takes when `n` values are stretched over `width` columns
/// (`spark_fill`): column `c` shows value `c * n / width`.
pub fn columns_of(i: usize, n: usize, width: usize) -> std::ops::Range<usize> {
    if n == 0 || width == 0 {
        return 0..0;
    }
    let start = (i * width).div_ceil(n);
    let end = ((i + 1) * width).div_ceil(n);
    start.min(width)..end.min(width)
}

/// `values` over exactly `width` columns: each value widened to its share of the columns
/// (or, with more values than columns, sampled), scaled between the values' min and max; a
/// missing value is a gap.
pub fn spark_fill(values: &[Option<f64>], width: usize) -> String {
    if values.is_empty() || width == 0 {
        return " ".repeat(width);
    }
    let n = values.len();
    let (lo, hi) = values
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    (0..width)
        .map(|c| match values[c * n / width].filter(|v| v.is_finite()) {
            None => ' ',
            Some(v) if hi > lo => BLOCKS[(((v - lo) / (hi - lo) * 7.0).round() as usize).min(7)],
            Some(_) => BLOCKS[3],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_stay_gaps_and_range_spans_blocks() {
        assert_eq!(spark(&[Some(0.0), None, Some(1.0)], 10), "▁ █");
        assert_eq!(spark(&[Some(2.0), Some(2.0)], 10), "▄▄");
        assert_eq!(spark(&[], 10), "");
        assert_eq!(spark(&[Some(1.0); 100], 5).chars().count(), 5);
    }

    #[test]
    fn a_filled_sparkline_uses_every_column_and_each_value_owns_its_columns() {
        assert_eq!(spark_fill(&[Some(0.0), None, Some(1.0)], 9), "▁▁▁   ███");
        assert_eq!(spark_fill(&[Some(1.0); 100], 7).chars().count(), 7);
        assert_eq!(spark_fill(&[], 3), "   ");
        for (n, w) in [(3, 9), (6, 40), (5, 7), (100, 7)] {
            let mut covered = 0;
            for i in 0..n {
                let r = columns_of(i, n, w);
                assert!(r.clone().all(|c| c * n / w == i), "{n} {w} {i} {r:?}");
                covered += r.len();
            }
            assert_eq!(covered, w, "{n} {w}");
        }
    }
}
