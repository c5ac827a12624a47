//! Several series on one chart, one colour each (the caller's, e.g. each run's own), step on
//! x, with a legend: the compare pane's overlay of one metric across runs. The series arrive downsampled to the chart's width.
//!
//! Draws only; never changes state. Non-finite values are left out (a gap, never a zero).

use super::text::{clean, num};
use crate::query::SeriesLine;
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Widget};

/// Draws `lines` (named by `names` and drawn in `styles`, aligned) into `area`; false when
/// nothing is plottable.
pub fn render(
    lines: &[SeriesLine],
    names: &[String],
    styles: &[Style],
    t: &Theme,
    area: Rect,
    buf: &mut Buffer,
) -> bool {
    let data: Vec<Vec<(f64, f64)>> = lines
        .iter()
        .map(|l| {
            l.points
                .iter()
                .filter(|p| p.value.is_finite())
                .map(|p| (p.step as f64, p.value))
                .collect()
        })
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in data.iter().flatten() {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if x0 > x1 || area.height < 3 || area.width < 10 {
        return false;
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad_y = ((y1 - y0) * 0.05).max(1e-9);
    let (y0, y1) = (y0 - pad_y, y1 + pad_y);
    let datasets: Vec<Dataset<'_>> = data
        .iter()
        .enumerate()
        .map(|(i, pts)| {
            Dataset::default()
                .name(clean(names.get(i).map_or("", String::as_str)))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(styles.get(i).copied().unwrap_or_else(|| t.line(i)))
                .data(pts)
        })
        .collect();
    let step = |v: f64| format!("{}", v.round() as i64);
    Chart::new(datasets)
        .x_axis(
            Axis::default()
                .style(t.get(Role::Axis))
                .bounds([x0, x1])
                .labels([step(x0), step((x0 + x1) / 2.0), step(x1)]),
        )
        .y_axis(
            Axis::default()
                .style(t.get(Role::Axis))
                .bounds([y0, y1])
                .labels([num(y0), num((y0 + y1) / 2.0), num(y1)]),
        )
        .legend_position(Some(LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(60)))
        .render(area, buf);
    true
}
