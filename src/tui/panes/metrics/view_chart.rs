//! Draws the full-size chart: a header (keys and options), a legend on its own row (never over
//! data), the plot with x labels that are the data's own steps or times, the cursor line, and a
//! readout row: the step and time under the cursor and each line's value there.
//!
//! Reads the pane only.

use super::view::push_line;
use super::{MetricsPane, Smoothing, XBy};
use crate::model::{Timestamp, format_duration};
use crate::query::{Point, SeriesLine};
use crate::tui::context::{Load, Shared};
use crate::tui::layout::Area;
use crate::tui::theme::Role;
use crate::tui::view::{RenderCtx, not_ready};
use crate::tui::widgets::line_plot::{Plot, padded};
use crate::tui::widgets::text::{clean, clock, count, fit, fit_end, num};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// A line's points as (x, y) on the chart's axes (log10 of y on a log scale; values ≤ 0 and
/// non-finite ones left out: a gap, never a zero).
pub(super) fn xy(line: &SeriesLine, pts: &[Point], state: &MetricsPane) -> Vec<(f64, f64)> {
    let t0 = line.t0();
    pts.iter()
        .filter(|p| p.value.is_finite() && (!state.log_y || p.value > 0.0))
        .map(|p| {
            let y = if state.log_y {
                p.value.log10()
            } else {
                p.value
            };
            (state.x_by.x(p, t0), y)
        })
        .collect()
}

/// The y range of everything drawn.
pub(super) fn y_bounds(data: &[(Vec<(f64, f64)>, Style)]) -> Option<(f64, f64)> {
    data.iter()
        .flat_map(|(pts, _)| pts.iter().map(|p| p.1))
        .fold(None, |acc, y| match acc {
            None => Some((y, y)),
            Some((a, b)) => Some((f64::min(a, y), f64::max(b, y))),
        })
}

/// An x value as its label: a step, or a duration since the run's start.
pub fn x_label(by: XBy, v: f64) -> String {
    match by {
        XBy::Step => format!("{}", v.round() as i64),
        XBy::Time => format_duration(v),
    }
}

/// The name of line `i` in the legend and readout: the key, and the run when runs overlay.
fn line_name(l: &SeriesLine, runs: bool, keys: bool) -> String {
    match (runs, keys) {
        (true, true) => format!("{} {}", fit_end(l.run.last(), 14), l.key),
        (true, false) => fit_end(l.run.last(), 18),
        _ => l.key.clone(),
    }
}

