//! Overlays: the `?` help, generated from the keymap and the command registry (so it can never
//! disagree with what the keys do) with every marker explained, and the detail view: every
//! field of a record, finding or lineage node in full, wrapped or cut and scrolled sideways.
//!
//! Reads state only; detail text is sanitized line by line.

use crate::tui::action::{COMMANDS, PaneId};
use crate::tui::context::{Detail, Overlay};
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
    out.push(Line::from(Span::styled(
        "Metric filter: a glob (val/* — * any text, ? one character), a regex (re:^val or /^val/), else text anywhere in the key",
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
        Overlay::Detail(d) => return detail(d, ctx, area, buf),
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

/// The detail view: every line in full, wrapped (or cut with `…` and scrolled sideways), the
/// position in the title when it scrolls.
fn detail(d: &Detail, ctx: &RenderCtx<'_>, area: Rect, buf: &mut Buffer) {
    let t = ctx.theme;
    // `area` is the screen less the status line, as `Detail::page` counts it.
    let (width, height) = Detail::page((area.width, area.height.saturating_add(1)));
    let box_area = centered(area, width as u16 + 2, height as u16 + 2);
    Clear.render(box_area, buf);
    let shown = d.shown(width);
    let max_scroll = shown.len().saturating_sub(height);
    let scroll = d.scroll.min(max_scroll);
    let mut title = vec![title_span(&clean(&d.title), true, ctx)];
    if max_scroll > 0 {
        title.push(Span::styled(
            format!(
                "{}–{} of {} ",
                scroll + 1,
                (scroll + height).min(shown.len()),
                shown.len()
            ),
            t.get(Role::Dim),
        ));
    }
    let mode = if d.view.wrap {
        "w cuts"
    } else {
        "w wraps, < > scroll"
    };
    title.push(Span::styled(
        format!("y copies, o pages, {mode}, Esc closes "),
        t.get(Role::Dim),
    ));
    let inner = frame(title, true, ctx, box_area, buf);
    let lines: Vec<Line<'static>> = shown
        .into_iter()
        .skip(scroll)
        .take(inner.height as usize)
        .map(|l| Line::from(Span::styled(l, t.get(Role::Text))))
        .collect();
    Paragraph::new(lines).render(inner, buf);
}
