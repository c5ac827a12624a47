//! Read-side helpers the explorer needs beyond the general queries: opening a workspace for
//! reading (repairing it first when a crashed writer left it needing recovery), a cheap change
//! fingerprint for the polling fallback, a run's outline (stages, batches, operations with
//! record counts) for the run tree. (Chart series: `chart_series.rs`.)
//! Like every query, each function takes one short read snapshot and never keeps it.

use super::resolve::QueryError;
use crate::model::*;
use crate::store::{Access, DB_FILE, StoreError, Workspace};
use std::path::{Path, PathBuf};

/// What went wrong with the workspace as a whole (as opposed to one query), in words for the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkspaceProblem {
    /// No database file: not created yet, or deleted while open.
    Missing(String),
    /// A writer crashed; we could not repair it (read-only filesystem, or a writer holds it).
    NeedsRecovery(String),
    Locked(String),
    Damaged(String),
    Other(String),
}

impl WorkspaceProblem {
    pub fn message(&self) -> &str {
        match self {
            WorkspaceProblem::Missing(m)
            | WorkspaceProblem::NeedsRecovery(m)
            | WorkspaceProblem::Locked(m)
            | WorkspaceProblem::Damaged(m)
            | WorkspaceProblem::Other(m) => m,
        }
    }

    /// A short label for a status line.
    pub fn label(&self) -> &'static str {
        match self {
            WorkspaceProblem::Missing(_) => "workspace missing",
            WorkspaceProblem::NeedsRecovery(_) => "waiting for recovery",
            WorkspaceProblem::Locked(_) => "workspace locked",
            WorkspaceProblem::Damaged(_) => "workspace damaged",
            WorkspaceProblem::Other(_) => "workspace unavailable",
        }
    }
}

/// `Some` when `e` means the workspace itself is unusable (so the explorer should show it and
/// retry opening), `None` for an error that belongs to one query.
pub fn workspace_problem(e: &QueryError) -> Option<WorkspaceProblem> {
    let QueryError::Store(s) = e else { return None };
    let msg = e.to_string();
    Some(match s {
        StoreError::Missing(_) => WorkspaceProblem::Missing(msg),
        StoreError::NeedsRecovery(_) => WorkspaceProblem::NeedsRecovery(msg),
        StoreError::Locked { .. } => WorkspaceProblem::Locked(msg),
        StoreError::Corrupt(_) | StoreError::SchemaTooNew { .. } => WorkspaceProblem::Damaged(msg),
        StoreError::Io { .. } | StoreError::Db(_) => WorkspaceProblem::Other(msg),
        _ => return None,
    })
}

/// Identity of the database file (device, inode), to notice a workspace deleted and re-created
/// while a reader still holds the old file open.
fn file_identity(root: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(root.join(DB_FILE)).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let len = meta.len();
        Some((0, len))
    }
}

/// A workspace opened for reading, with the identity of the file it opened.
pub struct ReadHandle {
    pub ws: Workspace,
    identity: Option<(u64, u64)>,
}

impl ReadHandle {
    /// Whether the file at the workspace path is still the one we opened.
    pub fn is_current(&self) -> bool {
        file_identity(self.ws.root()) == self.identity
    }
}

/// Opens `root` for reading. A workspace left needing recovery is repaired first by opening it
/// briefly as a writer (storage.md: ~2 ms); if that fails, the problem is reported.
pub fn open_for_reading(root: &Path) -> Result<ReadHandle, WorkspaceProblem> {
    let open = |root: &Path| {
        let identity = file_identity(root);
        Workspace::open(root, Access::Read).map(|ws| ReadHandle { ws, identity })
    };
    let as_problem = |e: StoreError| {
        workspace_problem(&QueryError::Store(e))
            .unwrap_or_else(|| WorkspaceProblem::Other("could not open the workspace".into()))
    };
    match open(root) {
        Ok(h) => Ok(h),
        Err(StoreError::NeedsRecovery(_)) => {
            Workspace::recover(root).map_err(as_problem)?;
            open(root).map_err(as_problem)
        }
        Err(e) => Err(as_problem(e)),
    }
}

/// The name of the database file inside the workspace directory (what a watcher filters on).
pub fn database_file_name() -> &'static str {
    DB_FILE
}

/// The commit generation: bumped by every commit of any process.
pub fn generation(ws: &Workspace) -> Result<u64, QueryError> {
    Ok(ws.read()?.generation()?)
}

/// A polling change detector: a number that changes when anything committed, or when the
/// database file appeared, vanished or was replaced. Keeps a reader open between calls (not a
/// read transaction) and reopens it when the file changes identity.
pub struct ChangeProbe {
    root: PathBuf,
    handle: Option<ReadHandle>,
}

impl ChangeProbe {
    pub fn new(root: &Path) -> Self {
        ChangeProbe {
            root: root.to_path_buf(),
            handle: None,
        }
    }

    pub fn fingerprint(&mut self) -> u64 {
        let id = file_identity(&self.root);
        if id.is_none() {
            self.handle = None;
            return 0;
        }
        if self.handle.as_ref().is_some_and(|h| !h.is_current()) {
            self.handle = None;
        }
        if self.handle.is_none() {
            self.handle = Workspace::open(&self.root, Access::Read)
                .ok()
                .map(|ws| ReadHandle { ws, identity: id });
        }
        let generation = self
            .handle
            .as_ref()
            .and_then(|h| generation(&h.ws).ok())
            .unwrap_or(u64::MAX);
        let (dev, ino) = id.unwrap_or_default();
        generation
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(ino.rotate_left(17) ^ dev)
            .max(1)
    }
}

/// One stage of a run as the tree shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct StageOutline {
    pub stage: StageExecution,
    pub records: u64,
    pub batches: Vec<BatchExecution>,
    pub operations: Vec<OperationContext>,
}

/// A run's structure for the tree: stages in order, each with its batches and operations.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RunOutline {
    pub stages: Vec<StageOutline>,
}

pub fn run_outline(ws: &Workspace, run: &Ref) -> Result<RunOutline, QueryError> {
    let snap = ws.read()?;
    let mut stages = snap.stages(run)?;
    stages.sort_by(|a, b| {
        (a.order_index, a.started_at, &a.stage_name).cmp(&(
            b.order_index,
            b.started_at,
            &b.stage_name,
        ))
    });
    let batches = snap.batches(run)?;
    let operations = snap.operations(run)?;
    let mut out = Vec::with_capacity(stages.len());
    for stage in stages {
        let records = snap
            .stage_ranges(run, &stage.stage_execution_ref)?
            .iter()
            .map(|(lo, hi)| u64::from(hi.saturating_sub(*lo)) + 1)
            .sum();
        let sref = &stage.stage_execution_ref;
        let mut b: Vec<BatchExecution> = batches
            .iter()
            .filter(|x| &x.stage_execution_ref == sref)
            .cloned()
            .collect();
        b.sort_by_key(|x| (x.order_index, x.started_at));
        let o = operations
            .iter()
            .filter(|x| &x.stage_execution_ref == sref)
            .cloned()
            .collect();
        out.push(StageOutline {
            stage,
            records,
            batches: b,
            operations: o,
        });
    }
    Ok(RunOutline { stages: out })
}
