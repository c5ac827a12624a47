//! Our model as OTLP messages: a run is a resource (its provenance as resource attributes),
//! spans are spans, metric points are gauge points, events and degraded markers are log
//! records. What OTLP has no field for stays as a `contexta.*` attribute, so nothing the
//! workspace knows is dropped on the way.

use super::attrs::{int, json_map, kv, text};
use super::ids;
use crate::model::*;
use crate::query::RunDetail;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::logs::v1::{LogRecord, SeverityNumber};
use opentelemetry_proto::tonic::metrics::v1::{NumberDataPoint, number_data_point};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{Span, Status, span, status};

/// Nanoseconds since the epoch (our timestamps are microseconds); before 1970 is 0, which OTLP
/// reads as "unknown".
fn nanos(t: Timestamp) -> u64 {
    u64::try_from(t.micros()).unwrap_or(0).saturating_mul(1000)
}

/// The run's resource: `service.name` is the project, the run is the service instance, and the
/// latest environment snapshot gives the host and the git commit (semantic-convention names).
/// Only what does not change as the run goes on (not its status): backends key series on the
/// resource, and a run must stay one resource while it is followed.
pub fn resource(detail: &RunDetail) -> Resource {
    let run = &detail.info.run;
    let mut attributes = vec![
        text("service.name", run.project_ref.value()),
        text("service.instance.id", run.run_ref.as_str()),
        text("contexta.project.ref", run.project_ref.as_str()),
        text("contexta.run.ref", run.run_ref.as_str()),
        text("contexta.run.name", &run.name),
    ];
    if let Some(env) = detail.environments.iter().max_by_key(|e| e.captured_at) {
        attributes.push(text("os.description", &env.platform));
        let prov = env
            .extensions
            .iter()
            .find(|e| e.namespace == "contexta.provenance")
            .map(|e| &e.fields.0);
        let field = |name: &str| prov.and_then(|p| p.get(name));
        if let Some(serde_json::Value::String(h)) = field("host") {
            attributes.push(text("host.name", h));
        }
        if let Some(serde_json::Value::String(c)) = field("git_commit") {
            attributes.push(text("vcs.ref.head.revision", c));
        }
        if let Some(serde_json::Value::Bool(d)) = field("git_dirty") {
            attributes.push(kv("contexta.git.dirty", Value::BoolValue(*d)));
        }
        if let Some(serde_json::Value::String(u)) = field("user") {
            attributes.push(text("enduser.id", u));
        }
    }
    Resource {
        attributes,
        ..Default::default()
    }
}

/// Attributes every exported record carries: its ref and the stage it belongs to.
fn common(e: &Envelope) -> Vec<opentelemetry_proto::tonic::common::v1::KeyValue> {
    let mut a = vec![text("contexta.record.ref", e.record_ref.as_str())];
    if let Some(s) = &e.stage_execution_ref {
        a.push(text("contexta.stage", s.last()));
        a.push(text("contexta.stage.ref", s.as_str()));
    }
    if e.degradation_marker != Degradation::None {
        a.push(text("contexta.degradation", e.degradation_marker.as_str()));
    }
    a
}

