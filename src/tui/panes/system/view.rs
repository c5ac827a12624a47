//! The system view: one small chart per quantity, tiled as many as fit, each with its label,
//! its latest value, and its own y axis (from zero, up to its limit when one was recorded:
//! the machine's memory for RSS and system memory, the GPU's for GPU memory, 100 for a
//! percentage), time on x, shared by all charts.
//! ```text
//! ┌ System 4m10s · 126 samples ───────────────────────────────────────────┐
//! │CPU (process tree)            98.0 %  RSS (process tree)         812 MB │
//! │128│⠀⠀⠀⣀⡠⠤⠒⠒⠉⠉⠉⠉⠒⠒⠤⠤⣀⣀⠀⠀⠀⠀⠀⠀  31.2 GB│⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀ │
//! ```
//! Reads the pane only; a non-finite value is a gap, never a zero.

use super::{CHART_H, SystemPane, grid};
use crate::model::format_duration;
use crate::query::SystemChart;
use crate::tui::context::Shared;
use crate::tui::layout::Area;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, rect, title_span};
use crate::tui::widgets::text::{clean, count, fit, pad_end, reading};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

/// What the pane says for a run that has no `system.*` metrics.
pub const NO_SYSTEM_METRICS: &str =
    "no system metrics: this run was not started with `contexta run`";

impl PaneView for SystemPane {
    fn render(
        &self,
        _shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let state = self;
        let t = ctx.theme;
        let mut title = vec![title_span("System", focused, ctx)];
        let d = &state.data;
        if !d.charts.is_empty() {
            title.push(Span::styled(
                format!(
                    "{} · {} samples ",
                    format_duration(d.span_s),
                    count(d.samples)
                ),
                t.get(Role::Dim),
            ));
        }
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let empty = d.charts.is_empty().then_some(NO_SYSTEM_METRICS);
        if not_ready(&state.load, empty, ctx, inner, buf) {
            return;
        }
        let grid_area = Area::new(inner.x, inner.y, inner.width, inner.height);
        let (cols, rows, w) = grid(grid_area);
        let first = state.top_row * cols;
        for (i, chart) in d.charts.iter().enumerate().skip(first).take(cols * rows) {
            let slot = i - first;
            let (col, row) = ((slot % cols) as u16, (slot / cols) as u16);
            let y = inner.y + row * CHART_H;
            let h = CHART_H.min(inner.y + inner.height - y);
            // A column between charts, except after the last.
            let cw = if col as usize + 1 == cols {
                inner.width - col * w
            } else {
                w - 1
            };
            one_chart(chart, d.span_s, ctx, rect(Area::new(inner.x + col * w, y, cw, h)), buf);
        }
        // More charts below or above: say so on the frame's bottom edge.
        let total_rows = d.charts.len().div_ceil(cols);
        if total_rows > rows {
            let hint = format!(
                " charts {}–{} of {} · j/k ",
                first + 1,
                (first + cols * rows).min(d.charts.len()),
                d.charts.len()
            );
            let hw = hint.chars().count() as u16;
            if area.width > hw + 4 {
                Line::from(Span::styled(hint, t.get(Role::Dim))).render(
                    Rect::new(area.x + area.width - hw - 2, area.y + area.height - 1, hw, 1),
                    buf,
                );
            }
        }
    }
}

/// The y range a chart shows: from zero (or its lowest value, if negative) to its limit, or a
/// little above its highest value.
fn y_range(c: &SystemChart) -> (f64, f64) {
    let lo = if c.min.is_finite() { c.min.min(0.0) } else { 0.0 };
    let hi = match c.limit {
        Some(l) if l.is_finite() && l >= c.max => l,
        _ if c.max.is_finite() && c.max > lo => c.max * 1.05,
        _ => lo + 1.0,
    };
    (lo, hi)
}

fn one_chart(c: &SystemChart, span_s: f64, ctx: &RenderCtx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    if area.height == 0 || area.width < 8 {
        return;
    }
    let unit = c.quantity.unit;
    let latest = reading(c.latest, unit);
    let label_w = (area.width as usize).saturating_sub(latest.chars().count() + 1);
    Line::from(vec![
        Span::styled(
            pad_end(&fit(&clean(&c.quantity.label), label_w), label_w + 1),
            t.get(Role::Key),
        ),
        Span::styled(latest, t.get(Role::Value)),
    ])
    .render(Rect::new(area.x, area.y, area.width, 1), buf);
    if area.height < 3 {
        return;
    }
    let plot = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let (y0, y1) = y_range(c);
    let data: Vec<(f64, f64)> = c
        .points
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite())
        .collect();
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(t.get(Role::Line0))
        .data(&data);
    Chart::new(vec![dataset])
        .x_axis(Axis::default().bounds([0.0, span_s.max(1e-9)]))
        .y_axis(
            Axis::default()
                .style(t.get(Role::Axis))
                .bounds([y0, y1])
                .labels([reading(y0, ""), reading(y1, unit)]),
        )
        .render(plot, buf);
}
