//! The reference's entities (spec §1.3), with their JSON field names. `validate` enforces the
//! reference's rules and names the failing field. Our only additions are `inferred` (an entity
//! created because records mentioned it) and run `params`; both are omitted from JSON when empty.

use super::error::{Check, ValidationError, component, non_blank, str_map};
use super::json::{Extension, JsonMap, check_extensions};
use super::refs::Ref;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: &str = "1.0.0";

fn schema_version() -> String {
    SCHEMA_VERSION.to_string()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "open" | "running" => Status::Open,
            "completed" | "ok" | "success" => Status::Completed,
            "failed" | "error" => Status::Failed,
            "cancelled" | "canceled" => Status::Cancelled,
            _ => return None,
        })
    }
}

fn check_schema(v: &str) -> Check {
    if v == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(ValidationError::new(
            "schema_version",
            format!("`{v}` is not {SCHEMA_VERSION} (schema.version_mismatch)"),
        ))
    }
}

fn check_kind(field: &str, r: &Ref, kind: &str) -> Check {
    if r.kind() == kind {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("`{r}` must be a {kind} ref"),
        ))
    }
}

fn check_lifecycle(status: Status, started: Timestamp, ended: Option<Timestamp>) -> Check {
    match (status, ended) {
        (Status::Open, Some(_)) => Err(ValidationError::new(
            "ended_at",
            "must be null while status is open",
        )),
        (Status::Open, None) => Ok(()),
        (_, None) => Err(ValidationError::new(
            "ended_at",
            format!("is required when status is {}", status.as_str()),
        )),
        (_, Some(e)) if e < started => Err(ValidationError::new(
            "ended_at",
            format!("{e} is before started_at {started}"),
        )),
        _ => Ok(()),
    }
}

