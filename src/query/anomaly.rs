//! Scoring a run's metrics against its project: the one recipe (and the one set of defaults)
//! behind `contexta anomaly` and the explorer's tree flags. A run's latest value of a key is
//! scored (robust z, `analysis::trend::anomaly`) against the latest values of the other runs
//! that have the key and have finished writing (a run still writing has no final values: its
//! early losses would widen every baseline). Schedules are not scored: a learning rate (by its
//! key) or any series that only goes one way (a decayed rate, a counter) differs between runs
//! because they were set up to, so flagging it is noise. Expected ranges stay inside the values
//! the metric can take (`analysis::trend::natural_bounds`).

use super::investigate::metric_across_runs;
use super::resolve::QueryError;
use super::runs::RunFilter;
use super::series::series;
use crate::analysis::trend::{Anomaly, anomaly, is_monotone, is_schedule_key};
use crate::model::{Ref, Status};
use crate::store::Workspace;
use std::collections::BTreeMap;

/// The score beyond which a value is anomalous when no threshold is given (`anomaly
/// --threshold`; the explorer's tree flags always use it).
pub const DEFAULT_ANOMALY_THRESHOLD: f64 = 2.5;

/// One key of one run, scored.
pub struct Scored {
    /// Other runs whose latest value of the key was the baseline.
    pub baseline_runs: usize,
    /// `None` when the baseline is too small to score against, or the key is not scored.
    pub anomaly: Option<Anomaly>,
    /// Why the key is not scored (a schedule), when that is why `anomaly` is `None`.
    pub excluded: Option<String>,
}

/// Scores runs against projects, reading each (project, key) population once, so flagging a
/// whole tree costs one read per key rather than one per run and key.
pub struct AnomalyScorer<'w> {
    ws: &'w Workspace,
    threshold: f64,
    latest: BTreeMap<(String, String), Vec<(Ref, f64)>>,
}

impl<'w> AnomalyScorer<'w> {
    pub fn new(ws: &'w Workspace, threshold: f64) -> Self {
        AnomalyScorer {
            ws,
            threshold,
            latest: BTreeMap::new(),
        }
    }

    /// `actual` (the latest `key` of `run`) against the other runs of `project` (a project
    /// name) that have `key`.
    pub fn score(
        &mut self,
        run: &Ref,
        project: &str,
        key: &str,
        actual: f64,
    ) -> Result<Scored, QueryError> {
        let slot = (project.to_string(), key.to_string());
        let values = match self.latest.get(&slot) {
            Some(v) => v,
            None => {
                let filter = RunFilter {
                    project: Some(project.to_string()),
                    ..Default::default()
                };
                let v: Vec<(Ref, f64)> = metric_across_runs(self.ws, &filter, key, None)?
                    .into_iter()
                    .filter(|(row, _)| row.status != Status::Open)
                    .filter_map(|(row, v)| v.map(|v| (row.run_ref, v)))
                    .collect();
                self.latest.entry(slot).or_insert(v)
            }
        };
        let base: Vec<f64> = values
            .iter()
            .filter(|(r, _)| r != run)
            .map(|(_, v)| *v)
            .collect();
        let baseline_runs = base.len();
        if is_schedule_key(key) {
            return Ok(Scored {
                baseline_runs,
                anomaly: None,
                excluded: Some(format!("{key}: a learning-rate schedule, not scored")),
            });
        }
        let scored = anomaly(key, actual, &base, self.threshold);
        // Only a value that would be flagged is worth reading the series for.
        if scored.as_ref().is_some_and(|a| a.severity != "info") {
            let values: Vec<f64> = series(self.ws, run, key)?.iter().map(|p| p.value).collect();
            if is_monotone(&values) {
                return Ok(Scored {
                    baseline_runs,
                    anomaly: None,
                    excluded: Some(format!(
                        "{key}: only goes one way (a schedule or a counter), not scored"
                    )),
                });
            }
        }
        Ok(Scored {
            baseline_runs,
            anomaly: scored,
            excluded: None,
        })
    }
}
