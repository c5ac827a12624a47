//! The lineage navigator: the focused entity in the middle, what flows into it on the left
//! (upstream), what it flows into on the right (downstream), each neighbour with its relation
//! and, dimmed beneath it, the next hop. Dangling refs (named but missing) and cycles are
//! marked, never followed in a loop.
//! ```text
//! ┌ Lineage ──────────────────────────────────────────────────────┐
//! │ upstream (1)          │ run                 │ downstream (4)    │
//! │ ← used artifact:…     │ mnist.baseline      │ → produced model  │
//! │   ← run:…dataset-v3   │ 1 in · 4 out        │   → deployment:…  │
//! └───────────────────────────────────────────────────────────────┘
//! ```
//! Reads the pane only.

use super::{LineagePane, Side};
use crate::analysis::lineage::{Edge, LineageGraph};
use crate::tui::context::{Load, Shared};
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, draw_row, frame, not_ready, title_span};
use crate::tui::widgets::longtext::{badge, cell};
use crate::tui::widgets::text::{clean, fit, pad, short_ref};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

fn exists(g: &LineageGraph, r: &str) -> bool {
    g.nodes
        .iter()
        .find(|n| n.node_ref == r)
        .is_none_or(|n| n.exists)
}

impl PaneView for LineagePane {
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
        let mut title = vec![title_span("Lineage", focused, ctx)];
        if let Some(g) = &state.graph {
            title.push(Span::styled(
                format!("{} nodes {} edges ", g.nodes.len(), g.edges.len()),
                t.get(Role::Dim),
            ));
        }
        if let Some(b) = badge(state.view.wrap, state.view.hscroll) {
            title.push(Span::styled(b, t.get(Role::Key)));
        }
        let inner = frame(title, focused, ctx, area, buf);
        if inner.width < 3 || inner.height == 0 {
            return;
        }
        let Some(g) = &state.graph else {
            let load = match &state.load {
                Load::Ready => Load::Loading,
                l => l.clone(),
            };
            not_ready(&load, None, ctx, inner, buf);
            return;
        };
        if not_ready(&state.load, None, ctx, inner, buf) {
            return;
        }
        let col_w = inner.width / 3;
        let (up, down) = state.sides();
        let left = Rect::new(inner.x, inner.y, col_w, inner.height);
        let mid = Rect::new(inner.x + col_w, inner.y, col_w, inner.height);
        let right = Rect::new(
            inner.x + 2 * col_w,
            inner.y,
            inner.width - 2 * col_w,
            inner.height,
        );
        side(g, &up, Side::Up, state, focused, ctx, left, buf);
        centre(g, state, up.len(), down.len(), ctx, mid, buf);
        side(g, &down, Side::Down, state, focused, ctx, right, buf);
    }
}

fn centre(
    g: &LineageGraph,
    state: &LineagePane,
    ups: usize,
    downs: usize,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let w = area.width.saturating_sub(2) as usize;
    let kind = g.root.split(':').next().unwrap_or("");
    let value = g.root.split_once(':').map_or(g.root.as_str(), |x| x.1);
    let mut lines = vec![Line::from(Span::styled(
        format!(" {}", fit(kind, w)),
        t.get(Role::Label),
    ))];
    for part in cell(&clean(value), state.view.wrap, state.view.hscroll, w) {
        lines.push(Line::from(Span::styled(
            format!(" {part}"),
            t.get(Role::TitleFocused),
        )));
    }
    lines.push(Line::from(Span::styled(
        format!(" {ups} in · {downs} out"),
        t.get(Role::Dim),
    )));
    if !exists(g, &g.root) {
        lines.push(Line::from(Span::styled(
            " ✗ does not exist",
            t.get(Role::Missing),
        )));
    }
    if !g.dangling.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!(" dangling ({})", g.dangling.len()),
            t.get(Role::Missing),
        )));
        for d in &g.dangling {
            lines.push(Line::from(Span::styled(
                format!("  {}", fit(&clean(d), w)),
                t.get(Role::Missing),
            )));
        }
    }
    for c in &g.cycles {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(" ↻ cycle", t.get(Role::Worse))));
        for r in c {
            lines.push(Line::from(Span::styled(
                format!("  {}", fit(&clean(r), w)),
                t.get(Role::Worse),
            )));
        }
    }
    for (i, l) in lines.into_iter().take(area.height as usize).enumerate() {
        l.render(Rect::new(area.x, area.y + i as u16, area.width, 1), buf);
    }
}

#[allow(clippy::too_many_arguments)]
fn side(
    g: &LineageGraph,
    edges: &[&Edge],
    which: Side,
    state: &LineagePane,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = ctx.theme;
    let w = area.width.saturating_sub(1) as usize;
    let head = match which {
        Side::Up => format!("upstream ({})", edges.len()),
        Side::Down => format!("downstream ({})", edges.len()),
    };
    let mut y = area.y;
    let bottom = area.y + area.height;
    Line::from(Span::styled(head, t.get(Role::Label)))
        .render(Rect::new(area.x, y, area.width, 1), buf);
    y += 1;
    if edges.is_empty() {
        Line::from(Span::styled("  nothing", t.get(Role::Empty))).render(
            Rect::new(area.x, y.min(bottom.saturating_sub(1)), area.width, 1),
            buf,
        );
        return;
    }
    for (i, e) in edges.iter().enumerate() {
        if y >= bottom {
            break;
        }
        let (other, arrow) = match which {
            Side::Up => (&e.from, format!("← {} ", e.relation)),
            Side::Down => (&e.to, format!("→ {} ", e.relation)),
        };
        let role = if exists(g, other) {
            Role::Text
        } else {
            Role::Missing
        };
        let arrow = clean(&arrow);
        let arrow_w = arrow.chars().count();
        let room = w.saturating_sub(arrow_w);
        let parts = cell(&short_ref(other), state.view.wrap, state.view.hscroll, room);
        for (n, part) in parts.into_iter().enumerate() {
            if y >= bottom {
                break;
            }
            let lead = if n == 0 { arrow.clone() } else { " ".repeat(arrow_w) };
            let line = Line::from(vec![
                Span::styled(lead, t.get(Role::Dim)),
                Span::styled(part, t.get(role)),
            ]);
            draw_row(
                line,
                state.side == which && state.selected == i,
                focused,
                t,
                Rect::new(area.x, y, area.width, 1),
                buf,
            );
            y += 1;
        }
        // The next hop, dimmed: not selectable (Enter on this neighbour goes there).
        let (up2, down2) = g.neighbours(other);
        let next: Vec<&String> = match which {
            Side::Up => up2.iter().map(|e| &e.from).collect(),
            Side::Down => down2.iter().map(|e| &e.to).collect(),
        };
        for n in next.iter().filter(|n| n.as_str() != g.root).take(3) {
            if y >= bottom {
                break;
            }
            let glyph = if matches!(which, Side::Up) {
                "  ← "
            } else {
                "  → "
            };
            Line::from(Span::styled(
                pad(&format!("{glyph}{}", short_ref(n)), w),
                t.get(Role::Dim),
            ))
            .render(Rect::new(area.x, y, area.width, 1), buf);
            y += 1;
        }
    }
}
