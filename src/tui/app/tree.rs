//! The run tree's view state: projects → runs → stages → batches and operations, kept by
//! identity (refs), never by row number, so refreshes and sorts keep the selection. Rows are
//! derived on demand from the last loaded tree, the outlines of expanded runs, sort and filter.
//!
//! Pure data and rules: no I/O (loads are requested by the app), no drawing.

use super::Load;
use crate::model::{Ref, Timestamp};
use crate::query::RunInfo;
use crate::query::{ProjectNode, RunOutline};
use crate::tui::effect::RunFlags;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeSort {
    /// Newest start first.
    Start,
    Name,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Project,
    Run,
    Stage,
    Batch,
    Operation,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub kind: RowKind,
    pub node: Ref,
    pub depth: u8,
}

#[derive(Clone, Debug)]
pub struct TreeState {
    pub load: Load,
    pub projects: Vec<ProjectNode>,
    pub outlines: BTreeMap<Ref, RunOutline>,
    pub expanded: BTreeSet<Ref>,
    pub collapsed: BTreeSet<Ref>,
    pub selected: Option<Ref>,
    pub marks: BTreeSet<Ref>,
    pub sort: TreeSort,
    pub filter: String,
    /// Each run's last seq when the user last looked at it (or when it first appeared).
    pub seen: BTreeMap<Ref, u32>,
    /// Runs that changed in a refresh, highlighted until the instant given.
    pub fresh: BTreeMap<Ref, Timestamp>,
    pub offset: usize,
    /// Per-run diagnostics and anomaly flags, by generation (computed lazily by the worker).
    pub flags: BTreeMap<Ref, RunFlags>,
    /// Runs whose artifacts match the filter text (the text they were searched for).
    pub artifact_hits: Option<(String, BTreeSet<Ref>)>,
}

impl Default for TreeState {
    fn default() -> Self {
        TreeState {
            load: Load::Loading,
            projects: vec![],
            outlines: BTreeMap::new(),
            expanded: BTreeSet::new(),
            collapsed: BTreeSet::new(),
            selected: None,
            marks: BTreeSet::new(),
            sort: TreeSort::Start,
            filter: String::new(),
            seen: BTreeMap::new(),
            fresh: BTreeMap::new(),
            offset: 0,
            flags: BTreeMap::new(),
            artifact_hits: None,
        }
    }
}

impl TreeState {
    pub fn run_info(&self, run: &Ref) -> Option<&RunInfo> {
        self.projects
            .iter()
            .flat_map(|p| p.runs.iter())
            .find(|r| &r.run.run_ref == run)
    }

    pub fn all_runs(&self) -> impl Iterator<Item = &RunInfo> {
        self.projects.iter().flat_map(|p| p.runs.iter())
    }

    /// The run most recently written to (open runs win ties).
    pub fn most_recent_run(&self) -> Option<Ref> {
        self.all_runs()
            .max_by_key(|r| {
                (
                    r.stats.last_observed.max(r.run.started_at.0),
                    r.run.ended_at.is_none(),
                    r.run.run_ref.clone(),
                )
            })
            .map(|r| r.run.run_ref.clone())
    }

    pub fn changed_since_seen(&self, run: &RunInfo) -> bool {
        self.seen
            .get(&run.run.run_ref)
            .is_none_or(|s| run.stats.last_seq > *s)
    }

