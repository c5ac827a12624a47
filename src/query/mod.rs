//! The read side, for the CLI and the explorer: plain synchronous functions over a workspace.
//! Each opens one read snapshot and drops it before returning, so no reader outlives a query.

mod explorer;
mod investigate;
mod lookup;
mod records;
mod resolve;
mod runs;
mod series;
pub use explorer::*;

/// The workspace handle the query functions take (opened by the caller).
pub use crate::store::{
    Access, MetricSummary, Point, RecordRow, RunInfo, RunRow, RunStats, Workspace,
};
pub use investigate::{
    FactsOptions, lineage_edges, metric_across_runs, metric_in_run, previous_completed, run_facts,
    sibling_stages,
};
pub use lookup::{record_seq, runs_with_artifact};
pub use records::{Anchor, RecordFilter, RecordPage, records_page, tail_since};
pub use resolve::{QueryError, resolve_ref, resolve_run};
pub use runs::{
    ProjectNode, RunDetail, RunFilter, RunSort, list_run_rows, list_runs, run_detail, run_status,
    workspace_tree,
};
pub use series::{
    MetricInfo, downsample, metric_list, missing_metric, missing_metric_across, series,
};
