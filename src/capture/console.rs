//! Console capture: a wrapped command's output goes through a virtual terminal (avt), and what
//! we store is what a terminal would show, line by line. A `\r`-redrawn progress bar is one
//! line in its latest state, not thousands of fragments; soft-wrapped rows are one line; cursor
//! movement, clearing, titles and every other escape are obeyed or dropped, never stored. Only
//! colours and text attributes survive, as SGR sequences we write ourselves from cell styles.
//!
//! Lines are numbered in the order they first appear. A line still on the virtual screen may be
//! redrawn, so `drain` reports it again (same number) whenever its content changed since it was
//! last reported; a line that scrolled off is final. Memory is bounded: the screen, one pending
//! wrapped line (capped) and a map of the lines still on screen.

use crate::model::{CONSOLE_LINE_CAP, ConsoleLine, ConsoleStream, Timestamp};
use avt::observer::{Observation, Observer};
use avt::{Color, Line, Pen, ScreenKind, Terminal};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Hands out console line numbers, shared by the captures of one run (stdout and stderr in
/// `--pipe` mode), so lines of both streams interleave in the order they appeared.
#[derive(Debug, Default)]
pub struct LineCounter {
    next: u32,
}

impl LineCounter {
    /// Continue after `existing` lines (a resumed run keeps its earlier console).
    pub fn starting_at(existing: u32) -> Self {
        LineCounter { next: existing }
    }

    fn take(&mut self) -> u32 {
        let n = self.next;
        self.next = self.next.saturating_add(1);
        n
    }

    pub fn next(&self) -> u32 {
        self.next
    }
}

/// A line as stored: text with our own SGR sequences, and its visible length.
#[derive(Clone, Default)]
struct Rendered {
    text: String,
    visible: usize,
    pen: Option<Pen>,
}

impl Rendered {
    fn push_row(&mut self, line: &Line) {
        let cells = line.cells();
        // Trailing cells that show nothing (blank, no background) are the screen, not output.
        let end = cells
            .iter()
            .rposition(|c| !(c.char() == ' ' && shows_nothing(c.pen())))
            .map(|i| i + 1)
            .unwrap_or(0);
        for cell in &cells[..end] {
            if cell.width() == 0 {
                continue; // the right half of a wide character
            }
            if self.visible >= CONSOLE_LINE_CAP {
                break;
            }
            let pen = *cell.pen();
            if self.pen.unwrap_or_default() != pen {
                push_sgr(&mut self.text, &pen);
                self.pen = Some(pen);
            }
            push_char(&mut self.text, cell.char());
            self.visible += 1;
        }
        if line.is_wrapped() && end < cells.len() && self.visible < CONSOLE_LINE_CAP {
            // A soft wrap after trailing blanks: the blanks were part of the line.
            for _ in end..cells.len() {
                if self.visible >= CONSOLE_LINE_CAP {
                    break;
                }
                if self.pen.is_some_and(|p| !p.is_default()) {
                    self.text.push_str("\u{1b}[0m");
                    self.pen = None;
                }
                self.text.push(' ');
                self.visible += 1;
            }
        }
    }

    fn finish(mut self) -> String {
        if self.pen.is_some_and(|p| !p.is_default()) {
            self.text.push_str("\u{1b}[0m");
        }
        self.text
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

fn shows_nothing(pen: &Pen) -> bool {
    pen.background().is_none() && !pen.is_inverse() && !pen.is_underline()
}

/// Characters that reorder or hide text (bidi overrides and isolates) are stored as visible
/// escapes, like control characters are shown by `sanitize`: a console line must read as
/// what it is.
fn push_char(out: &mut String, c: char) {
    if matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        || c.is_control()
    {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    } else {
        out.push(c);
    }
}

fn push_color(out: &mut String, color: Color, base: u8) {
    match color {
        Color::Indexed(n) if n < 8 => {
            let _ = write!(out, ";{}", base + n);
        }
        Color::Indexed(n) if n < 16 => {
            let _ = write!(out, ";{}", base + 60 + (n - 8));
        }
        Color::Indexed(n) => {
            let _ = write!(out, ";{};5;{n}", base + 8);
        }
        Color::RGB(c) => {
            let _ = write!(out, ";{};2;{};{};{}", base + 8, c.r, c.g, c.b);
        }
    }
}

/// One SGR sequence that sets exactly `pen` (starting from a reset).
fn push_sgr(out: &mut String, pen: &Pen) {
    out.push_str("\u{1b}[0");
    if pen.is_bold() {
        out.push_str(";1");
    }
    if pen.is_faint() {
        out.push_str(";2");
    }
    if pen.is_italic() {
        out.push_str(";3");
    }
    if pen.is_underline() {
        out.push_str(";4");
    }
    if pen.is_blink() {
        out.push_str(";5");
    }
    if pen.is_inverse() {
        out.push_str(";7");
    }
    if pen.is_strikethrough() {
        out.push_str(";9");
    }
    if let Some(c) = pen.foreground() {
        push_color(out, c, 30);
    }
    if let Some(c) = pen.background() {
        push_color(out, c, 40);
    }
    out.push('m');
}

/// Collects rows as they scroll off the top of the virtual screen (final from then on).
#[derive(Default)]
struct Evictions {
    /// A logical line whose first rows left the screen while it continues (soft wrap).
    pending: Rendered,
    /// Logical lines completed by eviction, oldest first.
    done: Vec<String>,
}

impl Observer for Evictions {
    type Output = ();

    fn evicted(&mut self, _: &mut Observation<'_>, line: &Line) {
        self.pending.push_row(line);
        if !line.is_wrapped() {
            let done = std::mem::take(&mut self.pending);
            self.done.push(done.finish());
        }
    }

    fn end(&mut self, _: &mut Observation<'_>) {}
}

/// What was last reported for a line still open to change.
struct Reported {
    line: u32,
    at: Timestamp,
    text: String,
}

pub struct ConsoleCapture {
    term: Terminal,
    evictions: Evictions,
    stream: ConsoleStream,
    /// Logical lines of this stream that have fully left the screen.
    evicted: u64,
    /// Lines reported while on screen, by their index in this stream.
    reported: HashMap<u64, Reported>,
    /// Bytes of an incomplete UTF-8 sequence at the end of the last chunk.
    carry: Vec<u8>,
}

impl ConsoleCapture {
    pub fn new(cols: u16, rows: u16, stream: ConsoleStream) -> Self {
        #[allow(clippy::expect_used)]
        let term = Terminal::new(usize::from(cols.max(1)), usize::from(rows.max(1)))
            .expect("both sizes are at least 1");
        let mut c = ConsoleCapture {
            term,
            evictions: Evictions::default(),
            stream,
            evicted: 0,
            reported: HashMap::new(),
            carry: Vec::new(),
        };
        if stream != ConsoleStream::Terminal {
            // A pipe has no terminal driver turning `\n` into `\r\n`: new-line mode does.
            c.term.feed("\u{1b}[20h");
        }
        c
    }

    /// Feeds raw output bytes (any split, any encoding errors).
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.carry.is_empty() {
            self.feed_bytes(bytes);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(bytes);
            self.feed_bytes(&joined);
        }
    }

    fn feed_bytes(&mut self, input: &[u8]) {
        let mut text = String::new();
        let mut chunks = input.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            text.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            if chunks.peek().is_none() && invalid.len() < 4 && could_continue(invalid) {
                // The rest of this character comes with the next read.
                self.carry.extend_from_slice(invalid);
            } else {
                text.push('\u{fffd}');
            }
        }
        self.term.feed_with(text.as_str(), &mut self.evictions);
    }

    /// Lines that scrolled off and wait for `drain`.
    pub fn pending_lines(&self) -> usize {
        self.evictions.done.len()
    }

    /// The virtual terminal follows the real one's size.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.term.resize_with(
            usize::from(cols.max(1)),
            usize::from(rows.max(1)),
            &mut self.evictions,
        );
    }

    /// Lines that are new or changed since the last call: those that scrolled off, then those
    /// on screen up to the cursor (or the last line with text). `finished` treats the whole
    /// screen as final (the command ended) and leaves nothing open.
    pub fn drain(
        &mut self,
        counter: &mut LineCounter,
        now: Timestamp,
        finished: bool,
    ) -> Vec<ConsoleLine> {
        let mut out = Vec::new();
        for text in std::mem::take(&mut self.evictions.done) {
            let idx = self.evicted;
            self.evicted += 1;
            let prev = self.reported.remove(&idx);
            if prev.as_ref().is_some_and(|p| p.text == text) {
                continue;
            }
            let (line, at) = match prev {
                Some(p) => (p.line, p.at),
                None => (counter.take(), now),
            };
            out.push(self.line(line, at, text));
        }

        // Logical lines still on screen, the first continuing the pending evicted part.
        let screen = self.term.primary_screen();
        let mut lines: Vec<String> = Vec::new();
        // The pending evicted part stays with `Evictions` until its line completes.
        let mut current = self.evictions.pending.clone();
        let mut last_text = None;
        let cursor_row =
            (self.term.active_screen_kind() == ScreenKind::Primary).then(|| self.term.cursor().row);
        let mut cursor_line = None;
        for (row, l) in screen.visible_lines().enumerate() {
            current.push_row(l);
            if Some(row) == cursor_row {
                cursor_line = Some(lines.len());
            }
            if !l.is_wrapped() {
                let r = std::mem::take(&mut current);
                if !r.is_empty() {
                    last_text = Some(lines.len());
                }
                lines.push(r.finish());
            }
        }
        if !current.is_empty() {
            last_text = Some(lines.len());
            lines.push(current.finish());
        }
        let last_reported = self
            .reported
            .keys()
            .max()
            .map(|k| k.saturating_sub(self.evicted) as usize);
        let mut end = [last_text, last_reported]
            .into_iter()
            .flatten()
            .max()
            .map(|i| i + 1)
            .unwrap_or(0);
        if !finished && let Some(c) = cursor_line {
            // A line being typed out under the cursor is worth showing live.
            if !lines.get(c).is_none_or(|t| t.is_empty()) {
                end = end.max(c + 1);
            }
        }
        for (i, text) in lines.into_iter().take(end).enumerate() {
            let idx = self.evicted + i as u64;
            match self.reported.get_mut(&idx) {
                Some(p) if p.text == text => {}
                Some(p) => {
                    p.text = text.clone();
                    out.push(ConsoleLine {
                        line: p.line,
                        stream: self.stream,
                        at: p.at,
                        text,
                    });
                }
                None => {
                    let line = counter.take();
                    out.push(self.line(line, now, text.clone()));
                    if !finished {
                        self.reported.insert(
                            idx,
                            Reported {
                                line,
                                at: now,
                                text,
                            },
                        );
                    }
                }
            }
        }
        if finished {
            self.reported.clear();
        }
        out
    }

    fn line(&self, line: u32, at: Timestamp, text: String) -> ConsoleLine {
        ConsoleLine {
            line,
            stream: self.stream,
            at,
            text,
        }
    }
}

