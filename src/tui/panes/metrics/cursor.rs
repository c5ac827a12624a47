//! The full-size chart's x view: the range shown (all of it, or a part zoomed with `[`/`]` and
//! panned with `H`/`L`) and the cursor (`h`/`l`), a vertical line whose step, time and values
//! the chart reads out. In the units of the x axis (steps, or seconds since each run's start).
//!
//! Pure: arithmetic over the data's extent.

use crate::query::Point;
use crate::tui::action::Zoom;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct XView {
    /// The range shown; `None` is the data's whole extent.
    pub range: Option<(f64, f64)>,
    pub cursor: Option<f64>,
}

/// The narrowest range `[` zooms to: a few steps, or a fraction of the extent.
fn min_width(extent: (f64, f64)) -> f64 {
    ((extent.1 - extent.0) / 1e6).max(4.0_f64.min(extent.1 - extent.0).max(1e-6))
}

/// `r` moved (not resized) to lie inside `extent` as far as it can.
fn inside((a, b): (f64, f64), extent: (f64, f64)) -> (f64, f64) {
    let w = (b - a).min(extent.1 - extent.0);
    let a = a.max(extent.0).min(extent.1 - w);
    (a, a + w)
}

impl XView {
    /// The x range on screen.
    pub fn shown(&self, extent: (f64, f64)) -> (f64, f64) {
        self.range.unwrap_or(extent)
    }

    /// `h`/`l`: the cursor moves one `cells`-th of the range (one terminal column); it appears
    /// at the range's left end on a first `l` (at its right end on a first `h`), and stays
    /// inside the range.
    pub fn move_cursor(&mut self, extent: (f64, f64), right: bool, cells: usize) {
        let (a, b) = self.shown(extent);
        let step = (b - a) / cells.max(1) as f64;
        let at = match self.cursor {
            None if right => a,
            None => b,
            Some(c) if right => c + step,
            Some(c) => c - step,
        };
        self.cursor = Some(at.clamp(a, b));
    }

    /// `H`/`L`: the range moves a quarter of its width, the cursor with it.
    pub fn pan(&mut self, extent: (f64, f64), right: bool) {
        let (a, b) = self.shown(extent);
        let d = (b - a) / 4.0 * if right { 1.0 } else { -1.0 };
        let (na, nb) = inside((a + d, b + d), extent);
        self.set_range((na, nb), extent);
        if let Some(c) = self.cursor {
            self.cursor = Some((c + (na - a)).clamp(na, nb));
        }
    }

    /// `[` halves the range around the cursor (or its middle), `]` doubles it, `=` shows all.
    pub fn zoom(&mut self, extent: (f64, f64), z: Zoom) {
        let (a, b) = self.shown(extent);
        let centre = self.cursor.unwrap_or((a + b) / 2.0);
        let half = match z {
            Zoom::In => ((b - a) / 4.0).max(min_width(extent) / 2.0),
            Zoom::Out => b - a,
            Zoom::Reset => {
                self.range = None;
                return;
            }
        };
        let r = inside((centre - half, centre + half), extent);
        self.set_range(r, extent);
        if let Some(c) = self.cursor {
            let (a, b) = self.shown(extent);
            self.cursor = Some(c.clamp(a, b));
        }
    }

    fn set_range(&mut self, r: (f64, f64), extent: (f64, f64)) {
        self.range = (r.0 > extent.0 || r.1 < extent.1).then_some(r);
    }
}

/// The point of `points` nearest `at` on x (`None` when there are none).
pub fn nearest(points: &[Point], x: impl Fn(&Point) -> f64, at: f64) -> Option<Point> {
    points
        .iter()
        .filter(|p| p.value.is_finite())
        .min_by(|p, q| (x(p) - at).abs().total_cmp(&(x(q) - at).abs()))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTENT: (f64, f64) = (0.0, 49_999.0);

    #[test]
    fn cursor_enters_from_the_side_it_moves_from_and_stays_inside() {
        let mut v = XView::default();
        v.move_cursor(EXTENT, true, 100);
        assert_eq!(v.cursor, Some(0.0));
        v.move_cursor(EXTENT, false, 100);
        assert_eq!(v.cursor, Some(0.0), "never left of the range");
        v.move_cursor(EXTENT, true, 100);
        assert!((v.cursor.unwrap() - 499.99).abs() < 1e-6);
        let mut v = XView::default();
        v.move_cursor(EXTENT, false, 100);
        assert_eq!(v.cursor, Some(49_999.0), "a first h starts at the latest point");
        v.move_cursor(EXTENT, true, 100);
        assert_eq!(v.cursor, Some(49_999.0), "never right of the range");
    }

    #[test]
    fn zoom_narrows_around_the_cursor_pans_and_resets() {
        let mut v = XView {
            range: None,
            cursor: Some(10_000.0),
        };
        v.zoom(EXTENT, Zoom::In);
        assert_eq!(v.range, Some((0.0, 24_999.5)));
        v.zoom(EXTENT, Zoom::In);
        let (a, b) = v.range.unwrap();
        assert!((a - 3_750.125).abs() < 1e-6 && (b - 16_249.875).abs() < 1e-6, "{a} {b}");
        assert_eq!(v.cursor, Some(10_000.0));
        v.pan(EXTENT, true);
        let (a2, _) = v.range.unwrap();
        assert!(a2 > a);
        assert!(v.cursor.unwrap() > 10_000.0);
        // Panning never leaves the data.
        for _ in 0..20 {
            v.pan(EXTENT, true);
        }
        assert_eq!(v.range.unwrap().1, 49_999.0);
        v.zoom(EXTENT, Zoom::Out);
        v.zoom(EXTENT, Zoom::Out);
        assert_eq!(v.range, None, "widened past the data: everything");
        v.zoom(EXTENT, Zoom::In);
        v.zoom(EXTENT, Zoom::Reset);
        assert_eq!(v.range, None);
        // Zoom stops at a few steps.
        for _ in 0..40 {
            v.zoom(EXTENT, Zoom::In);
        }
        let (a, b) = v.range.unwrap();
        assert!(b - a >= 4.0 - 1e-9, "{a} {b}");
    }
}
