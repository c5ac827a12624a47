//! A braille line plot: lines of (x, y) in their own styles over given x and y bounds, with
//! labels on both axes (or none on x, for the small charts of a grid) and an optional cursor,
//! a vertical line at an x. No legend inside the plot: callers put it on a row of its own, so
//! it never covers data. The lines arrive reduced to the plot's width (two points at most per
//! braille column), so drawing costs the width, not the series' length.
//!
//! Draws only.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

pub struct Plot<'a> {
    /// Each line's points and style, drawn in order (later on top).
    pub lines: &'a [(Vec<(f64, f64)>, Style)],
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// Labels under the x axis (left, middle, right), or none.
    pub x_labels: Option<[String; 3]>,
    /// Labels left of the y axis, bottom to top.
    pub y_labels: Vec<String>,
    pub axis: Style,
    /// A vertical line at this x, in this style.
    pub cursor: Option<(f64, Style)>,
}

/// `lo..hi` with a margin so lines do not sit on the frame; a flat line gets a range of a
/// tenth of its value either side (so its labels differ and it sits in the middle).
pub fn padded((lo, hi): (f64, f64)) -> (f64, f64) {
    let flat = hi - lo <= lo.abs().max(hi.abs()) * 1e-12;
    let pad = if flat {
        (lo.abs() * 0.1).max(1e-9)
    } else {
        (hi - lo) * 0.05
    };
    (lo - pad, hi + pad)
}

impl Plot<'_> {
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.width < 4 || area.height < 2 {
            return;
        }
        let cursor_pts = self.cursor.map(|(x, _)| [(x, self.y.0), (x, self.y.1)]);
        let mut sets: Vec<Dataset<'_>> = self
            .lines
            .iter()
            .map(|(pts, style)| {
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(*style)
                    .data(pts)
            })
            .collect();
        if let (Some(pts), Some((_, style))) = (&cursor_pts, self.cursor) {
            sets.push(
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(style)
                    .data(pts),
            );
        }
        let mut x_axis = Axis::default()
            .style(self.axis)
            .bounds([self.x.0, self.x.1]);
        if let Some(l) = &self.x_labels {
            x_axis = x_axis.labels(l.clone());
        }
        Chart::new(sets)
            .x_axis(x_axis)
            .y_axis(
                Axis::default()
                    .style(self.axis)
                    .bounds([self.y.0, self.y.1])
                    .labels(self.y_labels.clone()),
            )
            .legend_position(None)
            .render(area, buf);
    }
}
