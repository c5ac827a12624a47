//! The diagnostics pane's view state (the findings of the current run, the selected one) and
//! the tree's per-run flags cache: each run's worst finding and anomalous metrics, kept with
//! the generation they were computed for, so only runs that changed are computed again.
//!
//! Pure: the app asks the worker for findings and flags; nothing here reads the workspace.

use super::Load;
use super::tree::{TreeState, clamp_offset};
use crate::analysis::diagnostics::Finding;
use crate::model::Ref;
use std::collections::BTreeMap;

/// Runs flagged per request: the worker answers in chunks so the panes it serves first stay
/// responsive on big workspaces.
pub const FLAG_CHUNK: usize = 16;

#[derive(Clone, Debug, Default)]
pub struct DiagnosticsState {
    pub run: Option<Ref>,
    pub load: Load,
    pub findings: Vec<Finding>,
    pub selected: usize,
    pub offset: usize,
}

impl DiagnosticsState {
    pub fn reset(&mut self, run: Option<Ref>) {
        *self = DiagnosticsState {
            load: if run.is_some() {
                Load::Loading
            } else {
                Load::Idle
            },
            run,
            ..DiagnosticsState::default()
        };
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        let n = self.findings.len();
        if n == 0 {
            return;
        }
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        self.offset = clamp_offset(self.offset, self.selected, n, height);
    }

    /// The ref to jump to for the selected finding: its first evidence, else its subject.
    pub fn evidence(&self) -> Option<Ref> {
        let f = self.findings.get(self.selected)?;
        let text = f.evidence.first().unwrap_or(&f.subject_ref);
        Ref::parse(text).ok()
    }
}

/// Each run's flag generation: its own last seq and its project's finished activity (an anomaly
/// is relative to the project's other runs, so a new or finished run there recomputes its
/// siblings). Records of runs still open do not count for their siblings: a live run would
/// otherwise recompute its whole project on every commit; its siblings catch up when it ends.
pub fn generations(tree: &TreeState) -> BTreeMap<Ref, u64> {
    let mut out = BTreeMap::new();
    for p in &tree.projects {
        let project: u64 = p
            .runs
            .iter()
            .map(|r| match r.run.ended_at {
                Some(_) => u64::from(r.stats.last_seq) + 1,
                None => 1,
            })
            .sum::<u64>()
            .wrapping_mul(1_000_003);
        for r in &p.runs {
            out.insert(
                r.run.run_ref.clone(),
                project.wrapping_add(u64::from(r.stats.last_seq)),
            );
        }
    }
    out
}

/// Runs whose flags are missing or computed for another generation, at most `FLAG_CHUNK`:
/// only runs on screen and a page either side (flags are looked at, not collected), those on
/// screen first.
pub fn stale_flags(tree: &TreeState, height: usize) -> Vec<(Ref, u64)> {
    let gens = generations(tree);
    let rows = tree.rows();
    let h = height.max(1);
    let near = tree.offset.saturating_sub(h)..(tree.offset + 2 * h).min(rows.len());
    let mut runs: Vec<(usize, &Ref)> = rows[near.clone()]
        .iter()
        .enumerate()
        .filter(|(_, r)| r.node.kind() == "run")
        .map(|(i, r)| (i + near.start, &r.node))
        .collect();
    // On screen first, then the page below, then the page above.
    runs.sort_by_key(|(i, _)| (*i < tree.offset, *i >= tree.offset + h, *i));
    runs.into_iter()
        .filter_map(|(_, r)| gens.get(r).map(|g| (r.clone(), *g)))
        .filter(|(r, g)| tree.flags.get(r).is_none_or(|f| f.generation != *g))
        .take(FLAG_CHUNK)
        .collect()
}
