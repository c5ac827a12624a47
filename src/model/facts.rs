//! `RunFacts`: everything the analysis layer needs to know about one run, gathered by the query
//! layer in one read and handed over as plain data (analysis never reads storage).

use super::*;
use std::collections::BTreeMap;

/// One metric series of a run, split by stage (None = run-level points).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesFacts {
    pub stage: Option<String>,
    pub key: String,
    /// (observed_at, step, value, seq) in record order.
    pub points: Vec<(Timestamp, i64, f64, u32)>,
}

impl SeriesFacts {
    /// The reference's "latest": greatest observed_at, ties broken by the later record.
    pub fn latest(&self) -> Option<f64> {
        self.points
            .iter()
            .max_by(|a, b| (a.0, a.3).cmp(&(b.0, b.3)))
            .map(|p| p.2)
    }
    pub fn min(&self) -> Option<f64> {
        self.points.iter().map(|p| p.2).reduce(f64::min)
    }
    pub fn max(&self) -> Option<f64> {
        self.points.iter().map(|p| p.2).reduce(f64::max)
    }
    pub fn mean(&self) -> Option<f64> {
        (!self.points.is_empty())
            .then(|| self.points.iter().map(|p| p.2).sum::<f64>() / self.points.len() as f64)
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
    /// (record ref, seq of the repeat, seq of the first) per duplicate record ref.
    pub duplicates: Vec<(Ref, u32, u32)>,
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
