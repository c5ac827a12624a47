//! Text from a workspace is untrusted: before it reaches a terminal, control characters and
//! escape sequences are made visible instead of being obeyed (`ESC ]0;…` must not retitle the
//! window, `ESC [2J` must not clear the screen). Invisible characters that change how text
//! reads are made visible too: bidirectional overrides and isolates can make `run-a` display
//! as another name, and zero-width characters make two different names look identical.
//! Used by the CLI, the explorer and the markdown, CSV and HTML reports.

use std::borrow::Cow;

/// Bidirectional controls (marks, embeddings, overrides, isolates) and zero-width characters:
/// shown escaped, never obeyed.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

fn unsafe_char(c: char) -> bool {
    c.is_control() || invisible(c)
}

/// Replaces every control character (C0, DEL, C1) with a visible escape such as `\x1b`, and
/// every bidirectional or zero-width character with one such as `\u{202e}`; newlines and tabs
/// become spaces.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    // Printable ASCII is the common case and needs no decoding.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if unsafe_char(c) => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{{{n:x}}}"));
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_made_visible() {
        let s = sanitize("hi\x1b]0;pwned\x07 \x1b[2J\u{9b}x\0");
        assert!(!s.chars().any(|c| c.is_control()), "{s}");
        assert!(s.contains("\\x1b]0;pwned"));
        assert!(s.ends_with("\\x00"));
        assert_eq!(sanitize("plain"), "plain");
        assert_eq!(sanitize("ünïcödé ✓"), "ünïcödé ✓");
    }

    #[test]
    fn bidi_and_zero_width_characters_are_made_visible() {
        // After U+202E (right-to-left override) "lanif" displays as "final".
        assert_eq!(sanitize("run-\u{202e}lanif"), "run-\\u{202e}lanif");
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
            '\u{200e}', '\u{200f}', '\u{061c}',
        ] {
            let text = format!("a{c}b");
            let s = sanitize(&text);
            assert!(!s.contains(c), "{c:?} kept in {s}");
            assert_eq!(s, format!("a\\u{{{:x}}}b", c as u32));
        }
    }
}
