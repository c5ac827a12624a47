//! Text and JSON output: aligned columns, colour only on a terminal without NO_COLOR, and every
//! workspace string passed through `sanitize` so data never drives the terminal.
//!
//! A write to stdout that fails stops the command: when the reader went away (`| head`) it ends
//! quietly with status 0, as a pipeline expects; any other failure (a full disk, a file size
//! limit on a redirect) is an error, never a silently short listing. The stop travels as an
//! unwind to `cli::main` (destructors run: partial files are removed, transactions dropped),
//! so the hundred call sites printing lines need no error plumbing.

use crate::sanitize::sanitize;
use std::io::{IsTerminal, Write};

#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn status(&self, status: &str) -> String {
        let code = match status {
            "open" => "36",
            "completed" => "32",
            "failed" => "31",
            "cancelled" => "33",
            _ => "0",
        };
        self.paint(code, status)
    }
}

/// Why writing to stdout ended the command; the payload of the unwind `cli::main` catches.
#[derive(Debug)]
pub(crate) enum StdoutStop {
    /// The reader went away: end quietly, status 0.
    Closed,
    /// Any other failure: an error.
    Failed(std::io::Error),
}

/// Runs `write` against stdout, stopping the command (see the module comment) if it fails.
fn emit(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = write(&mut out).and_then(|()| out.flush());
    if let Err(e) = result {
        // Nothing buffered may be written again while unwinding.
        let _ = out.into_parts();
        // A second failure during an unwind would abort the process; the first one stands.
        if std::thread::panicking() {
            return;
        }
        let stop = if e.kind() == std::io::ErrorKind::BrokenPipe {
            StdoutStop::Closed
        } else {
            StdoutStop::Failed(e)
        };
        std::panic::resume_unwind(Box::new(stop));
    }
}

/// Prints rows as aligned columns (display width by chars); the header and every cell are
/// sanitized (a header can be data too: `compare-multi` names columns after metric keys).
pub fn table<T: AsRef<str>>(
    header: &[&str],
    rows: &[Vec<T>],
    style: Style,
    color_col: Option<usize>,
) {
    let header: Vec<String> = header.iter().map(|h| sanitize(h).into_owned()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    // Every row's cells one after another (one allocation, not one per row).
    let mut clean: Vec<(std::borrow::Cow<'_, str>, usize)> =
        Vec::with_capacity(rows.iter().map(Vec::len).sum());
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            let cell = sanitize(c.as_ref());
            let w = if cell.is_ascii() {
                cell.len()
            } else {
                cell.chars().count()
            };
            if i < widths.len() {
                widths[i] = widths[i].max(w);
            }
            clean.push((cell, w));
        }
    }
    // Buffered (in `emit`): a line-buffered stdout would make one write per row.
    emit(|out| {
        let head: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| format!("{:w$}", h, w = widths[i]))
            .collect();
        writeln!(out, "{}", style.paint("1", head.join("  ").trim_end()))?;
        const SPACES: &str = "                                                                ";
        let mut line = String::with_capacity(256);
        let mut at = 0;
        for row in rows {
            let r = &clean[at..at + row.len()];
            at += row.len();
            line.clear();
            for (i, (c, w)) in r.iter().enumerate() {
                if Some(i) == color_col {
                    line.push_str(&style.status(c));
                } else {
                    line.push_str(c);
                }
                if i + 1 < r.len() {
                    let mut pad = widths.get(i).copied().unwrap_or(0).saturating_sub(*w) + 2;
                    while pad > 0 {
                        let n = pad.min(SPACES.len());
                        line.push_str(&SPACES[..n]);
                        pad -= n;
                    }
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    });
}

pub fn json(value: &serde_json::Value) {
    emit(|out| {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        )
    });
}

pub fn json_line(value: &serde_json::Value) {
    emit(|out| writeln!(out, "{}", serde_json::to_string(value).unwrap_or_default()));
}

pub fn line(text: &str) {
    emit(|out| writeln!(out, "{}", sanitize(text)));
}

/// A line we composed ourselves (may hold our own colour codes; data inside is pre-sanitized).
pub fn raw_line(text: &str) {
    emit(|out| writeln!(out, "{text}"));
}
