//! Draws one frame from the state: the panes the layout shows, tabs for the narrow layout's
//! main pane, the status line, and an overlay on top. Returns where the cursor belongs.
//!
//! Only reads: render never changes state, reads the clock (`ctx.now` is given) or the disk.

use super::action::PaneId;
use super::app::AppState;
use super::layout::{self, Mode};
use super::panes::{self, RenderCtx, rect};
use super::theme::Role;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub fn draw(
    state: &AppState,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let screen = layout::compute(area.width, area.height, state.focus, state.view_main());
    for (pane, a) in &screen.panes {
        if a.w < 3 || a.h < 3 {
            continue;
        }
        let r = rect(*a);
        let focused = state.focus == *pane;
        match pane {
            PaneId::Tree => panes::tree::render(&state.tree, focused, ctx, r, buf),
            PaneId::Overview => panes::overview::render(&state.overview, focused, ctx, r, buf),
            PaneId::Stream => panes::stream::render(&state.stream, focused, ctx, r, buf),
            PaneId::Metrics => panes::metrics::render(&state.metrics, focused, ctx, r, buf),
            PaneId::Compare => panes::compare::render(&state.compare, focused, ctx, r, buf),
            PaneId::Diagnostics => {
                panes::diagnostics::render(&state.diagnostics, focused, ctx, r, buf)
            }
            PaneId::Lineage => panes::lineage::render(&state.lineage, focused, ctx, r, buf),
            PaneId::Project => panes::project::render(&state.project, focused, ctx, r, buf),
        }
        if screen.mode == Mode::Narrow && *pane != PaneId::Tree {
            tabs(*pane, ctx, r, buf);
        }
    }
    let cursor = panes::statusline::render(state, ctx, rect(screen.status), buf);
    if let Some(o) = &state.overlay
        && area.width >= 10
        && area.height >= 5
    {
        let body = Rect::new(0, 0, area.width, area.height.saturating_sub(1));
        panes::help::render(o, &state.keymap, ctx, body, buf);
    }
    cursor
}

/// `2 Overview 3 Records 4 Metrics` on the right of the main pane's bottom border.
fn tabs(active: PaneId, ctx: &RenderCtx<'_>, r: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    let mut tabs = vec![
        (2, PaneId::Overview),
        (3, PaneId::Stream),
        (4, PaneId::Metrics),
    ];
    if active.is_investigation() {
        let n = PaneId::ALL.iter().position(|p| *p == active).unwrap_or(0) + 1;
        tabs.push((n, active));
    }
    for (n, p) in &tabs {
        let role = if *p == active {
            Role::TabActive
        } else {
            Role::Dim
        };
        spans.push(Span::styled(
            format!(" {n} {} ", p.title()),
            ctx.theme.get(role),
        ));
    }
    let line = Line::from(spans);
    let w = line.width() as u16;
    if r.width >= w + 4 && r.height >= 3 {
        line.render(
            Rect::new(r.x + r.width - w - 2, r.y + r.height - 1, w, 1),
            buf,
        );
    }
}
