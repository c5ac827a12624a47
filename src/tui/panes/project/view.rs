//! The project view: each metric key's trend across the project's runs (oldest first) as a
//! sparkline, with the last value, min, max and how many runs have the key; the arrow says
//! which way is better for the key (its verdict direction).
//! ```text
//! ┌ Project mnist-classifier 6 runs ──────────────────────────┐
//! │key              trend       last      min      max  runs │
//! │train-loss ↓     ▇▅▃▂▁      0.0542   0.0542   0.3272    5 │
//! └──────────────────────────────────────────────────────────┘
//! ```
//! Reads the pane only; a run without the key is a gap in the sparkline, never a zero.

use super::{ProjectPane, summary};
use crate::analysis::direction::Direction;
use crate::tui::context::Shared;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, draw_row, frame, not_ready, title_span};
use crate::tui::widgets::sparkline::spark;
use crate::tui::widgets::text::{clean, num, pad, pad_left};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

impl PaneView for ProjectPane {
    fn render(
        &self,
        _shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        render(self, focused, ctx, area, buf)
    }
}

fn render(
    state: &ProjectPane,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let mut title = vec![title_span("Project", focused, ctx)];
    if let Some(p) = &state.project {
        title.push(Span::styled(
            format!("{} ", clean(p.value())),
            t.get(Role::Dim),
        ));
    }
    if let Some(tr) = state.trends.first() {
        title.push(Span::styled(
            format!("{} runs ", tr.values.len()),
            t.get(Role::Dim),
        ));
    }
    let inner = frame(title, focused, ctx, area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let empty = state
        .trends
        .is_empty()
        .then_some("no metrics in this project's runs yet");
    if not_ready(&state.load, empty, ctx, inner, buf) {
        return;
    }
    let w = inner.width as usize;
    let num_w = 9;
    let show_minmax = w >= 60;
    let fixed = num_w * if show_minmax { 3 } else { 1 } + 5;
    let key_w = (w / 4).clamp(8, 24);
    let spark_w = w.saturating_sub(key_w + fixed + 1).max(1);
    let mut head = vec![
        Span::styled(pad("key", key_w), t.get(Role::Label)),
        Span::styled(
            pad(" trend (oldest → newest run)", spark_w + 1),
            t.get(Role::Label),
        ),
        Span::styled(pad_left("last", num_w), t.get(Role::Label)),
    ];
    if show_minmax {
        head.push(Span::styled(pad_left("min", num_w), t.get(Role::Label)));
        head.push(Span::styled(pad_left("max", num_w), t.get(Role::Label)));
    }
    head.push(Span::styled(pad_left("runs", 5), t.get(Role::Label)));
    Line::from(head).render(Rect::new(inner.x, inner.y, inner.width, 1), buf);
    let height = inner.height.saturating_sub(1) as usize;
    for (i, tr) in state
        .trends
        .iter()
        .enumerate()
        .skip(state.offset)
        .take(height)
    {
        let y = inner.y + 1 + (i - state.offset) as u16;
        let r = Rect::new(inner.x, y, inner.width, 1);
        let arrow = match tr.direction {
            Direction::Lower => " ↓",
            Direction::Higher => " ↑",
            Direction::Unknown => "",
        };
        let values: Vec<Option<f64>> = tr.values.iter().map(|(_, v)| *v).collect();
        let sum = summary(tr);
        let cell = |f: fn(&(f64, f64, f64, usize)) -> f64| {
            pad_left(&sum.as_ref().map_or("—".into(), |s| num(f(s))), num_w)
        };
        let mut spans = vec![
            Span::styled(
                pad(&format!("{}{arrow}", clean(&tr.key)), key_w),
                t.get(Role::Key),
            ),
            Span::raw(" "),
            Span::styled(pad(&spark(&values, spark_w), spark_w), t.get(Role::Spark)),
            Span::styled(cell(|s| s.0), t.get(Role::Value)),
        ];
        if show_minmax {
            spans.push(Span::styled(cell(|s| s.1), t.get(Role::Dim)));
            spans.push(Span::styled(cell(|s| s.2), t.get(Role::Dim)));
        }
        let n = sum.map_or(0, |s| s.3);
        spans.push(Span::styled(
            pad_left(&n.to_string(), 5),
            t.get(Role::Count),
        ));
        draw_row(Line::from(spans), i == state.selected, focused, t, r, buf);
    }
}
