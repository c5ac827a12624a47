//! The console: the run's lines with their own colours (SGR turned into styles, everything else
//! shown escaped: `widgets::console_text`), stderr marked in the gutter when the command ran
//! with `--pipe`, search matches highlighted (the current one stronger), long lines wrapped or
//! cut with `…` and scrolled sideways. While following, the last line is at the bottom; paused,
//! the view starts at its top line. The title says following or paused (and how many lines
//! arrived since), the length, wrap, and the search with its position among the matches.
//!
//! Reads the pane only.

use super::ConsolePane;
use crate::model::{ConsoleLine, ConsoleStream};
use crate::tui::context::Shared;
use crate::tui::theme::Role;
use crate::tui::view::{PaneView, RenderCtx, frame, not_ready, title_span};
use crate::tui::widgets::console_text::{StyledChar, styled_chars};
use crate::tui::widgets::text::{clean, count, fit};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

impl PaneView for ConsolePane {
    fn render(
        &self,
        _shared: &Shared,
        focused: bool,
        ctx: &RenderCtx<'_>,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let inner = frame(title(self, focused, ctx), focused, ctx, area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let empty = (self.total == 0).then_some("no console for this run (contexta run -- CMD stores one)");
        if not_ready(&self.load, empty, ctx, inner, buf) {
            return;
        }
        let height = inner.height as u32;
        let range = self.view_range(height);
        let gutter = range
            .clone()
            .filter_map(|n| self.lines.get(&n))
            .any(|l| l.stream != ConsoleStream::Terminal);
        let current = self.search.current_line();
        let needle = self.search.text.as_str();
        let mut rows: Vec<Line<'static>> = Vec::new();
        for n in range {
            let Some(line) = self.lines.get(&n) else {
                // Not read yet (a read is on its way).
                rows.push(Line::default());
                continue;
            };
            let opts = RowOptions {
                width: inner.width as usize,
                hscroll: self.hscroll,
                wrap: self.wrap,
                gutter,
                needle,
                current: current == Some(n),
            };
            rows.extend(console_rows(line, &opts, ctx));
            if !self.follow && rows.len() >= inner.height as usize {
                break;
            }
        }
        // Following: the newest rows at the bottom; paused: from the top line down.
        let skip = if self.follow {
            rows.len().saturating_sub(inner.height as usize)
        } else {
            0
        };
        for (i, row) in rows
            .into_iter()
            .skip(skip)
            .take(inner.height as usize)
            .enumerate()
        {
            row.render(Rect::new(inner.x, inner.y + i as u16, inner.width, 1), buf);
        }
    }
}

fn title(state: &ConsolePane, focused: bool, ctx: &RenderCtx<'_>) -> Vec<Span<'static>> {
    let t = ctx.theme;
    let mut title = vec![title_span("Console", focused, ctx)];
    if state.run.is_none() {
        return title;
    }
    let new = state.new_while_paused();
    let (text, role) = match (state.follow, state.at_failure, new) {
        (true, _, _) => ("● following ".to_string(), Role::Live),
        (false, Some(_), 0) => ("‖ before the failure (F follows) ".to_string(), Role::Stale),
        (false, Some(_), n) => (
            format!("‖ before the failure, {} new (F follows) ", count(u64::from(n))),
            Role::Stale,
        ),
        (false, None, 0) => ("‖ paused (F follows) ".to_string(), Role::Stale),
        (false, None, n) => (
            format!("‖ paused, {} new (F follows) ", count(u64::from(n))),
            Role::Stale,
        ),
    };
    title.push(Span::styled(text, t.get(role)));
    title.push(Span::styled(
        format!("{} lines ", count(u64::from(state.total))),
        t.get(Role::Dim),
    ));
    if state.wrap {
        title.push(Span::styled("wrap ", t.get(Role::Dim)));
    } else if state.hscroll > 0 {
        title.push(Span::styled(
            format!("→{} ", state.hscroll),
            t.get(Role::Dim),
        ));
    }
    let s = &state.search;
    if !s.text.is_empty() {
        let at = if s.no_matches() {
            "no matches".to_string()
        } else if s.searched.as_deref() == Some(s.text.as_str()) {
            let i = s.current.map_or(0, |i| i + 1);
            format!("{i}/{}", count(s.matches.len() as u64))
        } else {
            "(Enter searches)".to_string()
        };
        title.push(Span::styled(
            format!("/{} {at} ", clean(&fit(&s.text, 24))),
            t.get(if s.no_matches() {
                Role::FlashWarn
            } else {
                Role::Key
            }),
        ));
    }
    title
}

/// How one console line is laid out.
pub struct RowOptions<'a> {
    pub width: usize,
    /// Columns scrolled sideways (ignored when wrapping).
    pub hscroll: usize,
    pub wrap: bool,
    /// A one-column gutter marks the stream (stderr) when the console tells them apart.
    pub gutter: bool,
    /// Search text to highlight (case-insensitive), or empty.
    pub needle: &'a str,
    /// The line holds the current match.
    pub current: bool,
}

