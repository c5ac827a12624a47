//! A stored console line as styled characters. The capture keeps a line's colours as SGR
//! sequences (`ESC [ … m`) and strips every other escape, but the line is still untrusted text
//! from a workspace: here each SGR sequence becomes a ratatui `Style` (colours, bold, dim,
//! italic, underline, reverse, strike-through) and everything else is sanitized, so a stray ESC
//! that is not a complete SGR sequence shows as `\x1b…` instead of reaching the terminal.
//!
//! Colours: 16 and 256-colour indexes are kept as given; RGB becomes the nearest 256-colour
//! index (the explorer never writes true colour, like its theme), and a 16-colour terminal gets
//! the nearest ANSI colour from `palette.rs`. With `colours` false (`NO_COLOR`) only the
//! attributes remain.
//!
//! Pure functions of their inputs.

use crate::sanitize::sanitize;
use ratatui::style::{Color, Modifier, Style};

/// One character as drawn, with its style and the columns it takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StyledChar {
    pub ch: char,
    pub style: Style,
    pub width: usize,
}

/// The line's characters: SGR sequences applied as styles, everything else sanitized.
pub fn styled_chars(text: &str, colours: bool) -> Vec<StyledChar> {
    let mut out = Vec::with_capacity(text.len());
    let mut style = Style::default();
    let mut rest = text;
    while !rest.is_empty() {
        let (plain, after) = match rest.find('\u{1b}') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        push_text(&mut out, plain, style);
        rest = after;
        if rest.is_empty() {
            break;
        }
        match sgr_params(rest) {
            Some((params, len)) => {
                style = apply_sgr(style, params, colours);
                rest = &rest[len..];
            }
            None => {
                // Not an SGR sequence: the ESC is shown escaped, the rest as text.
                push_text(&mut out, "\u{1b}", style);
                rest = &rest[1..];
            }
        }
    }
    out
}

/// The visible text of `chars`.
pub fn plain(chars: &[StyledChar]) -> String {
    chars.iter().map(|c| c.ch).collect()
}

fn push_text(out: &mut Vec<StyledChar>, text: &str, style: Style) {
    for ch in sanitize(text).chars() {
        let width = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        out.push(StyledChar { ch, style, width });
    }
}

/// `ESC [ digits;… m` at the start of `s`: its parameters and its length in bytes.
fn sgr_params(s: &str) -> Option<(&str, usize)> {
    let body = s.strip_prefix("\u{1b}[")?;
    let end = body.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    (body.as_bytes()[end] == b'm').then(|| (&body[..end], 2 + end + 1))
}

fn apply_sgr(mut st: Style, params: &str, colours: bool) -> Style {
    let p: Vec<u16> = params.split(';').map(|n| n.parse().unwrap_or(0)).collect();
    let mut i = 0;
    while i < p.len() {
        let code = p[i];
        i += 1;
        st = match code {
            0 => Style::default(),
            1 => st.add_modifier(Modifier::BOLD),
            2 => st.add_modifier(Modifier::DIM),
            3 => st.add_modifier(Modifier::ITALIC),
            4 => st.add_modifier(Modifier::UNDERLINED),
            7 => st.add_modifier(Modifier::REVERSED),
            9 => st.add_modifier(Modifier::CROSSED_OUT),
            22 => st.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => st.remove_modifier(Modifier::ITALIC),
            24 => st.remove_modifier(Modifier::UNDERLINED),
            27 => st.remove_modifier(Modifier::REVERSED),
            29 => st.remove_modifier(Modifier::CROSSED_OUT),
            30..=37 if colours => st.fg(Color::Indexed((code - 30) as u8)),
            90..=97 if colours => st.fg(Color::Indexed((code - 90 + 8) as u8)),
            40..=47 if colours => st.bg(Color::Indexed((code - 40) as u8)),
            100..=107 if colours => st.bg(Color::Indexed((code - 100 + 8) as u8)),
            39 => Style { fg: None, ..st },
            49 => Style { bg: None, ..st },
            38 | 48 => {
                let (colour, used) = extended_colour(&p[i..]);
                i += used;
                match colour {
                    Some(c) if colours && code == 38 => st.fg(c),
                    Some(c) if colours => st.bg(c),
                    _ => st,
                }
            }
            _ => st,
        };
    }
    st
}

