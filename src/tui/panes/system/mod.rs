//! The system pane: the shown run's machine over time, from the `system.*` metrics `contexta
//! run` samples: CPU and RSS of the command's process tree, system memory, disk and network
//! rates, and each GPU's utilization, memory, temperature and power, one small chart per
//! quantity (its own y axis, its latest value), as many as fit, scrolled a row of charts at a
//! time. Shown in place of the metrics charts while it is the main pane; follows a live run.
//!
//! Pure: returns queries through `Cx`; the worker reads the series (`fetch.rs`), `view.rs`
//! draws.

mod fetch;
mod view;

use super::{Info, Pane, PaneKind, Place};
use crate::model::Ref;
use crate::query::SystemCharts;
use crate::tui::action::PaneId;
use crate::tui::context::{Cx, Load, Shared};
use crate::tui::effect::{Lane, Priority};
use crate::tui::layout::Area;

/// A chart is at least this wide (columns) and exactly this tall (rows, its title included).
pub const MIN_CHART_W: u16 = 36;
pub const CHART_H: u16 = 7;

#[derive(Clone, Debug, Default)]
pub struct SystemPane {
    pub run: Option<Ref>,
    pub load: Load,
    pub data: SystemCharts,
    /// The first row of charts shown.
    pub top_row: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// A run's system charts, each downsampled to `buckets` columns.
    Charts { run: Ref, buckets: usize },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Charts(Ref, SystemCharts),
}

/// How charts tile an area: (columns, rows on screen, chart width).
pub fn grid(inner: Area) -> (usize, usize, u16) {
    let cols = (inner.w / MIN_CHART_W).clamp(1, 4);
    let rows = (inner.h / CHART_H).max(1);
    (cols as usize, rows as usize, inner.w / cols)
}

impl SystemPane {
    fn inner(shared: &Shared) -> Option<Area> {
        shared.area(PaneId::System).map(|a| a.inner())
    }

    fn ask(&self, cx: &mut Cx<'_>) {
        let (Some(run), Some(inner)) = (self.run.clone(), Self::inner(cx.shared)) else {
            return;
        };
        let (_, _, w) = grid(inner);
        cx.ask(Query::Charts {
            run,
            buckets: w.max(10) as usize,
        });
    }

    /// Rows of charts there are, for `cols` charts a row.
    fn total_rows(&self, cols: usize) -> usize {
        self.data.charts.len().div_ceil(cols.max(1))
    }

    /// Keeps the last row of charts at the bottom at most (no empty screen below).
    fn clamp_rows(&mut self, shared: &Shared) {
        let Some(inner) = Self::inner(shared) else {
            return;
        };
        let (cols, rows, _) = grid(inner);
        self.top_row = self
            .top_row
            .min(self.total_rows(cols).saturating_sub(rows));
    }
}

impl Pane for SystemPane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        let run = cx.shared.run.clone();
        if !cx.shared.visible(PaneId::System) || !(force || self.run != run) {
            return;
        }
        if self.run != run {
            *self = SystemPane {
                run: run.clone(),
                ..SystemPane::default()
            };
        }
        if run.is_none() {
            self.load = Load::Idle;
            return;
        }
        if self.load != Load::Ready {
            self.load = Load::Loading;
        }
        self.ask(cx);
    }

    /// A live run's new samples: read again (the old charts stay until they arrive).
    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.visible(PaneId::System) && self.run.is_some() && self.run == cx.shared.run {
            self.ask(cx);
        }
    }

    fn on_resize(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.visible(PaneId::System) && self.run.is_some() {
            self.ask(cx);
        }
        self.clamp_rows(cx.shared);
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let rows = self.top_row as isize;
        self.top_row = rows.saturating_add(delta).max(0) as usize;
        self.clamp_rows(cx.shared);
    }

    fn clamp(&mut self, shared: &Shared) {
        self.clamp_rows(shared);
    }

    fn on_failed(&mut self, _lane: &'static str, message: &str) {
        self.load = Load::Failed(message.to_string());
    }
}

impl PaneKind for SystemPane {
    const INFO: Info = Info {
        name: "system",
        aliases: &["machine", "gpu"],
        title: "System",
        help: "System (CPU, memory, GPU of a `contexta run`)",
        place: Place::Chart,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(_q: &Query) -> Lane {
        Lane::new(Priority::View, "system")
    }

    fn on_loaded(&mut self, loaded: Loaded, cx: &mut Cx<'_>) {
        let Loaded::Charts(run, data) = loaded;
        if self.run.as_ref() == Some(&run) {
            self.data = data;
            self.load = Load::Ready;
            self.clamp_rows(cx.shared);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_fits_charts_to_the_area() {
        assert_eq!(grid(Area::new(0, 0, 78, 21)), (2, 3, 39));
        assert_eq!(grid(Area::new(0, 0, 30, 5)), (1, 1, 30));
        assert_eq!(grid(Area::new(0, 0, 198, 57)), (4, 8, 49));
    }
}
