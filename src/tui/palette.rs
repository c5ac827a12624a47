//! Colours for terminals that know only the 16 ANSI colours (`TERM=xterm`, `linux`, `screen`,
//! `vt100`…). crossterm writes every colour, even `red`, as a 256-colour escape (`38;5;9`),
//! which such terminals misread or ignore. `Palette` sits between the backend and the terminal:
//! it holds a frame's bytes until `flush` (ratatui flushes once per frame) and, for a 16-colour
//! terminal, rewrites colour escapes to their 16-colour forms (`91`), mapping a 256-colour index
//! or an RGB colour to the nearest ANSI colour. Other bytes pass unchanged.
//!
//! It also makes frames cheaper to send: a frame is gathered between `begin_frame` and
//! `end_frame`, sent inside one synchronized update, with shorter cursor moves (`motion`), and
//! not at all when it changes nothing.
//!
//! Never reads state or the environment (the shell passes the `Depth`).

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;

/// How many colours the terminal shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    Ansi16,
    /// 256 colours or more: escapes pass unchanged.
    Full,
}

/// The terminal's colour depth from `TERM` and `COLORTERM`: 16 colours unless either says more.
pub fn depth(term: Option<&str>, colorterm: Option<&str>) -> Depth {
    if colorterm.is_some_and(|c| !c.is_empty()) {
        return Depth::Full;
    }
    let term = term.unwrap_or("");
    let full = [
        "256color",
        "direct",
        "truecolor",
        "kitty",
        "alacritty",
        "wezterm",
        "ghostty",
    ]
    .iter()
    .any(|t| term.contains(t))
        || term == "foot";
    if full { Depth::Full } else { Depth::Ansi16 }
}

pub struct Palette<W: Write> {
    inner: W,
    depth: Depth,
    frame: Vec<u8>,
    /// The screen's width, for following the cursor (`motion`); 0 leaves moves as written.
    columns: u16,
    /// Whether the last frame sent left the cursor shown.
    cursor_shown: bool,
    frames: FrameGate,
}

/// Marks where a frame starts and ends, from outside the backend that owns the `Palette`.
/// Between `begin` and `end`, flushes only gather (ratatui flushes more than once a frame, e.g.
/// after hiding the cursor); the flush after `end` sends the frame.
#[derive(Clone, Default)]
pub struct FrameGate(Rc<GateState>);

#[derive(Default)]
struct GateState {
    in_frame: Cell<bool>,
    /// Set by `end`: the next flush sends a whole frame, drawn on a screen this wide.
    ended: Cell<Option<u16>>,
}

impl FrameGate {
    pub fn begin(&self) {
        self.0.in_frame.set(true);
    }

    /// Ends the frame; the caller then flushes the backend, which sends it.
    pub fn end(&self, columns: u16) {
        self.0.in_frame.set(false);
        self.0.ended.set(Some(columns));
    }
}

impl<W: Write> Palette<W> {
    pub fn new(inner: W, depth: Depth) -> Palette<W> {
        Palette {
            inner,
            depth,
            frame: Vec::new(),
            columns: 0,
            cursor_shown: false,
            frames: FrameGate::default(),
        }
    }

    /// The handle that marks this writer's frames.
    pub fn frames(&self) -> FrameGate {
        self.frames.clone()
    }

    fn send(&mut self, sync: bool) -> io::Result<()> {
        let bytes = std::mem::take(&mut self.frame);
        if changes_nothing(&bytes, self.cursor_shown) {
            return Ok(());
        }
        self.cursor_shown = cursor_shown_after(&bytes, self.cursor_shown);
        let bytes = if self.columns > 0 {
            crate::tui::motion::shorten_moves(&bytes, self.columns)
        } else {
            bytes
        };
        if sync {
            self.inner.write_all(BEGIN_SYNC)?;
        }
        match self.depth {
            Depth::Full => self.inner.write_all(&shorter_bright_colours(&bytes))?,
            Depth::Ansi16 => self.inner.write_all(&to_16_colours(&bytes))?,
        }
        if sync {
            self.inner.write_all(END_SYNC)?;
        }
        self.inner.flush()
    }
}

const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// Whether a frame changes nothing on the screen: only colour and attribute resets (ratatui
/// ends every frame with them) and a cursor hide when it is already hidden.
fn changes_nothing(frame: &[u8], cursor_shown: bool) -> bool {
    let mut rest = frame;
    while !rest.is_empty() {
        if rest.starts_with(b"\x1b[") {
            let end = rest[2..]
                .iter()
                .position(|b| (0x40..=0x7e).contains(b))
                .map(|p| p + 3);
            match end {
                Some(end) if rest[end - 1] == b'm' => rest = &rest[end..],
                Some(end) if &rest[..end] == HIDE_CURSOR && !cursor_shown => rest = &rest[end..],
                _ => return false,
            }
        } else {
            return false;
        }
    }
    true
}

