//! How a pane shows text longer than its width: cut with an ellipsis and scrolled sideways
//! (`<`/`>`, and ←/→ where those keys are free), or wrapped (`w`). The record stream,
//! diagnostics, the lineage and the detail overlay each keep one; `widgets::longtext` draws it.
//!
//! Pure: the state, and the text functions that cut and wrap (`window`, `wrap`, `cell`; widths
//! in chars, as everywhere in the explorer's text helpers), shared by the views that draw and
//! the reducer that counts lines to scroll.

/// Columns one press of `<`/`>` moves the text.
pub const HSCROLL_STEP: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextView {
    /// Long text wraps onto more lines instead of being cut.
    pub wrap: bool,
    /// Columns scrolled past the start of cut text (unused while wrapping).
    pub hscroll: usize,
}

impl TextView {
    /// Wrapping on: the detail overlay's default (it exists to show every field in full).
    pub fn wrapped() -> TextView {
        TextView {
            wrap: true,
            hscroll: 0,
        }
    }

    /// `w`: wrap, or cut again (scrolled back to the start).
    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
        self.hscroll = 0;
    }

    /// `<`/`>`: scroll cut text sideways. False while wrapping (there is nothing to scroll).
    pub fn scroll(&mut self, right: bool) -> bool {
        if self.wrap {
            return false;
        }
        self.hscroll = if right {
            self.hscroll.saturating_add(HSCROLL_STEP)
        } else {
            self.hscroll.saturating_sub(HSCROLL_STEP)
        };
        true
    }
}

/// What the status line says when `<`/`>` is pressed while wrapping.
pub const SCROLL_WHILE_WRAPPED: &str = "scroll: lines are wrapped (w cuts them again)";

/// `text` seen `width` chars wide from char `from` on: `…` first when scrolled past the start,
/// `…` last when more follows. Scrolling past the end leaves the `…` showing there is text
/// to the left.
pub fn window(text: &str, from: usize, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let n = text.chars().count();
    // Scrolled past the end: the last char stays in view beside the marker.
    let from = from.min(n.saturating_sub(2));
    if from == 0 && n <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut room = width;
    if from > 0 {
        out.push('…');
        room -= 1;
        if room == 0 {
            return out;
        }
    }
    // Where the visible text starts: the char under the left marker is hidden by it.
    let start = if from > 0 { from + 1 } else { 0 };
    let rest = n.saturating_sub(start);
    if rest <= room {
        out.extend(text.chars().skip(start));
    } else {
        out.extend(text.chars().skip(start).take(room - 1));
        out.push('…');
    }
    out
}

/// `text` as lines at most `width` chars wide, broken after the last space that fits (or
/// mid-word when a word is longer than a line); line breaks in `text` are kept. Never empty.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let chars: Vec<char> = para.chars().collect();
        if chars.is_empty() {
            out.push(String::new());
            continue;
        }
        let mut start = 0;
        while start < chars.len() {
            let end = (start + width).min(chars.len());
            let cut = if end == chars.len() {
                end
            } else {
                // Break after a space inside the line when there is one.
                match chars[start..end].iter().rposition(|c| *c == ' ') {
                    Some(p) if p > 0 => start + p + 1,
                    _ => end,
                }
            };
            out.push(chars[start..cut].iter().collect());
            start = cut;
        }
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// A cell's text as shown: wrapped into lines, or one line scrolled `hscroll` and cut.
pub fn cell(text: &str, wrapped: bool, hscroll: usize, width: usize) -> Vec<String> {
    if wrapped {
        wrap(text, width)
    } else {
        vec![window(text, hscroll, width)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_text_shows_an_ellipsis_on_each_side_with_more() {
        assert_eq!(window("short", 0, 10), "short");
        assert_eq!(window("abcdefghij", 0, 5), "abcd…");
        // Scrolled: a marker on the left, and on the right while more follows.
        assert_eq!(window("abcdefghij", 2, 5), "…def…");
        assert_eq!(window("abcdefghij", 6, 5), "…hij");
        // Past the end the left marker still says there is text.
        assert_eq!(window("abc", 40, 5), "…c");
        assert_eq!(window("abcdef", 0, 0), "");
        assert_eq!(window("abcdef", 3, 1), "…");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_keeps_every_char() {
        assert_eq!(
            wrap("the quick brown fox", 10),
            vec!["the quick ", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 4), vec!["a", "", "b"]);
        assert_eq!(wrap("", 4), vec![""]);
        let text = "x".repeat(33) + " tail";
        assert_eq!(wrap(&text, 7).concat(), text);
    }
}
