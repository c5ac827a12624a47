//! The fuzzy finder (`Ctrl-p`): one list of runs, the shown run's metric keys and artifacts,
//! and the `:` commands, ranked as fzf ranks (the `nucleo-matcher` crate: the matcher of the
//! Helix editor, fzf's scoring); `Enter` goes to the item: selects the run, charts the
//! metric, shows the artifact in the overview, runs the command (or opens the `:` line on it
//! when it needs words).
//!
//! Pure: the items are gathered by the app when the finder opens; this edits the text, ranks
//! and moves the selection.

use crate::model::Ref;
use crate::tui::key::{Key, KeyCode};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// At most this many matches are listed (the best ones).
pub const MAX_SHOWN: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindKind {
    Run,
    Metric,
    Artifact,
    Command,
}

impl FindKind {
    pub fn label(self) -> &'static str {
        match self {
            FindKind::Run => "run",
            FindKind::Metric => "metric",
            FindKind::Artifact => "artifact",
            FindKind::Command => "command",
        }
    }
}

/// Where `Enter` goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindTarget {
    Run(Ref),
    Metric(String),
    Artifact(Ref),
    /// A command line; `true` when it needs words typed after it (opens the `:` line).
    Command(String, bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindItem {
    pub kind: FindKind,
    /// What is matched and shown first.
    pub text: String,
    /// Shown dimmed after it (and matched too: a run's project, a command's description).
    pub detail: String,
    pub target: FindTarget,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finder {
    pub query: String,
    pub items: Vec<FindItem>,
    /// Indices into `items`, best first.
    pub shown: Vec<usize>,
    /// Position in `shown`.
    pub selected: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinderOutcome {
    Editing,
    Go(FindTarget),
    Cancel,
}

impl Finder {
    pub fn new(items: Vec<FindItem>) -> Finder {
        let mut f = Finder {
            query: String::new(),
            items,
            shown: vec![],
            selected: 0,
        };
        f.rank();
        f
    }

    /// Ranks the items against the query (every item, in the given order, when it is empty).
    fn rank(&mut self) {
        self.selected = 0;
        if self.query.trim().is_empty() {
            self.shown = (0..self.items.len().min(MAX_SHOWN)).collect();
            return;
        }
        let mut matcher = Matcher::new(Config::DEFAULT);
        let pattern = Pattern::parse(&self.query, CaseMatching::Smart, Normalization::Smart);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize)> = self
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                // The text counts more than the detail: matched alone first.
                let text = pattern.score(Utf32Str::new(&item.text, &mut buf), &mut matcher);
                let score = match text {
                    Some(s) => Some(s.saturating_mul(2)),
                    None => {
                        let hay = format!("{} {}", item.text, item.detail);
                        pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                    }
                };
                score.map(|s| (s, i))
            })
            .collect();
        // Best first; ties go to the shorter text (as fzf breaks them), then the given order
        // (runs, metrics, artifacts, commands).
        let len = |i: usize| self.items[i].text.chars().count();
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(len(a.1).cmp(&len(b.1)))
                .then(a.1.cmp(&b.1))
        });
        self.shown = scored.into_iter().take(MAX_SHOWN).map(|(_, i)| i).collect();
    }

    /// The item under the selection.
    pub fn current(&self) -> Option<&FindItem> {
        self.shown.get(self.selected).map(|i| &self.items[*i])
    }

    pub fn key(&mut self, key: Key) -> FinderOutcome {
        let last = self.shown.len().saturating_sub(1);
        match (key.code, key.ctrl) {
            (KeyCode::Esc, _) | (KeyCode::Char('c' | 'g'), true) => return FinderOutcome::Cancel,
            (KeyCode::Enter, _) => {
                return match self.current() {
                    Some(item) => FinderOutcome::Go(item.target.clone()),
                    None => FinderOutcome::Editing,
                };
            }
            (KeyCode::Down, _) | (KeyCode::Char('n' | 'j'), true) | (KeyCode::Tab, _) => {
                self.selected = (self.selected + 1).min(last)
            }
            (KeyCode::Up, _) | (KeyCode::Char('p' | 'k'), true) | (KeyCode::BackTab, _) => {
                self.selected = self.selected.saturating_sub(1)
            }
            (KeyCode::PageDown, _) => self.selected = (self.selected + 10).min(last),
            (KeyCode::PageUp, _) => self.selected = self.selected.saturating_sub(10),
            (KeyCode::Backspace, _) => {
                if self.query.pop().is_some() {
                    self.rank();
                }
            }
            (KeyCode::Char('u'), true) => {
                self.query.clear();
                self.rank();
            }
            _ => {
                if let Some(c) = key.text_char() {
                    self.query.push(c);
                    self.rank();
                }
            }
        }
        FinderOutcome::Editing
    }
}

/// Commands that take words the finder cannot guess (the `:` line opens on them).
const TAKES_TEXT: [&str; 7] = [
    "run", "filter", "compare", "lineage", "report", "export", "backup",
];

