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
}
