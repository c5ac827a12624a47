//! One file per screen region, each a `render(state, ctx, area, buf)` that only reads. This
//! module holds what they share: the pane frame (title, focus, state line), the shared
//! loading/empty/failed state, and text helpers that sanitize every workspace string
//! before it becomes a `Span`.
//!
//! Never mutates state, reads the clock (time is `ctx.now`) or touches the disk.

pub mod artifacts;
pub mod compare;
pub mod compare_table;
pub mod diagnostics;
pub mod help;
pub mod lineage;
pub mod metrics;
pub mod overview;
pub mod project;
pub mod statusline;
pub mod stream;
pub mod tree;

use super::app::Load;
use super::keymap::Keymap;
use super::layout::Area;
use super::theme::{Role, Theme};
use crate::model::Timestamp;
use crate::sanitize::sanitize;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

pub struct RenderCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: Timestamp,
}

pub fn rect(a: Area) -> Rect {
    Rect::new(a.x, a.y, a.w, a.h)
}

/// Workspace text made safe for the terminal.
pub fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

/// At most `width` chars, with `…` when cut.
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Exactly `width` chars: cut with `…` or padded with spaces.
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

pub fn pad(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let n = f.chars().count();
    format!("{f}{}", " ".repeat(width.saturating_sub(n)))
}

/// Exactly `width` chars, right-aligned.
pub fn pad_left(s: &str, width: usize) -> String {
    let f = fit(s, width);
    let n = f.chars().count();
    format!("{}{f}", " ".repeat(width.saturating_sub(n)))
}

/// Draws a pane's frame and returns the inner area. `extra` is appended to the title.
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

/// `kind name` without the project (every neighbour shares it): `artifact baseline.model`.
pub fn short_ref(r: &str) -> String {
    let (kind, value) = r.split_once(':').unwrap_or(("", r));
    let rest = match kind {
        "project" => value,
        _ => value.split_once('.').map_or(value, |x| x.1),
    };
    clean(&format!("{kind} {rest}"))
}

/// A short clock time (UTC) for record rows.
pub fn clock(t: Timestamp) -> String {
    let s = t.to_string();
    s.get(11..19).unwrap_or(&s).to_string()
}

/// Date and time to the second (UTC).
pub fn date_time(t: Timestamp) -> String {
    let s = t.to_string();
    match (s.get(..10), s.get(11..19)) {
        (Some(d), Some(h)) => format!("{d} {h}"),
        _ => s,
    }
}

/// A compact number: 12, 3.4k, 1.2M.
pub fn count(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// A metric value in at most ~9 chars.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}
