//! The project view's state: each metric key's values across the project's runs (oldest run
//! first) and the selected key.
//!
//! Pure: trends arrive from the worker; min, max and last are derived here for render.

use super::Load;
use super::tree::clamp_offset;
use crate::model::Ref;
use crate::tui::effect::Trend;

#[derive(Clone, Debug, Default)]
pub struct ProjectState {
    pub project: Option<Ref>,
    pub load: Load,
    pub trends: Vec<Trend>,
    pub selected: usize,
    pub offset: usize,
}

/// (last present value, min, max, runs with the key).
pub fn summary(t: &Trend) -> Option<(f64, f64, f64, usize)> {
    let vals: Vec<f64> = t.values.iter().filter_map(|(_, v)| *v).collect();
    let last = *vals.last()?;
    let min = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let max = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((last, min, max, vals.len()))
}

impl ProjectState {
    pub fn reset(&mut self, project: Option<Ref>) {
        *self = ProjectState {
            load: if project.is_some() {
                Load::Loading
            } else {
                Load::Idle
            },
            project,
            ..ProjectState::default()
        };
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        let n = self.trends.len();
        if n == 0 {
            return;
        }
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        self.offset = clamp_offset(self.offset, self.selected, n, height);
    }
}
