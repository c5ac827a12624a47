//! The compare pane, two runs side by side. One list whose rows hold both sides, so they
//! scroll together; the selected metric's curves of both runs overlaid below.
//! ```text
//! ┌ Compare baseline ⇄ lr-3e-4 ─────────────────────────────────┐
//! │key (stage)          ◀ baseline   lr-3e-4 ▶      Δ   change  │
//! │Metrics (6)                                                  │
//! │train-loss (train)       0.0612     0.0542  -0.0070  -11.4% better
//! │…  stages, params, provenance, artifacts, record counts      │
//! │train-loss   ⣀⡠⠤⠒ baseline  ⠤⠒ lr-3e-4                        │
//! └─────────────────────────────────────────────────────────────┘
//! ```
//! More than two runs render as a table (`compare_table.rs`). Verdicts are coloured through
//! theme roles (better, worse, neutral). Reads the pane only.

use super::{CmpRow, ComparePane, split, two_rows};
use crate::analysis::compare::{Comparison, MetricDelta};
use crate::analysis::direction::Verdict;
use crate::tui::context::{Load, Shared};
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, draw_row, frame, not_ready, title_span};
use crate::tui::widgets::overlay_chart;
use crate::tui::widgets::text::{clean, fit, fit_end, num, pad, pad_left};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// The last component of a run ref: its name in refs.
pub fn short(run: &str) -> String {
    clean(run.rsplit('.').next().unwrap_or(run))
}

