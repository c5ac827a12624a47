//! The chart grid's geometry: how many small charts fit the pane, where each goes, and how
//! many braille columns each plot has (what the worker reduces each series to). Shared by the
//! reducer (paging, what to load) and the view (where to draw), so both agree.
//!
//! Pure arithmetic over areas.

use crate::tui::layout::Area;

/// The narrowest a small chart gets: a y label, a plot worth reading, and a title.
const CELL_MIN_W: u16 = 30;
/// A title row and five rows of plot (the last is the x axis line).
const CELL_H: u16 = 7;
/// Room the y labels and axis line take left of a plot (as ratatui's chart lays them out).
pub const Y_LABELS: u16 = 9;

/// Columns and rows of small charts in a pane's inner area (its first row is the header).
pub fn shape(inner: Area) -> (usize, usize) {
    let h = inner.h.saturating_sub(1);
    let cols = (inner.w / CELL_MIN_W).max(1) as usize;
    let rows = (h / CELL_H).max(1) as usize;
    (cols, rows)
}

/// Charts on a page.
pub fn per_page(inner: Area) -> usize {
    let (c, r) = shape(inner);
    c * r
}

/// The area of the `i`-th chart of a page, left to right then top to bottom; the page's
/// cells share the width and height evenly.
pub fn cell(inner: Area, i: usize) -> Area {
    let (cols, rows) = shape(inner);
    let h = inner.h.saturating_sub(1);
    let (col, row) = ((i % cols) as u16, (i / cols) as u16);
    let (cw, ch) = (inner.w / cols as u16, (h / rows as u16).max(1));
    // The last column and row take the remainder so the grid fills the pane.
    let w = if col as usize == cols - 1 {
        inner.w - cw * col
    } else {
        cw
    };
    let rh = if row as usize == rows - 1 {
        h.saturating_sub(ch * row)
    } else {
        ch
    };
    Area::new(inner.x + cw * col, inner.y + 1 + ch * row, w, rh.min(h))
}

/// Braille columns (two per cell) of a plot `w` cells wide, labels included.
pub fn plot_columns(w: u16) -> usize {
    2 * w.saturating_sub(Y_LABELS).max(4) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_tile_the_pane() {
        let inner = Area::new(1, 1, 118, 30);
        let (cols, rows) = shape(inner);
        assert_eq!((cols, rows), (3, 4));
        assert_eq!(per_page(inner), 12);
        let last = cell(inner, 11);
        assert_eq!(last.x + last.w, inner.x + inner.w);
        assert_eq!(last.y + last.h, inner.y + inner.h);
        assert_eq!(cell(inner, 0).y, inner.y + 1);
        // A pane too small for one chart still shows one.
        assert_eq!(per_page(Area::new(0, 0, 20, 4)), 1);
    }
}
