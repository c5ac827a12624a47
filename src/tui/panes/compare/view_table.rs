//! The compare pane for three runs or more: a row per run, metrics (latest value) and params
//! as columns; the best value of each metric column is marked `*` in the `best` role (best by
//! the key's verdict direction, so the lowest loss and the highest accuracy; keys with no
//! direction get no mark); the selected
//! column is highlighted and the table sorts by it (`s`, again to reverse).
//! ```text
//! run          ▲train-loss  val-acc…     lr=
//! baseline         0.0612*    0.9712*   1e-3
//! ```
//! Reads the pane only; columns scroll so the selected one stays visible.

use super::view::short;
use super::{ComparePane, many_columns, many_order};
use crate::analysis::compare::MultiComparison;
use crate::tui::context::Shared;
use crate::tui::theme::Role;
use crate::tui::view::{RenderCtx, draw_row};
use crate::tui::widgets::text::{clean, fit, num, pad, pad_end, pad_left};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

const NAME_W: usize = 16;
const COL_W: usize = 12;

fn column_name(m: &MultiComparison, col: usize) -> String {
    let nm = m.metrics.len();
    if col < nm {
        let r = &m.metrics[col];
        match &r.stage {
            Some(s) => format!("{} ({s})", r.key),
            None => r.key.clone(),
        }
    } else {
        m.params
            .get(col - nm)
            .map_or(String::new(), |p| format!("{}=", p.0))
    }
}

/// (text, is best) of run `run` in column `col`.
fn cell(m: &MultiComparison, col: usize, run: usize) -> (String, bool) {
    let nm = m.metrics.len();
    if col < nm {
        let r = &m.metrics[col];
        match r.values.get(run).copied().flatten() {
            // `best` is set only for keys with a direction (analysis::compare_many).
            Some(v) => (num(v), r.best == Some(run)),
            None => ("—".into(), false),
        }
    } else {
        let v = m
            .params
            .get(col - nm)
            .and_then(|p| p.1.get(run).cloned().flatten());
        (v.unwrap_or_else(|| "—".into()), false)
    }
}

pub fn render(
    state: &ComparePane,
    shared: &Shared,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let Some(m) = state.many() else {
        return;
    };
    let t = ctx.theme;
    let ncols = many_columns(m);
    let fits = ((area.width as usize).saturating_sub(NAME_W) / COL_W).max(1);
    let first = state.column.saturating_sub(fits - 1);
    let cols: Vec<usize> = (first..ncols).take(fits).collect();
    let mut head = vec![Span::styled(pad("run", NAME_W), t.get(Role::Label))];
    for c in &cols {
        let arrow = match state.sort {
            Some((s, false)) if s == *c => "▲",
            Some((s, true)) if s == *c => "▼",
            _ => "",
        };
        let text = pad_left(
            &fit(&clean(&format!("{arrow}{}", column_name(m, *c))), COL_W - 1),
            COL_W,
        );
        let role = if *c == state.column {
            Role::TabActive
        } else {
            Role::Label
        };
        head.push(Span::styled(text, t.get(role)));
    }
    Line::from(head).render(Rect::new(area.x, area.y, area.width, 1), buf);
    let order = many_order(m, state.sort);
    let height = area.height.saturating_sub(1) as usize;
    for (i, run) in order.iter().enumerate().take(height) {
        let y = area.y + 1 + i as u16;
        let r = Rect::new(area.x, y, area.width, 1);
        let name = m
            .names
            .get(*run)
            .cloned()
            .unwrap_or_else(|| short(&m.runs[*run]));
        // Each run's name in the colour it has everywhere.
        let colour = crate::model::Ref::parse(&m.runs[*run])
            .map_or(t.get(Role::Text), |r| t.run(shared.run_colour(&r)));
        let mut spans = vec![Span::styled(pad_end(&clean(&name), NAME_W), colour)];
        for c in &cols {
            let (text, best) = cell(m, *c, *run);
            let text = format!(
                "{}{}",
                fit(&clean(&text), COL_W - 2),
                if best { "*" } else { " " }
            );
            spans.push(Span::styled(
                pad_left(&text, COL_W),
                t.get(if best { Role::Best } else { Role::Value }),
            ));
        }
        draw_row(Line::from(spans), i == state.selected, focused, t, r, buf);
    }
}