fn check_ext(exts: &[Extension]) -> Check {
    check_extensions("extensions", exts).map_err(super::error::from_message)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub project_ref: Ref,
    pub name: String,
    pub created_at: Timestamp,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl Project {
    pub fn new(project_ref: Ref, name: &str, created_at: Timestamp) -> Self {
        Project {
            project_ref,
            name: name.to_string(),
            created_at,
            description: None,
            tags: BTreeMap::new(),
            schema_version: schema_version(),
            extensions: vec![],
        }
    }
    pub fn validate(&self) -> Check {
        check_kind("project_ref", &self.project_ref, "project")?;
        non_blank("name", &self.name)?;
        str_map("tags", &self.tags)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub run_ref: Ref,
    pub project_ref: Ref,
    pub name: String,
    pub status: Status,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub description: Option<String>,
    /// Ours: hyper-parameters and settings (the reference has nowhere to put them).
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Ours: created because records mentioned it, not declared.
    #[serde(default)]
    pub inferred: bool,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl Run {
    pub fn new(run_ref: Ref, name: &str, started_at: Timestamp) -> Self {
        let project_ref = run_ref.project_ref().unwrap_or_else(|| run_ref.clone());
        Run {
            run_ref,
            project_ref,
            name: name.to_string(),
            status: Status::Open,
            started_at,
            ended_at: None,
            description: None,
            params: BTreeMap::new(),
            inferred: false,
            schema_version: schema_version(),
            extensions: vec![],
        }
    }
    pub fn validate(&self) -> Check {
        check_kind("run_ref", &self.run_ref, "run")?;
        check_kind("project_ref", &self.project_ref, "project")?;
        if self.run_ref.first() != self.project_ref.value() {
            return Err(ValidationError::new(
                "run_ref",
                format!(
                    "`{}` is not in project `{}`",
                    self.run_ref, self.project_ref
                ),
            ));
        }
        non_blank("name", &self.name)?;
        check_lifecycle(self.status, self.started_at, self.ended_at)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageExecution {
    pub stage_execution_ref: Ref,
    pub run_ref: Ref,
    pub stage_name: String,
    pub status: Status,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub order_index: Option<u32>,
    #[serde(default)]
    pub inferred: bool,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl StageExecution {
    pub fn new(run_ref: &Ref, name: &str, started_at: Timestamp) -> Result<Self, ValidationError> {
        component("stage_name", name)?;
        let stage_execution_ref = run_ref
            .child("stage", name)
            .map_err(|e| ValidationError::new("stage_name", e.rule))?;
        Ok(StageExecution {
            stage_execution_ref,
            run_ref: run_ref.clone(),
            stage_name: name.to_string(),
            status: Status::Open,
            started_at,
            ended_at: None,
            order_index: None,
            inferred: false,
            schema_version: schema_version(),
            extensions: vec![],
        })
    }
    pub fn validate(&self) -> Check {
        check_kind("stage_execution_ref", &self.stage_execution_ref, "stage")?;
        check_kind("run_ref", &self.run_ref, "run")?;
        component("stage_name", &self.stage_name)?;
        if self.stage_execution_ref.value()
            != format!("{}.{}", self.run_ref.value(), self.stage_name)
        {
            return Err(ValidationError::new(
                "stage_execution_ref",
                "must be run_ref + \".\" + stage_name",
            ));
        }
        check_lifecycle(self.status, self.started_at, self.ended_at)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchExecution {
    pub batch_execution_ref: Ref,
    pub run_ref: Ref,
    pub stage_execution_ref: Ref,
    pub batch_name: String,
    pub status: Status,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub order_index: Option<u32>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl BatchExecution {
    pub fn validate(&self) -> Check {
        check_kind("batch_execution_ref", &self.batch_execution_ref, "batch")?;
        check_kind("run_ref", &self.run_ref, "run")?;
        check_kind("stage_execution_ref", &self.stage_execution_ref, "stage")?;
        component("batch_name", &self.batch_name)?;
        if !self.stage_execution_ref.is_under(&self.run_ref) {
            return Err(ValidationError::new(
                "stage_execution_ref",
                "must be prefixed by run_ref",
            ));
        }
        if self.batch_execution_ref.value()
            != format!("{}.{}", self.stage_execution_ref.value(), self.batch_name)
        {
            return Err(ValidationError::new(
                "batch_execution_ref",
                "must be stage_execution_ref + \".\" + batch_name",
            ));
        }
        check_lifecycle(self.status, self.started_at, self.ended_at)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

fn check_owner(run: &Ref, stage: &Ref, batch: Option<&Ref>, own: &Ref, name: &str) -> Check {
    if !stage.is_under(run) {
        return Err(ValidationError::new(
            "stage_execution_ref",
            "must be prefixed by run_ref",
        ));
    }
    let owner = match batch {
        Some(b) => {
            if !b.is_under(stage) {
                return Err(ValidationError::new(
                    "batch_execution_ref",
                    "must be prefixed by stage_execution_ref",
                ));
            }
            b
        }
        None => stage,
    };
    if own.value() != format!("{}.{}", owner.value(), name) {
        return Err(ValidationError::new(
            "ref",
            format!("`{own}` must be (batch or stage) + \".{name}\""),
        ));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleObservation {
    pub sample_observation_ref: Ref,
    pub run_ref: Ref,
    pub stage_execution_ref: Ref,
    pub sample_name: String,
    pub observed_at: Timestamp,
    #[serde(default)]
    pub batch_execution_ref: Option<Ref>,
    #[serde(default)]
    pub retention_class: Option<String>,
    #[serde(default)]
    pub redaction_profile: Option<String>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl SampleObservation {
    pub fn validate(&self) -> Check {
        check_kind(
            "sample_observation_ref",
            &self.sample_observation_ref,
            "sample",
        )?;
        component("sample_name", &self.sample_name)?;
        check_owner(
            &self.run_ref,
            &self.stage_execution_ref,
            self.batch_execution_ref.as_ref(),
            &self.sample_observation_ref,
            &self.sample_name,
        )?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationContext {
    pub operation_context_ref: Ref,
    pub run_ref: Ref,
    pub stage_execution_ref: Ref,
    pub operation_name: String,
    pub observed_at: Timestamp,
    #[serde(default)]
    pub batch_execution_ref: Option<Ref>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl OperationContext {
    pub fn validate(&self) -> Check {
        check_kind("operation_context_ref", &self.operation_context_ref, "op")?;
        component("operation_name", &self.operation_name)?;
        check_owner(
            &self.run_ref,
            &self.stage_execution_ref,
            self.batch_execution_ref.as_ref(),
            &self.operation_context_ref,
            &self.operation_name,
        )?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentExecution {
    pub deployment_execution_ref: Ref,
    pub project_ref: Ref,
    pub deployment_name: String,
    pub status: Status,
    pub started_at: Timestamp,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub order_index: Option<u32>,
    #[serde(default)]
    pub run_ref: Option<Ref>,
    #[serde(default)]
    pub artifact_ref: Option<Ref>,
    #[serde(default)]
    pub environment_snapshot_ref: Option<Ref>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl DeploymentExecution {
    pub fn validate(&self) -> Check {
        check_kind(
            "deployment_execution_ref",
            &self.deployment_execution_ref,
            "deployment",
        )?;
        check_kind("project_ref", &self.project_ref, "project")?;
        component("deployment_name", &self.deployment_name)?;
        if self.deployment_execution_ref.value()
            != format!("{}.{}", self.project_ref.value(), self.deployment_name)
        {
            return Err(ValidationError::new(
                "deployment_execution_ref",
                "must be project_ref + \".\" + deployment_name",
            ));
        }
        for (field, r) in [
            ("run_ref", &self.run_ref),
            ("artifact_ref", &self.artifact_ref),
        ] {
            if let Some(r) = r
                && r.first() != self.project_ref.value()
            {
                return Err(ValidationError::new(
                    field,
                    format!("`{r}` is not in project `{}`", self.project_ref),
                ));
            }
        }
        check_lifecycle(self.status, self.started_at, self.ended_at)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSnapshot {
    pub environment_snapshot_ref: Ref,
    pub run_ref: Ref,
    pub captured_at: Timestamp,
    pub python_version: String,
    pub platform: String,
    #[serde(default)]
    pub packages: BTreeMap<String, String>,
    #[serde(default)]
    pub environment_variables: BTreeMap<String, String>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl EnvironmentSnapshot {
    pub fn validate(&self) -> Check {
        check_kind(
            "environment_snapshot_ref",
            &self.environment_snapshot_ref,
            "environment",
        )?;
        check_kind("run_ref", &self.run_ref, "run")?;
        if !self.environment_snapshot_ref.is_under(&self.run_ref) {
            return Err(ValidationError::new(
                "environment_snapshot_ref",
                "must be run_ref + one component",
            ));
        }
        non_blank("python_version", &self.python_version)?;
        non_blank("platform", &self.platform)?;
        str_map("packages", &self.packages)?;
        str_map("environment_variables", &self.environment_variables)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationType {
    GeneratedFrom,
    ConsumedBy,
    ProducedBy,
    PackagedFrom,
    ReportedBy,
    EvaluatedOn,
    DeployedFrom,
    Used,
    DerivedFrom,
    ObservedIn,
}

impl RelationType {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::GeneratedFrom => "generated_from",
            RelationType::ConsumedBy => "consumed_by",
            RelationType::ProducedBy => "produced_by",
            RelationType::PackagedFrom => "packaged_from",
            RelationType::ReportedBy => "reported_by",
            RelationType::EvaluatedOn => "evaluated_on",
            RelationType::DeployedFrom => "deployed_from",
            RelationType::Used => "used",
            RelationType::DerivedFrom => "derived_from",
            RelationType::ObservedIn => "observed_in",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OriginMarker {
    Explicit,
    Imported,
    Inferred,
    Replayed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub relation_ref: Ref,
    pub relation_type: RelationType,
    pub source_ref: Ref,
    pub target_ref: Ref,
    pub recorded_at: Timestamp,
    pub origin_marker: OriginMarker,
    pub confidence_marker: Confidence,
    #[serde(default)]
    pub operation_context_ref: Option<Ref>,
    #[serde(default)]
    pub evidence_refs: Vec<Ref>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl Relation {
    /// An explicit, high-confidence edge `source --relation--> target`.
    pub fn new(
        relation_ref: Ref,
        relation_type: RelationType,
        source: &Ref,
        target: &Ref,
        at: Timestamp,
    ) -> Self {
        Relation {
            relation_ref,
            relation_type,
            source_ref: source.clone(),
            target_ref: target.clone(),
            recorded_at: at,
            origin_marker: OriginMarker::Explicit,
            confidence_marker: Confidence::High,
            operation_context_ref: None,
            evidence_refs: vec![],
            schema_version: schema_version(),
            extensions: vec![],
        }
    }

    pub fn validate(&self) -> Check {
        check_kind("relation_ref", &self.relation_ref, "relation")?;
        if self.source_ref == self.target_ref {
            return Err(ValidationError::new(
                "target_ref",
                "must differ from source_ref",
            ));
        }
        if let Some(op) = &self.operation_context_ref {
            check_kind("operation_context_ref", op, "op")?;
        }
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceRecord {
    pub provenance_ref: Ref,
    pub relation_ref: Ref,
    pub assertion_mode: OriginMarker,
    pub asserted_at: Timestamp,
    #[serde(default)]
    pub formation_context_ref: Option<Ref>,
    #[serde(default)]
    pub policy_ref: Option<String>,
    #[serde(default)]
    pub evidence_bundle_ref: Option<Ref>,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl ProvenanceRecord {
    pub fn validate(&self) -> Check {
        check_kind("provenance_ref", &self.provenance_ref, "provenance")?;
        check_kind("relation_ref", &self.relation_ref, "relation")?;
        if let Some(e) = &self.evidence_bundle_ref {
            check_kind("evidence_bundle_ref", e, "artifact")?;
        }
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactManifest {
    pub artifact_ref: Ref,
    pub artifact_kind: String,
    pub created_at: Timestamp,
    pub producer_ref: String,
    pub run_ref: Ref,
    pub location_ref: String,
    #[serde(default)]
    pub deployment_execution_ref: Option<Ref>,
    #[serde(default)]
    pub stage_execution_ref: Option<Ref>,
    #[serde(default)]
    pub batch_execution_ref: Option<Ref>,
    #[serde(default)]
    pub sample_observation_ref: Option<Ref>,
    #[serde(default)]
    pub operation_context_ref: Option<Ref>,
    #[serde(default)]
    pub hash_value: Option<String>,
    #[serde(default)]
    pub size_bytes: Option<u64>,
    #[serde(default)]
    pub attributes: JsonMap,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl ArtifactManifest {
    pub fn validate(&self) -> Check {
        check_kind("artifact_ref", &self.artifact_ref, "artifact")?;
        check_kind("run_ref", &self.run_ref, "run")?;
        if !self.artifact_ref.is_under(&self.run_ref) {
            return Err(ValidationError::new(
                "artifact_ref",
                "must be prefixed by run_ref",
            ));
        }
        super::error::snake_token("artifact_kind", &self.artifact_kind)?;
        super::error::dot_token("producer_ref", &self.producer_ref)?;
        non_blank("location_ref", &self.location_ref)?;
        if let Some(h) = &self.hash_value
            && (h.len() != 64
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        {
            return Err(ValidationError::new(
                "hash_value",
                "must be 64 lower-case hex digits (sha256)",
            ));
        }
        self.attributes
            .check("attributes")
            .map_err(super::error::from_message)?;
        check_schema(&self.schema_version)?;
        check_ext(&self.extensions)
    }
}
