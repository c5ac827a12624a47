//! What every view shares: the render context, the `PaneView` trait each pane's `view.rs`
//! implements, the pane frame (title, focus) and the shared loading/empty/failed state.
//!
//! Never mutates state, reads the clock (time is `ctx.now`) or touches the disk.

use super::context::{Load, Shared};
use super::keymap::Keymap;
use super::layout::Area;
use super::theme::{Role, Theme};
use super::widgets::text::clean;
use crate::model::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

pub struct RenderCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: Timestamp,
}

/// A pane's render: reads the pane and what all panes share, draws into `area`.
pub trait PaneView {
    fn render(
        &self,
        shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    );
}

pub fn rect(a: Area) -> Rect {
    Rect::new(a.x, a.y, a.w, a.h)
}

/// Draws one list row, in the selection style when it is the selected one.
pub fn draw_row(
    line: Line<'_>,
    selected: bool,
    focused: bool,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut st = ratatui::style::Style::default();
    if selected {
        st = theme.selection(focused);
        buf.set_style(area, st);
    }
    line.style(st).render(area, buf);
}

/// Draws a pane's frame with `title` and returns the inner area.
pub fn frame(
    title: Vec<Span<'static>>,
    focused: bool,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) -> Rect {
    let t = ctx.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(t.get(if focused {
            Role::BorderFocused
        } else {
            Role::Border
        }))
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

pub fn title_span(text: &str, focused: bool, ctx: &RenderCtx<'_>) -> Span<'static> {
    Span::styled(
        format!(" {text} "),
        ctx.theme.get(if focused {
            Role::TitleFocused
        } else {
            Role::Title
        }),
    )
}

/// What a pane shows while it is not ready: loading, failed, or empty with its reason.
/// Returns true when it drew something (so the pane should not draw its content).
pub fn not_ready(
    load: &Load,
    empty: Option<&str>,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) -> bool {
    let (text, role) = match (load, empty) {
        (Load::Loading, _) => ("loading…".to_string(), Role::Loading),
        (Load::Failed(msg), _) => (format!("failed: {}", clean(msg)), Role::Problem),
        (Load::Idle, _) => ("select a run in the tree".to_string(), Role::Empty),
        (Load::Ready, Some(reason)) => (reason.to_string(), Role::Empty),
        (Load::Ready, None) => return false,
    };
    Paragraph::new(Span::styled(text, ctx.theme.get(role)))
        .wrap(Wrap { trim: true })
        .render(area, buf);
    true
}
