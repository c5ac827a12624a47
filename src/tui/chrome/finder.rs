//! The fuzzy finder's box: the typed text on top, then the ranked items (`kind  text  detail`)
//! with the selection highlighted, and how many match in the title. Returns where the cursor
//! belongs (after the typed text).
//!
//! Reads the finder only; every text is cleaned before it reaches the terminal.

use crate::tui::app::finder::Finder;
use crate::tui::theme::Role;
use crate::tui::view::{RenderCtx, frame, title_span};
use crate::tui::widgets::text::{clean, fit, pad};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

pub fn render(f: &Finder, ctx: &RenderCtx<'_>, area: Rect, buf: &mut Buffer) -> Option<Position> {
    let w = area.width.saturating_sub(4).clamp(area.width.min(20), 90);
    let h = area.height.saturating_sub(2).clamp(area.height.min(5), 22);
    let box_area = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 3,
        w,
        h,
    );
    Clear.render(box_area, buf);
    let title = format!(
        "Find {}/{} (Enter goes, Esc closes)",
        f.shown.len(),
        f.items.len()
    );
    let inner = frame(
        vec![title_span(&title, true, ctx)],
        true,
        ctx,
        box_area,
        buf,
    );
    if inner.height == 0 || inner.width < 4 {
        return None;
    }
    let width = inner.width as usize;
    let query = clean(&f.query);
    Line::from(vec![
        Span::styled("› ", ctx.theme.get(Role::StatusKey)),
        Span::styled(fit(&query, width - 2), ctx.theme.get(Role::Prompt)),
    ])
    .render(Rect::new(inner.x, inner.y, inner.width, 1), buf);
    let cursor = Position::new(
        inner.x + (2 + query.chars().count()).min(width - 1) as u16,
        inner.y,
    );
    let rows = inner.height.saturating_sub(1) as usize;
    if f.shown.is_empty() {
        if rows > 0 {
            Span::styled("no matches", ctx.theme.get(Role::Empty))
                .render(Rect::new(inner.x, inner.y + 1, inner.width, 1), buf);
        }
        return Some(cursor);
    }
    // Keep the selection in view.
    let first = f.selected.saturating_sub(rows.saturating_sub(1));
    for (row, (pos, idx)) in f
        .shown
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .enumerate()
    {
        let item = &f.items[*idx];
        let y = inner.y + 1 + row as u16;
        let text_w = (width.saturating_sub(10) * 3 / 5).max(8);
        let line = Line::from(vec![
            Span::styled(pad(item.kind.label(), 9), ctx.theme.get(Role::Label)),
            Span::styled(
                pad(&fit(&clean(&item.text), text_w), text_w + 1),
                ctx.theme.get(Role::Text),
            ),
            Span::styled(
                fit(&clean(&item.detail), width.saturating_sub(10 + text_w)),
                ctx.theme.get(Role::Dim),
            ),
        ]);
        let line_area = Rect::new(inner.x, y, inner.width, 1);
        if pos == f.selected {
            buf.set_style(line_area, ctx.theme.selection(true));
            line.style(ctx.theme.selection(true)).render(line_area, buf);
        } else {
            line.render(line_area, buf);
        }
    }
    Some(cursor)
}
