//! The record stream: one row per record, oldest at the top and newest at the bottom:
//! `time type level stage key value-or-message`, coloured by type and level. The title says
//! whether it follows the tail or is paused (and how many records arrived since), the filter,
//! and the run's record count. Rows that arrived live are highlighted briefly. A message longer
//! than its column is cut with `…` (scrolled sideways with `<`/`>`), or wrapped under its
//! column (`w`).
//!
//! Reads the pane only; all record text is sanitized here before it becomes a `Span`.

use super::StreamPane;
use crate::model::{Level, Payload, Record, Severity, SpanStatus};
use crate::tui::context::Shared;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, title_span};
use crate::tui::wrapping::TextView;
use crate::tui::widgets::longtext::{badge, cell};
use crate::tui::widgets::text::{clean, clock, count, fit, num, pad};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

impl PaneView for StreamPane {
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
        let mut title = vec![title_span("Records", focused, ctx)];
        if state.run.is_some() {
            if state.follow {
                title.push(Span::styled("● following ", t.get(Role::Live)));
            } else if state.new_while_paused() > 0 {
                title.push(Span::styled(
                    format!(
                        "‖ paused, {} new (F follows) ",
                        count(state.new_while_paused())
                    ),
                    t.get(Role::Stale),
                ));
            } else {
                title.push(Span::styled("‖ paused (F follows) ", t.get(Role::Stale)));
            }
            title.push(Span::styled(
                format!("{} total ", count(state.total)),
                t.get(Role::Dim),
            ));
        }
        if let Some(b) = badge(state.view.wrap, state.view.hscroll) {
            title.push(Span::styled(b, t.get(Role::Key)));
        }
        if !state.filter_text.is_empty() {
            title.push(Span::styled(
                format!("/{} ", clean(&fit(&state.filter_text, 30))),
                t.get(Role::Key),
            ));
        }
        state.drawn.clear();
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let empty = if !state.rows.is_empty() {
            None
        } else if state.filter.is_empty() {
            Some("no records in this run yet")
        } else {
            Some("no record matches the filter (Esc clears it)")
        };
        if not_ready(&state.load, empty, ctx, inner, buf) {
            return;
        }
        let selected = state.selected_index();
        let width = inner.width as usize;
        let height = inner.height as usize;
        let shown = |row: &crate::query::RecordRow| record_lines(&row.record, width, state.view, ctx);
        // Wrapped rows take several lines: start late enough that the selection shows whole.
        let mut start = state.offset.min(state.rows.len().saturating_sub(1));
        if state.view.wrap
            && let Some(sel) = selected
        {
            let tall: Vec<usize> = state
                .rows
                .iter()
                .take(sel + 1)
                .skip(start)
                .map(|r| shown(r).len())
                .collect();
            let mut total: usize = tall.iter().sum();
            let mut i = 0;
            while start < sel && total > height {
                total -= tall[i];
                i += 1;
                start += 1;
            }
        }
        let mut y = inner.y;
        let bottom = inner.y + inner.height;
        for (i, row) in state.rows.iter().enumerate().skip(start) {
            if y >= bottom {
                break;
            }
            let mut st = Style::default();
            if state.fresh.get(&row.seq).is_some_and(|t| *t > ctx.now) {
                st = t.get(Role::Fresh);
            }
            if Some(i) == selected {
                st = st.patch(t.selection(focused));
            }
            for line in shown(row) {
                if y >= bottom {
                    break;
                }
                let line_area = Rect::new(inner.x, y, inner.width, 1);
                buf.set_style(line_area, st);
                line.style(st).render(line_area, buf);
                state.drawn.push(row.seq as usize);
                y += 1;
            }
        }
        let _ = height;
    }
}

fn level_role(level: Level) -> Role {
    match level {
        Level::Debug => Role::LevelDebug,
        Level::Info => Role::LevelInfo,
        Level::Warning => Role::LevelWarning,
        Level::Error | Level::Critical => Role::LevelError,
    }
}

