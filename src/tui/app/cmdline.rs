//! The `:` command line and the `/` filter prompt: a one-line editor with history (Up/Down) and,
//! for commands, completion from the action registry (`COMMANDS`) and from run refs (Tab cycles
//! the candidates). Editing keys are fixed (Enter, Esc, Backspace, Delete, Left, Right, Home,
//! End, Up, Down, Tab, Ctrl-U), like a shell's; everything else printable is inserted.
//!
//! Pure: it edits text and reports what was submitted; the app parses and runs it.

use super::super::action::{COMMANDS, PaneId};
use super::super::key::{Key, KeyCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter(PaneId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Cursor position in chars.
    pub cursor: usize,
    history_pos: Option<usize>,
    completion: Option<(Vec<String>, usize)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptOutcome {
    /// Still editing; `changed` when the text changed (filters apply live).
    Editing {
        changed: bool,
    },
    Submit(String),
    Cancel,
}

/// Past command lines, oldest first, without consecutive duplicates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub entries: Vec<String>,
}

impl History {
    pub fn push(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() || self.entries.last().is_some_and(|l| l == line) {
            return;
        }
        self.entries.push(line.to_string());
        if self.entries.len() > 200 {
            self.entries.remove(0);
        }
    }
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Prompt {
        Prompt {
            kind,
            text: text.to_string(),
            cursor: text.chars().count(),
            history_pos: None,
            completion: None,
        }
    }

    fn byte_at(&self, cursor: usize) -> usize {
        self.text
            .char_indices()
            .nth(cursor)
            .map_or(self.text.len(), |(i, _)| i)
    }

    fn set(&mut self, text: String) {
        self.cursor = text.chars().count();
        self.text = text;
    }

    /// Handles one key. `runs` are candidates for `:run` completion.
    pub fn key(&mut self, key: Key, history: &History, runs: &[String]) -> PromptOutcome {
        let before = self.text.clone();
        if key.code != KeyCode::Tab {
            self.completion = None;
        }
        match (key.code, key.ctrl) {
            (KeyCode::Enter, _) => return PromptOutcome::Submit(self.text.trim().to_string()),
            (KeyCode::Esc, _) | (KeyCode::Char('c'), true) => return PromptOutcome::Cancel,
            (KeyCode::Backspace, _) => {
                if self.cursor == 0 && self.text.is_empty() {
                    return PromptOutcome::Cancel;
                }
                if self.cursor > 0 {
                    let at = self.byte_at(self.cursor - 1);
                    self.text.remove(at);
                    self.cursor -= 1;
                }
            }
            (KeyCode::Delete, _) => {
                if self.cursor < self.text.chars().count() {
                    let at = self.byte_at(self.cursor);
                    self.text.remove(at);
                }
            }
            (KeyCode::Char('u'), true) => self.set(String::new()),
            (KeyCode::Left, _) => self.cursor = self.cursor.saturating_sub(1),
            (KeyCode::Right, _) => self.cursor = (self.cursor + 1).min(self.text.chars().count()),
            (KeyCode::Home, _) | (KeyCode::Char('a'), true) => self.cursor = 0,
            (KeyCode::End, _) | (KeyCode::Char('e'), true) => {
                self.cursor = self.text.chars().count()
            }
            (KeyCode::Up, _) if self.kind == PromptKind::Command => {
                let n = history.entries.len();
                let pos = match self.history_pos {
                    None if n > 0 => n - 1,
                    Some(p) if p > 0 => p - 1,
                    other => other.unwrap_or(0),
                };
                if let Some(e) = history.entries.get(pos) {
                    self.history_pos = Some(pos);
                    self.set(e.clone());
                }
            }
            (KeyCode::Down, _) if self.kind == PromptKind::Command => match self.history_pos {
                Some(p) if p + 1 < history.entries.len() => {
                    self.history_pos = Some(p + 1);
                    self.set(history.entries[p + 1].clone());
                }
                Some(_) => {
                    self.history_pos = None;
                    self.set(String::new());
                }
                None => {}
            },
            (KeyCode::Tab, _) if self.kind == PromptKind::Command => self.complete(runs),
            _ => {
                if let Some(c) = key.text_char() {
                    let at = self.byte_at(self.cursor);
                    self.text.insert(at, c);
                    self.cursor += 1;
                }
            }
        }
        PromptOutcome::Editing {
            changed: self.text != before,
        }
    }

    fn complete(&mut self, runs: &[String]) {
        if let Some((cands, i)) = &mut self.completion {
            if cands.is_empty() {
                return;
            }
            *i = (*i + 1) % cands.len();
            let next = cands[*i].clone();
            self.set(next);
            return;
        }
        let cands = completions(&self.text, runs);
        if let Some(first) = cands.first() {
            let first = first.clone();
            self.set(first);
        }
        self.completion = Some((cands, 0));
    }

    /// The candidates Tab would cycle through, for display.
    pub fn candidates(&self) -> Vec<String> {
        match self.kind {
            PromptKind::Command => self
                .completion
                .as_ref()
                .map(|(c, _)| c.clone())
                .unwrap_or_default(),
            PromptKind::Filter(_) => vec![],
        }
    }
}

/// Full command lines that complete `text`: verbs first, then a verb's argument words, then
/// run refs for `run`, `lineage` and each word of `compare`.
pub fn completions(text: &str, runs: &[String]) -> Vec<String> {
    let (verb, arg) = match text.split_once(' ') {
        Some((v, a)) => (v, Some(a.trim_start())),
        None => (text, None),
    };
    match arg {
        None => COMMANDS
            .iter()
            .filter(|c| c.verb.starts_with(verb))
            .map(|c| {
                let takes_text = [
                    "run", "filter", "compare", "lineage", "report", "export", "backup",
                ]
                .contains(&c.verb);
                if c.args.is_empty() && !takes_text {
                    c.verb.to_string()
                } else {
                    format!("{} ", c.verb)
                }
            })
            .collect(),
        // `:compare A B …` completes its last word from the run refs.
        Some(arg) if verb == "compare" || verb == "lineage" => {
            let (done, word) = match arg.rsplit_once(' ') {
                Some((d, w)) => (format!("{d} "), w),
                None => (String::new(), arg),
            };
            runs.iter()
                .filter(|r| {
                    r.starts_with(word) || r.strip_prefix("run:").is_some_and(|v| v.contains(word))
                })
                .map(|r| format!("{verb} {done}{}", r.strip_prefix("run:").unwrap_or(r)))
                .collect()
        }
        Some(arg) if verb == "run" => runs
            .iter()
            .filter(|r| {
                r.starts_with(arg) || r.strip_prefix("run:").is_some_and(|v| v.contains(arg))
            })
            .map(|r| format!("run {}", r.strip_prefix("run:").unwrap_or(r)))
            .collect(),
        Some(arg) => COMMANDS
            .iter()
            .filter(|c| c.verb == verb)
            .flat_map(|c| c.args.iter())
            .filter(|a| a.starts_with(arg))
            .map(|a| format!("{verb} {a}"))
            .collect(),
    }
}