impl PaneView for ComparePane {
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

/// A run's own colour, for a run given as text (a ref).
fn run_style(shared: &Shared, run: &str, ctx: &RenderCtx<'_>) -> ratatui::style::Style {
    match crate::model::Ref::parse(run) {
        Ok(r) => ctx.theme.run(shared.run_colour(&r)),
        Err(_) => ctx.theme.get(Role::Label),
    }
}

fn render(
    state: &ComparePane,
    shared: &Shared,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut title = vec![title_span("Compare", focused, ctx)];
    if let Some(c) = state.two() {
        title.push(Span::styled(
            format!("{} ⇄ {} ", short(&c.left), short(&c.right)),
            ctx.theme.get(Role::Dim),
        ));
    } else if !state.runs.is_empty() {
        title.push(Span::styled(
            format!("{} runs ", state.runs.len()),
            ctx.theme.get(Role::Dim),
        ));
    }
    let inner = frame(title, focused, ctx, area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let load = match (&state.load, state.runs.is_empty()) {
        (Load::Idle, true) => Load::Ready,
        (l, _) => l.clone(),
    };
    let empty = state
        .runs
        .is_empty()
        .then_some("mark two runs or more with Space in the tree, then press c (or :compare A B)");
    if not_ready(&load, empty, ctx, inner, buf) {
        return;
    }
    if state.many().is_some() {
        super::view_table::render(state, shared, focused, ctx, inner, buf);
        return;
    }
    let Some(c) = state.two() else {
        return;
    };
    let (list_h, chart_h) = split(inner.height);
    let list = Rect::new(inner.x, inner.y, inner.width, list_h);
    render_list(c, state, shared, focused, ctx, list, buf);
    if chart_h > 0 {
        let chart = Rect::new(inner.x, inner.y + list_h, inner.width, chart_h);
        render_chart(c, state, shared, ctx, chart, buf);
    }
}

struct Widths {
    key: usize,
    side: usize,
    delta: usize,
    pct: usize,
}

fn widths(w: usize) -> Widths {
    let side = if w >= 100 { 14 } else { 10 };
    let (pct, verdict) = (8, 7);
    let delta = if w >= 70 { 10 } else { 0 };
    let key = w.saturating_sub(2 * side + delta + pct + verdict);
    Widths {
        key,
        side,
        delta,
        pct,
    }
}

fn verdict_role(v: Verdict) -> (Role, &'static str) {
    match v {
        Verdict::Better => (Role::Better, "better"),
        Verdict::Worse => (Role::Worse, "worse"),
        Verdict::Neutral => (Role::Neutral, "="),
    }
}

fn metric_line(m: &MetricDelta, w: &Widths, ctx: &RenderCtx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let name = match &m.stage {
        Some(s) => format!("{} ({})", m.key, s),
        None => m.key.clone(),
    };
    let side = |s: &Option<crate::analysis::compare::SideStats>| match s {
        Some(s) => pad_left(&num(s.last), w.side),
        None => pad_left("—", w.side),
    };
    let (role, word) = verdict_role(m.verdict);
    let mut spans = vec![
        Span::styled(pad(&clean(&name), w.key), t.get(Role::Key)),
        Span::styled(side(&m.left), t.get(Role::Value)),
        Span::styled(side(&m.right), t.get(Role::Value)),
    ];
    if w.delta > 0 {
        let d = m.delta.map_or("".into(), |d| format!("{d:+.4}"));
        spans.push(Span::styled(pad_left(&d, w.delta), t.get(role)));
    }
    let pct = m.change_pct.map_or("".into(), |p| format!("{p:+.1}%"));
    spans.push(Span::styled(pad_left(&pct, w.pct), t.get(role)));
    let word = if m.left.is_none() || m.right.is_none() {
        ""
    } else {
        word
    };
    spans.push(Span::styled(format!(" {word}"), t.get(role)));
    Line::from(spans)
}

fn render_list(
    c: &Comparison,
    state: &ComparePane,
    shared: &Shared,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let w = widths(area.width as usize);
    let mut head = vec![
        Span::styled(pad("key (stage)", w.key), t.get(Role::Label)),
        Span::styled(
            pad_left(&format!("◀ {}", fit_end(&short(&c.left), w.side - 3)), w.side),
            run_style(shared, &c.left, ctx),
        ),
        Span::styled(
            pad_left(&format!("{} ▶", fit_end(&short(&c.right), w.side - 3)), w.side),
            run_style(shared, &c.right, ctx),
        ),
    ];
    if w.delta > 0 {
        head.push(Span::styled(pad_left("Δ", w.delta), t.get(Role::Label)));
    }
    head.push(Span::styled(pad_left("change", w.pct), t.get(Role::Label)));
    Line::from(head).render(Rect::new(area.x, area.y, area.width, 1), buf);
    let rows = two_rows(c);
    let height = area.height.saturating_sub(1) as usize;
    for (i, row) in rows.iter().enumerate().skip(state.offset).take(height) {
        let y = area.y + 1 + (i - state.offset) as u16;
        let r = Rect::new(area.x, y, area.width, 1);
        let line = match row {
            CmpRow::Section(name) => {
                Line::from(Span::styled(clean(name), t.get(Role::HelpSection)))
            }
            CmpRow::Metric(m) => match c.metrics.get(*m) {
                Some(m) => metric_line(m, &w, ctx),
                None => Line::raw(""),
            },
            CmpRow::Diff { what, left, right } => {
                let side_w = (area.width as usize).saturating_sub(w.key) / 2;
                Line::from(vec![
                    Span::styled(pad(&clean(what), w.key), t.get(Role::Key)),
                    Span::styled(pad(&clean(left), side_w), t.get(Role::Value)),
                    Span::styled(fit(&clean(right), side_w), t.get(Role::Changed)),
                ])
            }
        };
        draw_row(line, i == state.selected, focused, t, r, buf);
    }
}

fn render_chart(
    c: &Comparison,
    state: &ComparePane,
    shared: &Shared,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let key = state.series.first().map(|s| clean(&s.key));
    let head = match &key {
        Some(k) => format!("{k}: {} and {} overlaid", short(&c.left), short(&c.right)),
        None => "select a metric row to chart it for both runs".into(),
    };
    Line::from(Span::styled(head, ctx.theme.get(Role::Label)))
        .render(Rect::new(area.x, area.y, area.width, 1), buf);
    let body = Rect::new(
        area.x,
        area.y + 1,
        area.width,
        area.height.saturating_sub(1),
    );
    let load = match (&state.series_load, key.is_some()) {
        (Load::Loading, true) => Load::Ready,
        (Load::Idle, _) => return,
        (l, _) => l.clone(),
    };
    if not_ready(&load, None, ctx, body, buf) {
        return;
    }
    let names = [short(&c.left), short(&c.right)];
    let styles: Vec<_> = state
        .series
        .iter()
        .map(|l| ctx.theme.run(shared.run_colour(&l.run)))
        .collect();
    if !overlay_chart::render(&state.series, &names, &styles, ctx.theme, body, buf) {
        not_ready(&Load::Ready, Some("no points to chart"), ctx, body, buf);
    }
}
