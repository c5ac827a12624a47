//! Moving the selection of the focused pane by a number of rows (keys, page keys, the mouse
//! wheel) and selecting a clicked row. Each pane keeps its selection by identity; this only
//! turns a row delta into that pane's move.
//!
//! Pure: returns effects (pages to prefetch, series to load).

use super::AppState;
use crate::tui::action::PaneId;
use crate::tui::effect::Effect;

impl AppState {
    pub(super) fn move_selection(&mut self, delta: isize) -> Vec<Effect> {
        match self.focus {
            PaneId::Tree => {
                let rows = self.tree.rows();
                if rows.is_empty() {
                    return vec![];
                }
                let idx = self.tree.selected_index(&rows).unwrap_or(0) as isize;
                let new = idx.saturating_add(delta).clamp(0, rows.len() as isize - 1) as usize;
                self.tree.selected = Some(rows[new].node.clone());
                self.clamp_views();
                let mut fx = self.tree_selection_changed();
                fx.extend(self.request_flags());
                fx
            }
            PaneId::Overview => {
                let s = self.overview.scroll as isize;
                self.overview.scroll = s.saturating_add(delta).clamp(0, 10_000) as usize;
                vec![]
            }
            PaneId::Stream => {
                let size = self.page_size();
                match self.stream.move_by(delta, &size) {
                    Some(anchor) => self.records(anchor, size.limit()),
                    None => vec![],
                }
            }
            PaneId::Compare => self.compare_move(delta),
            PaneId::Diagnostics => {
                let h = self.pane_height(PaneId::Diagnostics);
                self.diagnostics.move_by(delta, h);
                vec![]
            }
            PaneId::Lineage => {
                self.lineage.move_by(delta);
                vec![]
            }
            PaneId::Project => {
                let h = self.pane_height(PaneId::Project).saturating_sub(1);
                self.project.move_by(delta, h);
                vec![]
            }
            PaneId::Metrics => {
                let before = self.metrics.selected.clone();
                let h = self.metrics_list_height();
                self.metrics.move_by(delta, h);
                if self.metrics.selected != before && self.metrics.pinned.is_empty() {
                    self.load_metric_series()
                } else {
                    vec![]
                }
            }
        }
    }

    pub(super) fn metrics_list_height(&self) -> usize {
        self.screen().area(PaneId::Metrics).map_or(0, |a| {
            crate::tui::layout::metrics_split(a.inner(), self.metrics.keys.len())
                .0
                .h as usize
        })
    }

    /// A click on the `row`-th visible row of the focused pane selects it.
    pub(super) fn click_row(&mut self, row: usize) -> Vec<Effect> {
        let (offset, idx, len) = match self.focus {
            PaneId::Tree => {
                let rows = self.tree.rows();
                let idx = self.tree.selected_index(&rows).unwrap_or(0);
                (self.tree.offset, idx, rows.len())
            }
            PaneId::Stream => (
                self.stream.offset,
                self.stream.selected_index().unwrap_or(0),
                self.stream.rows.len(),
            ),
            PaneId::Metrics => {
                // Only the key list is clickable, not the chart below it.
                let keys = self.metrics.visible_keys().len();
                let shown = (self.metrics.offset + self.metrics_list_height()).min(keys);
                let idx = self.metrics.selected_index().unwrap_or(0);
                (self.metrics.offset, idx, shown)
            }
            PaneId::Diagnostics => (
                self.diagnostics.offset,
                self.diagnostics.selected,
                self.diagnostics.findings.len(),
            ),
            _ => return vec![],
        };
        let target = offset + row;
        if target >= len || target == idx {
            return vec![];
        }
        self.move_selection(target as isize - idx as isize)
    }
}