pub fn span(run: &Ref, e: &Envelope, s: &SpanPayload) -> Span {
    let kind = match s.span_kind {
        SpanKind::Network => span::SpanKind::Client,
        _ => span::SpanKind::Internal,
    };
    let (code, message) = match s.status {
        SpanStatus::Ok => (status::StatusCode::Ok, String::new()),
        SpanStatus::Error => (status::StatusCode::Error, "error".to_string()),
        SpanStatus::Cancelled => (status::StatusCode::Error, "cancelled".to_string()),
        SpanStatus::Timeout => (status::StatusCode::Error, "timeout".to_string()),
    };
    let mut attributes = common(e);
    attributes.push(text("contexta.span.id", &s.span_id));
    attributes.push(text("contexta.trace.id", &s.trace_id));
    attributes.push(text(
        "contexta.span.kind",
        serde_json::to_value(s.span_kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    ));
    if !s.linked_refs.is_empty() {
        attributes.push(kv(
            "contexta.linked_refs",
            Value::ArrayValue(opentelemetry_proto::tonic::common::v1::ArrayValue {
                values: s
                    .linked_refs
                    .iter()
                    .map(|r| super::attrs::any(Value::StringValue(r.as_str().to_string())))
                    .collect(),
            }),
        ));
    }
    attributes.extend(json_map("", &s.attributes.0));
    Span {
        trace_id: ids::trace_id(run, &s.trace_id).to_vec(),
        span_id: ids::span_id(run, &s.span_id).to_vec(),
        parent_span_id: s
            .parent_span_id
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| ids::span_id(run, p).to_vec())
            .unwrap_or_default(),
        name: s.span_name.clone(),
        kind: kind as i32,
        start_time_unix_nano: nanos(s.started_at),
        end_time_unix_nano: nanos(s.ended_at),
        attributes,
        status: Some(Status {
            code: code as i32,
            message,
        }),
        ..Default::default()
    }
}

/// A gauge point; the step (`steps`: our step rule) and every other tag are point attributes.
pub fn point(e: &Envelope, m: &MetricPayload, step: Option<i64>) -> NumberDataPoint {
    let mut attributes = common(e);
    if let Some(step) = step {
        attributes.push(int("step", step));
    }
    for (k, v) in &m.tags {
        if k != "step" {
            attributes.push(text(k, v));
        }
    }
    if let Some(s) = &m.slice_ref {
        attributes.push(text("contexta.slice", s));
    }
    let value = if m.integral && m.value.fract() == 0.0 && m.value.abs() < 9.0e15 {
        number_data_point::Value::AsInt(m.value as i64)
    } else {
        number_data_point::Value::AsDouble(m.value)
    };
    NumberDataPoint {
        attributes,
        time_unix_nano: nanos(e.observed_at),
        value: Some(value),
        ..Default::default()
    }
}

fn severity(l: Level) -> SeverityNumber {
    match l {
        Level::Debug => SeverityNumber::Debug,
        Level::Info => SeverityNumber::Info,
        Level::Warning => SeverityNumber::Warn,
        Level::Error => SeverityNumber::Error,
        Level::Critical => SeverityNumber::Fatal,
    }
}

pub fn event_log(e: &Envelope, ev: &EventPayload) -> LogRecord {
    let mut attributes = common(e);
    if let Some(s) = &ev.subject_ref {
        attributes.push(text("contexta.subject.ref", s.as_str()));
    }
    attributes.extend(json_map("", &ev.attributes.0));
    let sev = severity(ev.level);
    LogRecord {
        time_unix_nano: nanos(e.observed_at),
        observed_time_unix_nano: nanos(e.recorded_at),
        severity_number: sev as i32,
        severity_text: ev.level.as_str().to_string(),
        body: Some(super::attrs::any(Value::StringValue(ev.message.clone()))),
        attributes,
        event_name: ev.event_key.clone(),
        ..Default::default()
    }
}

/// A degraded marker is a log record named `contexta.degraded` whose body is its summary.
pub fn degraded_log(e: &Envelope, d: &DegradedPayload) -> LogRecord {
    let mut attributes = common(e);
    attributes.push(text("contexta.issue.key", &d.issue_key));
    attributes.push(text(
        "contexta.issue.category",
        serde_json::to_value(d.category)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    ));
    if let Some(s) = &d.subject_ref {
        attributes.push(text("contexta.subject.ref", s.as_str()));
    }
    attributes.extend(json_map("", &d.attributes.0));
    let (sev, word) = match d.severity {
        Severity::Warning => (SeverityNumber::Warn, "warning"),
        Severity::Error => (SeverityNumber::Error, "error"),
    };
    LogRecord {
        time_unix_nano: nanos(e.observed_at),
        observed_time_unix_nano: nanos(e.recorded_at),
        severity_number: sev as i32,
        severity_text: word.to_string(),
        body: Some(super::attrs::any(Value::StringValue(d.summary.clone()))),
        attributes,
        event_name: "contexta.degraded".to_string(),
        ..Default::default()
    }
}
