//! Shorter cursor moves in a frame's bytes. ratatui writes every jump between changed cells as
//! an absolute move (`ESC[row;colH`, 8–9 bytes at 160×48); following a live run, those moves were
//! 57 % of the bytes sent (the changed cells are scattered: a chart's new braille dots, a step
//! number in each record row). Where the cursor is known, a relative move is usually shorter:
//! `ESC[C` (one right), `ESC[12D`, `ESC[B` + `ESC[3D` for the next row. The cursor is known after
//! an absolute move and text of single-width characters (ASCII, braille, box drawing, blocks) as
//! long as it stays inside the screen (a character in the last column leaves a pending wrap);
//! after anything else (another escape, other text) it is unknown and the move stays absolute.
//! Line feeds are never used to go down (a terminal in linefeed mode would also return).
//!
//! Never reads state; the screen's width comes from the caller.

/// `frame` with each absolute cursor move replaced by the shortest equivalent move from where
/// the cursor is; every other byte passes unchanged.
pub fn shorten_moves(frame: &[u8], columns: u16) -> Vec<u8> {
    let columns = u32::from(columns);
    let mut out = Vec::with_capacity(frame.len());
    // 1-based (row, column) of the cursor, when known.
    let mut at: Option<(u32, u32)> = None;
    let mut i = 0;
    while i < frame.len() {
        let b = frame[i];
        if b == 0x1b {
            let Some((end, to)) = csi(&frame[i..]) else {
                at = None;
                out.push(b);
                i += 1;
                continue;
            };
            let seq = &frame[i..i + end];
            match to {
                Seq::MoveTo(r, c) => {
                    match at {
                        Some(from) => out.extend_from_slice(&shortest(from, (r, c), seq)),
                        None => out.extend_from_slice(seq),
                    }
                    at = Some((r, c));
                }
                Seq::Keeps => out.extend_from_slice(seq),
                Seq::Other => {
                    out.extend_from_slice(seq);
                    at = None;
                }
            }
            i += end;
            continue;
        }
        let len = utf8_len(b);
        let ch = frame
            .get(i..i + len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.chars().next());
        at = match (at, ch) {
            (Some((r, c)), Some(ch)) if single_width(ch) && c < columns => Some((r, c + 1)),
            _ => None,
        };
        out.extend_from_slice(&frame[i..(i + len).min(frame.len())]);
        i += len;
    }
    out
}

enum Seq {
    /// An absolute move to a 1-based (row, column).
    MoveTo(u32, u32),
    /// Does not move the cursor (SGR, cursor shown or hidden).
    Keeps,
    Other,
}

/// The length and meaning of the control sequence at the start of `s` (`ESC [ … final`).
fn csi(s: &[u8]) -> Option<(usize, Seq)> {
    if s.get(1) != Some(&b'[') {
        return None;
    }
    let mut j = 2;
    while j < s.len() && (0x20..=0x3f).contains(&s[j]) {
        j += 1;
    }
    let last = *s.get(j)?;
    if !(0x40..=0x7e).contains(&last) {
        return None;
    }
    let params = &s[2..j];
    let seq = match last {
        b'm' => Seq::Keeps,
        b'h' | b'l' if params == b"?25" => Seq::Keeps,
        b'H' => move_to(params).unwrap_or(Seq::Other),
        _ => Seq::Other,
    };
    Some((j + 1, seq))
}

fn move_to(params: &[u8]) -> Option<Seq> {
    let text = std::str::from_utf8(params).ok()?;
    let mut parts = text.split(';');
    let num = |p: Option<&str>| -> Option<u32> {
        match p {
            None | Some("") => Some(1),
            Some(n) => n.parse::<u32>().ok().map(|n| n.max(1)),
        }
    };
    let r = num(parts.next())?;
    let c = num(parts.next())?;
    if parts.next().is_some() {
        return None;
    }
    Some(Seq::MoveTo(r, c))
}

