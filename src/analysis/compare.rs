//! Comparing runs: two side by side (metrics per stage with deltas and verdicts, stages, params,
//! provenance, artifacts, record counts, degraded markers), many in one table, and the best run
//! by a key. Pure: works on `RunFacts`.

use super::direction::{Direction, Verdict, beats, direction, verdict};
use super::provenance::{EnvDiff, env_diff};
use crate::model::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SideStats {
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub count: usize,
}

fn side(s: &SeriesFacts) -> Option<SideStats> {
    Some(SideStats {
        last: s.latest()?,
        min: s.min()?,
        max: s.max()?,
        count: s.count,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricDelta {
    pub key: String,
    /// Stage name, or null for run-level metrics (which the reference ignored, §17.12).
    pub stage: Option<String>,
    pub left: Option<SideStats>,
    pub right: Option<SideStats>,
    /// right.last − left.last
    pub delta: Option<f64>,
    /// right.last / left.last, as the reference has it (null when left is 0 or missing).
    pub change_ratio: Option<f64>,
    /// (right − left) / |left| × 100
    pub change_pct: Option<f64>,
    pub direction: Direction,
    pub verdict: Verdict,
}

impl MetricDelta {
    /// The row people read: stage, key, left, right, delta, change %, verdict.
    pub fn cells(&self) -> [String; 7] {
        let opt = |v: Option<f64>| v.map(format_value).unwrap_or_else(|| "-".into());
        [
            self.stage.clone().unwrap_or_else(|| "(run)".into()),
            self.key.clone(),
            opt(self.left.as_ref().map(|s| s.last)),
            opt(self.right.as_ref().map(|s| s.last)),
            opt(self.delta),
            self.change_pct
                .map(|p| format!("{p:+.1}%"))
                .unwrap_or_else(|| "-".into()),
            self.verdict.as_str().into(),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageDiff {
    pub name: String,
    pub left_status: Option<Status>,
    pub right_status: Option<Status>,
    pub left_duration_s: Option<f64>,
    pub right_duration_s: Option<f64>,
    /// missing_left | missing_right | status_changed | duration_changed | same
    pub change: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueDiff {
    pub key: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArtifactChange {
    pub kind: String,
    /// added | removed | changed | ambiguous
    pub change: String,
    pub left: Vec<String>,
    pub right: Vec<String>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub left: String,
    pub right: String,
    pub metrics: Vec<MetricDelta>,
    pub stages: Vec<StageDiff>,
    pub params: Vec<ValueDiff>,
    pub provenance: EnvDiff,
    pub artifacts: Vec<ArtifactChange>,
    /// Per record type: [left, right].
    pub record_counts: BTreeMap<String, [u64; 2]>,
    pub degraded: [Vec<String>; 2],
    pub summary: String,
}

pub fn compare(l: &RunFacts, r: &RunFacts) -> Comparison {
    let goals: BTreeMap<String, String> = r.goals().into_iter().chain(l.goals()).collect();
    let index = |f: &RunFacts| -> BTreeMap<(Option<String>, String), SeriesFacts> {
        f.series
            .iter()
            .map(|s| ((s.stage.clone(), s.key.clone()), s.clone()))
            .collect()
    };
    let (li, ri) = (index(l), index(r));
    let keys: BTreeSet<&(Option<String>, String)> = li.keys().chain(ri.keys()).collect();
    let mut metrics = Vec::new();
    for k in keys {
        let ls = li.get(k).and_then(side);
        let rs = ri.get(k).and_then(side);
        let dir = direction(&k.1, goals.get(&k.1).map(String::as_str));
        let (delta, ratio, pct, v) = match (&ls, &rs) {
            (Some(a), Some(b)) => (
                Some(b.last - a.last),
                (a.last != 0.0).then(|| b.last / a.last),
                (a.last != 0.0).then(|| (b.last - a.last) / a.last.abs() * 100.0),
                verdict(dir, a.last, b.last),
            ),
            _ => (None, None, None, Verdict::Neutral),
        };
        metrics.push(MetricDelta {
            key: k.1.clone(),
            stage: k.0.clone(),
            left: ls,
            right: rs,
            delta,
            change_ratio: ratio,
            change_pct: pct,
            direction: dir,
            verdict: v,
        });
    }
    // Run-level first, then by stage name, then key (stable, readable).
    metrics.sort_by(|a, b| (&a.stage, &a.key).cmp(&(&b.stage, &b.key)));

    let names: BTreeSet<&str> = l
        .stages
        .iter()
        .chain(&r.stages)
        .map(|s| s.stage_name.as_str())
        .collect();
    let stages: Vec<StageDiff> = names
        .into_iter()
        .map(|n| {
            let ls = l.stages.iter().find(|s| s.stage_name == n);
            let rs = r.stages.iter().find(|s| s.stage_name == n);
            let (ld, rd) = (l.stage_duration(n), r.stage_duration(n));
            let change = match (ls, rs) {
                (None, _) => "missing_left",
                (_, None) => "missing_right",
                (Some(a), Some(b)) if a.status != b.status => "status_changed",
                _ => match (ld, rd) {
                    // More than 10% and a second apart counts as a duration change.
                    (Some(a), Some(b)) if (b - a).abs() > 1.0 && (b - a).abs() > 0.1 * a.abs() => {
                        "duration_changed"
                    }
                    _ => "same",
                },
            };
            StageDiff {
                name: n.to_string(),
                left_status: ls.map(|s| s.status),
                right_status: rs.map(|s| s.status),
                left_duration_s: ld,
                right_duration_s: rd,
                change: change.into(),
            }
        })
        .collect();

    let pkeys: BTreeSet<&String> = l.run.params.keys().chain(r.run.params.keys()).collect();
    let params: Vec<ValueDiff> = pkeys
        .into_iter()
        .filter_map(|k| {
            let (a, b) = (l.run.params.get(k), r.run.params.get(k));
            (a != b).then(|| ValueDiff {
                key: k.clone(),
                left: a.cloned(),
                right: b.cloned(),
            })
        })
        .collect();

    let mut artifacts = Vec::new();
    let kinds: BTreeSet<&str> = l
        .artifacts
        .iter()
        .chain(&r.artifacts)
        .map(|a| a.artifact_kind.as_str())
        .collect();
    for kind in kinds {
        let la: Vec<&ArtifactManifest> = l
            .artifacts
            .iter()
            .filter(|a| a.artifact_kind == kind)
            .collect();
        let ra: Vec<&ArtifactManifest> = r
            .artifacts
            .iter()
            .filter(|a| a.artifact_kind == kind)
            .collect();
        let refs = |v: &[&ArtifactManifest]| {
            v.iter()
                .map(|a| a.artifact_ref.to_string())
                .collect::<Vec<_>>()
        };
        let (change, detail) = match (la.len(), ra.len()) {
            (0, _) => ("added", String::new()),
            (_, 0) => ("removed", String::new()),
            (1, 1) => {
                let hash = la[0].hash_value != ra[0].hash_value;
                let loc = la[0].location_ref != ra[0].location_ref;
                match (hash, loc) {
                    (false, false) => continue,
                    (true, false) => ("changed", "hash_changed".into()),
                    (false, true) => ("changed", "location_changed".into()),
                    (true, true) => ("changed", "both_changed".into()),
                }
            }
            (a, b) => ("ambiguous", format!("left={a}, right={b}")),
        };
        artifacts.push(ArtifactChange {
            kind: kind.into(),
            change: change.into(),
            left: refs(&la),
            right: refs(&ra),
            detail,
        });
    }

    let mut record_counts = BTreeMap::new();
    for t in RecordType::ALL {
        record_counts.insert(
            t.as_str().to_string(),
            [l.counts[t.index()], r.counts[t.index()]],
        );
    }
    let degraded_of = |f: &RunFacts| -> Vec<String> {
        f.degraded
            .iter()
            .map(|(_, rec)| match &rec.payload {
                Payload::Degraded(d) => format!("{}: {}", d.issue_key, d.summary),
                other => format!(
                    "{} marked {}",
                    other.key(),
                    rec.envelope.degradation_marker.as_str()
                ),
            })
            .collect()
    };
    let changed = metrics
        .iter()
        .filter(|m| m.delta.is_some_and(|d| d != 0.0))
        .count();
    let summary = format!(
        "Compared {} and {}: {} metric rows ({} changed; {} better, {} worse), {} stage rows, {} param differences, {} artifact changes.",
        l.run.name,
        r.run.name,
        metrics.len(),
        changed,
        metrics
            .iter()
            .filter(|m| m.verdict == Verdict::Better)
            .count(),
        metrics
            .iter()
            .filter(|m| m.verdict == Verdict::Worse)
            .count(),
        stages.len(),
        params.len(),
        artifacts.len()
    );
    let provenance = env_diff(l, r);
    Comparison {
        left: l.run.run_ref.to_string(),
        right: r.run.run_ref.to_string(),
        params,
        summary,
        metrics,
        stages,
        provenance,
        artifacts,
        record_counts,
        degraded: [degraded_of(l), degraded_of(r)],
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MultiRow {
    pub stage: Option<String>,
    pub key: String,
    pub direction: Direction,
    /// Aligned with `runs`; null where a run lacks the metric.
    pub values: Vec<Option<f64>>,
    /// Index into `runs` of the best value by the key's direction; none when the key has no
    /// direction.
    pub best: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MultiComparison {
    pub runs: Vec<String>,
    pub names: Vec<String>,
    pub metrics: Vec<MultiRow>,
    pub params: Vec<(String, Vec<Option<String>>)>,
}

pub fn compare_many(runs: &[RunFacts]) -> MultiComparison {
    let mut keys: BTreeSet<(Option<String>, String)> = BTreeSet::new();
    for f in runs {
        for s in &f.series {
            keys.insert((s.stage.clone(), s.key.clone()));
        }
    }
    let metrics = keys
        .into_iter()
        .map(|(stage, key)| {
            let goal = runs.iter().find_map(|f| f.goals().get(&key).cloned());
            let dir = direction(&key, goal.as_deref());
            let values: Vec<Option<f64>> = runs
                .iter()
                .map(|f| {
                    f.series
                        .iter()
                        .find(|s| s.stage == stage && s.key == key)
                        .and_then(SeriesFacts::latest)
                })
                .collect();
            // No direction, no best: "higher" is not better for a learning rate or a batch
            // size, so only keys with a goal or a telling name get a mark (as in the explorer).
            let mut best: Option<usize> = None;
            for (i, v) in values.iter().enumerate() {
                if dir != Direction::Unknown
                    && let Some(v) = v
                    && best.is_none_or(|b| values[b].is_some_and(|bv| beats(dir, *v, bv)))
                {
                    best = Some(i);
                }
            }
            MultiRow {
                stage,
                key,
                direction: dir,
                values,
                best,
            }
        })
        .collect();
    let pkeys: BTreeSet<&String> = runs.iter().flat_map(|f| f.run.params.keys()).collect();
    let params = pkeys
        .into_iter()
        .map(|k| {
            (
                k.clone(),
                runs.iter().map(|f| f.run.params.get(k).cloned()).collect(),
            )
        })
        .collect();
    MultiComparison {
        runs: runs.iter().map(|f| f.run.run_ref.to_string()).collect(),
        names: runs.iter().map(|f| f.run.name.clone()).collect(),
        metrics,
        params,
    }
}

/// The run with the best latest value of `key` (in `stage`, or run-level and any stage when
/// None), by the key's direction; ties keep the earlier run.
pub fn best_run<'a>(
    runs: &'a [RunFacts],
    key: &str,
    stage: Option<&str>,
) -> Option<(&'a RunFacts, f64)> {
    let mut best: Option<(&RunFacts, f64)> = None;
    for f in runs {
        let goal = f.goals().get(key).cloned();
        let dir = direction(key, goal.as_deref());
        let v = f
            .series
            .iter()
            .filter(|s| {
                s.count > 0 && s.key == key && stage.is_none_or(|st| s.stage.as_deref() == Some(st))
            })
            .max_by_key(|s| s.last_at)
            .map(|s| s.last);
        if let Some(v) = v
            && best.is_none_or(|(_, b)| beats(dir, v, b))
        {
            best = Some((f, v));
        }
    }
    best
}
