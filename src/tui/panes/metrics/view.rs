//! The metrics pane: on top, every metric key of the run with a sparkline and last/min/max
//! (`◆` marks keys pinned to the chart, `◇` the selected key charted when none is pinned; the
//! list scrolls to keep it in view); below, the chart of the selected or pinned keys, with
//! the same keys of marked runs overlaid, axes labelled, optional EMA smoothing, log scale,
//! step or time on x, and zoom to the last N points.
//!
//! Reads the pane only; the data is already downsampled by the worker.

use super::{MetricsPane, Smoothing, XAxis, chart_data, columns, split};
use crate::tui::context::{Load, Shared};
use crate::tui::layout::Area;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, title_span};
use crate::tui::widgets::sparkline::spark;
use crate::tui::widgets::text::{clean, count, fit, num, pad, pad_left};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, LegendPosition, Widget};

impl PaneView for MetricsPane {
    fn render(
        &self,
        shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        render(self, shared, focused, ctx, area, buf)
    }
}

fn render(
    state: &MetricsPane,
    shared: &Shared,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
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
    } else if keys.is_empty() {
        Some("no metric matches the filter (Esc clears it)")
    } else {
        None
    };
    if not_ready(&state.load, empty, ctx, inner, buf) {
        return;
    }
    let (list, chart) = split(
        Area::new(inner.x, inner.y, inner.width, inner.height),
        state.keys.len(),
    );
    render_list(state, focused, ctx, list, buf);
    if chart.h >= 3 {
        render_chart(
            state,
            shared,
            ctx,
            Rect::new(chart.x, chart.y, chart.w, chart.h),
            buf,
        );
    }
}

fn render_list(
    state: &MetricsPane,
    focused: bool,
    ctx: &RenderCtx<'_>,
    list: Area,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let (key_w, spark_w) = columns(list.w);
    let keys = state.visible_keys();
    let selected = state.selected_index();
    for (i, k) in keys
        .iter()
        .enumerate()
        .skip(state.offset)
        .take(list.h as usize)
    {
        let y = list.y + (i - state.offset) as u16;
        let area = Rect::new(list.x, y, list.w, 1);
        // ◆ pinned to the chart; ◇ charted because selected (nothing pinned).
        let charted = if state.pinned.contains(&k.key) {
            "◆ "
        } else if state.pinned.is_empty() && state.selected.as_ref() == Some(&k.key) {
            "◇ "
        } else {
            "  "
        };
        let sp = state
            .sparks
            .get(&k.key)
            .map_or(String::new(), |v| spark(v, spark_w));
        let mut spans = vec![
            Span::styled(charted.to_string(), t.get(Role::Mark)),
            Span::styled(pad(&clean(&k.key), key_w), t.get(Role::Key)),
            Span::raw(" "),
        ];
        if spark_w > 0 {
            spans.push(Span::styled(pad(&sp, spark_w), t.get(Role::Spark)));
        }
        spans.push(Span::styled(pad_left(&num(k.last), 10), t.get(Role::Value)));
        if list.w >= 50 {
            spans.push(Span::styled(
                format!("{}{}", pad_left(&num(k.min), 10), pad_left(&num(k.max), 10)),
                t.get(Role::Dim),
            ));
        }
        let mut st = Style::default();
        if Some(i) == selected {
            st = t.selection(focused);
        }
        buf.set_style(area, st);
        Line::from(spans).style(st).render(area, buf);
    }
}

fn render_chart(
    state: &MetricsPane,
    shared: &Shared,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let mut opts = Vec::new();
    match state.smoothing {
        Smoothing::Off => {}
        s => opts.push(format!("ema {}", s.alpha().unwrap_or_default())),
    }
    if state.log_y {
        opts.push("log".into());
    }
    opts.push(match state.x_axis {
        XAxis::Step => "x step".into(),
        XAxis::Time => "x seconds".into(),
    });
    if let Some(n) = state.zoom_points() {
        opts.push(format!("last {n}"));
    }
    let header = Line::from(vec![
        Span::styled(
            clean(&fit(
                &state.chart_keys().join(", "),
                area.width as usize / 2,
            )),
            t.get(Role::Label),
        ),
        Span::styled(format!("  {}", opts.join(" · ")), t.get(Role::Dim)),
    ]);
    header.render(Rect::new(area.x, area.y, area.width, 1), buf);
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let empty = state
        .series
        .iter()
        .all(|l| l.points.is_empty())
        .then_some("no points to chart");
    let load = match (&state.series_load, state.series.is_empty()) {
        (Load::Loading, false) => Load::Ready,
        (l, _) => l.clone(),
    };
    if not_ready(&load, empty, ctx, body, buf) {
        return;
    }
    let data: Vec<Vec<(f64, f64)>> = state.series.iter().map(|l| chart_data(l, state)).collect();
    let pts = data.iter().flatten();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in pts {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if x0 > x1 {
        not_ready(
            &Load::Ready,
            Some("no finite points (log scale hides values ≤ 0)"),
            ctx,
            body,
            buf,
        );
        return;
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad_y = ((y1 - y0) * 0.05).max(1e-9);
    let (y0, y1) = (y0 - pad_y, y1 + pad_y);
    let ylabel = |v: f64| {
        if state.log_y {
            num(10f64.powf(v))
        } else {
            num(v)
        }
    };
    let many = state.series.len() > 1;
    // Several runs overlaid: each in its own colour (the one it has everywhere); one run's
    // several keys: a colour per line.
    let runs = state
        .series
        .iter()
        .any(|l| state.series.first().is_some_and(|f| f.run != l.run));
    let datasets: Vec<Dataset<'_>> = state
        .series
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(i, (line, pts))| {
            let name = if many {
                format!(
                    "{} {} ({})",
                    clean(line.run.last()),
                    clean(&line.key),
                    count(line.total as u64)
                )
            } else {
                String::new()
            };
            Dataset::default()
                .name(name)
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(if runs {
                    t.run(shared.run_colour(&line.run))
                } else {
                    t.line(i)
                })
                .data(pts)
        })
        .collect();
    let xfmt = |v: f64| match state.x_axis {
        XAxis::Step => format!("{}", v.round() as i64),
        XAxis::Time => crate::model::format_duration(v),
    };
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .style(t.get(Role::Axis))
                .bounds([x0, x1])
                .labels([xfmt(x0), xfmt((x0 + x1) / 2.0), xfmt(x1)]),
        )
        .y_axis(
            Axis::default()
                .style(t.get(Role::Axis))
                .bounds([y0, y1])
                .labels([ylabel(y0), ylabel((y0 + y1) / 2.0), ylabel(y1)]),
        )
        .legend_position(many.then_some(LegendPosition::TopRight))
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Percentage(60),
            ratatui::layout::Constraint::Percentage(60),
        ));
    chart.render(body, buf);
}