/// Where the frame leaves the cursor's visibility: the last show or hide in it.
fn cursor_shown_after(frame: &[u8], before: bool) -> bool {
    let last = |pat: &[u8]| frame.windows(pat.len()).rposition(|w| w == pat);
    match (last(SHOW_CURSOR), last(HIDE_CURSOR)) {
        (Some(s), Some(h)) => s > h,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => before,
    }
}

impl<W: Write> Write for Palette<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.frame.extend_from_slice(buf);
        Ok(buf.len())
    }

    /// Inside a frame, gathers. After a frame's end, sends it inside one synchronized update
    /// (DEC 2026) so terminals never show half of it, with shorter cursor moves; a frame that
    /// changes nothing (a redraw whose cells all stayed the same) sends nothing at all. Outside
    /// frames (a clipboard copy), sends what was written at once.
    fn flush(&mut self) -> io::Result<()> {
        let gate = &self.frames.0;
        if gate.in_frame.get() {
            return Ok(());
        }
        match gate.ended.take() {
            Some(columns) => {
                self.columns = columns;
                self.send(true)
            }
            None => self.send(false),
        }
    }
}

/// The xterm palette's 16 colours, as RGB.
const ANSI: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The ANSI colour (0–15) nearest to an RGB colour.
fn nearest(rgb: (u8, u8, u8)) -> u8 {
    let d = |(r, g, b): (u8, u8, u8)| {
        let sq = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        sq(r, rgb.0) + sq(g, rgb.1) + sq(b, rgb.2)
    };
    (0..16u8).min_by_key(|i| d(ANSI[*i as usize])).unwrap_or(7)
}

/// A 256-colour index as one of the 16 ANSI colours.
fn index_to_16(n: u8) -> u8 {
    match n {
        0..=15 => n,
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let c = n - 16;
            nearest((level(c / 36), level(c / 6 % 6), level(c % 6)))
        }
        _ => {
            let g = 8 + 10 * (n - 232);
            nearest((g, g, g))
        }
    }
}

/// The SGR code of ANSI colour `c` (0–15) as foreground (`fg`) or background.
fn sgr(c: u8, fg: bool) -> String {
    let base = match (c < 8, fg) {
        (true, true) => 30,
        (true, false) => 40,
        (false, true) => 90,
        (false, false) => 100,
    };
    (base + u32::from(c % 8)).to_string()
}

/// Rewrites the parameters of one SGR sequence (`38;5;9;1` → `91;1`).
fn sgr_16(params: &str, bright_only: bool) -> String {
    let p: Vec<&str> = params.split(';').collect();
    let mut out: Vec<String> = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        let fg = p[i] == "38";
        if (fg || p[i] == "48")
            && p.get(i + 1) == Some(&"5")
            && let Some(n) = p.get(i + 2).and_then(|n| n.parse::<u8>().ok())
            && (!bright_only || (8..=15).contains(&n))
        {
            out.push(sgr(index_to_16(n), fg));
            i += 3;
            continue;
        }
        if !bright_only && (fg || p[i] == "48") && p.get(i + 1) == Some(&"2") {
            let c = |k: usize| p.get(i + k).and_then(|v| v.parse::<u8>().ok());
            if let (Some(r), Some(g), Some(b)) = (c(2), c(3), c(4)) {
                out.push(sgr(nearest((r, g, b)), fg));
                i += 5;
                continue;
            }
        }
        out.push(p[i].to_string());
        i += 1;
    }
    out.join(";")
}

/// Every SGR sequence (`ESC [ … m`) in `bytes` with its colours in 16-colour form.
pub fn to_16_colours(bytes: &[u8]) -> Vec<u8> {
    rewrite_colours(bytes, false)
}

/// The bright ANSI colours written as 256-colour indexes 8–15 (`38;5;14`) in their shorter,
/// identical 16-colour form (`96`); nothing else changes. Indexes 0–7 stay as written: a
/// terminal that shows bold as bright would brighten `1;31` but not `1;38;5;1`.
pub fn shorter_bright_colours(bytes: &[u8]) -> Vec<u8> {
    rewrite_colours(bytes, true)
}

