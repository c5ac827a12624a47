//! The lineage navigator's view state: the graph around the focused entity, which side
//! (upstream on the left, downstream on the right) and which neighbour is selected, and the
//! tree selection it was opened from (so reopening re-centres only when that changed).
//!
//! Pure: neighbours are read from the loaded graph; the app asks for graphs.

use super::Load;
use crate::analysis::lineage::{Edge, LineageGraph};

/// Hops read around the focus: neighbours, and theirs shown dimmed.
pub const DEPTH: usize = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    #[default]
    Up,
    Down,
}

#[derive(Clone, Debug, Default)]
pub struct LineageState {
    /// The focus as asked (a ref, or text for the worker to resolve).
    pub root: Option<String>,
    /// The tree selection the navigator was opened from.
    pub origin: Option<crate::model::Ref>,
    pub load: Load,
    pub graph: Option<Box<LineageGraph>>,
    pub side: Side,
    pub selected: usize,
}

impl LineageState {
    pub fn start(&mut self, root: String, origin: Option<crate::model::Ref>) {
        self.root = Some(root);
        self.origin = origin;
        self.load = Load::Loading;
        self.selected = 0;
    }

    /// (edges into the focus, edges out of it).
    pub fn sides(&self) -> (Vec<&Edge>, Vec<&Edge>) {
        match &self.graph {
            Some(g) => g.neighbours(&g.root),
            None => (vec![], vec![]),
        }
    }

    fn side_len(&self, side: Side) -> usize {
        let (up, down) = self.sides();
        match side {
            Side::Up => up.len(),
            Side::Down => down.len(),
        }
    }

    /// Puts the selection on a side that has neighbours (the upstream one first).
    pub fn settle(&mut self) {
        if self.side_len(self.side) == 0 {
            self.side = match self.side {
                Side::Up => Side::Down,
                Side::Down => Side::Up,
            };
        }
        self.selected = self
            .selected
            .min(self.side_len(self.side).saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.side_len(self.side);
        if n == 0 {
            return;
        }
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
    }

    /// Switches side when the other one has neighbours.
    pub fn move_side(&mut self, right: bool) {
        let want = if right { Side::Down } else { Side::Up };
        if want != self.side && self.side_len(want) > 0 {
            self.side = want;
            self.selected = self.selected.min(self.side_len(want) - 1);
        }
    }

    /// The selected neighbour's ref.
    pub fn selected_ref(&self) -> Option<String> {
        let (up, down) = self.sides();
        match self.side {
            Side::Up => up.get(self.selected).map(|e| e.from.clone()),
            Side::Down => down.get(self.selected).map(|e| e.to.clone()),
        }
    }
}
