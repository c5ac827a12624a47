//! Which way is better for a metric: a declared goal (run param `goal.<key>` = min|max), else
//! the key's name (loss/error/latency/perplexity lower; accuracy/f1/auc/precision/recall/score
//! higher), else no opinion.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Lower,
    Higher,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Better,
    Worse,
    Neutral,
}

const LOWER: &[&str] = &[
    "loss",
    "error",
    "err",
    "latency",
    "perplexity",
    "mse",
    "mae",
    "rmse",
    "wer",
];
const HIGHER: &[&str] = &[
    "accuracy",
    "acc",
    "f1",
    "auc",
    "precision",
    "recall",
    "score",
    "ndcg",
    "mrr",
    "bleu",
    "rouge",
];

pub fn direction(key: &str, goal: Option<&str>) -> Direction {
    match goal.map(str::to_ascii_lowercase).as_deref() {
        Some("min" | "lower" | "minimize" | "minimise") => return Direction::Lower,
        Some("max" | "higher" | "maximize" | "maximise") => return Direction::Higher,
        _ => {}
    }
    let words: Vec<&str> = key.split(['-', '.', '_']).collect();
    // The last matching word wins: `val-loss` is a loss, `loss-accuracy` an accuracy.
    for w in words.iter().rev() {
        if LOWER.contains(w) {
            return Direction::Lower;
        }
        if HIGHER.contains(w) {
            return Direction::Higher;
        }
    }
    Direction::Unknown
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Neutral => "neutral",
        }
    }
}

/// The verdict for a change from `left` to `right`.
pub fn verdict(dir: Direction, left: f64, right: f64) -> Verdict {
    if left == right {
        return Verdict::Neutral;
    }
    match (dir, right < left) {
        (Direction::Lower, true) | (Direction::Higher, false) => Verdict::Better,
        (Direction::Lower, false) | (Direction::Higher, true) => Verdict::Worse,
        (Direction::Unknown, _) => Verdict::Neutral,
    }
}

/// Whether `a` beats `b` in `dir` (for picking a best value; unknown means higher).
pub fn beats(dir: Direction, a: f64, b: f64) -> bool {
    match dir {
        Direction::Lower => a < b,
        _ => a > b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_goals() {
        assert_eq!(direction("val-loss", None), Direction::Lower);
        assert_eq!(direction("retrieval-latency-ms", None), Direction::Lower);
        assert_eq!(direction("test-accuracy", None), Direction::Higher);
        assert_eq!(direction("ndcg-at-5", None), Direction::Higher);
        assert_eq!(direction("throughput", None), Direction::Unknown);
        assert_eq!(direction("throughput", Some("max")), Direction::Higher);
        assert_eq!(verdict(Direction::Lower, 0.5, 0.4), Verdict::Better);
        assert_eq!(verdict(Direction::Higher, 0.5, 0.4), Verdict::Worse);
        assert_eq!(verdict(Direction::Unknown, 0.5, 0.4), Verdict::Neutral);
    }
}
