//! The tree's per-run flags: each run's worst finding and anomalous metrics, kept with the
//! generation they were computed for, so only runs that changed are computed again; asked for a
//! chunk at a time, for the runs near the viewport.
//!
//! Pure: the worker computes flags (`fetch.rs`); nothing here reads the workspace.

use super::{Query, TreePane};
use crate::model::Ref;
use crate::tui::action::PaneId;
use crate::tui::context::{Catalog, Cx};
use std::collections::BTreeMap;

/// Runs flagged per request: the worker answers in chunks so the panes it serves first stay
/// responsive on big workspaces.
pub const FLAG_CHUNK: usize = 16;

/// What the tree shows beside a run: its worst finding and whether a metric is anomalous,
/// computed for the run's `generation` (its last seq and its project's).
#[derive(Clone, Debug, PartialEq)]
pub struct RunFlags {
    pub run: Ref,
    pub generation: u64,
    pub worst: Option<crate::analysis::diagnostics::FindingSeverity>,
    /// Metric keys whose latest value scores `error` against the project's other runs.
    pub anomalies: Vec<String>,
    /// What the machine findings say (a GPU sat idle, memory came near its limit).
    pub resources: Vec<String>,
}

/// Each run's flag generation: its own last seq and its project's finished activity (an anomaly
/// is relative to the project's other runs, so a new or finished run there recomputes its
/// siblings). Records of runs still open do not count for their siblings: a live run would
/// otherwise recompute its whole project on every commit; its siblings catch up when it ends.
pub fn generations(catalog: &Catalog) -> BTreeMap<Ref, u64> {
    let mut out = BTreeMap::new();
    for p in &catalog.projects {
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

impl TreePane {
    /// Runs whose flags are missing or computed for another generation, at most `FLAG_CHUNK`:
    /// only runs on screen and a page either side (flags are looked at, not collected), those
    /// on screen first.
    pub fn stale_flags(&self, catalog: &Catalog, height: usize) -> Vec<(Ref, u64)> {
        let gens = generations(catalog);
        let rows = self.rows(catalog);
        let h = height.max(1);
        let near = self.offset.saturating_sub(h)..(self.offset + 2 * h).min(rows.len());
        let mut runs: Vec<(usize, &Ref)> = rows[near.clone()]
            .iter()
            .enumerate()
            .filter(|(_, r)| r.node.kind() == "run")
            .map(|(i, r)| (i + near.start, &r.node))
            .collect();
        // On screen first, then the page below, then the page above.
        runs.sort_by_key(|(i, _)| (*i < self.offset, *i >= self.offset + h, *i));
        runs.into_iter()
            .filter_map(|(_, r)| gens.get(r).map(|g| (r.clone(), *g)))
            .filter(|(r, g)| self.flags.get(r).is_none_or(|f| f.generation != *g))
            .take(FLAG_CHUNK)
            .collect()
    }

    /// Asks for flags of runs near the viewport whose generation moved, one chunk at a time:
    /// its answer asks for the next (for where the tree is then).
    pub(super) fn request_flags(&mut self, cx: &mut Cx<'_>) {
        let now = cx.shared.now;
        if cx.is_pending(&Query::Flags { runs: vec![], now }.into()) {
            return;
        }
        let height = super::list_rows(cx.shared.pane_height(PaneId::Tree));
        let runs = self.stale_flags(&cx.shared.catalog, height);
        if !runs.is_empty() {
            cx.ask(Query::Flags { runs, now });
        }
    }

    pub(super) fn apply_flags(&mut self, flags: Vec<RunFlags>, cx: &mut Cx<'_>) {
        for f in flags {
            self.flags.insert(f.run.clone(), f);
        }
        self.request_flags(cx);
    }
}
