//! Reading JSON Lines as bytes, one bounded line at a time, for `ingest` and `recover replay`.
//!
//! Lines are read as bytes and checked for UTF-8 one by one, so a line that is not UTF-8 is one
//! bad line (with its number) rather than an I/O error that ends the whole input. A line longer
//! than the cap is never held in memory: the reader reports it as soon as the cap is passed and
//! then skips the rest of it up to the next newline, so `ingest /dev/zero` neither grows without
//! bound nor loses its place.

use crate::model::ValidationError;
use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// The longest line read by default (16 MiB): far above any real record, far below memory.
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 << 20;

/// What one line holds.
#[derive(Debug)]
pub enum Content<'a> {
    /// UTF-8 text, without its newline.
    Text(&'a str),
    /// Bytes that are not UTF-8; `lossy` is the line with the bad bytes replaced, kept only to
    /// tell which run the line was about.
    NotUtf8 {
        error: ValidationError,
        lossy: Cow<'a, str>,
    },
    /// Longer than the cap; its bytes were skipped, not kept.
    TooLong(ValidationError),
}

impl Content<'_> {
    /// The line as text, as far as it can be told (empty for a skipped over-long line).
    pub fn lossy(&self) -> Cow<'_, str> {
        match self {
            Content::Text(t) => Cow::Borrowed(t),
            Content::NotUtf8 { lossy, .. } => Cow::Borrowed(lossy.as_ref()),
            Content::TooLong(_) => Cow::Borrowed(""),
        }
    }
}

#[derive(Debug)]
pub struct Line<'a> {
    /// 1-based line number in the input.
    pub number: usize,
    pub content: Content<'a>,
}

#[derive(Debug)]
pub enum Next<'a> {
    Line(Line<'a>),
    /// Nothing more for now (only when following a growing input); a partial last line is
    /// kept until its newline arrives. Ask again later.
    Waiting,
    /// The input is over.
    End,
}

/// Splits a byte stream into lines of at most `max` bytes (newline not counted).
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    max: usize,
    number: usize,
    /// The buffer holds a line already handed out; clear it before reading on.
    handed_out: bool,
    /// Inside a line longer than `max`: the rest of it is skipped up to the next newline.
    skipping: bool,
    /// The input may grow (`ingest --follow`): a last line without a newline is waited for,
    /// and the end of the input is never final.
    follow: bool,
    bytes: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max: usize, follow: bool) -> Self {
        LineReader {
            inner,
            buf: Vec::new(),
            max: max.max(1),
            number: 0,
            handed_out: false,
            skipping: false,
            follow,
            bytes: 0,
        }
    }

    /// Bytes consumed from the input so far (skipped ones included).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Consumes the rest of an over-long line. Returns false when the input ran out first.
    fn skip_rest(&mut self) -> io::Result<bool> {
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(false);
            }
            let (n, found) = match avail.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            self.inner.consume(n);
            self.bytes += n as u64;
            if found {
                return Ok(true);
            }
        }
    }

    pub fn next_line(&mut self) -> io::Result<Next<'_>> {
        if self.handed_out {
            self.buf.clear();
            self.handed_out = false;
        }
        if self.skipping {
            if !self.skip_rest()? {
                if self.follow {
                    return Ok(Next::Waiting);
                }
                self.skipping = false;
                return Ok(Next::End);
            }
            self.skipping = false;
        }
        loop {
            // Room for `max` bytes and the newline; one byte more tells an over-long line.
            let room = (self.max + 1).saturating_sub(self.buf.len()) as u64;
            let n = (&mut self.inner)
                .take(room)
                .read_until(b'\n', &mut self.buf)?;
            self.bytes += n as u64;
            if self.buf.last() == Some(&b'\n') {
                self.buf.pop();
                return Ok(self.hand_out());
            }
            if self.buf.len() > self.max {
                self.number += 1;
                self.buf.clear();
                self.skipping = true;
                return Ok(Next::Line(Line {
                    number: self.number,
                    content: Content::TooLong(ValidationError::new(
                        "",
                        format!("line is longer than the limit of {} bytes", self.max),
                    )),
                }));
            }
            if n > 0 {
                // The input ended inside a line: more may come, or the end is confirmed by
                // the next read returning nothing.
                continue;
            }
            if self.buf.is_empty() {
                return Ok(if self.follow {
                    Next::Waiting
                } else {
                    Next::End
                });
            }
            if self.follow {
                return Ok(Next::Waiting);
            }
            // The last line of a finished input needs no newline.
            return Ok(self.hand_out());
        }
    }

    fn hand_out(&mut self) -> Next<'_> {
        self.number += 1;
        self.handed_out = true;
        let content = match std::str::from_utf8(&self.buf) {
            Ok(text) => Content::Text(text),
            Err(e) => Content::NotUtf8 {
                error: ValidationError::new(
                    "",
                    format!(
                        "not valid UTF-8 (invalid byte at offset {} of the line)",
                        e.valid_up_to()
                    ),
                ),
                lossy: String::from_utf8_lossy(&self.buf),
            },
        };
        Next::Line(Line {
            number: self.number,
            content,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (number, text or error) of every line.
    fn read_all(input: &[u8], max: usize) -> Vec<(usize, Result<String, String>)> {
        let mut r = LineReader::new(input, max, false);
        let mut out = Vec::new();
        loop {
            match r.next_line().unwrap() {
                Next::Line(l) => out.push((
                    l.number,
                    match l.content {
                        Content::Text(t) => Ok(t.to_string()),
                        Content::NotUtf8 { error, .. } | Content::TooLong(error) => {
                            Err(error.reason)
                        }
                    },
                )),
                Next::End => return out,
                Next::Waiting => panic!("a finished input never waits"),
            }
        }
    }

    #[test]
    fn lines_are_numbered_and_the_last_needs_no_newline() {
        let got = read_all(b"a\n\nbc", 10);
        assert_eq!(
            got,
            vec![
                (1, Ok("a".into())),
                (2, Ok("".into())),
                (3, Ok("bc".into()))
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_one_bad_line() {
        let got = read_all(b"ok\n\xff\xfe bad\nafter\n", 100);
        assert_eq!(got[0], (1, Ok("ok".into())));
        assert_eq!(got[1].0, 2);
        assert!(got[1].1.as_ref().unwrap_err().contains("UTF-8"));
        assert_eq!(got[2], (3, Ok("after".into())));
    }

    #[test]
    fn an_over_long_line_is_skipped_to_its_newline() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 50));
        input.extend(b"\nnext\n");
        let got = read_all(&input, 10);
        assert_eq!(got.len(), 3);
        assert!(got[1].1.as_ref().unwrap_err().contains("limit of 10 bytes"));
        assert_eq!(got[2], (3, Ok("next".into())));
        // Exactly at the cap is fine.
        assert_eq!(
            read_all(b"0123456789\n", 10),
            vec![(1, Ok("0123456789".into()))]
        );
    }

    #[test]
    fn following_waits_for_a_partial_line() {
        let mut r = LineReader::new(&b"{\"a\""[..], 100, true);
        assert!(matches!(r.next_line().unwrap(), Next::Waiting));
    }
}
