//! Several series on one chart, one colour each (the caller's, e.g. each run's own), step on
//! x, with a legend on a row of its own above the plot (never over a line): the compare pane's
//! overlay of one metric across runs. The series arrive reduced to the chart's width; the x
//! axis spans the whole series (their first and last steps), not whichever points survived.
//!
//! Draws only; never changes state. Non-finite values are left out (a gap, never a zero).

use super::line_plot::{Plot, padded};
use super::text::{clean, num};
use crate::query::{SeriesLine, XBy};
use crate::tui::theme::{Role, Theme};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

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
    let style = |i: usize| styles.get(i).copied().unwrap_or_else(|| t.line(i));
    let data: Vec<(Vec<(f64, f64)>, Style)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let pts = l
                .points
                .iter()
                .filter(|p| p.value.is_finite())
                .map(|p| (p.step as f64, p.value))
                .collect();
            (pts, style(i))
        })
        .collect();
    let x = lines
        .iter()
        .filter_map(|l| l.extent(XBy::Step))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let y = data
        .iter()
        .flat_map(|(p, _)| p.iter().map(|p| p.1))
        .fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
        });
    let (Some((x0, x1)), Some(y)) = (x, y) else {
        return false;
    };
    if area.height < 4 || area.width < 10 {
        return false;
    }
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let (y0, y1) = padded(y);
    let mut legend = Vec::new();
    for (i, name) in names.iter().enumerate().take(lines.len()) {
        legend.push(Span::styled("━ ", style(i)));
        legend.push(Span::styled(clean(name), style(i)));
        legend.push(Span::raw("  "));
    }
    Line::from(legend).render(Rect::new(area.x, area.y, area.width, 1), buf);
    let step = |v: f64| format!("{}", v.round() as i64);
    Plot {
        lines: &data,
        x: (x0, x1),
        y: (y0, y1),
        x_labels: Some([step(x0), step((x0 + x1) / 2.0), step(x1)]),
        y_labels: vec![num(y0), num((y0 + y1) / 2.0), num(y1)],
        axis: t.get(Role::Axis),
        cursor: None,
    }
    .render(
        Rect::new(area.x, area.y + 1, area.width, area.height - 1),
        buf,
    );
    true
}
