//! Effects: the I/O `update` asks for, as data, and the results that come back as messages.
//! Each query belongs to a `Slot`; a slot holds one request at a time and the newest wins, both
//! in the worker (a queued request is replaced) and in the app (a result whose id is not the
//! slot's latest is dropped as stale).
//!
//! Never performs I/O itself: `worker.rs` does.

use crate::analysis::compare::{Comparison, MultiComparison};
use crate::analysis::diagnostics::Finding;
use crate::analysis::lineage::LineageGraph;
use crate::model::{Ref, Timestamp};
use crate::query::{
    Anchor, MetricInfo, ProjectNode, RecordFilter, RecordPage, RunDetail, RunOutline, SeriesLine,
    Spark, WorkspaceProblem,
};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// (Re)open the workspace; answered by `Msg::Opened`.
    Open,
    Query(Request),
    /// A long job (report, export, backup) for the job runner, never the query worker.
    Job(Job),
    Quit,
}

/// A long-running job; one at a time. Its progress and result come back as `Msg::Job`.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: u64,
    pub kind: JobKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JobKind {
    /// A report written to `path` (default: the workspace's `reports/` folder).
    Report {
        target: ReportTarget,
        render: crate::report::Render,
        path: Option<String>,
    },
    /// JSON Lines of these runs (default path in `reports/`).
    Export {
        runs: Vec<Ref>,
        path: Option<String>,
    },
    /// A backup archive (default: the workspace's `backups/` folder).
    Backup { path: Option<String> },
}

impl JobKind {
    /// What the status line calls the job.
    pub fn label(&self) -> &'static str {
        match self {
            JobKind::Report { .. } => "report",
            JobKind::Export { .. } => "export",
            JobKind::Backup { .. } => "backup",
        }
    }
}

/// What a report describes: one run, or a pair compared.
#[derive(Clone, Debug, PartialEq)]
pub enum ReportTarget {
    Snapshot(Ref),
    Compare(Ref, Ref),
}

/// News from the job runner.
#[derive(Clone, Debug, PartialEq)]
pub enum JobEvent {
    /// `done` of `total` units in `phase`; `total == 0` when the total is unknown.
    Progress {
        id: u64,
        phase: String,
        done: u64,
        total: u64,
    },
    /// The job ended: the path written, or what went wrong.
    Done {
        id: u64,
        result: Result<std::path::PathBuf, String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: u64,
    pub query: Query,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    Tree,
    Outline {
        run: Ref,
    },
    Detail {
        run: Ref,
    },
    Records {
        run: Ref,
        filter: RecordFilter,
        anchor: Anchor,
        limit: usize,
    },
    Metrics {
        run: Ref,
    },
    Sparklines {
        run: Ref,
        keys: Vec<String>,
        buckets: usize,
    },
    /// One line per (run, key), zoomed to the last `last_n` points, `buckets` wide.
    Series {
        lines: Vec<(Ref, String)>,
        last_n: Option<usize>,
        buckets: usize,
    },
    /// Resolve what the user typed after `:run`.
    Resolve {
        text: String,
    },
    /// Compare two runs side by side, or more in one table (runs as typed or as refs).
    Compare {
        runs: Vec<String>,
    },
    /// One key's series of each compared run, for the overlay chart.
    CompareSeries {
        lines: Vec<(Ref, String)>,
        buckets: usize,
    },
    /// Diagnostics of one run against its siblings and previous completed run.
    Diagnose {
        run: Ref,
        now: Timestamp,
    },
    /// Tree flags (worst finding, anomalies) of runs whose cached flags are stale.
    Flags {
        runs: Vec<(Ref, u64)>,
        now: Timestamp,
    },
    /// The lineage neighbourhood (both directions, `depth` hops) of a ref as typed.
    Lineage {
        root: String,
        depth: usize,
    },
    /// Each metric key's value across a project's runs.
    Trends {
        project: Ref,
    },
    /// Where a record is (its run and seq), for a jump from a finding.
    Locate {
        record: Ref,
    },
    /// Runs whose artifacts match the tree filter's text.
    Search {
        text: String,
    },
    /// Check a run's artifact bodies against their manifests (size, then SHA-256).
    Verify {
        run: Ref,
        artifacts: Vec<crate::model::ArtifactManifest>,
    },
}

/// Where a query's result goes; one in-flight request per slot. Ordered by priority: the
/// worker serves lower slots first (what the user looks at before what decorates it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    Resolve,
    Records,
    Tree,
    Detail,
    Metrics,
    Series,
    Sparklines,
    Locate,
    Compare,
    Diagnose,
    Lineage,
    Trends,
    CompareSeries,
    Search,
    Verify,
    Flags,
    Outline(Ref),
}

