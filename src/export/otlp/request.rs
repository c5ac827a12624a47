//! One page of a run's records as one OTLP export request per signal, encoded as protobuf.
//! A run is one resource and `contexta` is the instrumentation scope; metric points are
//! grouped into one gauge per metric key (and unit), in the order the keys first appear.

use super::map;
use crate::model::{Payload, RecordType, Ref};
use crate::query::RecordRow;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    Gauge, Metric, ResourceMetrics, ScopeMetrics, metric,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};
use prost::Message;

/// The three OTLP signals, each with its own path and its own cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    /// The OTLP/HTTP path under the endpoint.
    pub fn path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
            Signal::Logs => "/v1/logs",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    /// Which of our records this signal carries.
    pub fn record_types(self) -> Vec<RecordType> {
        match self {
            Signal::Traces => vec![RecordType::Span],
            Signal::Metrics => vec![RecordType::Metric],
            Signal::Logs => vec![RecordType::Event, RecordType::Degraded],
        }
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "contexta".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        ..Default::default()
    }
}

/// An encoded request and how many items (spans, points or log records) it carries.
pub struct Encoded {
    pub body: Vec<u8>,
    pub items: usize,
}

/// `rows` of `signal`'s record types as one request; rows of other types are ignored.
/// `steps[i]` is row `i`'s step (metrics only).
pub fn encode(
    signal: Signal,
    run: &Ref,
    resource: &Resource,
    rows: &[RecordRow],
    steps: &[Option<i64>],
) -> Encoded {
    match signal {
        Signal::Traces => {
            let spans: Vec<_> = rows
                .iter()
                .filter_map(|r| match &r.record.payload {
                    Payload::Span(s) => Some(map::span(run, &r.record.envelope, s)),
                    _ => None,
                })
                .collect();
            let items = spans.len();
            let req = ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    resource: Some(resource.clone()),
                    scope_spans: vec![ScopeSpans {
                        scope: Some(scope()),
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            Encoded {
                body: req.encode_to_vec(),
                items,
            }
        }
        Signal::Metrics => {
            let mut metrics: Vec<Metric> = Vec::new();
            let mut items = 0;
            for (i, r) in rows.iter().enumerate() {
                let Payload::Metric(m) = &r.record.payload else {
                    continue;
                };
                let unit = m.unit.clone().unwrap_or_default();
                let point = map::point(&r.record.envelope, m, steps.get(i).copied().flatten());
                items += 1;
                let i = match metrics
                    .iter()
                    .position(|x| x.name == m.metric_key && x.unit == unit)
                {
                    Some(i) => i,
                    None => {
                        metrics.push(Metric {
                            name: m.metric_key.clone(),
                            unit,
                            data: Some(metric::Data::Gauge(Gauge {
                                data_points: vec![],
                            })),
                            ..Default::default()
                        });
                        metrics.len() - 1
                    }
                };
                if let Some(metric::Data::Gauge(g)) = &mut metrics[i].data {
                    g.data_points.push(point);
                }
            }
            let req = ExportMetricsServiceRequest {
                resource_metrics: vec![ResourceMetrics {
                    resource: Some(resource.clone()),
                    scope_metrics: vec![ScopeMetrics {
                        scope: Some(scope()),
                        metrics,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            Encoded {
                body: req.encode_to_vec(),
                items,
            }
        }
        Signal::Logs => {
            let log_records: Vec<_> = rows
                .iter()
                .filter_map(|r| match &r.record.payload {
                    Payload::Event(ev) => Some(map::event_log(&r.record.envelope, ev)),
                    Payload::Degraded(d) => Some(map::degraded_log(&r.record.envelope, d)),
                    _ => None,
                })
                .collect();
            let items = log_records.len();
            let req = ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    resource: Some(resource.clone()),
                    scope_logs: vec![ScopeLogs {
                        scope: Some(scope()),
                        log_records,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            Encoded {
                body: req.encode_to_vec(),
                items,
            }
        }
    }
}

/// Items the collector said it rejected in an acknowledged answer (OTLP partial success), and
/// its message. Such items must not be sent again (the specification says so: they would be
/// rejected again), so they are reported, not retried. An answer that is not an export response
/// (empty, or from a proxy) rejects nothing.
pub fn rejected(signal: Signal, answer: &[u8]) -> Option<(i64, String)> {
    let (n, msg) = match signal {
        Signal::Traces => {
            let p = ExportTraceServiceResponse::decode(answer)
                .ok()?
                .partial_success?;
            (p.rejected_spans, p.error_message)
        }
        Signal::Metrics => {
            let p = ExportMetricsServiceResponse::decode(answer)
                .ok()?
                .partial_success?;
            (p.rejected_data_points, p.error_message)
        }
        Signal::Logs => {
            let p = ExportLogsServiceResponse::decode(answer)
                .ok()?
                .partial_success?;
            (p.rejected_log_records, p.error_message)
        }
    };
    (n > 0 || !msg.is_empty()).then_some((n, msg))
}
