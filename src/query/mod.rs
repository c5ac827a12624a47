//! The read side, for the CLI and the explorer: plain synchronous functions over a workspace.
//! Each opens one read snapshot and drops it before returning, so no reader outlives a query.
//! A question every face asks (diagnose a run, compare runs, score anomalies) has one recipe
//! here, `diagnose`, `compare` and `anomaly`, which feed what they read to the pure `analysis`.

mod anomaly;
mod chart_series;
mod compare;
pub mod console;
mod diagnose;
mod explorer;
mod investigate;
mod lookup;
mod records;
mod resolve;
pub mod run_filter;
mod runs;
mod series;
mod series_overview;
mod system;
pub use anomaly::{AnomalyScorer, DEFAULT_ANOMALY_THRESHOLD, Scored};
pub use chart_series::{
    ChartAsk, SeriesLine, XBy, chart_line, min_max_columns, series_lines, series_lines_split,
};
pub use compare::{PairComparison, compare_runs, compare_two_runs};
pub use diagnose::{Diagnosis, diagnose_run};
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
    ProjectNode, RunDetail, RunFilter, RunSort, latest_metrics, list_run_rows, list_runs,
    run_detail, run_status, workspace_tree,
};
pub use series::{
    MetricInfo, metric_list, missing_metric, missing_metric_across, ranks_of, run_ranks, series,
    series_of_rank,
};
pub use system::{SystemChart, SystemCharts, resource_use, system_charts};
