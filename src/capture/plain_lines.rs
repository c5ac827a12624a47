//! Runs of plain lines in a command's output: printable ASCII shorter than the screen is wide,
//! each ended by `\r\n` (or `\n` where the terminal turns it into one). A terminal shows such a
//! line exactly as its bytes, at the start of a fresh bottom row, then scrolls; console capture
//! stores the middle of a long run without emulating it (see `ConsoleCapture::feed_text`).
//!
//! Pure: scans bytes, nothing else.

/// One plain line of a run: its text (without the line end) and where the next line starts,
/// as byte offsets into the scanned slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainLine {
    pub start: usize,
    pub end: usize,
    pub next: usize,
}

/// The plain lines at the start of `bytes`, in order, stopping at the first line that is not
/// plain or not complete. `max_len`: a longer line is not plain (it would wrap or be capped).
/// `lf_is_newline`: a bare `\n` ends a line too (new-line mode, as for a pipe).
pub fn plain_lines(bytes: &[u8], max_len: usize, lf_is_newline: bool) -> Vec<PlainLine> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let rest = &bytes[start..];
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let (text_len, ok_end) = if nl > 0 && rest[nl - 1] == b'\r' {
            (nl - 1, true)
        } else {
            (nl, lf_is_newline)
        };
        if !ok_end
            || text_len >= max_len
            || !rest[..text_len].iter().all(|b| (0x20..=0x7e).contains(b))
        {
            break;
        }
        out.push(PlainLine {
            start,
            end: start + text_len,
            next: start + nl + 1,
        });
        start += nl + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(bytes: &[u8], max: usize, lf: bool) -> Vec<&str> {
        plain_lines(bytes, max, lf)
            .iter()
            .map(|l| std::str::from_utf8(&bytes[l.start..l.end]).unwrap())
            .collect()
    }

    #[test]
    fn a_run_ends_at_the_first_line_that_is_not_plain() {
        let b = b"line 1\r\nline 2\r\n\r\nbar\r50%\r\nafter\r\n";
        assert_eq!(texts(b, 80, false), ["line 1", "line 2", ""]);
        // Escapes, tabs, non-ASCII and a line as wide as the screen end it too.
        assert_eq!(texts(b"a\r\n\x1b[31mred\r\n", 80, false), ["a"]);
        assert_eq!(texts(b"a\r\nb\tc\r\n", 80, false), ["a"]);
        assert_eq!(texts("a\r\nh\u{e9}\r\n".as_bytes(), 80, false), ["a"]);
        assert_eq!(texts(b"1234\r\n12345\r\n", 5, false), ["1234"]);
        // An incomplete last line is not part of the run.
        assert_eq!(texts(b"a\r\nb", 80, false), ["a"]);
    }

    #[test]
    fn a_bare_line_feed_ends_a_line_only_in_new_line_mode() {
        assert_eq!(texts(b"a\nb\n", 80, false), Vec::<&str>::new());
        assert_eq!(texts(b"a\nb\r\n", 80, true), ["a", "b"]);
        let l = plain_lines(b"ab\r\ncd\n", 80, true);
        assert_eq!(
            l,
            [
                PlainLine {
                    start: 0,
                    end: 2,
                    next: 4
                },
                PlainLine {
                    start: 4,
                    end: 6,
                    next: 7
                }
            ]
        );
    }
}
