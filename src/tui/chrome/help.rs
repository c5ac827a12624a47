//! Overlays: the `?` help, generated from the keymap and the command registry (so it can never
//! disagree with what the keys do) with every marker explained, and one record's full envelope
//! and payload as JSON.
//!
//! Reads state only; record JSON is sanitized line by line.

use crate::tui::action::{COMMANDS, PaneId};
use crate::tui::context::Overlay;
use crate::tui::keymap::{Keymap, Layer};
use crate::tui::theme::Role;
use crate::tui::view::{RenderCtx, frame, title_span};
use crate::tui::widgets::glyphs::{MARKERS, OTHER_MARKERS};
use crate::tui::widgets::text::{clean, pad};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

/// The help text: one section per keymap layer, then the prompt keys and the commands.
pub fn help_lines(keymap: &Keymap, ctx: &RenderCtx<'_>) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut out = Vec::new();
    let mut layers = vec![("Everywhere", Layer::Global)];
    for p in PaneId::ALL {
        layers.push((p.info().help, Layer::Pane(*p)));
    }
    layers.push(("Overlays", Layer::Overlay));
    for (name, layer) in layers {
        let rows = keymap.help_rows(layer);
        if rows.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(
            name.to_string(),
            t.get(Role::HelpSection),
        )));
        for (keys, desc) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {} ", pad(&keys, 22)), t.get(Role::HelpKey)),
                Span::styled(desc, t.get(Role::Text)),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::from(Span::styled(
        "Markers",
        t.get(Role::HelpSection),
    )));
    for m in MARKERS {
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(pad(m.glyph, 23), t.get(m.role)),
            Span::styled(m.meaning.to_string(), t.get(Role::Text)),
        ]));
    }
    for (glyph, meaning) in OTHER_MARKERS {
        out.push(Line::from(vec![
            Span::styled(format!("  {} ", pad(glyph, 22)), t.get(Role::HelpKey)),
            Span::styled(meaning.to_string(), t.get(Role::Text)),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        "Prompts (: and /)",
        t.get(Role::HelpSection),
    )));
    for (k, d) in [
        ("<Enter>", "Run the command / keep the filter"),
        ("<Esc>", "Cancel (a filter is cleared)"),
        ("<Tab>", "Complete the command (again: next candidate)"),
        ("<Up> <Down>", "Command history"),
        ("<C-u>", "Clear the line"),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {} ", pad(k, 22)), t.get(Role::HelpKey)),
            Span::styled(d.to_string(), t.get(Role::Text)),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        "Record filter: type:event,span stage:NAME level:warning key:KEY free text",
        t.get(Role::Dim),
    )));
    out.push(Line::raw(""));
    out.push(Line::from(Span::styled(
        "Commands (:)",
        t.get(Role::HelpSection),
    )));
    for c in COMMANDS {
        out.push(Line::from(vec![
            Span::styled(format!("  {} ", pad(c.usage, 34)), t.get(Role::HelpKey)),
            Span::styled(c.desc.to_string(), t.get(Role::Text)),
        ]));
    }
    out
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn render(
    overlay: &Overlay,
    keymap: &Keymap,
    ctx: &RenderCtx<'_>,
    area: Rect,
    buf: &mut Buffer,
) {
    let (title, lines, scroll) = match overlay {
        Overlay::Help { scroll } => (
            "Keys (q or Esc closes)".to_string(),
            help_lines(keymap, ctx),
            *scroll,
        ),
        Overlay::Record {
            title,
            lines,
            scroll,
        } => (
            format!("{} (Esc closes)", clean(title)),
            lines
                .iter()
                .map(|l| Line::from(Span::styled(clean(l), ctx.theme.get(Role::Text))))
                .collect(),
            *scroll,
        ),
        // Drawn by `chrome::finder`.
        Overlay::Finder(_) => return,
    };
    let want_w = lines
        .iter()
        .map(Line::width)
        .max()
        .unwrap_or(20)
        .max(title.len() + 6) as u16
        + 4;
    let box_area = centered(
        area,
        want_w
            .min(area.width.saturating_sub(4))
            .max(area.width.min(30)),
        area.height.saturating_sub(2).max(1),
    );
    Clear.render(box_area, buf);
    let inner = frame(
        vec![title_span(&title, true, ctx)],
        true,
        ctx,
        box_area,
        buf,
    );
    if inner.height == 0 {
        return;
    }
    let max_scroll = lines.len().saturating_sub(inner.height as usize);
    let scroll = scroll.min(max_scroll) as u16;
    Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
}