impl super::AppState {
    /// Opens the finder on what there is now: the runs, the shown run's metric keys and
    /// artifacts (as the overview or metrics pane read them), the commands.
    pub(super) fn open_finder(&mut self) {
        let mut items = Vec::new();
        for p in &self.shared.catalog.projects {
            for r in &p.runs {
                items.push(FindItem {
                    kind: FindKind::Run,
                    text: r.run.name.clone(),
                    detail: r.run.run_ref.value().to_string(),
                    target: FindTarget::Run(r.run.run_ref.clone()),
                });
            }
        }
        let run = self.shared.run.clone();
        let detail = self
            .panes
            .overview
            .detail
            .as_ref()
            .filter(|d| Some(&d.info.run.run_ref) == run.as_ref());
        let mut keys: Vec<String> = match detail {
            Some(d) => d.metrics.iter().map(|m| m.key.clone()).collect(),
            None => vec![],
        };
        if keys.is_empty() && self.panes.metrics.run == run {
            keys = self
                .panes
                .metrics
                .keys
                .iter()
                .map(|m| m.key.clone())
                .collect();
        }
        let shown = run.as_ref().map_or("", |r| r.value()).to_string();
        items.extend(keys.into_iter().map(|k| FindItem {
            kind: FindKind::Metric,
            detail: shown.clone(),
            target: FindTarget::Metric(k.clone()),
            text: k,
        }));
        for a in detail.iter().flat_map(|d| d.artifacts.iter()) {
            // Its file name is what people remember; the kind and ref follow.
            let file = a.location_ref.rsplit(['/', '\\']).next().unwrap_or("");
            let text = if file.is_empty() {
                a.artifact_ref.value().to_string()
            } else {
                file.to_string()
            };
            items.push(FindItem {
                kind: FindKind::Artifact,
                text,
                detail: format!("{} {}", a.artifact_kind, a.artifact_ref.value()),
                target: FindTarget::Artifact(a.artifact_ref.clone()),
            });
        }
        for c in super::super::action::COMMANDS {
            let text_arg = TAKES_TEXT.contains(&c.verb);
            if c.args.is_empty() || text_arg {
                items.push(FindItem {
                    kind: FindKind::Command,
                    text: c.verb.to_string(),
                    detail: c.desc.to_string(),
                    target: FindTarget::Command(c.verb.to_string(), text_arg),
                });
            } else {
                // One item per argument word: `focus metrics`, `sort name`.
                for arg in c.args {
                    let line = format!("{} {arg}", c.verb);
                    items.push(FindItem {
                        kind: FindKind::Command,
                        text: line.clone(),
                        detail: c.desc.to_string(),
                        target: FindTarget::Command(line, false),
                    });
                }
            }
        }
        self.prompt = None;
        self.overlay = Some(crate::tui::context::Overlay::Finder(Box::new(Finder::new(
            items,
        ))));
    }

    pub(super) fn on_finder(&mut self, outcome: FinderOutcome) {
        use crate::tui::action::{Action, PaneId};
        let target = match outcome {
            FinderOutcome::Editing => return,
            FinderOutcome::Cancel => {
                self.overlay = None;
                return;
            }
            FinderOutcome::Go(t) => t,
        };
        self.overlay = None;
        match target {
            FindTarget::Run(r) | FindTarget::Artifact(r) => self.jump_to(r),
            FindTarget::Metric(key) => {
                self.show(PaneId::Metrics);
                self.sync_panes(false);
                self.with(|p, cx| p.metrics.chart_key(&key, cx));
            }
            FindTarget::Command(line, true) => {
                self.prompt = Some(super::cmdline::Prompt::new(
                    super::cmdline::PromptKind::Command,
                    &format!("{line} "),
                ));
            }
            FindTarget::Command(line, false) => match Action::parse(&line) {
                Ok(a) => self.apply(a),
                Err(e) => self.flash(super::FlashLevel::Error, format!(":{line}: {e}")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str) -> FindItem {
        FindItem {
            kind: FindKind::Run,
            text: name.to_string(),
            detail: "mnist".into(),
            target: FindTarget::Run(Ref::parse(&format!("run:mnist.{name}")).unwrap()),
        }
    }

    fn metric(key: &str) -> FindItem {
        FindItem {
            kind: FindKind::Metric,
            text: key.to_string(),
            detail: String::new(),
            target: FindTarget::Metric(key.to_string()),
        }
    }

    fn typed(f: &mut Finder, text: &str) {
        for c in text.chars() {
            f.key(Key::new(KeyCode::Char(c)));
        }
    }

    fn shown(f: &Finder) -> Vec<&str> {
        f.shown.iter().map(|i| f.items[*i].text.as_str()).collect()
    }

    #[test]
    fn ranks_like_fzf_contiguous_and_word_start_matches_first() {
        let mut f = Finder::new(vec![
            run("lr-3e-4"),
            run("baseline"),
            metric("val-loss"),
            metric("val-accuracy"),
            metric("train-loss"),
            run("cosine-warmup"),
        ]);
        assert_eq!(f.shown.len(), 6, "everything before typing");
        typed(&mut f, "vl");
        assert_eq!(shown(&f)[..2], ["val-loss", "val-accuracy"]);
        f.key(Key::new(KeyCode::Backspace));
        f.key(Key::new(KeyCode::Backspace));
        typed(&mut f, "loss");
        assert_eq!(shown(&f), ["val-loss", "train-loss"]);
        f.key(Key {
            code: KeyCode::Char('u'),
            ctrl: true,
            alt: false,
        });
        typed(&mut f, "bsln");
        assert_eq!(shown(&f), ["baseline"]);
        typed(&mut f, "zzz");
        assert!(f.shown.is_empty());
        assert_eq!(f.key(Key::new(KeyCode::Enter)), FinderOutcome::Editing);
    }

    #[test]
    fn moves_and_goes_to_the_selected_item() {
        let mut f = Finder::new(vec![run("a-run"), metric("a-metric"), run("b")]);
        typed(&mut f, "a");
        f.key(Key::new(KeyCode::Down));
        f.key(Key::new(KeyCode::Down));
        f.key(Key::new(KeyCode::Down));
        let expect = f.current().unwrap().target.clone();
        assert_eq!(f.selected, 1, "stops at the last match");
        assert_eq!(f.key(Key::new(KeyCode::Enter)), FinderOutcome::Go(expect));
        assert_eq!(f.key(Key::new(KeyCode::Esc)), FinderOutcome::Cancel);
    }
}