/// One console line as screen rows: one row cut to the width (with `…`), or several when
/// wrapping.
pub fn console_rows(
    line: &ConsoleLine,
    opts: &RowOptions<'_>,
    ctx: &RenderCtx<'_>,
) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut chars = styled_chars(&line.text, t.colours());
    highlight(
        &mut chars,
        opts.needle,
        t.get(if opts.current {
            Role::MatchCurrent
        } else {
            Role::Match
        }),
    );
    let gutter = opts.gutter.then(|| match line.stream {
        ConsoleStream::Stderr => Span::styled("▍", t.get(Role::Stderr)),
        _ => Span::raw(" "),
    });
    let width = opts.width.saturating_sub(usize::from(opts.gutter));
    let rows: Vec<Vec<StyledChar>> = if opts.wrap {
        wrap_rows(&chars, width)
    } else {
        vec![cut_row(&chars, opts.hscroll, width)]
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, row)| {
            let mut spans = Vec::new();
            if let Some(g) = &gutter {
                spans.push(if i == 0 { g.clone() } else { Span::raw(" ") });
            }
            spans.extend(group(row));
            Line::from(spans)
        })
        .collect()
}

/// Patches `style` onto every case-insensitive occurrence of `needle`.
fn highlight(chars: &mut [StyledChar], needle: &str, style: Style) {
    let needle: Vec<char> = needle.chars().map(fold).collect();
    if needle.is_empty() || needle.len() > chars.len() {
        return;
    }
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        if (0..needle.len()).all(|k| fold(chars[i + k].ch) == needle[k]) {
            for c in &mut chars[i..i + needle.len()] {
                c.style = c.style.patch(style);
            }
            i += needle.len();
        } else {
            i += 1;
        }
    }
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Rows of at most `width` columns.
fn wrap_rows(chars: &[StyledChar], width: usize) -> Vec<Vec<StyledChar>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for c in chars {
        if used + c.width > width.max(1) && used > 0 {
            rows.push(Vec::new());
            used = 0;
        }
        used += c.width;
        if let Some(row) = rows.last_mut() {
            row.push(*c);
        }
    }
    rows
}

/// The columns from `hscroll` on that fit in `width`, with `…` where text was cut off.
fn cut_row(chars: &[StyledChar], hscroll: usize, width: usize) -> Vec<StyledChar> {
    let ellipsis = |style: Style| StyledChar {
        ch: '…',
        style,
        width: 1,
    };
    let mut skipped = 0;
    let mut start = 0;
    while start < chars.len() && skipped < hscroll {
        skipped += chars[start].width;
        start += 1;
    }
    let mut out = Vec::new();
    let mut used = 0;
    let mut cut = false;
    for c in &chars[start..] {
        if used + c.width > width {
            cut = true;
            break;
        }
        used += c.width;
        out.push(*c);
    }
    if cut && width > 0 {
        // Room for the `…`: drop characters from the end until it fits.
        while used + 1 > width {
            match out.pop() {
                Some(c) => used -= c.width,
                None => break,
            }
        }
        let style = out.last().map_or(Style::default(), |c| c.style);
        out.push(ellipsis(style));
    }
    if hscroll > 0
        && start > 0
        && let Some(first) = out.first_mut()
    {
        // A wide first character becomes `…` and a space, so the row keeps its width.
        let wide = first.width > 1;
        let style = first.style;
        *first = ellipsis(style);
        if wide {
            out.insert(
                1,
                StyledChar {
                    ch: ' ',
                    style,
                    width: 1,
                },
            );
        }
    }
    out
}

/// Consecutive characters of one style as one span.
fn group(row: Vec<StyledChar>) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for c in row {
        if style.is_some_and(|s| s != c.style) {
            spans.push(Span::styled(std::mem::take(&mut text), style.unwrap_or_default()));
        }
        style = Some(c.style);
        text.push(c.ch);
    }
    if let Some(s) = style {
        spans.push(Span::styled(text, s));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;

    fn text_of(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn rows(text: &str, opts: &RowOptions<'_>) -> Vec<Line<'static>> {
        let theme = Theme::defaults(false);
        let keymap = Keymap::defaults();
        let ctx = RenderCtx {
            theme: &theme,
            keymap: &keymap,
            now: Timestamp(0),
        };
        let line = ConsoleLine {
            line: 0,
            stream: ConsoleStream::Stderr,
            at: Timestamp(0),
            text: text.into(),
        };
        console_rows(&line, opts, &ctx)
    }

    fn opts(width: usize) -> RowOptions<'static> {
        RowOptions {
            width,
            hscroll: 0,
            wrap: false,
            gutter: false,
            needle: "",
            current: false,
        }
    }

    #[test]
    fn long_lines_are_cut_with_an_ellipsis_or_wrapped() {
        let text = "0123456789abcdefghij";
        assert_eq!(text_of(&rows(text, &opts(8))), ["0123456…"]);
        assert_eq!(text_of(&rows(text, &opts(20))), [text]);
        let scrolled = RowOptions {
            hscroll: 8,
            ..opts(8)
        };
        assert_eq!(text_of(&rows(text, &scrolled)), ["…9abcde…"]);
        let wrapped = RowOptions {
            wrap: true,
            ..opts(8)
        };
        assert_eq!(
            text_of(&rows(text, &wrapped)),
            ["01234567", "89abcdef", "ghij"]
        );
        // The stderr gutter takes a column on the first row only.
        let gut = RowOptions {
            gutter: true,
            ..wrapped
        };
        assert_eq!(
            text_of(&rows(text, &gut)),
            ["▍0123456", " 789abcd", " efghij"]
        );
    }

    #[test]
    fn matches_are_highlighted_ignoring_case() {
        let o = RowOptions {
            needle: "err",
            ..opts(40)
        };
        let r = rows("an ERROR and an error", &o);
        let theme = Theme::defaults(false);
        let hits: Vec<String> = r[0]
            .spans
            .iter()
            .filter(|s| s.style == theme.get(Role::Match))
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(hits, ["ERR", "err"]);
    }
}