/// The shortest of: the absolute move as written, or a vertical move (`A`/`B`) followed by a
/// horizontal one (`C`/`D`, `G` to a column, or carriage return and `C`).
fn shortest(from: (u32, u32), to: (u32, u32), absolute: &[u8]) -> Vec<u8> {
    let vertical = match to.0.cmp(&from.0) {
        std::cmp::Ordering::Equal => String::new(),
        std::cmp::Ordering::Greater => relative(to.0 - from.0, 'B'),
        std::cmp::Ordering::Less => relative(from.0 - to.0, 'A'),
    };
    let horizontal = [
        match to.1.cmp(&from.1) {
            std::cmp::Ordering::Equal => String::new(),
            std::cmp::Ordering::Greater => relative(to.1 - from.1, 'C'),
            std::cmp::Ordering::Less => relative(from.1 - to.1, 'D'),
        },
        format!("\x1b[{}G", to.1),
        format!("\r{}", relative(to.1 - 1, 'C')),
    ]
    .into_iter()
    .min_by_key(String::len)
    .unwrap_or_default();
    let moved = vertical + &horizontal;
    if moved.len() < absolute.len() {
        moved.into_bytes()
    } else {
        absolute.to_vec()
    }
}

/// `ESC[nX`, with the count left out when it is 1 (the default); nothing for 0.
fn relative(n: u32, op: char) -> String {
    match n {
        0 => String::new(),
        1 => format!("\x1b[{op}"),
        n => format!("\x1b[{n}{op}"),
    }
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xf0..=0xf7 => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// Characters every terminal draws one column wide: the ones whose width the cursor can be
/// followed through.
fn single_width(ch: char) -> bool {
    matches!(ch, ' '..='~' | '\u{2500}'..='\u{259f}' | '\u{2800}'..='\u{28ff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a terminal shows after `bytes` (screen, cursor, pen).
    fn screen(bytes: &[u8], cols: usize, rows: usize) -> String {
        let mut vt = avt::Terminal::new(cols, rows).unwrap();
        vt.feed(String::from_utf8_lossy(bytes).as_ref());
        vt.dump()
    }

    #[test]
    fn moves_become_relative_and_shorter() {
        let t = |s: &str| String::from_utf8(shorten_moves(s.as_bytes(), 160)).unwrap();
        // Same row, after text: right by the gap.
        assert_eq!(t("\x1b[4;99H7\x1b[4;101H5"), "\x1b[4;99H7\x1b[C5");
        // Next row, back to the column: down one, left by the difference.
        assert_eq!(
            t("\x1b[23;113H2\x1b[24;102H2"),
            "\x1b[23;113H2\x1b[B\x1b[12D2"
        );
        // Colours do not move the cursor; braille is one column.
        assert_eq!(
            t("\x1b[5;10H\x1b[38;5;14m\u{2816}\x1b[5;20Hx"),
            "\x1b[5;10H\x1b[38;5;14m\u{2816}\x1b[9Cx"
        );
        // Unknown width (a CJK character) or another sequence: the move stays absolute.
        assert_eq!(
            t("\x1b[2;1H\u{4e2d}\x1b[2;9Hx"),
            "\x1b[2;1H\u{4e2d}\x1b[2;9Hx"
        );
        assert_eq!(
            t("\x1b[2;1Ha\x1b[2J\x1b[2;9Hx"),
            "\x1b[2;1Ha\x1b[2J\x1b[2;9Hx"
        );
        // A character in the last column leaves a pending wrap: absolute again.
        assert_eq!(
            t("\x1b[1;160Hx\x1b[2;1Hy"),
            "\x1b[1;160Hx\x1b[2;1Hy",
            "after the last column the cursor is not followed"
        );
    }

    #[test]
    fn a_terminal_shows_the_same_screen_either_way() {
        // Pseudo-random frames of moves, colours and text over a 40x12 screen.
        let (cols, rows) = (40u32, 12u32);
        let mut seed = 0x2545_f491_u64;
        let mut next = |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % u64::from(n)) as u32
        };
        for _ in 0..200 {
            let mut frame = String::new();
            for _ in 0..30 {
                let (r, c) = (next(rows) + 1, next(cols) + 1);
                frame.push_str(&format!("\x1b[{r};{c}H"));
                if next(3) == 0 {
                    frame.push_str(&format!("\x1b[38;5;{}m", next(16)));
                }
                for _ in 0..next(5) {
                    let ch =
                        ['a', 'Z', ' ', '\u{2816}', '\u{2502}', '\u{4e2d}', 'é'][next(7) as usize];
                    frame.push(ch);
                }
            }
            let short = shorten_moves(frame.as_bytes(), cols as u16);
            assert_eq!(
                screen(&short, cols as usize, rows as usize),
                screen(frame.as_bytes(), cols as usize, rows as usize),
                "frame {frame:?}"
            );
            assert!(short.len() <= frame.len());
        }
    }
}
