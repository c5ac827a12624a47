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

use super::plain_lines::{PlainLine, plain_lines};
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
    /// A bare `\n` starts a new line (new-line mode: pipes have no terminal driver).
    lf_is_newline: bool,
    /// Long runs of plain lines skip the emulator (off only to test that it changes nothing).
    fast: bool,
    /// Lines taken without emulation (tests look: the fast path must be the one taken).
    skipped: u64,
}

/// Plain lines a run must have before its middle skips the emulator: the emulator still sees
/// a screenful at each end, so a shorter run gains nothing.
const FAST_MIN_EXTRA: usize = 32;

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
            lf_is_newline: stream != ConsoleStream::Terminal,
            fast: true,
            skipped: 0,
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
        self.feed_text(&text);
    }

    /// Feeds text to the virtual terminal, skipping the emulation of the middle of long runs of
    /// plain lines (`plain_lines`), which is most of a chatty command's output and most of the
    /// cost of capturing it. A run's first screenful goes through the emulator; if the screen
    /// then holds exactly those lines, in the default pen, with the cursor at the start of a
    /// blank bottom row (full-screen scrolling, nothing pending), each further plain line would
    /// only scroll the top row off. So the screen is cleared (which evicts its rows, in order),
    /// the middle lines are taken as evicted, and the run's last screenful is printed on the
    /// cleared screen: the same lines in the same order, the same final screen and cursor.
    /// Anything else, or a check that fails, goes through the emulator as it is.
    fn feed_text(&mut self, mut text: &str) {
        let (cols, rows) = self.term.size();
        let max_len = cols.min(CONSOLE_LINE_CAP);
        while self.fast && !text.is_empty() {
            // A run starts after a line end (the cursor is then at a line's start).
            let Some(first) = text.bytes().position(|b| b == b'\n') else {
                break;
            };
            let from = first + 1;
            let lines = plain_lines(&text.as_bytes()[from..], max_len, self.lf_is_newline);
            if rows < 2 || lines.len() < 2 * rows + FAST_MIN_EXTRA {
                // Too short to gain: through the emulator to the end of this run (or of this
                // line); a longer run may start after it.
                let next = from + lines.last().map_or(0, |l| l.next);
                self.term.feed_with(&text[..next], &mut self.evictions);
                text = &text[next..];
                continue;
            }
            let line = |l: &PlainLine| &text[from + l.start..from + l.end];
            // A screenful through the emulator: the screen should then show lines 1..rows.
            let head = from + lines[rows - 1].next;
            self.term.feed_with(&text[..head], &mut self.evictions);
            let shown: Vec<&str> = lines[1..rows].iter().map(line).collect();
            let end = from + lines[lines.len() - 1].next;
            if !self.settled_on(&shown) {
                self.term.feed_with(&text[head..end], &mut self.evictions);
                text = &text[end..];
                continue;
            }
            self.term
                .feed_with("\u{1b}[2J\u{1b}[H", &mut self.evictions);
            let tail = lines.len() - (rows - 1);
            self.skipped += (tail - rows) as u64;
            for l in &lines[rows..tail] {
                self.evictions
                    .done
                    .push(line(l).trim_end_matches(' ').to_string());
            }
            self.term
                .feed_with(&text[from + lines[tail].start..end], &mut self.evictions);
            text = &text[end..];
        }
        if !text.is_empty() {
            self.term.feed_with(text, &mut self.evictions);
        }
    }

    /// Whether the screen shows exactly `lines` from its top row, in the default pen and not
    /// wrapped, over a blank bottom row holding the cursor at its start, on the primary screen
    /// with no wrapped line pending: the state in which a plain line only scrolls.
    fn settled_on(&self, lines: &[&str]) -> bool {
        let (_, rows) = self.term.size();
        let cursor = self.term.cursor();
        if self.term.active_screen_kind() != ScreenKind::Primary
            || (cursor.row, cursor.col) != (rows - 1, 0)
            || !self.evictions.pending.is_empty()
            || lines.len() != rows - 1
            // One printed character at least shows the pen the run is printed in.
            || lines.iter().all(|l| l.trim_end_matches(' ').is_empty())
        {
            return false;
        }
        let screen = self.term.primary_screen();
        for (row, l) in screen.visible_lines().enumerate() {
            if l.is_wrapped() {
                return false;
            }
            let mut r = Rendered::default();
            r.push_row(l);
            let text = r.finish();
            let want = lines.get(row).map_or("", |s| s.trim_end_matches(' '));
            if text != want {
                return false;
            }
        }
        true
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

    /// A command that clears its screen (`clear`, `\e[2J`) keeps every line it printed, in
    /// order, however the output is split and drained.
    #[test]
    fn clearing_the_screen_loses_no_printed_line() {
        let before: String = (0..53).map(|i| format!("line {i}\r\n")).collect();
        let after = "\x1b[2J\x1b[Hafter 1\r\nafter 2\r\n";
        let whole = format!("{before}{after}");
        for chunks in [
            vec![before.as_bytes(), after.as_bytes()],
            vec![whole.as_bytes()],
        ] {
            let got = capture(&chunks, 40, 24);
            let text: Vec<&str> = got
                .iter()
                .map(String::as_str)
                .filter(|l| !l.is_empty())
                .collect();
            let mut want: Vec<String> = (0..53).map(|i| format!("line {i}")).collect();
            want.push("after 1".into());
            want.push("after 2".into());
            assert_eq!(text, want);
        }
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

    /// Every line (number, text) a capture reports, fed `chunks` with drains between some.
    fn all_lines(
        fast: bool,
        stream: ConsoleStream,
        chunks: &[Vec<u8>],
        size: (u16, u16),
    ) -> (Vec<(u32, String)>, u64) {
        let mut c = ConsoleCapture::new(size.0, size.1, stream);
        c.fast = fast;
        let mut n = LineCounter::default();
        let mut out = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            c.feed(chunk);
            if i % 3 == 0 {
                out.extend(
                    c.drain(&mut n, Timestamp(1), false)
                        .into_iter()
                        .map(|l| (l.line, l.text)),
                );
            }
        }
        out.extend(
            c.drain(&mut n, Timestamp(2), true)
                .into_iter()
                .map(|l| (l.line, l.text)),
        );
        (out, c.skipped)
    }

    /// Splits `bytes` at pseudo-random places (seeded).
    fn split(bytes: &[u8], seed: u64, max: usize) -> Vec<Vec<u8>> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let n = rng.usize(1..=max).min(bytes.len() - at);
            out.push(bytes[at..at + n].to_vec());
            at += n;
        }
        out
    }

    #[test]
    fn skipping_the_emulator_for_plain_lines_changes_nothing_stored() {
        let plain = |n: usize, tag: &str| -> String {
            (0..n).map(|i| format!("{tag} line {i}   \r\n")).collect()
        };
        let cases: Vec<(String, ConsoleStream)> = vec![
            (plain(500, "a"), ConsoleStream::Terminal),
            // Output before and after the run, a partial last line, an empty line.
            (
                format!(
                    "start\r\n\x1b[1mbold\x1b[0m\r\n{}\r\nmid\r\n{}tail",
                    plain(300, "b"),
                    plain(200, "c")
                ),
                ConsoleStream::Terminal,
            ),
            // A pen set before the run colours every line of it.
            (
                format!("\x1b[31m{}\x1b[0mafter\r\n", plain(300, "red")),
                ConsoleStream::Terminal,
            ),
            // A scroll region keeps the top rows; the cursor moved up overwrites old rows.
            (
                format!(
                    "{}\x1b[3;10r\x1b[10;1H{}\x1b[r",
                    plain(30, "pre"),
                    plain(300, "region")
                ),
                ConsoleStream::Terminal,
            ),
            (
                format!("{}\x1b[5A{}", plain(40, "up"), plain(300, "over")),
                ConsoleStream::Terminal,
            ),
            // The alternate screen, a progress bar, then plain lines.
            (
                format!(
                    "\x1b[?1049h{}\x1b[?1049l{}",
                    plain(100, "alt"),
                    plain(100, "main")
                ),
                ConsoleStream::Terminal,
            ),
            (
                format!(
                    "{}\rprogress 10%\rprogress 99%\r\n{}",
                    plain(100, "p"),
                    plain(100, "q")
                ),
                ConsoleStream::Terminal,
            ),
            // Bare line feeds: a terminal only moves down; a pipe starts a new line.
            (
                (0..300).map(|i| format!("lf {i}\n")).collect(),
                ConsoleStream::Terminal,
            ),
            (
                (0..300).map(|i| format!("pipe {i}\n")).collect(),
                ConsoleStream::Stdout,
            ),
            // Blank lines only, then text.
            (
                format!("{}{}", "\r\n".repeat(200), plain(100, "x")),
                ConsoleStream::Terminal,
            ),
        ];
        let mut skipped = vec![0; cases.len()];
        for (i, (text, stream)) in cases.iter().enumerate() {
            for (seed, max) in [(1, 100_000), (2, 4096), (3, 700), (4, 37)] {
                let chunks = split(text.as_bytes(), seed + i as u64 * 10, max);
                for size in [(80, 24), (20, 5), (120, 3)] {
                    let (slow, none) = all_lines(false, *stream, &chunks, size);
                    let (fast, n) = all_lines(true, *stream, &chunks, size);
                    assert_eq!(none, 0);
                    assert_eq!(
                        fast, slow,
                        "case {i}, seed {seed}, chunks up to {max}, size {size:?}"
                    );
                    skipped[i] += n;
                }
            }
        }
        // The fast path was taken where it can be, and never where a line is not shown as its
        // bytes (printed in a colour, or bare line feeds on a terminal).
        for i in [0, 1, 6, 8, 9] {
            assert!(skipped[i] > 0, "case {i}: {skipped:?}");
        }
        for i in [2, 7] {
            assert_eq!(skipped[i], 0, "case {i}: {skipped:?}");
        }
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