fn rewrite_colours(bytes: &[u8], bright_only: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            let start = i + 2;
            let end = bytes[start..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'))
                .map(|n| start + n);
            if let Some(end) = end
                && bytes[end] == b'm'
                && let Ok(params) = std::str::from_utf8(&bytes[start..end])
            {
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(sgr_16(params, bright_only).as_bytes());
                out.push(b'm');
                i = end + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_escapes_become_16_colour_ones() {
        let t = |s: &str| String::from_utf8(to_16_colours(s.as_bytes())).unwrap();
        assert_eq!(t("\x1b[38;5;9mhi\x1b[39m"), "\x1b[91mhi\x1b[39m");
        assert_eq!(t("\x1b[38;5;1m\x1b[48;5;10m"), "\x1b[31m\x1b[102m");
        assert_eq!(t("\x1b[1;38;5;12;48;5;0m"), "\x1b[1;94;40m");
        // 256-colour indexes and RGB go to the nearest ANSI colour.
        assert_eq!(t("\x1b[38;5;196m"), "\x1b[91m");
        assert_eq!(t("\x1b[38;5;232m"), "\x1b[30m");
        assert_eq!(t("\x1b[48;2;250;250;250m"), "\x1b[107m");
        // Anything else passes unchanged: cursor moves, text, other sequences, UTF-8.
        let other = "\x1b[12;40H┃ \x1b[?2026h\x1b[0m résumé \x1b[2J";
        assert_eq!(t(other), other);
    }

    #[test]
    fn a_frame_is_held_until_flush_and_split_writes_still_convert() {
        let mut p = Palette::new(Vec::new(), Depth::Ansi16);
        p.write_all(b"\x1b[38;").unwrap();
        p.write_all(b"5;9mX").unwrap();
        assert!(p.inner.is_empty(), "nothing written before the frame ends");
        p.flush().unwrap();
        assert_eq!(p.inner, b"\x1b[91mX");
        let mut full = Palette::new(Vec::new(), Depth::Full);
        full.write_all(b"\x1b[38;5;196mX").unwrap();
        full.flush().unwrap();
        assert_eq!(full.inner, b"\x1b[38;5;196mX");
    }

    #[test]
    fn a_frame_is_sent_whole_in_a_synchronized_update_and_an_unchanged_one_not_at_all() {
        let mut p = Palette::new(Vec::new(), Depth::Full);
        let frames = p.frames();
        let frame = |p: &mut Palette<Vec<u8>>, parts: &[&[u8]]| {
            frames.begin();
            for part in parts {
                p.write_all(part).unwrap();
                p.flush().unwrap(); // ratatui flushes mid-frame (hiding the cursor)
            }
            assert!(p.inner.is_empty(), "nothing sent before the frame ends");
            frames.end(80);
            p.flush().unwrap();
            std::mem::take(&mut p.inner)
        };
        assert_eq!(
            frame(&mut p, &[b"\x1b[2;5Hab\x1b[2;9Hc\x1b[0m", b"\x1b[?25l"]),
            b"\x1b[?2026h\x1b[2;5Hab\x1b[2Cc\x1b[0m\x1b[?25l\x1b[?2026l"
        );
        // A redraw where no cell changed: only ratatui's closing resets and cursor hide.
        let unchanged: &[&[u8]] = &[b"\x1b[39m\x1b[49m\x1b[59m\x1b[0m", b"\x1b[?25l"];
        assert!(frame(&mut p, unchanged).is_empty());
        // Hiding a shown cursor is a change.
        assert!(!frame(&mut p, &[b"\x1b[3;1H", b"\x1b[?25h"]).is_empty());
        assert!(!frame(&mut p, unchanged).is_empty());
        assert!(frame(&mut p, unchanged).is_empty());
        // Outside a frame (a clipboard copy), bytes go at once and unwrapped.
        p.write_all(b"\x1b]52;c;aGk=\x07").unwrap();
        p.flush().unwrap();
        assert_eq!(p.inner, b"\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn bright_colours_get_their_short_form_and_nothing_else_changes() {
        let t = |s: &str| String::from_utf8(shorter_bright_colours(s.as_bytes())).unwrap();
        assert_eq!(t("\x1b[38;5;14;49m"), "\x1b[96;49m");
        assert_eq!(t("\x1b[38;5;15;48;5;10mx"), "\x1b[97;102mx");
        assert_eq!(t("\x1b[1;38;5;1m"), "\x1b[1;38;5;1m");
        assert_eq!(
            t("\x1b[38;5;196m\x1b[48;2;1;2;3m"),
            "\x1b[38;5;196m\x1b[48;2;1;2;3m"
        );
    }

    #[test]
    fn depth_comes_from_term_and_colorterm() {
        assert_eq!(depth(Some("xterm"), None), Depth::Ansi16);
        assert_eq!(depth(Some("linux"), None), Depth::Ansi16);
        assert_eq!(depth(Some("screen"), None), Depth::Ansi16);
        assert_eq!(depth(None, None), Depth::Ansi16);
        assert_eq!(depth(Some("xterm-256color"), None), Depth::Full);
        assert_eq!(depth(Some("tmux-256color"), None), Depth::Full);
        assert_eq!(depth(Some("xterm-kitty"), None), Depth::Full);
        assert_eq!(depth(Some("xterm"), Some("truecolor")), Depth::Full);
    }
}
