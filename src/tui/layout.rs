//! Screen regions, computed from the terminal size and which pane is focused. Pure arithmetic on
//! its own `Area` type, so the reducer can size pages and hit-test mouse clicks with exactly the
//! geometry render draws.
//!
//! Wide (≥ 140×36): every pane at once.
//! ```text
//! ┌Runs──────┐┌Overview────────┐┌Metrics──────────────┐
//! │ project  ││ status, timing ││ key  ▁▂▅▇ last min  │
//! │  ● run   ││ stage bars     ││ chart               │
//! │    stage ││ params, prov.  ││                     │
//! │          │└────────────────┘└─────────────────────┘
//! │          │┌Records─────────────────────────────────┐
//! │          ││ 09:00:05 event info  prepare  message  │
//! └──────────┘└────────────────────────────────────────┘
//!  status bar (or the : / prompt)
//! ```
//! Wide with an investigation pane (compare, diagnostics, lineage, project) as the main pane: it
//! takes the overview's and metrics' place, two thirds of the height, above the records.
//!
//! Narrow (≥ 60 wide): the tree and one main pane (the last focused of overview, records,
//! metrics), with tabs in its title. Tiny (< 60 wide or < 8 rows): the focused pane alone.
//!
//! Panes are placed by their `Place` (panes/mod.rs): a region shows the main pane when it
//! belongs there, else the first pane registered for it.
//!
//! Never reads state beyond the two panes it is given; never draws.

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
    Narrow,
    Tiny,
}

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

/// Lays out a `w`×`h` screen with `focus` focused and `main` as the narrow layout's right pane.
pub fn compute(w: u16, h: u16, focus: PaneId, main: PaneId) -> Screen {
    let body_h = h.saturating_sub(1);
    let status = Area::new(0, body_h, w, h.min(1));
    let body = Area::new(0, 0, w, body_h);
    if w < 60 || body_h < 8 {
        return Screen {
            mode: Mode::Tiny,
            panes: vec![(focus, body)],
            status,
        };
    }
    if w >= 140 && body_h >= 35 {
        let tree_w = clamp(w / 4, 30, 48);
        let right_x = tree_w;
        let right_w = w - tree_w;
        if main.is_investigation() {
            // An investigation pane takes the overview's and metrics' place, taller.
            let top_h = body_h * 2 / 3;
            return Screen {
                mode: Mode::Wide,
                panes: vec![
                    (occupant(Place::Side, main), Area::new(0, 0, tree_w, body_h)),
                    (main, Area::new(right_x, 0, right_w, top_h)),
                    (
                        occupant(Place::Records, main),
                        Area::new(right_x, top_h, right_w, body_h - top_h),
                    ),
                ],
                status,
            };
        }
        let top_h = body_h * 9 / 20;
        let ov_w = right_w * 9 / 20;
        return Screen {
            mode: Mode::Wide,
            panes: vec![
                (occupant(Place::Side, main), Area::new(0, 0, tree_w, body_h)),
                (
                    occupant(Place::Summary, main),
                    Area::new(right_x, 0, ov_w, top_h),
                ),
                (
                    occupant(Place::Chart, main),
                    Area::new(right_x + ov_w, 0, right_w - ov_w, top_h),
                ),
                (
                    occupant(Place::Records, main),
                    Area::new(right_x, top_h, right_w, body_h - top_h),
                ),
            ],
            status,
        };
    }
    let tree_w = clamp(w * 7 / 20, 24, 40);
    let side = occupant(Place::Side, main);
    let main = if main == side {
        occupant(Place::Summary, main)
    } else {
        main
    };
    Screen {
        mode: Mode::Narrow,
        panes: vec![
            (side, Area::new(0, 0, tree_w, body_h)),
            (main, Area::new(tree_w, 0, w - tree_w, body_h)),
        ],
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_fits_the_screen() {
        for (w, h) in [
            (1, 1),
            (10, 5),
            (59, 24),
            (80, 24),
            (139, 40),
            (160, 48),
            (200, 60),
        ] {
            let s = compute(w, h, PaneId::Stream, PaneId::Stream);
            for (_, a) in &s.panes {
                assert!(a.x + a.w <= w && a.y + a.h <= h, "{w}x{h}: {a:?}");
            }
            assert!(s.is_visible(PaneId::Stream));
        }
    }
}
