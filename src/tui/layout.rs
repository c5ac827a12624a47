//! Screen regions, computed from the terminal size, which pane is focused and the two view
//! toggles (maximise, hide the tree). Pure arithmetic on its own `Area` type, so the reducer can
//! size pages and hit-test mouse clicks with exactly the geometry render draws.
//!
//! Wide (≥ 140×36): every pane at once.
//! ```text
//! ┌Runs──────┐┌Overview────────┐┌Metrics──────────────┐
//! │ project  ││ status, timing ││ key  ▁▂▅▇ last min  │
//! │  ● run   ││ stage bars     ││ chart               │
//! │    stage ││ params, prov.  ││                     │
//! │          │└────────────────┘└─────────────────────┘
//! │          │┌Records─────────────────────────────────┐
//! │ legend   ││ 09:00:05 event info  prepare  message  │
//! └──────────┘└────────────────────────────────────────┘
//!  status bar (or the : / prompt)
//! ```
//! Stacked (≥ 100×30): the tree (a narrow strip at 100 columns), and on the right the run's
//! overview as a one-line header, its charts and its records, so all three show together.
//! Focusing the overview opens it in place of the header and charts.
//! ```text
//! ┌Runs───┐┌Overview─────────────────────────┐
//! │ proj  ││● running  live-…-13-18-58 · 3m │
//! │  ● ru…│└─────────────────────────────────┘
//! │       │┌Metrics──────────────────────────┐
//! │       ││ keys, then the chart            │
//! │       │└─────────────────────────────────┘
//! │       │┌Records──────────────────────────┐
//! └───────┘└─────────────────────────────────┘
//! ```
//! In both, an investigation pane (compare, diagnostics, lineage, project) as the main pane
//! takes the place of the overview and charts, above the records.
//!
//! Split (≥ 100 wide, under 30 rows): the tree and one main pane (the last focused of overview,
//! records, metrics), with tabs in its border. Single (under 100 wide, or maximised with `z`):
//! the focused pane alone, with tabs. Hiding the tree (`T`) gives its columns to the others.
//!
//! Panes are placed by their `Place` (panes/mod.rs): a region shows the main pane when it
//! belongs there, else the first pane registered for it.
//!
//! Never reads state beyond what `View` gives it; never draws.

use super::action::PaneId;
use super::panes::Place;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Area {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

impl Area {
    pub const fn new(x: u16, y: u16, w: u16, h: u16) -> Area {
        Area { x, y, w, h }
    }

    /// Inside a one-cell border.
    pub fn inner(self) -> Area {
        Area::new(
            self.x.saturating_add(1),
            self.y.saturating_add(1),
            self.w.saturating_sub(2),
            self.h.saturating_sub(2),
        )
    }

    /// The first `h` rows, and the rest.
    pub fn split_rows(self, h: u16) -> (Area, Area) {
        let h = h.min(self.h);
        (
            Area::new(self.x, self.y, self.w, h),
            Area::new(self.x, self.y + h, self.w, self.h - h),
        )
    }

    /// The first `w` columns, and the rest.
    pub fn split_cols(self, w: u16) -> (Area, Area) {
        let w = w.min(self.w);
        (
            Area::new(self.x, self.y, w, self.h),
            Area::new(self.x + w, self.y, self.w - w, self.h),
        )
    }

    pub fn contains(self, x: u16, y: u16) -> bool {
        x >= self.x
            && x < self.x.saturating_add(self.w)
            && y >= self.y
            && y < self.y.saturating_add(self.h)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Wide,
    Stacked,
    Split,
    Single,
}

/// What the layout depends on besides the size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub focus: PaneId,
    /// The last focused pane that is not the tree (what the split layout shows beside it).
    pub main: PaneId,
    /// The focused pane fills the screen (`z`).
    pub maximized: bool,
    /// The run tree is hidden (`T`); it shows again when focused.
    pub tree_hidden: bool,
}

/// Below this width the screen shows one pane at a time.
pub const MIN_SIDE_BY_SIDE: u16 = 100;
/// From this height (at `MIN_SIDE_BY_SIDE` wide) the tree, charts and records show together.
pub const MIN_STACKED_HEIGHT: u16 = 30;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screen {
    pub mode: Mode,
    pub panes: Vec<(PaneId, Area)>,
    pub status: Area,
}

impl Screen {
    pub fn area(&self, pane: PaneId) -> Option<Area> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, a)| *a)
    }

    pub fn is_visible(&self, pane: PaneId) -> bool {
        self.area(pane).is_some()
    }

    pub fn pane_at(&self, x: u16, y: u16) -> Option<(PaneId, Area)> {
        self.panes.iter().copied().find(|(_, a)| a.contains(x, y))
    }
}