/// `5;N` or `2;R;G;B` after a 38/48: the colour and how many parameters it took.
fn extended_colour(p: &[u16]) -> (Option<Color>, usize) {
    let byte = |k: usize| p.get(k).and_then(|v| u8::try_from(*v).ok());
    match p.first() {
        Some(5) => (byte(1).map(Color::Indexed), 2.min(p.len())),
        Some(2) => match (byte(1), byte(2), byte(3)) {
            (Some(r), Some(g), Some(b)) => (Some(Color::Indexed(rgb_to_256(r, g, b))), 4),
            _ => (None, p.len()),
        },
        _ => (None, 1.min(p.len())),
    }
}

/// The nearest colour of the 256-colour palette's cube or grey ramp.
fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest_level = |v: u8| -> usize {
        (0..6)
            .min_by_key(|i| (i32::from(LEVELS[*i]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let dist = |a: (u8, u8, u8)| {
        let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
        d(a.0, r) + d(a.1, g) + d(a.2, b)
    };
    let cube_rgb = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let avg = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
    let grey_i = (avg.saturating_sub(8) / 10).min(23);
    let grey = 8 + 10 * grey_i;
    if dist((grey, grey, grey)) < dist(cube_rgb) {
        232 + grey_i
    } else {
        cube as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(text: &str) -> Vec<(char, Style)> {
        styled_chars(text, true)
            .into_iter()
            .map(|c| (c.ch, c.style))
            .collect()
    }

    #[test]
    fn sgr_becomes_styles() {
        let s = styles("\u{1b}[0;1;31mE\u{1b}[0m \u{1b}[0;3;4;38;5;208;48;2;0;0;255mx");
        assert_eq!(
            s[0],
            (
                'E',
                Style::default()
                    .fg(Color::Indexed(1))
                    .add_modifier(Modifier::BOLD)
            )
        );
        assert_eq!(s[1], (' ', Style::default()));
        let x = s[2].1;
        assert_eq!(x.fg, Some(Color::Indexed(208)));
        assert_eq!(x.bg, Some(Color::Indexed(21)), "pure blue is cube index 21");
        assert!(
            x.add_modifier
                .contains(Modifier::ITALIC | Modifier::UNDERLINED)
        );
        assert_eq!(styles("\u{1b}[94mb")[0].1.fg, Some(Color::Indexed(12)));
        // Without colours only the attributes remain.
        let plain = styled_chars("\u{1b}[1;31mE", false);
        assert_eq!(
            plain[0].style,
            Style::default().add_modifier(Modifier::BOLD)
        );
    }

    #[test]
    fn anything_else_is_shown_escaped_never_obeyed() {
        for hostile in [
            "a\u{1b}]0;title\u{7}b",
            "\u{1b}[2Jcleared",
            "\u{1b}[1;1Hhome",
            "x\u{1b}",
            "rtl \u{202e}txet",
            "\u{9b}31m",
        ] {
            let chars = styled_chars(hostile, true);
            let text = plain(&chars);
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}' || c == '\u{9b}'),
                "{hostile:?} -> {text:?}"
            );
            assert!(text.contains('\\'), "{text:?}");
        }
        assert_eq!(plain(&styled_chars("\u{1b}[2Jx", true)), "\\x1b[2Jx");
    }

    #[test]
    fn rgb_maps_to_the_nearest_256_colour() {
        assert_eq!(rgb_to_256(255, 0, 0), 196);
        assert_eq!(rgb_to_256(0, 0, 0), 16);
        assert_eq!(rgb_to_256(128, 128, 128), 244);
        assert_eq!(rgb_to_256(255, 255, 255), 231);
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let c = styled_chars("日x", true);
        assert_eq!((c[0].width, c[1].width), (2, 1));
    }
}