pub(super) fn render_full(
    state: &MetricsPane,
    shared: &Shared,
    ctx: &RenderCtx<'_>,
    area: Area,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let mut opts = Vec::new();
    match (state.rank, &state.ranks) {
        (Some(r), _) => opts.push(format!("rank {r}")),
        (None, Some(ranks)) if !ranks.is_empty() => opts.push("all ranks".into()),
        _ => {}
    }
    match state.smoothing {
        Smoothing::Off => {}
        s => opts.push(format!("ema {}", s.alpha().unwrap_or_default())),
    }
    if state.log_y {
        opts.push("log".into());
    }
    opts.push(match state.x_by {
        XBy::Step => "x step".into(),
        XBy::Time => "x time".into(),
    });
    if let (Some(_), Some((a, b))) = (state.view.range, state.shown()) {
        opts.push(format!(
            "x {}–{}",
            x_label(state.x_by, a),
            x_label(state.x_by, b)
        ));
    }
    let header = Line::from(vec![
        Span::styled(
            clean(&fit(&state.chart_keys().join(", "), area.w as usize / 2)),
            t.get(Role::Label),
        ),
        Span::styled(format!("  {}", opts.join(" · ")), t.get(Role::Dim)),
    ]);
    header.render(Rect::new(area.x, area.y, area.w, 1), buf);
    let body = Rect::new(area.x, area.y + 1, area.w, area.h.saturating_sub(1));
    let empty = state
        .series
        .iter()
        .all(|l| l.total == 0)
        .then_some("no points to chart");
    let load = match (&state.series_load, state.series.is_empty()) {
        (Load::Loading, false) => Load::Ready,
        (l, _) => l.clone(),
    };
    if not_ready(&load, empty, ctx, body, buf) {
        return;
    }
    let Some((x0, x1)) = state.shown() else {
        not_ready(&Load::Ready, Some("no points to chart"), ctx, body, buf);
        return;
    };
    // Several runs overlaid: each in its own colour (the one it has everywhere); one run's
    // several keys: a colour per line.
    let first = state.series.first().map(|l| &l.run);
    let runs = state.series.iter().any(|l| Some(&l.run) != first);
    let keys = state.chart_keys().len() > 1;
    let styles: Vec<Style> = state
        .series
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if runs || !keys {
                t.run(shared.run_colour(&l.run))
            } else {
                t.line(i)
            }
        })
        .collect();
    let mut data = Vec::new();
    for (l, st) in state.series.iter().zip(&styles) {
        push_line(state, l, *st, &mut data);
    }
    let Some(y) = y_bounds(&data) else {
        not_ready(
            &Load::Ready,
            Some("no finite points in range (log scale hides values ≤ 0)"),
            ctx,
            body,
            buf,
        );
        return;
    };
    let (y0, y1) = padded(y);
    let mut top = body.y;
    // The legend: a row of its own above the plot, so it never covers a line.
    if runs || keys {
        let mut spans = Vec::new();
        for (l, st) in state.series.iter().zip(&styles) {
            spans.push(Span::styled("━ ", *st));
            spans.push(Span::styled(
                clean(&line_name(l, runs, keys)),
                *st,
            ));
            spans.push(Span::styled(
                format!(" ({})  ", count(l.total as u64)),
                t.get(Role::Dim),
            ));
        }
        Line::from(spans).render(Rect::new(body.x, top, body.width, 1), buf);
        top += 1;
    }
    let bottom = body.y + body.height;
    // The readout (or the keys that make one) on the last row.
    let readout_y = bottom.saturating_sub(1);
    render_readout(state, &styles, runs, keys, ctx, Rect::new(body.x, readout_y, body.width, 1), buf);
    let plot_h = readout_y.saturating_sub(top);
    if plot_h < 3 {
        return;
    }
    let label = |v: f64| num(if state.log_y { 10f64.powf(v) } else { v });
    Plot {
        lines: &data,
        x: (x0, x1),
        y: (y0, y1),
        x_labels: Some([
            x_label(state.x_by, x0),
            x_label(state.x_by, (x0 + x1) / 2.0),
            x_label(state.x_by, x1),
        ]),
        y_labels: vec![label(y0), label((y0 + y1) / 2.0), label(y1)],
        axis: t.get(Role::Axis),
        cursor: state.view.cursor.map(|c| (c, t.get(Role::Label))),
    }
    .render(Rect::new(body.x, top, body.width, plot_h), buf);
}

fn render_readout(
    state: &MetricsPane,
    styles: &[Style],
    runs: bool,
    keys: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let Some(r) = state.readout() else {
        Line::from(Span::styled(
            fit(
                "h/l cursor · [ ] narrow/widen · H/L pan · = all · Esc grid",
                area.width as usize,
            ),
            t.get(Role::Dim),
        ))
        .render(area, buf);
        return;
    };
    let mut spans = vec![Span::styled("│ ", t.get(Role::Label))];
    // Step and time of the first line's point under the cursor: the data's own, not the
    // cursor's interpolated x.
    match r.values.first() {
        Some((i, p)) => {
            let since = state.series.get(*i).map_or(0, SeriesLine::t0);
            spans.push(Span::styled(
                format!(
                    "step {} · +{} · {} ",
                    p.step,
                    format_duration((p.at - since) as f64 / 1e6),
                    clock(Timestamp(p.at))
                ),
                t.get(Role::Label),
            ));
        }
        None => spans.push(Span::styled(
            format!("x {} · no point here ", x_label(state.x_by, r.x)),
            t.get(Role::Dim),
        )),
    }
    for (i, p) in &r.values {
        let Some(l) = state.series.get(*i) else {
            continue;
        };
        let name = if runs || keys {
            format!("{} ", clean(&line_name(l, runs, keys)))
        } else {
            String::new()
        };
        spans.push(Span::styled("· ", t.get(Role::Dim)));
        spans.push(Span::styled(name, styles.get(*i).copied().unwrap_or_default()));
        spans.push(Span::styled(format!("{} ", num(p.value)), t.get(Role::Value)));
    }
    Line::from(spans).render(area, buf);
}