fn clamp(v: u16, lo: u16, hi: u16) -> u16 {
    v.max(lo).min(hi)
}

/// The pane `place` shows: `main` when it belongs there, else the first pane registered for it.
fn occupant(place: Place, main: PaneId) -> PaneId {
    if main.place() == place {
        return main;
    }
    PaneId::ALL
        .iter()
        .copied()
        .find(|p| p.place() == place)
        .unwrap_or(main)
}

/// Lays out a `w`×`h` screen for `view`.
pub fn compute(w: u16, h: u16, view: View) -> Screen {
    let body_h = h.saturating_sub(1);
    let status = Area::new(0, body_h, w, h.min(1));
    let body = Area::new(0, 0, w, body_h);
    let main = view.main;
    if view.maximized || w < MIN_SIDE_BY_SIDE || body_h < 8 {
        return Screen {
            mode: Mode::Single,
            panes: vec![(view.focus, body)],
            status,
        };
    }
    let side = occupant(Place::Side, main);
    let tree_on = !view.tree_hidden || view.focus == side;
    let wide = w >= 140 && body_h >= 35;
    let stacked = !wide && h >= MIN_STACKED_HEIGHT;
    let tree_w = match (tree_on, wide, stacked) {
        (false, _, _) => 0,
        (true, true, _) => clamp(w / 4, 30, 48),
        // A narrow strip at 100 columns, wider as the screen grows.
        (true, false, true) => clamp(w / 4, 22, 34),
        (true, false, false) => clamp(w * 7 / 20, 24, 40),
    };
    let mut panes = Vec::new();
    if tree_w > 0 {
        panes.push((side, Area::new(0, 0, tree_w, body_h)));
    }
    let right = Area::new(tree_w, 0, w - tree_w, body_h);
    let records = occupant(Place::Records, main);
    let mode = if wide {
        Mode::Wide
    } else if stacked {
        Mode::Stacked
    } else {
        Mode::Split
    };
    match mode {
        Mode::Split | Mode::Single => {
            let main = if main == side {
                occupant(Place::Summary, main)
            } else {
                main
            };
            panes.push((main, right));
        }
        _ if main.is_investigation() => {
            // An investigation pane takes the overview's and metrics' place, taller.
            let top_h = if wide { body_h * 2 / 3 } else { body_h * 3 / 5 };
            let (top, bottom) = right.split_rows(top_h);
            panes.push((main, top));
            panes.push((records, bottom));
        }
        Mode::Wide => {
            let (top, bottom) = right.split_rows(body_h * 9 / 20);
            let (summary, chart) = top.split_cols(right.w * 9 / 20);
            panes.push((occupant(Place::Summary, main), summary));
            panes.push((occupant(Place::Chart, main), chart));
            panes.push((records, bottom));
        }
        Mode::Stacked if view.focus.place() == Place::Summary => {
            // Reading the overview: it opens in place of the header and charts.
            let (top, bottom) = right.split_rows(body_h * 9 / 20);
            panes.push((view.focus, top));
            panes.push((records, bottom));
        }
        Mode::Stacked => {
            let (header, rest) = right.split_rows(3);
            let (chart, bottom) = rest.split_rows(rest.h * 9 / 20);
            panes.push((occupant(Place::Summary, main), header));
            panes.push((occupant(Place::Chart, main), chart));
            panes.push((records, bottom));
        }
    }
    Screen {
        mode,
        panes,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(focus: PaneId) -> View {
        View {
            focus,
            main: if focus == PaneId::Tree {
                PaneId::Overview
            } else {
                focus
            },
            maximized: false,
            tree_hidden: false,
        }
    }

    const SIZES: [(u16, u16); 12] = [
        (1, 1),
        (10, 5),
        (59, 24),
        (80, 24),
        (99, 40),
        (100, 29),
        (100, 30),
        (120, 36),
        (139, 40),
        (140, 40),
        (160, 48),
        (200, 60),
    ];

    #[test]
    fn every_size_fits_the_screen_without_overlaps() {
        for (w, h) in SIZES {
            for focus in PaneId::ALL {
                for (maximized, tree_hidden) in [(false, false), (true, false), (false, true)] {
                    let v = View {
                        maximized,
                        tree_hidden,
                        ..view(*focus)
                    };
                    let s = compute(w, h, v);
                    for (i, (_, a)) in s.panes.iter().enumerate() {
                        assert!(a.x + a.w <= w && a.y + a.h <= h, "{w}x{h} {v:?}: {a:?}");
                        for (_, b) in &s.panes[i + 1..] {
                            let apart = a.x + a.w <= b.x
                                || b.x + b.w <= a.x
                                || a.y + a.h <= b.y
                                || b.y + b.h <= a.y;
                            assert!(apart, "{w}x{h} {v:?}: {a:?} overlaps {b:?}");
                        }
                    }
                    assert!(s.is_visible(*focus), "{w}x{h} {v:?}: focus hidden");
                }
            }
        }
    }

    #[test]
    fn tree_charts_and_records_show_together_from_100x30() {
        for (w, h) in [(100, 30), (120, 36), (139, 40), (140, 40), (200, 60)] {
            for focus in [PaneId::Tree, PaneId::Stream, PaneId::Metrics] {
                let s = compute(w, h, view(focus));
                for p in [PaneId::Tree, PaneId::Metrics, PaneId::Stream] {
                    assert!(s.is_visible(p), "{w}x{h} focus {focus:?}: {p:?} hidden");
                }
                // The overview is at least a header line.
                assert!(s.is_visible(PaneId::Overview), "{w}x{h}");
            }
        }
        // Below that, one pane at a time (wide but short terminals keep the tree beside it).
        assert_eq!(compute(99, 40, view(PaneId::Stream)).panes.len(), 1);
        assert_eq!(compute(80, 24, view(PaneId::Tree)).panes.len(), 1);
        assert_eq!(compute(120, 24, view(PaneId::Stream)).mode, Mode::Split);
    }

    #[test]
    fn maximise_and_hide_the_tree() {
        let max = View {
            maximized: true,
            ..view(PaneId::Metrics)
        };
        let s = compute(200, 60, max);
        assert_eq!(s.panes, vec![(PaneId::Metrics, Area::new(0, 0, 200, 59))]);
        let hidden = View {
            tree_hidden: true,
            ..view(PaneId::Stream)
        };
        for (w, h) in [(120, 36), (200, 60), (120, 24)] {
            let s = compute(w, h, hidden);
            assert!(!s.is_visible(PaneId::Tree), "{w}x{h}");
            assert!(
                s.panes.iter().any(|(_, a)| a.x == 0),
                "{w}x{h}: the right side moves left"
            );
        }
        // Focusing the tree shows it again.
        let s = compute(
            120,
            36,
            View {
                focus: PaneId::Tree,
                ..hidden
            },
        );
        assert!(s.is_visible(PaneId::Tree));
    }

    #[test]
    fn the_stacked_overview_is_a_header_until_focused() {
        let s = compute(120, 36, view(PaneId::Tree));
        assert_eq!(s.area(PaneId::Overview).map(|a| a.h), Some(3));
        let s = compute(120, 36, view(PaneId::Overview));
        assert!(s.area(PaneId::Overview).is_some_and(|a| a.h > 10));
        assert!(!s.is_visible(PaneId::Metrics));
        assert!(s.is_visible(PaneId::Stream));
    }
}
