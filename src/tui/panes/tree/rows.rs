//! The tree's rows: projects → runs → stages → batches and operations, derived on demand from
//! the run list, the outlines of expanded runs, the sort and the filter. The selection is a ref
//! (identity), never a row number, so refreshes and sorts keep it.
//!
//! Pure: no I/O, no drawing.

use super::{TreePane, TreeSort};
use crate::model::Ref;
use crate::query::run_filter::RunFacts;
use crate::query::{ProjectNode, RunInfo};
use crate::tui::context::{Catalog, Shared};
use crate::tui::panes::clamp_offset;

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

impl TreePane {
    pub fn changed_since_seen(&self, run: &RunInfo) -> bool {
        self.seen
            .get(&run.run.run_ref)
            .is_none_or(|s| run.stats.last_seq > *s)
    }

    fn run_matches(&self, project: &ProjectNode, r: &RunInfo) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        // A query that does not parse matches nothing (the pane says where it is wrong).
        let Ok(query) = &self.query else {
            return false;
        };
        let by_artifact = self
            .artifact_hits
            .as_ref()
            .is_some_and(|(t, hits)| t == &self.filter && hits.contains(&r.run.run_ref));
        let facts = RunFacts {
            run_ref: &r.run.run_ref,
            name: &r.run.name,
            project: &project.project.name,
            status: r.run.status,
            started: r.run.started_at,
            ended: r.run.ended_at,
            last_observed: r.stats.last_observed,
            params: Some(&r.run.params),
            metrics: self.latest.as_ref().and_then(|l| l.get(&r.run.run_ref)),
            tags: Some(&project.project.tags),
        };
        by_artifact || query.matches(&facts, self.query_now)
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
    pub fn rows(&self, catalog: &Catalog) -> Vec<Row> {
        let mut out = Vec::new();
        let mut projects: Vec<&ProjectNode> = catalog.projects.iter().collect();
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

    /// The kind of the selected row (`None` when nothing visible is selected).
    pub fn selected_kind(&self, shared: &Shared) -> Option<RowKind> {
        let rows = self.rows(&shared.catalog);
        selected_index(&rows, shared.selected.as_ref()).map(|i| rows[i].kind)
    }

    /// After the visible rows changed (a filter), keeps the selection on a visible row: the
    /// first run, else the first row.
    pub fn keep_selection_visible(&self, shared: &mut Shared) {
        let rows = self.rows(&shared.catalog);
        if selected_index(&rows, shared.selected.as_ref()).is_none() {
            shared.selected = rows
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
    pub fn clamp_view(&mut self, shared: &Shared, height: usize) {
        let rows = self.rows(&shared.catalog);
        let idx = selected_index(&rows, shared.selected.as_ref()).unwrap_or(0);
        self.offset = clamp_offset(self.offset, idx, rows.len(), height);
    }
}

/// The row of `selected` among `rows`.
pub fn selected_index(rows: &[Row], selected: Option<&Ref>) -> Option<usize> {
    let sel = selected?;
    rows.iter().position(|r| &r.node == sel)
}
