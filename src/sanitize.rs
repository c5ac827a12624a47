//! Text from a workspace is untrusted: before it reaches a terminal, control characters and
//! escape sequences are made visible instead of being obeyed (`ESC ]0;…` must not retitle the
//! window, `ESC [2J` must not clear the screen). Used by the CLI and the explorer.

use std::borrow::Cow;

/// Replaces every control character (C0, DEL, C1) with a visible escape such as `\x1b`;
/// newlines and tabs become spaces unless `keep_newlines`.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {
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
        let s = sanitize("hi\x1b]0;pwned\x07 \x1b[2J\u{9b}x");
        assert!(!s.chars().any(|c| c.is_control()), "{s}");
        assert!(s.contains("\\x1b]0;pwned"));
        assert_eq!(sanitize("plain"), "plain");
    }
}
