//! Effects: the I/O `update` asks for, as data, and the results that come back as messages.
//! Each query belongs to a `Slot`; a slot holds one request at a time and the newest wins, both
//! in the worker (a queued request is replaced) and in the app (a result whose id is not the
//! slot's latest is dropped as stale).
//!
//! Never performs I/O itself: `worker.rs` does.

use crate::model::Ref;
use crate::query::{
    Anchor, MetricInfo, ProjectNode, RecordFilter, RecordPage, RunDetail, RunOutline, SeriesLine,
    Spark, WorkspaceProblem,
};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// (Re)open the workspace; answered by `Msg::Opened`.
    Open,
    Query(Request),
    Quit,
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
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Tree(Vec<ProjectNode>),
    Outline(Ref, RunOutline),
    Detail(Box<RunDetail>),
    Records { anchor: Anchor, page: RecordPage },
    Metrics(Vec<MetricInfo>),
    Sparklines(Vec<(String, Spark)>),
    Series(Vec<SeriesLine>),
    Resolved(Ref),
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
