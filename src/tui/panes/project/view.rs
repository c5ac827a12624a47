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
use crate::tui::widgets::sparkline::{columns_of, spark_fill};
use crate::tui::widgets::text::{clean, fit_end, num, pad, pad_left};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
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
        let state = self;
        let t = ctx.theme;
        let mut title = vec![title_span("Project", focused, ctx)];
        if let Some(p) = &state.project {
            title.push(Span::styled(
                format!("{} ", clean(p.value())),
                t.get(Role::Dim),
            ));
        }
        if !state.runs.is_empty() {
            title.push(Span::styled(
                format!("{} runs ", state.runs.len()),
                t.get(Role::Dim),
            ));
        }
        // The run under the cursor, and the selected key's value there.
        if let Some((_, name)) = state.cursor_run() {
            let value = state
                .trends
                .get(state.selected)
                .and_then(|tr| Some((tr, tr.values.get(state.cursor)?.1)))
                .map_or(String::new(), |(tr, v)| {
                    format!(
                        " {} {}",
                        clean(&tr.key),
                        v.map_or("—".to_string(), num)
                    )
                });
            title.push(Span::styled(
                format!("▼ {} ({} of {}){value} ", clean(name), state.cursor + 1, state.runs.len()),
                t.get(Role::Key),
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
        let n_runs = state.runs.len();
        let cursor_cols = columns_of(state.cursor, n_runs, spark_w);
        let mut head = vec![
            Span::styled(pad("key", key_w), t.get(Role::Label)),
            Span::raw(" "),
            Span::styled(
                cursor_header(state, spark_w, cursor_cols.start),
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
            ];
            // The cursor's run stands out in every row, so each bar's run can be read off.
            let bars: Vec<char> = spark_fill(&values, spark_w).chars().collect();
            let part = |r: std::ops::Range<usize>| -> String { bars[r].iter().collect() };
            let (a, b) = (cursor_cols.start.min(spark_w), cursor_cols.end.min(spark_w));
            spans.push(Span::styled(part(0..a), t.get(Role::Spark)));
            spans.push(Span::styled(
                part(a..b),
                t.get(Role::Spark).add_modifier(Modifier::REVERSED),
            ));
            spans.push(Span::styled(part(b..spark_w), t.get(Role::Spark)));
            spans.push(Span::styled(cell(|s| s.0), t.get(Role::Value)));
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
}

/// The trend column's header: `▼` over the cursor's first column and the run's name beside it
/// (to its right when it fits, else to its left); `oldest → newest run` when there is no run.
fn cursor_header(state: &ProjectPane, width: usize, at: usize) -> String {
    let Some((_, name)) = state.cursor_run() else {
        return pad("trend (oldest → newest run)", width);
    };
    if width == 0 {
        return String::new();
    }
    let mut cells: Vec<char> = vec![' '; width];
    let at = at.min(width - 1);
    cells[at] = '▼';
    let name: Vec<char> = clean(name).chars().collect();
    if at + 2 + name.len() <= width {
        cells[at + 2..at + 2 + name.len()].copy_from_slice(&name);
    } else {
        let room = at.saturating_sub(1);
        let cut: Vec<char> = fit_end(&name.iter().collect::<String>(), room).chars().collect();
        let start = room - cut.len();
        cells[start..start + cut.len()].copy_from_slice(&cut);
    }
    cells.into_iter().collect()
}
