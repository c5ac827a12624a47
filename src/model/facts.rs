//! `RunFacts`: everything the analysis layer needs to know about one run, gathered by the query
//! layer in one read and handed over as plain data (analysis never reads storage).

use super::*;
use std::collections::BTreeMap;

/// (observed_at, step, value, seq) of one metric point.
pub type SeriesPoint = (Timestamp, i64, f64, u32);

/// One metric series of a run, split by stage (None = run-level points). The summary fields
/// are always set; `points` only when the caller asked for them (charts, step series).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesFacts {
    pub stage: Option<String>,
    pub key: String,
    pub count: usize,
    /// The reference's "latest": greatest observed_at, ties broken by the later record.
    pub last: f64,
    pub last_at: Timestamp,
    pub min: f64,
    pub max: f64,
    /// (observed_at, step, value, seq) in record order.
    pub points: Vec<SeriesPoint>,
}

impl SeriesFacts {
    pub fn from_points(
        stage: Option<String>,
        key: &str,
        points: Vec<(Timestamp, i64, f64, u32)>,
    ) -> Self {
        let latest = points
            .iter()
            .max_by(|a, b| (a.0, a.3).cmp(&(b.0, b.3)))
            .copied();
        // f64::min would skip a NaN; a non-finite point must show in the summary.
        let finite = points.iter().all(|p| p.2.is_finite());
        SeriesFacts {
            stage,
            key: key.to_string(),
            count: points.len(),
            last: latest.map(|p| p.2).unwrap_or(f64::NAN),
            last_at: latest.map(|p| p.0).unwrap_or_default(),
            min: if finite {
                points.iter().map(|p| p.2).fold(f64::INFINITY, f64::min)
            } else {
                f64::NAN
            },
            max: if finite {
                points.iter().map(|p| p.2).fold(f64::NEG_INFINITY, f64::max)
            } else {
                f64::NAN
            },
            points,
        }
    }
    pub fn latest(&self) -> Option<f64> {
        (self.count > 0).then_some(self.last)
    }
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactState {
    Ok,
    Missing,
    /// The stored object's hash or size no longer matches the manifest.
    Changed,
    /// The manifest has no object path or hash to check against.
    Unverifiable,
}

impl ArtifactState {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactState::Ok => "ok",
            ArtifactState::Missing => "missing",
            ArtifactState::Changed => "changed",
            ArtifactState::Unverifiable => "unverifiable",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunFacts {
    pub run: Run,
    /// Records per type (event, metric, span, degraded), from stored counters.
    pub counts: [u64; 4],
    /// Wall clock of the last commit that touched the run.
    pub last_commit: Timestamp,
    pub stages: Vec<StageExecution>,
    pub batches: Vec<BatchExecution>,
    pub deployments: Vec<DeploymentExecution>,
    pub artifacts: Vec<ArtifactManifest>,
    /// Artifacts this run consumed (lineage edges into the run: consumed_by, used, …).
    pub inputs: Vec<ArtifactManifest>,
    /// Verification of each artifact's stored body (only when asked for; else empty).
    pub artifact_states: Vec<(Ref, ArtifactState)>,
    pub environments: Vec<EnvironmentSnapshot>,
    /// Provenance records of relations touching the run (latest last).
    pub provenance: Vec<ProvenanceRecord>,
    pub series: Vec<SeriesFacts>,
    /// Degraded records and records carrying a degradation marker, with their seq.
    pub degraded: Vec<(u32, Record)>,
    /// Names of stages whose records exist, by stage ref.
    pub stages_with_metrics: Vec<Ref>,
    /// (record ref, seq of the repeat, seq of the first): the first few duplicate record
    /// refs, as examples (a re-ingested run can repeat millions).
    pub duplicates: Vec<(Ref, u32, u32)>,
    /// How many records repeat an earlier record's ref (0: count `duplicates`).
    pub duplicate_count: usize,
    /// (subject, missing ref): references to entities that do not exist.
    pub dangling: Vec<(Ref, Ref)>,
}

impl RunFacts {
    pub fn latest_environment(&self) -> Option<&EnvironmentSnapshot> {
        self.environments.iter().max_by_key(|e| e.captured_at)
    }

    /// The value of `contexta.provenance` extension field `name` in the latest environment.
    pub fn provenance_field(&self, name: &str) -> Option<serde_json::Value> {
        let env = self.latest_environment()?;
        env.extensions
            .iter()
            .find(|e| e.namespace == "contexta.provenance")
            .and_then(|e| e.fields.0.get(name).cloned())
    }

    /// Declared optimisation goals: run params `goal.<metric-key>` = `min` | `max`.
    pub fn goals(&self) -> BTreeMap<String, String> {
        self.run
            .params
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("goal.").map(|m| (m.to_string(), v.clone())))
            .collect()
    }

    pub fn stage_duration(&self, name: &str) -> Option<f64> {
        let s = self.stages.iter().find(|s| s.stage_name == name)?;
        Some(s.ended_at?.secs_since(s.started_at))
    }
}

/// One lineage edge, explicit (a stored relation) or implicit (a run's stages, artifacts and
/// deployments; a deployment's artifact).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EdgeFact {
    pub from: Ref,
    pub to: Ref,
    /// A relation type (`generated_from` …) or, for implicit edges, `has_stage`,
    /// `has_artifact`, `has_deployment`, `deploys`.
    pub relation: String,
    pub relation_ref: Option<Ref>,
}
