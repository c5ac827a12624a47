//! A run's console: the lines a wrapped command printed (`contexta run -- CMD`), as a terminal
//! showed them. Lines are numbered from 0 in the order they first appeared; a line that is
//! redrawn (a progress bar) is written again under its number, so the stored line is its final
//! state. Text keeps SGR colour sequences (`ESC [ … m`) and nothing else that is not printable.

use super::error::ValidationError;
use super::refs::Ref;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest stored line, in characters (SGR sequences not counted); longer lines are cut.
pub const CONSOLE_LINE_CAP: usize = 4096;

/// Where a line came from: the pseudo-terminal (stdout and stderr mixed, as on a terminal), or
/// one of the two pipes when the command ran with `--pipe`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")] // JSON (export); postcard stores the variant's index
pub enum ConsoleStream {
    #[default]
    Terminal,
    Stdout,
    Stderr,
}

impl ConsoleStream {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsoleStream::Terminal => "terminal",
            ConsoleStream::Stdout => "stdout",
            ConsoleStream::Stderr => "stderr",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsoleLine {
    /// Position in the run's console, from 0.
    pub line: u32,
    pub stream: ConsoleStream,
    /// When the line first appeared (so times never decrease with the line number).
    pub at: Timestamp,
    pub text: String,
}

/// New or redrawn lines of one run, written together.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleBatch {
    pub run_ref: Ref,
    pub lines: Vec<ConsoleLine>,
}

impl ConsoleBatch {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.run_ref.kind() != "run" {
            return Err(ValidationError::new(
                "console.run_ref",
                format!("`{}` must be a run ref", self.run_ref),
            ));
        }
        for l in &self.lines {
            if let Some(bad) = l.text.chars().find(|c| !console_char_ok(*c)) {
                return Err(ValidationError::new(
                    "console.text",
                    format!("line {} holds control character {:?}", l.line, bad),
                ));
            }
        }
        Ok(())
    }
}

/// Stored text is printable characters and ESC (only as the start of an SGR sequence, which the
/// capture guarantees); tabs are expanded by the terminal emulator before storage.
fn console_char_ok(c: char) -> bool {
    c == '\u{1b}' || !c.is_control()
}

/// The visible text of a stored line: SGR sequences removed.
pub fn console_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ params m
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_drops_sgr_only() {
        assert_eq!(console_plain("\u{1b}[1;31mred\u{1b}[0m ok"), "red ok");
        assert_eq!(console_plain("no escapes"), "no escapes");
    }

    #[test]
    fn batch_refuses_control_characters() {
        let b = ConsoleBatch {
            run_ref: Ref::parse("run:p.r").unwrap(),
            lines: vec![ConsoleLine {
                line: 0,
                stream: ConsoleStream::Terminal,
                at: Timestamp(1),
                text: "bell\u{7}".into(),
            }],
        };
        assert!(b.validate().is_err());
    }
}