    fn run_matches(&self, project: &ProjectNode, r: &RunInfo) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let f = self.filter.to_lowercase();
        r.run.run_ref.as_str().to_lowercase().contains(&f)
            || r.run.name.to_lowercase().contains(&f)
            || project.project.name.to_lowercase().contains(&f)
            || self
                .artifact_hits
                .as_ref()
                .is_some_and(|(t, hits)| t == &self.filter && hits.contains(&r.run.run_ref))
    }

    fn sorted_runs<'a>(&self, p: &'a ProjectNode) -> Vec<&'a RunInfo> {
        let mut runs: Vec<&RunInfo> = p.runs.iter().filter(|r| self.run_matches(p, r)).collect();
        match self.sort {
            TreeSort::Start => runs.sort_by(|a, b| {
                (b.run.started_at, &b.run.run_ref).cmp(&(a.run.started_at, &a.run.run_ref))
            }),
            TreeSort::Name => runs
                .sort_by(|a, b| (&a.run.name, &a.run.run_ref).cmp(&(&b.run.name, &b.run.run_ref))),
        }
        runs
    }

    /// The visible rows, top to bottom.
    pub fn rows(&self) -> Vec<Row> {
        let mut out = Vec::new();
        let mut projects: Vec<&ProjectNode> = self.projects.iter().collect();
        projects.sort_by(|a, b| a.project.name.cmp(&b.project.name));
        for p in projects {
            let runs = self.sorted_runs(p);
            if runs.is_empty() && !self.filter.is_empty() {
                continue;
            }
            let pref = &p.project.project_ref;
            out.push(Row {
                kind: RowKind::Project,
                node: pref.clone(),
                depth: 0,
            });
            if self.collapsed.contains(pref) {
                continue;
            }
            for r in runs {
                let rref = &r.run.run_ref;
                out.push(Row {
                    kind: RowKind::Run,
                    node: rref.clone(),
                    depth: 1,
                });
                if !self.expanded.contains(rref) {
                    continue;
                }
                let Some(outline) = self.outlines.get(rref) else {
                    continue;
                };
                for s in &outline.stages {
                    let sref = &s.stage.stage_execution_ref;
                    out.push(Row {
                        kind: RowKind::Stage,
                        node: sref.clone(),
                        depth: 2,
                    });
                    if !self.expanded.contains(sref) {
                        continue;
                    }
                    for b in &s.batches {
                        out.push(Row {
                            kind: RowKind::Batch,
                            node: b.batch_execution_ref.clone(),
                            depth: 3,
                        });
                    }
                    for o in &s.operations {
                        out.push(Row {
                            kind: RowKind::Operation,
                            node: o.operation_context_ref.clone(),
                            depth: 3,
                        });
                    }
                }
            }
        }
        out
    }

    pub fn selected_index(&self, rows: &[Row]) -> Option<usize> {
        let sel = self.selected.as_ref()?;
        rows.iter().position(|r| &r.node == sel)
    }

    pub fn selected_kind(&self) -> Option<RowKind> {
        let rows = self.rows();
        self.selected_index(&rows).map(|i| rows[i].kind)
    }

    /// After the visible rows changed (a filter), keeps the selection on a visible row: the
    /// first run, else the first row.
    pub fn keep_selection_visible(&mut self) {
        let rows = self.rows();
        if self.selected_index(&rows).is_none() {
            self.selected = rows
                .iter()
                .find(|r| r.kind == RowKind::Run)
                .or(rows.first())
                .map(|r| r.node.clone());
        }
    }

    /// Makes `node` visible: un-collapses its project and expands its run (for a stage etc.).
    pub fn reveal(&mut self, node: &Ref) {
        if let Some(p) = node.project_ref() {
            self.collapsed.remove(&p);
        }
        if node.kind() != "run"
            && let Some(r) = node.run_ref()
        {
            self.expanded.insert(r);
        }
        if let Some(s) = node.stage_ref()
            && &s != node
        {
            self.expanded.insert(s);
        }
    }

    /// Keeps the selection on screen in a list `height` rows tall.
    pub fn clamp_view(&mut self, height: usize) {
        let rows = self.rows();
        let idx = self.selected_index(&rows).unwrap_or(0);
        self.offset = clamp_offset(self.offset, idx, rows.len(), height);
    }
}

/// The first visible row for a list of `len` rows, `height` tall, so that `idx` is visible.
pub fn clamp_offset(offset: usize, idx: usize, len: usize, height: usize) -> usize {
    if height == 0 {
        return idx;
    }
    let mut off = offset.min(len.saturating_sub(height));
    if idx < off {
        off = idx;
    } else if idx >= off + height {
        off = idx + 1 - height;
    }
    off
}