impl Query {
    pub fn slot(&self) -> Slot {
        match self {
            Query::Tree => Slot::Tree,
            Query::Outline { run } => Slot::Outline(run.clone()),
            Query::Detail { .. } => Slot::Detail,
            Query::Records { .. } => Slot::Records,
            Query::Metrics { .. } => Slot::Metrics,
            Query::Sparklines { .. } => Slot::Sparklines,
            Query::Series { .. } => Slot::Series,
            Query::Resolve { .. } => Slot::Resolve,
            Query::Compare { .. } => Slot::Compare,
            Query::CompareSeries { .. } => Slot::CompareSeries,
            Query::Diagnose { .. } => Slot::Diagnose,
            Query::Flags { .. } => Slot::Flags,
            Query::Lineage { .. } => Slot::Lineage,
            Query::Trends { .. } => Slot::Trends,
            Query::Locate { .. } => Slot::Locate,
            Query::Search { .. } => Slot::Search,
            Query::Verify { .. } => Slot::Verify,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Tree(Vec<ProjectNode>),
    Outline(Ref, RunOutline),
    Detail(Box<RunDetail>),
    Records {
        anchor: Anchor,
        page: RecordPage,
    },
    Metrics(Vec<MetricInfo>),
    Sparklines(Vec<(String, Spark)>),
    Series(Vec<SeriesLine>),
    Resolved(Ref),
    Compared(Compared),
    CompareSeries(Vec<SeriesLine>),
    Findings(Ref, Vec<Finding>),
    Flags(Vec<RunFlags>),
    Lineage(Box<LineageGraph>),
    Trends(Ref, Vec<Trend>),
    Located(Ref, u32),
    SearchHits(String, Vec<Ref>),
    /// Each artifact's verification state, for the run's overview.
    Verified(Ref, Vec<(Ref, Verdict)>),
}

/// An artifact body checked against its manifest: a state, or why it could not be read.
pub type Verdict = Result<crate::recovery::verify::ArtifactState, String>;

#[derive(Clone, Debug, PartialEq)]
pub enum Compared {
    Two(Box<Comparison>),
    Many(Box<MultiComparison>),
}

/// What the tree shows beside a run: its worst finding and whether a metric is anomalous,
/// computed for the run's `generation` (its last seq and its project's).
#[derive(Clone, Debug, PartialEq)]
pub struct RunFlags {
    pub run: Ref,
    pub generation: u64,
    pub worst: Option<crate::analysis::diagnostics::FindingSeverity>,
    /// Metric keys whose latest value scores `error` against the project's other runs.
    pub anomalies: Vec<String>,
}

/// One metric key across a project's runs, oldest run first.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    pub key: String,
    /// (run name, value) per run; `None` where the run lacks the key.
    pub values: Vec<(String, Option<f64>)>,
    pub direction: crate::analysis::direction::Direction,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    /// The workspace as a whole is unusable; the worker has let go of it.
    Workspace(WorkspaceProblem),
    /// This query failed (bad ref, damaged record…).
    Query(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub id: u64,
    pub slot: Slot,
    pub result: Result<Payload, LoadError>,
}
