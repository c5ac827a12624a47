//! The bottom line: the workspace, the live indicator with the age of the last change, the
//! selection, and key hints generated from the keymap — or, when open, the `:`/`/` prompt with
//! its completions; the running background job and its progress; or a flash message; or the
//! workspace problem while one lasts.
//!
//! Reads state only.

use crate::tui::action::{Action, Focus};
use crate::tui::app::cmdline::PromptKind;
use crate::tui::app::{AppState, FlashLevel, WsState};
use crate::tui::keymap::Layer;
use crate::tui::theme::Role;
use crate::tui::view::RenderCtx;
use crate::tui::widgets::text::{clean, clock, fit, fit_path};
use crate::watch::WatchMode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draws the status line; returns where the terminal cursor belongs (inside the prompt).
pub fn render(
    state: &AppState,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    if area.height == 0 || area.width == 0 {
        return None;
    }
    let t = ctx.theme;
    buf.set_style(area, t.get(Role::StatusBar));
    if let Some(p) = &state.prompt {
        let lead = match p.kind {
            PromptKind::Command => ":".to_string(),
            PromptKind::Filter(pane) => format!("/{} filter: ", pane.name()),
        };
        let text = clean(&p.text);
        let mut spans = vec![
            Span::styled(lead.clone(), t.get(Role::StatusKey)),
            Span::styled(text.clone(), t.get(Role::Prompt)),
        ];
        // A filter that does not parse says where, while it is typed.
        if let PromptKind::Filter(pane) = p.kind
            && let Some((column, why)) = state.panes.get(pane).filter_problem()
        {
            spans.push(Span::styled(
                format!("   ✗ column {column}: {}", clean(&why)),
                t.get(Role::Problem),
            ));
        }
        let cands = p.candidates();
        if cands.len() > 1 {
            spans.push(Span::styled(
                format!("   {}", cands.join("  ")),
                t.get(Role::Dim),
            ));
        }
        Line::from(spans).render(area, buf);
        let before: String = p.text.chars().take(p.cursor).collect();
        let x = area.x as usize + lead.chars().count() + clean(&before).chars().count();
        return Some(Position::new(
            x.min((area.x + area.width - 1) as usize) as u16,
            area.y,
        ));
    }
    let mut left = vec![Span::styled(
        format!(" {} ", clean(&fit(&state.workspace_label, 40))),
        t.get(Role::Label),
    )];
    match &state.ws {
        WsState::Problem(p) => {
            left.push(Span::styled(
                format!("⚠ {}: ", p.label()),
                t.get(Role::Problem),
            ));
            left.push(Span::styled(
                format!("{} (retrying) ", clean(p.message())),
                t.get(Role::Problem),
            ));
            Line::from(left).render(area, buf);
            return None;
        }
        WsState::Opening => left.push(Span::styled("opening… ", t.get(Role::Loading))),
        WsState::Ready => left.push(live(state, ctx)),
    }
    if let Some(run) = &state.shared.run {
        left.push(Span::styled(
            format!("│ {} ", clean(run.value())),
            t.get(Role::Text),
        ));
    }
    if let Some(j) = &state.job {
        left.push(Span::styled(
            format!("│ {} ", clean(&j.text())),
            t.get(Role::Loading),
        ));
    }
    if let Some(f) = &state.flash {
        let role = match f.level {
            FlashLevel::Info => Role::FlashInfo,
            FlashLevel::Warn => Role::FlashWarn,
            FlashLevel::Error => Role::FlashError,
        };
        // A message wins over the rest of the line: alone when it does not fit beside it, and
        // a path in it loses directories before its file name.
        let text = clean(&f.text);
        let used: usize = left.iter().map(|s| s.content.chars().count()).sum();
        let width = area.width as usize;
        if used + 2 + text.chars().count() <= width {
            left.push(Span::styled(format!("│ {text}"), t.get(role)));
            Line::from(left).render(area, buf);
        } else {
            let text = fit_path(&text, width.saturating_sub(1));
            Line::from(Span::styled(format!(" {text}"), t.get(role))).render(area, buf);
        }
        return None;
    }
    let used: usize = left.iter().map(|s| s.content.chars().count()).sum();
    let hints = hints(state);
    let mut right = Vec::new();
    let mut width = 0;
    for (k, d) in hints {
        let w = k.chars().count() + d.chars().count() + 3;
        if used + width + w + 1 > area.width as usize {
            break;
        }
        width += w;
        right.push(Span::styled(k, t.get(Role::StatusKey)));
        right.push(Span::styled(format!(" {d}  "), t.get(Role::StatusBar)));
    }
    let gap = (area.width as usize).saturating_sub(used + width);
    left.push(Span::raw(" ".repeat(gap)));
    left.extend(right);
    Line::from(left).render(area, buf);
    None
}

fn live(state: &AppState, ctx: &RenderCtx<'_>) -> Span<'static> {
    let t = ctx.theme;
    let (mark, role) = match &state.watch {
        Some(WatchMode::Native) => ("● live", Role::Live),
        Some(WatchMode::Polling { .. }) => ("◌ polling", Role::Stale),
        None => ("○ static", Role::Dim),
    };
    let age = match state.last_change {
        None => String::new(),
        Some(c) => {
            let secs = (ctx.now.0 - c.0).max(0) / 1_000_000;
            if secs < 60 {
                format!(" · updated {secs}s ago")
            } else {
                format!(" · updated {}", clock(c))
            }
        }
    };
    Span::styled(format!("{mark}{age} "), t.get(role))
}

/// (keys, description) pairs for the focused pane, from the keymap.
fn hints(state: &AppState) -> Vec<(String, String)> {
    let layers = state.layers();
    let mut wanted: Vec<(Action, &str)> = Vec::new();
    if let Layer::Pane(p) = layers[0] {
        for b in state.keymap.bindings(Layer::Pane(p)).iter().take(3) {
            if !wanted.iter().any(|(a, _)| *a == b.action) {
                wanted.push((b.action.clone(), ""));
            }
        }
    }
    for a in [
        (Action::Focus(Focus::Next), "pane"),
        (Action::Filter(None), "filter"),
        (Action::Command, "cmd"),
        (Action::Help, "help"),
        (Action::Quit, "quit"),
    ] {
        wanted.push(a);
    }
    wanted
        .into_iter()
        .filter_map(|(a, short)| {
            let key = state.keymap.key_for(&layers, &a)?;
            let desc = if short.is_empty() {
                layers
                    .iter()
                    .flat_map(|l| state.keymap.bindings(*l))
                    .find(|b| b.action == a)
                    .map(|b| b.desc.to_lowercase())
                    .unwrap_or_default()
            } else {
                short.to_string()
            };
            Some((key, desc))
        })
        .collect()
}
