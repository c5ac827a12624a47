//! The Parquet dataset's tables ("families"): their columns and partitioning, and the
//! `_contexta_schema.json` that documents them beside the data. Bump `SCHEMA_VERSION` when a
//! column changes meaning or type; adding a nullable column at the end is not a change a
//! reader can trip on, and keeps the version.

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

pub const SCHEMA_VERSION: u32 = 1;
pub const SCHEMA_FILE: &str = "_contexta_schema.json";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    I64,
    I32,
    F64,
    /// Microseconds since the epoch, UTC.
    Time,
}

impl Kind {
    fn arrow(self) -> DataType {
        match self {
            Kind::Str => DataType::Utf8,
            Kind::I64 => DataType::Int64,
            Kind::I32 => DataType::Int32,
            Kind::F64 => DataType::Float64,
            Kind::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::I64 => "int64",
            Kind::I32 => "int32",
            Kind::F64 => "double",
            Kind::Time => "timestamp[us, UTC]",
        }
    }
}

/// (name, kind, nullable)
pub type Column = (&'static str, Kind, bool);

pub struct Family {
    pub name: &'static str,
    /// Records are partitioned by day (UTC, of `time`) under their project; entities by project.
    pub by_day: bool,
    pub columns: &'static [Column],
    pub about: &'static str,
}

use Kind::*;

/// Identity columns every record family starts with.
macro_rules! record_columns {
    ($($rest:expr),* $(,)?) => {
        &[
            ("run", Str, false),
            ("stage", Str, true),
            ("seq", I64, false),
            ("record_ref", Str, false),
            ("time", Time, false),
            ("rank", I32, true),
            $($rest),*
        ]
    };
}

pub const RUNS: Family = Family {
    name: "runs",
    by_day: false,
    about: "one row per run as of the export: params and provenance (environment snapshot) as JSON",
    columns: &[
        ("run", Str, false),
        ("name", Str, false),
        ("status", Str, false),
        ("started_at", Time, false),
        ("ended_at", Time, true),
        ("description", Str, true),
        ("params", Str, false),
        ("provenance", Str, true),
        ("records", I64, false),
        ("export_id", Str, false),
    ],
};

pub const STAGES: Family = Family {
    name: "stages",
    by_day: false,
    about: "one row per stage execution as of the export",
    columns: &[
        ("run", Str, false),
        ("stage", Str, false),
        ("stage_ref", Str, false),
        ("status", Str, false),
        ("started_at", Time, false),
        ("ended_at", Time, true),
        ("order_index", I64, true),
        ("export_id", Str, false),
    ],
};

pub const METRICS: Family = Family {
    name: "metrics",
    by_day: true,
    about: "metric points in long form; step as `contexta trend --run` shows it",
    columns: record_columns![
        ("key", Str, false),
        ("step", I64, false),
        ("value", F64, false),
        ("unit", Str, true),
        ("tags", Str, true),
    ],
};

pub const EVENTS: Family = Family {
    name: "events",
    by_day: true,
    about: "event records",
    columns: record_columns![
        ("event_key", Str, false),
        ("level", Str, false),
        ("message", Str, false),
        ("attributes", Str, true),
    ],
};

pub const SPANS: Family = Family {
    name: "spans",
    by_day: true,
    about: "span records; duration derived from start and end",
    columns: record_columns![
        ("span_id", Str, false),
        ("trace_id", Str, false),
        ("parent_span_id", Str, true),
        ("span_name", Str, false),
        ("started_at", Time, false),
        ("ended_at", Time, false),
        ("duration_ms", F64, false),
        ("status", Str, false),
        ("span_kind", Str, false),
        ("attributes", Str, true),
    ],
};

pub const DEGRADED: Family = Family {
    name: "degraded",
    by_day: true,
    about: "degraded markers (records of type degraded)",
    columns: record_columns![
        ("issue_key", Str, false),
        ("category", Str, false),
        ("severity", Str, false),
        ("summary", Str, false),
        ("subject_ref", Str, true),
        ("attributes", Str, true),
    ],
};

pub const ARTIFACTS: Family = Family {
    name: "artifacts",
    by_day: false,
    about: "artifact manifests; the body is in the workspace's content-addressed store",
    columns: &[
        ("run", Str, false),
        ("artifact_ref", Str, false),
        ("kind", Str, false),
        ("created_at", Time, false),
        ("location", Str, false),
        ("sha256", Str, true),
        ("size_bytes", I64, true),
        ("export_id", Str, false),
    ],
};

pub const RELATIONS: Family = Family {
    name: "relations",
    by_day: false,
    about: "lineage edges, under the project of their source",
    columns: &[
        ("relation_ref", Str, false),
        ("relation_type", Str, false),
        ("source_ref", Str, false),
        ("target_ref", Str, false),
        ("recorded_at", Time, false),
        ("origin", Str, false),
        ("confidence", Str, false),
        ("export_id", Str, false),
    ],
};

pub const FAMILIES: [&Family; 8] = [
    &RUNS, &STAGES, &METRICS, &EVENTS, &SPANS, &DEGRADED, &ARTIFACTS, &RELATIONS,
];

impl Family {
    pub fn arrow_schema(&self) -> Arc<Schema> {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|(n, k, null)| Field::new(*n, k.arrow(), *null))
                .collect::<Vec<_>>(),
        ))
    }

    pub fn partitioning(&self) -> Vec<&'static str> {
        if self.by_day {
            vec!["project", "day"]
        } else {
            vec!["project"]
        }
    }
}

/// The schema document written beside the data.
pub fn schema_json() -> serde_json::Value {
    let families: serde_json::Map<String, serde_json::Value> = FAMILIES
        .iter()
        .map(|f| {
            (
                f.name.to_string(),
                serde_json::json!({
                    "about": f.about,
                    "partitioning": f.partitioning(),
                    "columns": f.columns.iter().map(|(n, k, nullable)| serde_json::json!({
                        "name": n, "type": k.name(), "nullable": nullable
                    })).collect::<Vec<_>>(),
                }),
            )
        })
        .collect();
    serde_json::json!({
        "format": "contexta-parquet",
        "schema_version": SCHEMA_VERSION,
        "layout": "<family>/project=<project>/[day=YYYY-MM-DD/]part-<export id>-<n>.parquet (Hive partitioning, zstd)",
        "families": families,
    })
}
