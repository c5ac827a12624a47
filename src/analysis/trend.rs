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
    Some(Anomaly {
        key: key.to_string(),
        actual,
        statistic: statistic.into(),
        score,
        baseline_size: b.len(),
        baseline_center: center,
        baseline_spread: spread,
        expected_low: center - threshold * spread,
        expected_high: center + threshold * spread,
        severity: severity.into(),
        notes,
    })
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