/// Whether `bytes` is a proper prefix of some UTF-8 encoded character.
fn could_continue(bytes: &[u8]) -> bool {
    let need = match bytes[0] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return false,
    };
    bytes.len() < need && bytes[1..].iter().all(|b| (0x80..=0xbf).contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(input: &[&[u8]], cols: u16, rows: u16) -> Vec<String> {
        let mut c = ConsoleCapture::new(cols, rows, ConsoleStream::Terminal);
        let mut counter = LineCounter::default();
        let mut lines: Vec<Option<String>> = Vec::new();
        let mut apply = |out: Vec<ConsoleLine>| {
            for l in out {
                let i = l.line as usize;
                if lines.len() <= i {
                    lines.resize(i + 1, None);
                }
                lines[i] = Some(l.text);
            }
        };
        for chunk in input {
            c.feed(chunk);
            apply(c.drain(&mut counter, Timestamp(1), false));
        }
        apply(c.drain(&mut counter, Timestamp(2), true));
        lines.into_iter().map(|l| l.unwrap_or_default()).collect()
    }

    #[test]
    fn progress_bar_redrawn_with_cr_is_stored_as_its_final_state() {
        let mut input: Vec<Vec<u8>> = vec![b"start\r\n".to_vec()];
        for p in 0..=100 {
            input.push(format!("\rtraining {p:3}%").into_bytes());
        }
        input.push(b"\r\ndone\r\n".to_vec());
        let refs: Vec<&[u8]> = input.iter().map(|v| v.as_slice()).collect();
        assert_eq!(capture(&refs, 80, 24), ["start", "training 100%", "done"]);
    }

    #[test]
    fn lines_that_scroll_off_are_kept_in_order() {
        let text: String = (0..100).map(|i| format!("line {i}\r\n")).collect();
        let got = capture(&[text.as_bytes()], 20, 5);
        assert_eq!(got.len(), 100);
        assert_eq!(got[0], "line 0");
        assert_eq!(got[99], "line 99");
    }

    #[test]
    fn colours_are_kept_as_sgr_and_other_escapes_are_dropped() {
        let got = capture(
            &[b"\x1b]0;pwned title\x07\x1b[31mred\x1b[0m plain\r\n\x1b[2Jafter\x1b[5;5H\r\n"],
            40,
            6,
        );
        assert_eq!(got[0], "\x1b[0;31mred\x1b[0m plain");
        assert!(got.iter().any(|l| l == "after"), "{got:?}");
        for l in &got {
            assert!(!l.contains("title") && !l.contains("\x07"), "{l:?}");
        }
    }

    #[test]
    fn bidi_overrides_are_stored_visibly() {
        let got = capture(&["a\u{202e}evil\u{2066}\r\n".as_bytes()], 40, 6);
        assert_eq!(got, ["a\\u{202e}evil\\u{2066}"]);
    }

    #[test]
    fn soft_wrapped_rows_are_one_line_and_lines_are_capped() {
        let long = "x".repeat(25);
        let got = capture(&[format!("{long}\r\nnext\r\n").as_bytes()], 10, 4);
        assert_eq!(got, [long.as_str(), "next"]);
        let huge = "y".repeat(CONSOLE_LINE_CAP + 500);
        let got = capture(&[format!("{huge}\r\n").as_bytes()], 80, 4);
        assert_eq!(got[0].chars().count(), CONSOLE_LINE_CAP);
    }

    #[test]
    fn utf8_split_across_reads_is_kept_whole() {
        let s = "héllo ✓\r\n".as_bytes();
        let (a, b) = s.split_at(2); // inside é
        let got = capture(&[a, b], 40, 4);
        assert_eq!(got, ["héllo ✓"]);
    }

    #[test]
    fn a_live_line_is_reported_again_when_redrawn_under_the_same_number() {
        let mut c = ConsoleCapture::new(40, 5, ConsoleStream::Terminal);
        let mut n = LineCounter::default();
        c.feed(b"epoch 1: 10%");
        let first = c.drain(&mut n, Timestamp(1), false);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].text, "epoch 1: 10%");
        assert!(c.drain(&mut n, Timestamp(2), false).is_empty(), "unchanged");
        c.feed(b"\repoch 1: 90%");
        let second = c.drain(&mut n, Timestamp(3), false);
        assert_eq!(second.len(), 1);
        assert_eq!((second[0].line, second[0].at), (0, Timestamp(1)));
        assert_eq!(second[0].text, "epoch 1: 90%");
    }

    #[test]
    fn two_streams_share_one_numbering() {
        let mut out = ConsoleCapture::new(40, 5, ConsoleStream::Stdout);
        let mut err = ConsoleCapture::new(40, 5, ConsoleStream::Stderr);
        let mut n = LineCounter::starting_at(7);
        out.feed(b"o1\n");
        out.feed(b"o2\n");
        let a = out.drain(&mut n, Timestamp(1), false);
        err.feed(b"e1\n");
        let b = err.drain(&mut n, Timestamp(2), false);
        assert_eq!((a[0].line, a[0].stream), (7, ConsoleStream::Stdout));
        assert_eq!((a[1].line, a[1].text.as_str()), (8, "o2"));
        assert_eq!((b[0].line, b[0].stream), (9, ConsoleStream::Stderr));
    }
}
