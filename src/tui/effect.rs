//! Effects: the I/O `update` asks for, as data, and the results that come back as messages.
//! Queries and their payloads are each pane's own types, nested in `Query` and `Payload` (built
//! by the pane registry, `panes/mod.rs`). Each query belongs to a `Slot` (its pane and lane); a
//! slot holds one request at a time and the newest wins, both in the worker (a queued request is
//! replaced) and in the app (a result whose id is not the slot's latest is dropped as stale).
//!
//! Never performs I/O itself: `worker.rs` does.

use super::action::PaneId;
pub use super::context::External;
use crate::model::Ref;
use crate::query::WorkspaceProblem;

pub use super::panes::{Payload, Query};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// (Re)open the workspace; answered by `Msg::Opened`.
    Open,
    Query(Request),
    /// A long job (report, export, backup) for the job runner, never the query worker.
    Job(Job),
    /// Write these bytes (an OSC 52 clipboard sequence) through the terminal writer, between
    /// frames; the runtime does it, never a render.
    Terminal(Vec<u8>),
    /// Run a pager or a browser (the runtime suspends the screen for a pager).
    External(External),
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

/// How soon the worker serves a query: what the user typed and looks at before what decorates
/// it, and both before background work (flags, hashing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// An answer to something typed (`:run NAME`).
    Input,
    /// What a visible pane shows.
    View,
    /// What decorates it (chart series, sparklines).
    Detail,
    /// Investigation panes and jumps.
    Investigate,
    /// Tree flags, artifact search and hashing, outlines.
    Background,
}

/// A pane's name for one kind of its queries: one request in flight per lane (per key when
/// given, e.g. one outline per run).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lane {
    pub priority: Priority,
    pub name: &'static str,
    pub key: Option<Ref>,
}

impl Lane {
    pub const fn new(priority: Priority, name: &'static str) -> Lane {
        Lane {
            priority,
            name,
            key: None,
        }
    }

    pub fn keyed(priority: Priority, name: &'static str, key: Ref) -> Lane {
        Lane {
            priority,
            name,
            key: Some(key),
        }
    }
}

/// Where a query's result goes; one in-flight request per slot. Ordered by priority: the
/// worker serves lower slots first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub priority: Priority,
    pub pane: PaneId,
    pub lane: &'static str,
    pub key: Option<Ref>,
}

impl Slot {
    pub fn new(pane: PaneId, lane: Lane) -> Slot {
        Slot {
            priority: lane.priority,
            pane,
            lane: lane.name,
            key: lane.key,
        }
    }
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
