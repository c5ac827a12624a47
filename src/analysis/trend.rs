//! Numbers across runs: aggregates with percentiles, robust anomaly scores, alert rules.
//! Pure functions over values the query layer collected.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Aggregate {
    pub count: usize,
    pub mean: f64,
    /// Population standard deviation, as the reference.
    pub std: f64,
    pub min: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// Linear interpolation at (n − 1)·q over sorted values (the reference's rule).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub fn aggregate(values: &[f64]) -> Aggregate {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return Aggregate::default();
    }
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    Aggregate {
        count: v.len(),
        mean,
        std,
        min: v[0],
        p25: percentile(&v, 0.25),
        p50: percentile(&v, 0.5),
        p75: percentile(&v, 0.75),
        p90: percentile(&v, 0.9),
        p95: percentile(&v, 0.95),
        p99: percentile(&v, 0.99),
        max: v[v.len() - 1],
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anomaly {
    pub key: String,
    pub actual: f64,
    /// Which statistic: `robust_z` (median and MAD·1.4826) or `z` when MAD is zero.
    pub statistic: String,
    pub score: f64,
    pub baseline_size: usize,
    pub baseline_center: f64,
    pub baseline_spread: f64,
    pub expected_low: f64,
    pub expected_high: f64,
    /// info | warning | error (|score| < T, < 1.5·T, else), T = threshold.
    pub severity: String,
    pub notes: Vec<String>,
}

/// Scores `actual` against `baseline` with a robust z (median/MAD), falling back to the
/// reference's mean/std z-score when the MAD is 0; infinite scores when the spread is 0 and the
/// value differs are `error` (the reference called them info, §17.11).
pub fn anomaly(key: &str, actual: f64, baseline: &[f64], threshold: f64) -> Option<Anomaly> {
    let mut b: Vec<f64> = baseline.iter().copied().filter(|x| x.is_finite()).collect();
    if b.len() < 2 {
        return None;
    }
    b.sort_by(f64::total_cmp);
    let median = percentile(&b, 0.5);
    let mut dev: Vec<f64> = b.iter().map(|x| (x - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = percentile(&dev, 0.5) * 1.4826;
    let agg = aggregate(&b);
    let (statistic, center, spread) = if mad > 0.0 {
        ("robust_z", median, mad)
    } else {
        ("z", agg.mean, agg.std)
    };
    let score = if spread > 0.0 {
        (actual - center) / spread
    } else if actual == center {
        0.0
    } else {
        f64::INFINITY.copysign(actual - center)
    };
    let severity = match score.abs() {
        s if s < threshold => "info",
        s if s < 1.5 * threshold => "warning",
        _ => "error",
    };
    let mut notes = Vec::new();
    if b.len() < 3 {
        notes.push(format!("baseline_population_small:{key}"));
    }
    // The expected range stays inside the values the metric can take (no loss below 0, no
    // accuracy above 1), as far as the observed values tell.
    b.push(actual);
    let (floor, ceiling) = natural_bounds(key, &b);
    let b_len = b.len() - 1;
    let mut expected_low = center - threshold * spread;
    let mut expected_high = center + threshold * spread;
    if let Some(f) = floor {
        expected_low = expected_low.max(f);
        expected_high = expected_high.max(f);
    }
    if let Some(c) = ceiling {
        expected_low = expected_low.min(c);
        expected_high = expected_high.min(c);
    }
    Some(Anomaly {
        key: key.to_string(),
        actual,
        statistic: statistic.into(),
        score,
        baseline_size: b_len,
        baseline_center: center,
        baseline_spread: spread,
        expected_low,
        expected_high,
        severity: severity.into(),
        notes,
    })
}

/// The words of a key (`train/learning_rate` → `train`, `learning`, `rate`), lower case.
fn key_words(key: &str) -> Vec<String> {
    key.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A key that names a schedule the trainer sets rather than something it measures: a learning
/// rate (`lr`, `learning_rate`, `train/learning-rate`, `lr_group0`). Its value differs between
/// runs because the runs were configured to differ, so it is never an anomaly.
pub fn is_schedule_key(key: &str) -> bool {
    let words = key_words(key);
    words.iter().any(|w| w == "lr")
        || words
            .windows(2)
            .any(|w| w[0] == "learning" && w[1] == "rate")
        || key.to_lowercase().contains("learningrate")
}

/// A series that only goes one way (never down, or never up) and moves: a schedule (a learning
/// rate decayed step by step, a warm-up) or a counter (`epoch`, `tokens_seen`). Its last value
/// says how far the run got, not whether it went well, so it is not scored. Needs three points.
pub fn is_monotone(values: &[f64]) -> bool {
    if values.len() < 3 || values.first() == values.last() {
        return false;
    }
    let up = values.windows(2).all(|w| w[1] >= w[0]);
    let down = values.windows(2).all(|w| w[1] <= w[0]);
    up || down
}

/// Words of keys whose values are fractions (they never pass 1 when every value seen is in
/// [0, 1]).
const FRACTION_WORDS: &[&str] = &[
    "acc",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "auc",
    "iou",
    "dice",
    "fraction",
    "ratio",
    "rate",
    "share",
    "util",
    "utilization",
];

/// The bounds a metric's values never cross, inferred from the values observed: at least 0
/// when no value was negative (a loss, a count, a duration), and at most 1 as well when every
/// value was in [0, 1] and the key names a fraction (`val-accuracy`, `f1`). `None` where the
/// data says nothing.
pub fn natural_bounds(key: &str, values: &[f64]) -> (Option<f64>, Option<f64>) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return (None, None);
    }
    let floor = finite.iter().all(|v| *v >= 0.0).then_some(0.0);
    let fraction = key_words(key)
        .iter()
        .any(|w| FRACTION_WORDS.contains(&w.as_str()));
    let ceiling = (floor.is_some() && fraction && finite.iter().all(|v| *v <= 1.0)).then_some(1.0);
    (floor, ceiling)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operator {
    Gt,
    Lt,
    Gte,
    Lte,
    Eq,
    Ne,
}

impl Operator {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "gt" | ">" => Operator::Gt,
            "lt" | "<" => Operator::Lt,
            "gte" | ">=" => Operator::Gte,
            "lte" | "<=" => Operator::Lte,
            "eq" | "==" => Operator::Eq,
            "ne" | "!=" => Operator::Ne,
            _ => return None,
        })
    }
    pub fn holds(self, v: f64, t: f64) -> bool {
        match self {
            Operator::Gt => v > t,
            Operator::Lt => v < t,
            Operator::Gte => v >= t,
            Operator::Lte => v <= t,
            Operator::Eq => v == t,
            Operator::Ne => v != t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_ranges_stay_inside_a_metrics_natural_bounds() {
        // A loss near 0 with a wide spread: the range used to start below 0.
        let a = anomaly("val-loss", 0.9, &[0.05, 0.3, 0.02, 0.5, 0.1], 2.5).unwrap();
        assert!(a.expected_low >= 0.0, "{}", a.expected_low);
        // An accuracy near 1: the range used to end above 1.
        let a = anomaly("val-accuracy", 0.5, &[0.97, 0.9, 0.99, 0.8, 0.95], 2.5).unwrap();
        assert!(a.expected_high <= 1.0, "{}", a.expected_high);
        assert!(a.expected_low >= 0.0);
        // A loss above 1 is not a fraction, and a metric that goes negative has no floor.
        assert_eq!(natural_bounds("train-loss", &[0.5, 2.0]), (Some(0.0), None));
        assert_eq!(natural_bounds("reward", &[-1.0, 2.0]), (None, None));
        assert_eq!(natural_bounds("acc", &[0.5, 0.9]), (Some(0.0), Some(1.0)));
        let a = anomaly("reward", -9.0, &[-1.0, 2.0, 0.5, 1.0], 2.5).unwrap();
        assert!(a.expected_low < 0.0);
    }

    #[test]
    fn schedules_and_one_way_series_are_recognised() {
        for k in [
            "lr",
            "learning_rate",
            "train/learning-rate",
            "lr_group0",
            "LearningRate",
        ] {
            assert!(is_schedule_key(k), "{k}");
        }
        for k in ["val-loss", "accuracy", "clr_score", "learner"] {
            assert!(!is_schedule_key(k), "{k}");
        }
        assert!(is_monotone(&[1.0, 0.5, 0.5, 0.1]));
        assert!(is_monotone(&[0.0, 1.0, 2.0]));
        assert!(!is_monotone(&[1.0, 0.5, 0.6, 0.1]));
        assert!(!is_monotone(&[1.0, 1.0, 1.0]));
        assert!(!is_monotone(&[1.0, 0.5]));
    }

    #[test]
    fn aggregate_matches_reference_rules() {
        let a = aggregate(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(a.count, 4);
        assert_eq!(a.mean, 2.5);
        assert_eq!(a.p50, 2.5);
        assert_eq!(a.p25, 1.75);
        assert!((a.std - 1.118033988749895).abs() < 1e-12);
    }

    #[test]
    fn reference_anomaly_example_is_an_error() {
        // [run] baseline {0.9, 0.8, 0.91} vs 0.5: clearly anomalous.
        let a = anomaly("acc", 0.5, &[0.9, 0.8, 0.91], 2.5).unwrap();
        assert_eq!(a.severity, "error");
        assert!(a.score < -2.5);
        let ok = anomaly("acc", 0.9, &[0.9, 0.8, 0.91], 2.5).unwrap();
        assert_eq!(ok.severity, "info");
        let flat = anomaly("acc", 0.5, &[0.9, 0.9, 0.9], 2.5).unwrap();
        assert_eq!(flat.severity, "error");
    }
}
