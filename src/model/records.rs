//! Records: an envelope plus one of four payloads (spec §2). `Record::from_json` reads the
//! reference's canonical record JSON strictly; `to_json` writes it back canonically, so our output
//! is the reference's input.

use super::error::{Check, ValidationError, dot_token, non_blank, snake_token};
use super::json::{Extension, JsonMap, canonical, check_extensions};
use super::refs::Ref;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordType {
    Event,
    Metric,
    Span,
    Degraded,
}

impl RecordType {
    pub const ALL: [RecordType; 4] = [
        RecordType::Event,
        RecordType::Metric,
        RecordType::Span,
        RecordType::Degraded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Event => "event",
            RecordType::Metric => "metric",
            RecordType::Span => "span",
            RecordType::Degraded => "degraded",
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn parse(s: &str) -> Option<Self> {
        RecordType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Completeness {
    #[default]
    Complete,
    Partial,
    Sampled,
    Absent,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Degradation {
    #[default]
    None,
    PartialFailure,
    CaptureGap,
    ImportLoss,
    CompatibilityUpgrade,
}

impl Degradation {
    pub fn as_str(self) -> &'static str {
        match self {
            Degradation::None => "none",
            Degradation::PartialFailure => "partial_failure",
            Degradation::CaptureGap => "capture_gap",
            Degradation::ImportLoss => "import_loss",
            Degradation::CompatibilityUpgrade => "compatibility_upgrade",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelationRefs {
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
}

fn schema_version() -> String {
    super::entities::SCHEMA_VERSION.to_string()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub record_ref: Ref,
    pub record_type: RecordType,
    pub recorded_at: Timestamp,
    pub observed_at: Timestamp,
    pub producer_ref: String,
    pub run_ref: Ref,
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
    pub correlation_refs: CorrelationRefs,
    #[serde(default)]
    pub completeness_marker: Completeness,
    #[serde(default)]
    pub degradation_marker: Degradation,
    #[serde(default = "schema_version")]
    pub schema_version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

impl Envelope {
    /// An envelope with the reference's defaults: complete, not degraded, recorded when
    /// observed, no stage or other context refs.
    pub fn new(
        record_ref: Ref,
        record_type: RecordType,
        run_ref: Ref,
        producer_ref: &str,
        at: Timestamp,
    ) -> Self {
        Envelope {
            record_ref,
            record_type,
            recorded_at: at,
            observed_at: at,
            producer_ref: producer_ref.to_string(),
            run_ref,
            deployment_execution_ref: None,
            stage_execution_ref: None,
            batch_execution_ref: None,
            sample_observation_ref: None,
            operation_context_ref: None,
            correlation_refs: CorrelationRefs::default(),
            completeness_marker: Completeness::Complete,
            degradation_marker: Degradation::None,
            schema_version: super::entities::SCHEMA_VERSION.to_string(),
            extensions: vec![],
        }
    }

    pub fn in_stage(mut self, stage: Option<&Ref>) -> Self {
        self.stage_execution_ref = stage.cloned();
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "debug" => Level::Debug,
            "info" => Level::Info,
            "warning" | "warn" => Level::Warning,
            "error" => Level::Error,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureOrigin {
    #[default]
    ExplicitCapture,
    AssistedCapture,
    WrappedCapture,
    Imported,
    Inferred,
    Replayed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventPayload {
    pub event_key: String,
    pub level: Level,
    pub message: String,
    #[serde(default)]
    pub subject_ref: Option<Ref>,
    #[serde(default)]
    pub attributes: JsonMap,
    #[serde(default)]
    pub origin_marker: CaptureOrigin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AggregationScope {
    Run,
    Stage,
    Operation,
    #[default]
    Step,
    Slice,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricPayload {
    pub metric_key: String,
    pub value: f64,
    /// Whether `value` was written as a JSON integer (kept so output matches input).
    #[serde(skip)]
    pub integral: bool,
    pub value_type: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub aggregation_scope: AggregationScope,
    #[serde(default)]
    pub subject_ref: Option<Ref>,
    #[serde(default)]
    pub slice_ref: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub summary_basis: Option<String>,
}

impl MetricPayload {
    pub fn with_scope(mut self, scope: AggregationScope) -> Self {
        self.aggregation_scope = scope;
        self
    }

    /// A float64 step-scoped metric; `step`, when given, goes to `tags.step` (our step rule).
    pub fn new(key: &str, value: f64, step: Option<i64>) -> Self {
        let mut tags = BTreeMap::new();
        if let Some(s) = step {
            tags.insert("step".to_string(), s.to_string());
        }
        MetricPayload {
            metric_key: key.to_string(),
            value,
            integral: false,
            value_type: "float64".into(),
            unit: None,
            aggregation_scope: AggregationScope::Step,
            subject_ref: None,
            slice_ref: None,
            tags,
            summary_basis: None,
        }
    }

    /// `MetricPayload`'s fields in one pass, `value` kept as its JSON text so that whether it
    /// was written as an integer is known (`integral`), by the rule of `from_raw_parts`.
    /// `None` where `from_raw_parts` might say something else.
    fn from_json_str_fast(text: &str) -> Option<MetricPayload> {
        use serde_json::value::RawValue;
        // The same fields, names and defaults as `MetricPayload` (a unit test holds them to
        // it), with the value unparsed.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire<'a> {
            metric_key: String,
            #[serde(borrow)]
            value: &'a RawValue,
            value_type: String,
            #[serde(default)]
            unit: Option<String>,
            #[serde(default)]
            aggregation_scope: AggregationScope,
            #[serde(default)]
            subject_ref: Option<Ref>,
            #[serde(default)]
            slice_ref: Option<String>,
            #[serde(default)]
            tags: BTreeMap<String, String>,
            #[serde(default)]
            summary_basis: Option<String>,
        }
        let w: Wire<'_> = serde_json::from_str(text).ok()?;
        let t = w.value.get();
        let integral = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if !t.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            return None;
        }
        Some(MetricPayload {
            metric_key: w.metric_key,
            value: serde_json::from_str(t).ok()?,
            integral,
            value_type: w.value_type,
            unit: w.unit,
            aggregation_scope: w.aggregation_scope,
            subject_ref: w.subject_ref,
            slice_ref: w.slice_ref,
            tags: w.tags,
            summary_basis: w.summary_basis,
        })
    }

    /// Our step rule: `tags.step` when it is an integer.
    pub fn tagged_step(&self) -> Option<i64> {
        self.tags.get("step").and_then(|s| s.trim().parse().ok())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanStatus {
    Ok,
    Error,
    Cancelled,
    Timeout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    Operation,
    Internal,
    Io,
    Network,
    Process,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpanPayload {
    pub span_id: String,
    pub trace_id: String,
    /// Absent or null for a root span (the reference drops the key; we read it back).
    #[serde(default)]
    pub parent_span_id: Option<String>,
    pub span_name: String,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub status: SpanStatus,
    pub span_kind: SpanKind,
    #[serde(default)]
    pub attributes: JsonMap,
    #[serde(default)]
    pub linked_refs: Vec<Ref>,
}

impl SpanPayload {
    /// Derived, never stored (the reference's missing `duration_ms`, §17.2).
    pub fn duration_ms(&self) -> f64 {
        (self.ended_at.0 - self.started_at.0) as f64 / 1000.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DegradedCategory {
    Capture,
    Store,
    Import,
    Compatibility,
    Verification,
    Recovery,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DegradedPayload {
    pub issue_key: String,
    pub category: DegradedCategory,
    pub severity: Severity,
    pub summary: String,
    #[serde(default)]
    pub subject_ref: Option<Ref>,
    #[serde(default)]
    pub origin_marker: CaptureOrigin,
    #[serde(default)]
    pub attributes: JsonMap,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Event(EventPayload),
    Metric(MetricPayload),
    Span(SpanPayload),
    Degraded(DegradedPayload),
}

impl Payload {
    pub fn record_type(&self) -> RecordType {
        match self {
            Payload::Event(_) => RecordType::Event,
            Payload::Metric(_) => RecordType::Metric,
            Payload::Span(_) => RecordType::Span,
            Payload::Degraded(_) => RecordType::Degraded,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub envelope: Envelope,
    pub payload: Payload,
}

/// Why a JSON record was refused: the field path and the reason.
pub type RecordError = ValidationError;

/// Deserializes strictly, naming the failing field path (`payload.value`, `envelope.run_ref`).
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    prefix: &str,
    v: serde_json::Value,
) -> Result<T, ValidationError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let mut err = field_of_serde(prefix, &inner);
        if path != "." && !path.is_empty() {
            err.field = if prefix.is_empty() {
                path
            } else {
                format!("{prefix}.{path}")
            };
        }
        err
    })
}

fn field_of_serde(prefix: &str, e: &serde_json::Error) -> ValidationError {
    let msg = e.to_string();
    // serde messages look like "missing field `x`" / "unknown field `x`, expected …"
    let field = msg
        .split('`')
        .nth(1)
        .filter(|_| msg.contains("field"))
        .map(|f| format!("{prefix}.{f}"))
        .unwrap_or_else(|| prefix.to_string());
    let reason = msg.split(" at line").next().unwrap_or(&msg).to_string();
    ValidationError::new(field, reason)
}

impl Record {
    /// The rank of a distributed job that wrote this record: the `rank` tag the capture API
    /// stamps (metric tags, or `attributes.tags` of the other payloads), when it is a plain
    /// number. `contexta merge` keeps ranks apart by it.
    pub fn rank(&self) -> Option<u32> {
        fn in_tags(attributes: &JsonMap) -> Option<String> {
            match attributes.0.get("tags")?.get("rank")? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        }
        let tag = match &self.payload {
            Payload::Metric(m) => m.tags.get("rank").cloned(),
            Payload::Event(e) => in_tags(&e.attributes),
            Payload::Span(s) => in_tags(&s.attributes),
            Payload::Degraded(d) => in_tags(&d.attributes),
        }?;
        tag.trim().parse().ok()
    }

    /// Reads canonical record JSON (`{"envelope","payload"}`), strictly, then validates.
    pub fn from_json(value: serde_json::Value) -> Result<Record, RecordError> {
        let serde_json::Value::Object(mut obj) = value else {
            return Err(ValidationError::new("", "a record must be a JSON object"));
        };
        let env = obj
            .remove("envelope")
            .ok_or_else(|| ValidationError::new("envelope", "missing"))?;
        let payload = obj
            .remove("payload")
            .ok_or_else(|| ValidationError::new("payload", "missing"))?;
        if let Some(k) = obj.keys().next() {
            return Err(ValidationError::new(k.clone(), "unknown field"));
        }
        let env = strip_nulls(env);
        let envelope: Envelope = from_value("envelope", env)?;
        let payload = Payload::from_json(envelope.record_type, strip_nulls(payload))?;
        let record = Record { envelope, payload };
        record.validate()?;
        Ok(record)
    }

    /// Reads canonical record JSON from text without building a `Value` tree first (the
    /// ingest hot path); same rules and errors as `from_json`.
    pub fn from_json_str(text: &str) -> Result<Record, RecordError> {
        use serde_json::value::RawValue;
        let parts: BTreeMap<&str, &RawValue> = serde_json::from_str(text)
            .map_err(|e| ValidationError::new("", format!("not a JSON object: {e}")))?;
        Self::from_raw_parts(&parts)
    }

    pub fn from_raw_parts(
        parts: &BTreeMap<&str, &serde_json::value::RawValue>,
    ) -> Result<Record, RecordError> {
        fn typed<T: serde::de::DeserializeOwned>(
            prefix: &str,
            raw: &serde_json::value::RawValue,
        ) -> Result<T, ValidationError> {
            let mut de = serde_json::Deserializer::from_str(raw.get());
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let mut err = field_of_serde(prefix, &inner);
                if path != "." && !path.is_empty() {
                    err.field = format!("{prefix}.{path}");
                }
                err
            })
        }
        for k in parts.keys() {
            if *k != "envelope" && *k != "payload" {
                return Err(ValidationError::new(*k, "unknown field"));
            }
        }
        let env = parts
            .get("envelope")
            .ok_or_else(|| ValidationError::new("envelope", "missing"))?;
        let payload = parts
            .get("payload")
            .ok_or_else(|| ValidationError::new("payload", "missing"))?;
        let envelope: Envelope = typed("envelope", env)?;
        let payload = match envelope.record_type {
            RecordType::Event => Payload::Event(typed("payload", payload)?),
            RecordType::Span => Payload::Span(typed("payload", payload)?),
            RecordType::Degraded => Payload::Degraded(typed("payload", payload)?),
            RecordType::Metric => {
                #[derive(Deserialize)]
                struct ValueOnly<'a> {
                    #[serde(borrow)]
                    value: Option<&'a serde_json::value::RawValue>,
                }
                let probe: ValueOnly<'_> = serde_json::from_str(payload.get())
                    .map_err(|e| ValidationError::new("payload", e.to_string()))?;
                let integral = probe.value.is_some_and(|v| {
                    let t = v.get();
                    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                });
                if let Some(v) = probe.value {
                    let t = v.get();
                    if t.starts_with('"') || t == "true" || t == "false" || t == "null" {
                        return Err(ValidationError::new(
                            "payload.value",
                            "must be a finite number (not a bool or string)",
                        ));
                    }
                }
                let mut m: MetricPayload = typed("payload", payload)?;
                m.integral = integral;
                Payload::Metric(m)
            }
        };
        let record = Record { envelope, payload };
        record.validate()?;
        Ok(record)
    }

    /// The ingest hot path: canonical record JSON in one pass, without tracking field paths.
    /// `None` when anything is off; the caller then reads the line with `from_raw_parts`,
    /// which accepts exactly the same records and names the field of any error. So this never
    /// decides what is valid, only how fast a valid record is read.
    pub fn from_json_str_fast(text: &str) -> Option<Record> {
        use serde_json::value::RawValue;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire<'a> {
            envelope: Envelope,
            #[serde(borrow)]
            payload: &'a RawValue,
        }
        let w: Wire<'_> = serde_json::from_str(text).ok()?;
        let p = w.payload.get();
        let payload = match w.envelope.record_type {
            RecordType::Metric => Payload::Metric(MetricPayload::from_json_str_fast(p)?),
            RecordType::Event => Payload::Event(serde_json::from_str(p).ok()?),
            RecordType::Span => Payload::Span(serde_json::from_str(p).ok()?),
            RecordType::Degraded => Payload::Degraded(serde_json::from_str(p).ok()?),
        };
        let record = Record {
            envelope: w.envelope,
            payload,
        };
        record.validate().ok()?;
        Some(record)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let env = serde_json::to_value(&self.envelope).unwrap_or_default();
        let payload = match &self.payload {
            Payload::Event(p) => serde_json::to_value(p),
            Payload::Metric(p) => serde_json::to_value(p).map(|mut v| {
                if p.integral
                    && let Some(obj) = v.as_object_mut()
                {
                    obj.insert("value".into(), serde_json::json!(p.value as i64));
                }
                v
            }),
            Payload::Span(p) => serde_json::to_value(p),
            Payload::Degraded(p) => serde_json::to_value(p),
        }
        .unwrap_or_default();
        canonical(serde_json::json!({ "envelope": env, "payload": payload }))
    }

    pub fn record_type(&self) -> RecordType {
        self.envelope.record_type
    }

    pub fn validate(&self) -> Check {
        let e = &self.envelope;
        if e.record_type != self.payload.record_type() {
            return Err(ValidationError::new(
                "envelope.record_type",
                "does not match the payload",
            ));
        }
        if e.record_ref.kind() != "record" {
            return Err(ValidationError::new(
                "envelope.record_ref",
                format!("`{}` must be a record ref", e.record_ref),
            ));
        }
        if e.run_ref.kind() != "run" {
            return Err(ValidationError::new(
                "envelope.run_ref",
                format!("`{}` must be a run ref", e.run_ref),
            ));
        }
        if !e.record_ref.is_under(&e.run_ref) {
            return Err(ValidationError::new(
                "envelope.record_ref",
                format!("`{}` is not under run `{}`", e.record_ref, e.run_ref),
            ));
        }
        if e.recorded_at < e.observed_at {
            return Err(ValidationError::new(
                "envelope.recorded_at",
                "must not be before observed_at",
            ));
        }
        dot_token("envelope.producer_ref", &e.producer_ref)?;
        let kinds = [
            (
                "envelope.deployment_execution_ref",
                &e.deployment_execution_ref,
                "deployment",
            ),
            (
                "envelope.stage_execution_ref",
                &e.stage_execution_ref,
                "stage",
            ),
            (
                "envelope.batch_execution_ref",
                &e.batch_execution_ref,
                "batch",
            ),
            (
                "envelope.sample_observation_ref",
                &e.sample_observation_ref,
                "sample",
            ),
            (
                "envelope.operation_context_ref",
                &e.operation_context_ref,
                "op",
            ),
        ];
        for (field, r, kind) in kinds {
            if let Some(r) = r
                && r.kind() != kind
            {
                return Err(ValidationError::new(
                    field,
                    format!("`{r}` must be a {kind} ref"),
                ));
            }
        }
        if let Some(stage) = &e.stage_execution_ref {
            if !stage.is_under(&e.run_ref) {
                return Err(ValidationError::new(
                    "envelope.stage_execution_ref",
                    "must share the run's prefix",
                ));
            }
            let owner = e.batch_execution_ref.as_ref().unwrap_or(stage);
            if let Some(b) = &e.batch_execution_ref
                && !b.is_under(stage)
            {
                return Err(ValidationError::new(
                    "envelope.batch_execution_ref",
                    "must be prefixed by the stage",
                ));
            }
            for (field, r) in [
                ("envelope.sample_observation_ref", &e.sample_observation_ref),
                ("envelope.operation_context_ref", &e.operation_context_ref),
            ] {
                if let Some(r) = r
                    && !r.is_under(owner)
                {
                    return Err(ValidationError::new(
                        field,
                        "must be prefixed by the batch (if set) else the stage",
                    ));
                }
            }
        } else {
            for (field, r) in [
                ("envelope.batch_execution_ref", &e.batch_execution_ref),
                ("envelope.sample_observation_ref", &e.sample_observation_ref),
                ("envelope.operation_context_ref", &e.operation_context_ref),
            ] {
                if r.is_some() {
                    return Err(ValidationError::new(field, "requires stage_execution_ref"));
                }
            }
        }
        for (field, v) in [
            (
                "envelope.correlation_refs.trace_id",
                &e.correlation_refs.trace_id,
            ),
            (
                "envelope.correlation_refs.session_id",
                &e.correlation_refs.session_id,
            ),
        ] {
            if let Some(v) = v {
                non_blank(field, v)?;
            }
        }
        if e.completeness_marker == Completeness::Absent && e.record_type != RecordType::Degraded {
            return Err(ValidationError::new(
                "envelope.completeness_marker",
                "`absent` is only allowed on degraded records",
            ));
        }
        if e.record_type == RecordType::Degraded && e.degradation_marker == Degradation::None {
            return Err(ValidationError::new(
                "envelope.degradation_marker",
                "must not be `none` on a degraded record",
            ));
        }
        if e.schema_version != super::entities::SCHEMA_VERSION {
            return Err(ValidationError::new(
                "envelope.schema_version",
                format!(
                    "`{}` is not 1.0.0 (schema.version_mismatch)",
                    e.schema_version
                ),
            ));
        }
        check_extensions("envelope.extensions", &e.extensions)
            .map_err(super::error::from_message)?;
        self.payload.validate()
    }
}

fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    canonical(v)
}

impl Payload {
    pub fn from_json(t: RecordType, v: serde_json::Value) -> Result<Payload, RecordError> {
        Ok(match t {
            RecordType::Event => Payload::Event(from_value("payload", v)?),
            RecordType::Metric => {
                let integral = v.get("value").is_some_and(|n| n.is_i64() || n.is_u64());
                if v.get("value").is_some_and(|n| !n.is_number()) {
                    return Err(ValidationError::new(
                        "payload.value",
                        "must be a finite number (not a bool or string)",
                    ));
                }
                let mut m: MetricPayload = from_value("payload", v)?;
                m.integral = integral;
                Payload::Metric(m)
            }
            RecordType::Span => Payload::Span(from_value("payload", v)?),
            RecordType::Degraded => Payload::Degraded(from_value("payload", v)?),
        })
    }

    pub fn validate(&self) -> Check {
        match self {
            Payload::Event(p) => {
                dot_token("payload.event_key", &p.event_key)?;
                non_blank("payload.message", &p.message)?;
                p.attributes
                    .check("payload.attributes")
                    .map_err(super::error::from_message)
            }
            Payload::Metric(p) => {
                dot_token("payload.metric_key", &p.metric_key)?;
                if !p.value.is_finite() {
                    return Err(ValidationError::new("payload.value", "must be finite"));
                }
                snake_token("payload.value_type", &p.value_type)?;
                if let Some(s) = &p.slice_ref {
                    snake_token("payload.slice_ref", s)?;
                }
                if let Some(s) = &p.summary_basis {
                    snake_token("payload.summary_basis", s)?;
                }
                super::error::str_map("payload.tags", &p.tags)
            }
            Payload::Span(p) => {
                non_blank("payload.span_id", &p.span_id)?;
                non_blank("payload.trace_id", &p.trace_id)?;
                non_blank("payload.span_name", &p.span_name)?;
                if p.ended_at < p.started_at {
                    return Err(ValidationError::new(
                        "payload.ended_at",
                        "must not be before started_at",
                    ));
                }
                p.attributes
                    .check("payload.attributes")
                    .map_err(super::error::from_message)
            }
            Payload::Degraded(p) => {
                snake_token("payload.issue_key", &p.issue_key)?;
                non_blank("payload.summary", &p.summary)?;
                p.attributes
                    .check("payload.attributes")
                    .map_err(super::error::from_message)
            }
        }
    }

    /// The short key shown in lists: event key, metric key, span name, issue key.
    pub fn key(&self) -> &str {
        match self {
            Payload::Event(p) => &p.event_key,
            Payload::Metric(p) => &p.metric_key,
            Payload::Span(p) => &p.span_name,
            Payload::Degraded(p) => &p.issue_key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(text: &str) -> Result<Record, RecordError> {
        let parts: BTreeMap<&str, &serde_json::value::RawValue> =
            serde_json::from_str(text).map_err(|e| ValidationError::new("", e.to_string()))?;
        Record::from_raw_parts(&parts)
    }

    const ENVELOPE: &str = r#""envelope":{"completeness_marker":"complete","correlation_refs":{"trace_id":"t"},"degradation_marker":"none","extensions":[{"fields":{"k":"ü"},"namespace":"a.b"}],"observed_at":"2026-03-02T09:00:00.5Z","producer_ref":"p.q","record_ref":"record:p.r.r1","record_type":"metric","recorded_at":"2026-03-02T09:00:01Z","run_ref":"run:p.r","schema_version":"1.0.0","stage_execution_ref":"stage:p.r.train","batch_execution_ref":"batch:p.r.train.b1"}"#;

    /// The one-pass reader takes exactly the records the strict one takes, and reads them the
    /// same; where it declines, the strict reader answers (with the field of any error).
    #[test]
    fn the_fast_reader_agrees_with_the_strict_one() {
        let payloads = [
            r#"{"aggregation_scope":"slice","metric_key":"val.f1","slice_ref":"by_class","subject_ref":"run:p.other","summary_basis":"mean","tags":{"step":"3","k":"v"},"unit":"ms","value":0.25,"value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":7,"value_type":"int64"}"#,
            r#"{"metric_key":"loss","value":-7,"value_type":"int64"}"#,
            r#"{"metric_key":"loss","value":1e400,"value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":123456789012345678901234,"value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":"7","value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":true,"value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":null,"value_type":"float64"}"#,
            r#"{"metric_key":"loss","value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":1,"value_type":"float64","colour":"red"}"#,
            r#"{"metric_key":"Loss","value":1,"value_type":"float64"}"#,
            r#"{"metric_key":"loss","value":1,"value_type":"float64","tags":{"a":" "}}"#,
            r#"{"metric_key":"loss","value":1,"value_type":"float64","unit":null}"#,
            r#"{"metric_key":"loss","value":1,"value":2,"value_type":"float64"}"#,
        ];
        for p in payloads {
            let text = format!("{{{ENVELOPE},\"payload\":{p}}}");
            let fast = Record::from_json_str_fast(&text);
            let strict = strict(&text);
            match (&fast, &strict) {
                (Some(f), Ok(s)) => {
                    assert_eq!(f, s, "{p}");
                    assert_eq!(f.to_json(), s.to_json(), "{p}");
                }
                (None, _) => {}
                (Some(_), Err(e)) => panic!("fast read what strict refuses ({e}): {p}"),
            }
            if p.contains("0.25") || p.contains(":7,") || p.contains(":-7,") {
                assert!(fast.is_some(), "fast declined a valid record: {p}");
            }
        }
        let event = format!(
            "{{{},\"payload\":{{\"event_key\":\"a.b\",\"level\":\"info\",\"message\":\"é\"}}}}",
            ENVELOPE.replace(r#""record_type":"metric""#, r#""record_type":"event""#)
        );
        assert_eq!(
            Record::from_json_str_fast(&event).as_ref(),
            strict(&event).as_ref().ok()
        );
        assert!(Record::from_json_str_fast(&event).is_some());
    }
}
