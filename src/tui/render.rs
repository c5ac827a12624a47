//! Draws one frame from the state: the panes the layout shows (each through its own view),
//! tabs for the narrow layout's main pane, the status line, and an overlay on top. Returns
//! where the cursor belongs.
//!
//! Only reads: render never changes state, reads the clock (`ctx.now` is given) or the disk.

use super::action::PaneId;
use super::app::AppState;
use super::chrome;
use super::layout::{self, Mode};
use super::panes::Place;
use super::theme::Role;
use super::view::{RenderCtx, rect};
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
    let shared = &state.shared;
    let screen = layout::compute(area.width, area.height, shared.layout_view());
    for (pane, a) in &screen.panes {
        if a.w < 3 || a.h < 3 {
            continue;
        }
        let r = rect(*a);
        let focused = shared.focus == *pane;
        state.panes.view(*pane).render(shared, focused, ctx, r, buf);
        match screen.mode {
            Mode::Split if pane.place() != Place::Side => tabs(*pane, false, ctx, r, buf),
            Mode::Single => tabs(*pane, true, ctx, r, buf),
            _ => {}
        }
    }
    let cursor = chrome::statusline::render(state, ctx, rect(screen.status), buf);
    if let Some(o) = &state.overlay
        && area.width >= 10
        && area.height >= 5
    {
        let body = Rect::new(0, 0, area.width, area.height.saturating_sub(1));
        if let crate::tui::context::Overlay::Finder(f) = o {
            return chrome::finder::render(f, ctx, body, buf);
        }
        chrome::help::render(o, &state.keymap, ctx, body, buf);
    }
    cursor
}

/// `2 Overview 3 Records 4 Metrics` on the right of the main pane's bottom border (with
/// `1 Runs` first when one pane shows at a time).
fn tabs(active: PaneId, with_side: bool, ctx: &RenderCtx<'_>, r: Rect, buf: &mut Buffer) {
    let mut tabs: Vec<PaneId> = PaneId::cycle()
        .filter(|p| with_side || p.place() != Place::Side)
        .collect();
    // A pane opened by its own key (an investigation, the console) shows as the last tab.
    if !tabs.contains(&active) && active.place() != Place::Side {
        tabs.push(active);
    }
    let spans: Vec<Span<'static>> = tabs
        .iter()
        .map(|p| {
            let role = if *p == active {
                Role::TabActive
            } else {
                Role::Dim
            };
            // The key that focuses it, as bound (the default keys are not all positions).
            let key = ctx
                .keymap
                .key_for(
                    &[crate::tui::keymap::Layer::Global],
                    &crate::tui::action::Action::Focus(crate::tui::action::Focus::Pane(*p)),
                )
                .unwrap_or_else(|| p.number().to_string());
            Span::styled(format!(" {key} {} ", p.title()), ctx.theme.get(role))
        })
        .collect();
    let line = Line::from(spans);
    let w = line.width() as u16;
    if r.width >= w + 4 && r.height >= 3 {
        line.render(
            Rect::new(r.x + r.width - w - 2, r.y + r.height - 1, w, 1),
            buf,
        );
    }
}
