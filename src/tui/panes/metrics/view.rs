//! Draws the metrics pane: the title (keys, filter), then the chart grid (a small chart per key
//! with its own y axis and latest value, the selected one highlighted) or the full-size chart
//! (`view_chart.rs`).
//!
//! Reads the pane only; the series are already cut and reduced by the worker.

use super::view_chart::{render_full, xy, y_bounds};
use super::{MetricsPane, Mode, grid_cell, group, per_page};
use crate::query::SeriesLine;
use crate::tui::context::{Load, Shared};
use crate::tui::layout::Area;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, rect, title_span};
use crate::tui::widgets::line_plot::{Plot, padded};
use crate::tui::widgets::text::{clean, fit, fit_end, num};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

impl PaneView for MetricsPane {
    fn render(
        &self,
        shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let state = self;
        let mut title = vec![title_span("Metrics", focused, ctx)];
        if !state.keys.is_empty() {
            title.push(Span::styled(
                format!("{} keys ", state.keys.len()),
                ctx.theme.get(Role::Dim),
            ));
        }
        if !state.filter.is_empty() {
            title.push(Span::styled(
                format!("/{} ", clean(&fit(&state.filter, 16))),
                ctx.theme.get(Role::Key),
            ));
        }
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let keys = state.visible_keys();
        let empty = if state.keys.is_empty() {
            Some("this run has no metrics yet")
        } else if let Some(e) = state.matcher.error() {
            Some(e)
        } else if keys.is_empty() {
            Some("no metric matches the filter (Esc clears it; ? says how to write one)")
        } else {
            None
        };
        if not_ready(&state.load, empty, ctx, inner, buf) {
            return;
        }
        let inner = Area::new(inner.x, inner.y, inner.width, inner.height);
        match state.mode {
            Mode::Grid => render_grid(state, shared, focused, ctx, inner, buf),
            Mode::Full => render_full(state, shared, ctx, inner, buf),
        }
    }
}

fn render_grid(
    state: &MetricsPane,
    shared: &Shared,
    focused: bool,
    ctx: &RenderCtx<'_>,
    inner: Area,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let per = per_page(inner);
    let (page, pages) = state.page(per);
    let keys = state.page_keys(per);
    // Header: where we are, and the groups this page shows.
    let mut groups: Vec<&str> = keys.iter().map(|k| group(&k.key)).collect();
    groups.dedup();
    let groups: Vec<String> = groups
        .iter()
        .map(|g| if g.is_empty() { "(no prefix)".into() } else { clean(g) })
        .collect();
    let header = format!(
        "page {}/{pages} · {} · Enter full size · PgUp/PgDn",
        page + 1,
        groups.join(" ")
    );
    Line::from(Span::styled(
        fit(&header, inner.w as usize),
        t.get(Role::Dim),
    ))
    .render(Rect::new(inner.x, inner.y, inner.w, 1), buf);
    let load = match (&state.grid_load, state.grid.is_empty()) {
        // A reload (a live run, a new width) keeps the charts on screen until it lands.
        (Load::Loading, false) => Load::Ready,
        (l, _) => l.clone(),
    };
    let body = Rect::new(inner.x, inner.y + 1, inner.w, inner.h.saturating_sub(1));
    if not_ready(&load, None, ctx, body, buf) {
        return;
    }
    for (i, k) in keys.iter().enumerate() {
        let cell = grid_cell(inner, i);
        if cell.h < 2 {
            continue;
        }
        let selected = state.selected.as_ref() == Some(&k.key);
        // Title: pin mark, key (its end kept), latest value on the right.
        let value = num(k.last);
        let pin = if state.pinned.contains(&k.key) { "◆" } else { " " };
        let key_w = (cell.w as usize).saturating_sub(value.chars().count() + 3);
        let mut title_style = Style::default();
        if selected {
            title_style = t.selection(focused);
        }
        let title = Rect::new(cell.x, cell.y, cell.w.saturating_sub(1), 1);
        buf.set_style(title, title_style);
        let key = clean(&fit_end(&k.key, key_w));
        let gap = (title.width as usize).saturating_sub(key.chars().count() + value.len() + 1);
        Line::from(vec![
            Span::styled(pin, t.get(Role::Mark)),
            Span::styled(key, t.get(Role::Key)),
            Span::raw(" ".repeat(gap)),
            Span::styled(value, t.get(Role::Value)),
        ])
        .style(title_style)
        .render(title, buf);
        let lines: Vec<&SeriesLine> = state.grid.iter().filter(|l| l.key == k.key).collect();
        let plot = Rect::new(cell.x, cell.y + 1, cell.w.saturating_sub(1), cell.h - 1);
        draw_cell(state, shared, ctx, &lines, plot, buf);
    }
}

/// One small chart: the key's line for the run (and each marked run, in its colour), its own
/// y axis (min and max shown), no x labels.
fn draw_cell(
    state: &MetricsPane,
    shared: &Shared,
    ctx: &RenderCtx<'_>,
    lines: &[&SeriesLine],
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let x = lines
        .iter()
        .filter_map(|l| l.extent(state.x_by))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let Some((x0, x1)) = x else {
        Line::from(Span::styled("no points", t.get(Role::Empty))).render(area, buf);
        return;
    };
    let mut data = Vec::new();
    for l in lines {
        // Each run in the colour it has everywhere (tree marker, overlay, compare).
        push_line(state, l, t.run(shared.run_colour(&l.run)), &mut data);
    }
    let Some((y0, y1)) = y_bounds(&data) else {
        Line::from(Span::styled(
            "no finite points (log scale hides values ≤ 0)",
            t.get(Role::Empty),
        ))
        .render(area, buf);
        return;
    };
    let (y0, y1) = padded((y0, y1));
    let label = |v: f64| num(if state.log_y { 10f64.powf(v) } else { v });
    Plot {
        lines: &data,
        x: (x0, if x1 > x0 { x1 } else { x0 + 1.0 }),
        y: (y0, y1),
        x_labels: None,
        y_labels: vec![label(y0), label(y1)],
        axis: t.get(Role::Axis),
        cursor: None,
    }
    .render(rect(Area::new(area.x, area.y, area.width, area.height)), buf);
}

/// A line's drawable points: the raw line (faint when smoothing), then the smoothed one.
pub(super) fn push_line(
    state: &MetricsPane,
    l: &SeriesLine,
    style: Style,
    out: &mut Vec<(Vec<(f64, f64)>, Style)>,
) {
    if l.smooth.is_empty() {
        out.push((xy(l, &l.points, state), style));
    } else {
        out.push((
            xy(l, &l.points, state),
            style.add_modifier(Modifier::DIM).remove_modifier(Modifier::BOLD),
        ));
        out.push((xy(l, &l.smooth, state), style));
    }
}
