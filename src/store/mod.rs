//! The workspace store: the only module that names redb. One database file shared by every
//! process in redb's multi-writer mode, values postcard-encoded, names interned, records kept
//! per run in gap-free sequence order with the indexes the explorer and queries need.
//! It never decides what a query means; it answers "give me these rows" quickly.

mod block;
mod check;
mod check_decode;
mod check_refs;
mod codec;
mod console;
mod derive;
mod error;
mod file_header;
mod holders;
mod lookup;
mod names;
pub mod objects;
mod read;
mod ref_index;
mod repair;
mod series_summary;
mod set_aside;
mod snapshot;
mod tables;
mod trust;
mod workspace;
mod write;

pub use check::{CheckReport, Finding, FindingSeverity, check_pages};
pub use codec::{MetricSummary, Point, RunRow, RunStats};
pub use error::StoreError;
pub use holders::{ExclusiveHold, Holder, check_not_held, hold_exclusive, holders};
pub use lookup::WorkspaceCounts;
pub use read::{ReadSnapshot, RecordRow, RunInfo};
pub use repair::RepairReport;
pub use series_summary::{Piece, SpanSummary};
pub use set_aside::{
    Sibling, may_have_written, no_workspace, process_alive, set_aside, set_aside_on_the_way,
    sibling_prefix, siblings,
};
pub use snapshot::{FileSnapshot, SnapshotCheck, SnapshotReader};
pub use trust::check_discovered;
pub use workspace::{Access, DB_FILE, SCHEMA_VERSION, WORKSPACE_DIR, Workspace, locate};
pub use write::{CommitInfo, WriteBatch, WriteOp};