/// One record as shown with `view`: one line whose message is scrolled sideways and cut with
/// `…` on the side where more is hidden, or the message wrapped under its column.
pub fn record_lines(
    r: &Record,
    width: usize,
    view: TextView,
    ctx: &RenderCtx<'_>,
) -> Vec<Line<'static>> {
    let (spans, used, rest, role) = record_cells(r, width, ctx);
    let room = width.saturating_sub(used);
    let mut parts = cell(&rest, view.wrap, view.hscroll, room).into_iter();
    let mut first = spans;
    first.push(Span::styled(parts.next().unwrap_or_default(), role));
    let mut out = vec![Line::from(first)];
    let indent = " ".repeat(used);
    out.extend(parts.map(|p| Line::from(vec![Span::raw(indent.clone()), Span::styled(p, role)])));
    out
}

/// A record's fixed columns (time, type, level, stage, key), their width, and its message or
/// value (sanitized, whole) with the message's style.
fn record_cells(
    r: &Record,
    width: usize,
    ctx: &RenderCtx<'_>,
) -> (Vec<Span<'static>>, usize, String, Style) {
    let t = ctx.theme;
    let (ty, ty_role) = match &r.payload {
        Payload::Event(_) => ("evt", Role::RecEvent),
        Payload::Metric(_) => ("met", Role::RecMetric),
        Payload::Span(_) => ("spn", Role::RecSpan),
        Payload::Degraded(_) => ("deg", Role::RecDegraded),
    };
    let (level, level_role) = match &r.payload {
        Payload::Event(e) => (e.level.as_str(), level_role(e.level)),
        Payload::Degraded(d) => match d.severity {
            Severity::Warning => ("warning", Role::LevelWarning),
            Severity::Error => ("error", Role::LevelError),
        },
        Payload::Span(s) if s.status != SpanStatus::Ok => ("error", Role::LevelError),
        _ => ("", Role::Dim),
    };
    let (key, rest) = match &r.payload {
        Payload::Event(e) => (e.event_key.clone(), e.message.clone()),
        Payload::Metric(m) => {
            let step = m
                .tagged_step()
                .map_or(String::new(), |s| format!("  step {s}"));
            let unit = m.unit.as_deref().map_or(String::new(), |u| format!(" {u}"));
            (
                m.metric_key.clone(),
                format!("{}{unit}{step}", num(m.value)),
            )
        }
        Payload::Span(s) => (
            s.span_name.clone(),
            format!("{:.1} ms  {:?}", s.duration_ms(), s.status).to_lowercase(),
        ),
        Payload::Degraded(d) => (d.issue_key.clone(), d.summary.clone()),
    };
    let stage = r
        .envelope
        .stage_execution_ref
        .as_ref()
        .map_or(String::new(), |s| s.last().to_string());
    let mut spans = vec![
        Span::styled(
            format!("{} ", clock(r.envelope.observed_at)),
            t.get(Role::Dim),
        ),
        Span::styled(format!("{ty} "), t.get(ty_role)),
    ];
    let mut used = 13;
    if width >= 60 {
        spans.push(Span::styled(
            format!("{} ", pad(level, 7)),
            t.get(level_role),
        ));
        used += 8;
    }
    if width >= 80 {
        spans.push(Span::styled(
            format!("{} ", pad(&clean(&stage), 9)),
            t.get(Role::Stage),
        ));
        used += 10;
    }
    let key_w = (width.saturating_sub(used) / 3).clamp(8, 24);
    spans.push(Span::styled(
        format!("{} ", pad(&clean(&key), key_w)),
        t.get(Role::Key),
    ));
    used += key_w + 1;
    let role = t.get(if matches!(r.payload, Payload::Metric(_)) {
        Role::Value
    } else {
        Role::Text
    });
    (spans, used, clean(&rest), role)
}
