//! What the user wants, as data. One grammar serves keymap entries (`run = "select next"`) and
//! the `:` command line (`:select next`), so every command can be bound and every binding typed.
//! `COMMANDS` is the registry: the command line completes from it and `:help` lists it.
//!
//! Parsing never looks at state: whether an action makes sense now is `update`'s business.

use crate::report::Render;
use std::fmt;

pub use super::panes::PaneId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Next,
    Prev,
    Pane(PaneId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    Next,
    Prev,
    First,
    Last,
    PageDown,
    PageUp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Start,
    Name,
    Toggle,
    /// The compare table by its selected column (again: reverse).
    Column,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zoom {
    In,
    Out,
    Reset,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Refresh,
    Help,
    /// The fuzzy finder over runs, metric keys, artifacts and commands.
    Find,
    Back,
    Command,
    Focus(Focus),
    Select(Motion),
    Open,
    Expand,
    Collapse,
    Mark,
    ClearMarks,
    Sort(SortKey),
    /// `None` opens the `/` prompt on the focused pane; `Some` applies the text.
    Filter(Option<String>),
    GotoRun(String),
    Follow,
    Chart,
    Smooth,
    LogScale,
    XAxis,
    /// The full-size chart's rank split: all ranks, rank 0, rank 1 … (a merged run).
    Rank,
    Zoom(Zoom),
    /// The chart cursor one column left (`false`) or right (`true`); on the grid, the selection.
    Cursor(bool),
    /// The chart's x range a quarter of its width left (`false`) or right (`true`).
    Pan(bool),
    /// Compare runs: the marked ones when empty, else the refs given (`:compare A B`).
    Compare(Vec<String>),
    /// The lineage navigator, centred on the tree selection or on the ref given.
    Lineage(Option<String>),
    /// Move the column selection (compare table, lineage sides): `true` is right.
    Column(bool),
    /// Go to the selected entity's own view (lineage: run → tree, artifact → overview).
    Jump,
    /// Write a report in the background: the marked pair compared, else the selected run.
    Report {
        render: Render,
        path: Option<String>,
    },
    /// Export the marked runs (else the selected run) as JSON Lines, in the background.
    Export(Option<String>),
    /// Back up the workspace in the background.
    Backup(Option<String>),
    /// The focused pane fills the screen, or goes back to its place.
    Maximize,
    /// Hide the run tree (its columns go to the other panes), or show it again.
    ToggleTree,
    /// Wrap long text in the focused pane or the detail overlay, or cut it again (`w`).
    ToggleWrap,
    /// Scroll cut text sideways: `true` is right.
    HScroll(bool),
    /// Every field of the selection in full, in an overlay (a record, a finding, a lineage node).
    Detail,
    /// Copy the selected ref (or the detail overlay's JSON) to the clipboard through OSC 52.
    Copy,
    /// Open outside the explorer: a record's text in `$PAGER`, else the last written report
    /// with `$BROWSER` or `xdg-open`.
    OpenExternal,
    /// The next (`true`) or previous search match of the focused pane's `/` search.
    Match(bool),
    /// The console of the selected run (tree), the finding's run (diagnostics) or the shown
    /// run, at the last lines before it failed, paused.
    ConsoleAtFailure,
    /// Does nothing: a user keymap binds a key to it to disable a default.
    Nop,
}

pub use super::commands::{COMMANDS, CommandSpec};

impl Action {
    /// Actions on the focused pane's rows or columns: no other pane takes them.
    pub fn is_focused_only(&self) -> bool {
        matches!(
            self,
            Action::Open
                | Action::Expand
                | Action::Collapse
                | Action::Column(_)
                | Action::Jump
                | Action::ToggleWrap
                | Action::HScroll(_)
                | Action::Detail
                | Action::Copy
                | Action::OpenExternal
        )
    }

    /// What the status line says when no pane took the action (`None`: nothing to say).
    pub fn unavailable(&self) -> Option<&'static str> {
        match self {
            Action::Expand | Action::Collapse => Some("expand/collapse: only in the run tree"),
            Action::Column(_) => Some("column: only in the lineage or a compare table of 3+ runs"),
            Action::Jump => Some("jump: only in the lineage or diagnostics"),
            Action::ToggleWrap | Action::HScroll(_) => Some(
                "wrap/scroll: only in the records, console, diagnostics, lineage or a detail view",
            ),
            Action::Detail => Some("detail: only in the records, diagnostics or lineage"),
            Action::Copy => Some("copy: nothing selected to copy here"),
            Action::Match(_) => Some("match: only in the console (search with /)"),
            _ => None,
        }
    }

    pub fn parse(text: &str) -> Result<Action, String> {
        let text = text.trim();
        let (verb, rest) = match text.split_once(char::is_whitespace) {
            Some((v, r)) => (v, r.trim()),
            None => (text, ""),
        };
        let arg = |choices: &[&str]| -> Result<String, String> {
            if choices.contains(&rest) {
                Ok(rest.to_string())
            } else {
                Err(format!("`{verb}` takes one of: {}", choices.join(", ")))
            }
        };
        let no_args = |a: Action| {
            if rest.is_empty() {
                Ok(a)
            } else {
                Err(format!("`{verb}` takes no arguments"))
            }
        };
        match verb {
            "q" | "quit" | "q!" => no_args(Action::Quit),
            "refresh" => no_args(Action::Refresh),
            "help" => no_args(Action::Help),
            "find" => no_args(Action::Find),
            "back" => no_args(Action::Back),
            "command" => no_args(Action::Command),
            "focus" => {
                let mut words = vec!["next", "prev"];
                for p in PaneId::ALL {
                    words.push(p.name());
                    words.extend(p.info().aliases);
                }
                let a = arg(&words)?;
                Ok(Action::Focus(match a.as_str() {
                    "next" => Focus::Next,
                    "prev" => Focus::Prev,
                    p => Focus::Pane(PaneId::parse(p).ok_or("unknown pane")?),
                }))
            }
            "select" => Ok(Action::Select(
                match arg(&["next", "prev", "first", "last", "page-down", "page-up"])?.as_str() {
                    "next" => Motion::Next,
                    "prev" => Motion::Prev,
                    "first" => Motion::First,
                    "last" => Motion::Last,
                    "page-down" => Motion::PageDown,
                    _ => Motion::PageUp,
                },
            )),
            "open" => no_args(Action::Open),
            "expand" => no_args(Action::Expand),
            "collapse" => no_args(Action::Collapse),
            "mark" => no_args(Action::Mark),
            "unmark-all" => no_args(Action::ClearMarks),
            "sort" => Ok(Action::Sort(
                match arg(&["start", "name", "toggle", "column"])?.as_str() {
                    "start" => SortKey::Start,
                    "name" => SortKey::Name,
                    "column" => SortKey::Column,
                    _ => SortKey::Toggle,
                },
            )),
            "filter" if rest.is_empty() => Ok(Action::Filter(None)),
            "filter" => Ok(Action::Filter(Some(rest.to_string()))),
            "run" if rest.is_empty() => Err("`run` needs a run ref, e.g. :run baseline".into()),
            "run" => Ok(Action::GotoRun(rest.to_string())),
            "follow" => no_args(Action::Follow),
            "chart" => no_args(Action::Chart),
            "smooth" => no_args(Action::Smooth),
            "log" => no_args(Action::LogScale),
            "xaxis" => no_args(Action::XAxis),
            "rank" => no_args(Action::Rank),
            "zoom" => Ok(Action::Zoom(match arg(&["in", "out", "reset"])?.as_str() {
                "in" => Zoom::In,
                "out" => Zoom::Out,
                _ => Zoom::Reset,
            })),
            "cursor" => Ok(Action::Cursor(arg(&["left", "right"])? == "right")),
            "pan" => Ok(Action::Pan(arg(&["left", "right"])? == "right")),
            "compare" => Ok(Action::Compare(
                rest.split_whitespace().map(str::to_string).collect(),
            )),
            "lineage" if rest.is_empty() => Ok(Action::Lineage(None)),
            "lineage" => Ok(Action::Lineage(Some(rest.to_string()))),
            "column" => Ok(Action::Column(arg(&["next", "prev"])? == "next")),
            "jump" => no_args(Action::Jump),
            "report" => {
                let (first, after) = match rest.split_once(char::is_whitespace) {
                    Some((f, a)) => (f, a.trim()),
                    None => (rest, ""),
                };
                let (render, path) = match Render::parse(first) {
                    Some(r) => (r, after),
                    None => (report_render_of_path(rest)?, rest),
                };
                Ok(Action::Report {
                    render,
                    path: (!path.is_empty()).then(|| path.to_string()),
                })
            }
            "export" => Ok(Action::Export((!rest.is_empty()).then(|| rest.to_string()))),
            "backup" => Ok(Action::Backup((!rest.is_empty()).then(|| rest.to_string()))),
            "maximize" | "maximise" => no_args(Action::Maximize),
            "toggle-tree" => no_args(Action::ToggleTree),
            "wrap" => no_args(Action::ToggleWrap),
            "scroll" => Ok(Action::HScroll(arg(&["left", "right"])? == "right")),
            "detail" => no_args(Action::Detail),
            "copy" => no_args(Action::Copy),
            "open-external" => no_args(Action::OpenExternal),
            "match" => Ok(Action::Match(arg(&["next", "prev"])? == "next")),
            "console-at-failure" => no_args(Action::ConsoleAtFailure),
            "nop" | "none" => no_args(Action::Nop),
            "" => Err("empty command".into()),
            other => Err(format!("unknown command `{other}` (try :help)")),
        }
    }
}

/// The formats `:report` writes, as a user types them.
const REPORT_FORMATS: &str = "html, markdown (md), json, csv";

/// The format of `:report PATH` (no format word): HTML when PATH is empty or has no extension,
/// else its extension, which must name a format. A bare word that is not a format (`pdf`) is
/// refused rather than taken for a file name, so a typo never writes HTML into a file `pdf`.
fn report_render_of_path(path: &str) -> Result<Render, String> {
    if path.is_empty() {
        return Ok(Render::Html);
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => Render::parse(ext).ok_or_else(|| {
            format!("unknown report format `{ext}` (of {path}); formats: {REPORT_FORMATS}")
        }),
        _ if !path.contains('/') => Err(format!(
            "unknown report format `{path}`; formats: {REPORT_FORMATS} (a file name needs its extension, e.g. report.html)"
        )),
        _ => Ok(Render::Html),
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Quit => write!(f, "quit"),
            Action::Refresh => write!(f, "refresh"),
            Action::Help => write!(f, "help"),
            Action::Find => write!(f, "find"),
            Action::Back => write!(f, "back"),
            Action::Command => write!(f, "command"),
            Action::Focus(Focus::Next) => write!(f, "focus next"),
            Action::Focus(Focus::Prev) => write!(f, "focus prev"),
            Action::Focus(Focus::Pane(p)) => write!(f, "focus {}", p.name()),
            Action::Select(m) => write!(
                f,
                "select {}",
                match m {
                    Motion::Next => "next",
                    Motion::Prev => "prev",
                    Motion::First => "first",
                    Motion::Last => "last",
                    Motion::PageDown => "page-down",
                    Motion::PageUp => "page-up",
                }
            ),
            Action::Open => write!(f, "open"),
            Action::Expand => write!(f, "expand"),
            Action::Collapse => write!(f, "collapse"),
            Action::Mark => write!(f, "mark"),
            Action::ClearMarks => write!(f, "unmark-all"),
            Action::Sort(SortKey::Start) => write!(f, "sort start"),
            Action::Sort(SortKey::Name) => write!(f, "sort name"),
            Action::Sort(SortKey::Toggle) => write!(f, "sort toggle"),
            Action::Sort(SortKey::Column) => write!(f, "sort column"),
            Action::Filter(None) => write!(f, "filter"),
            Action::Filter(Some(t)) => write!(f, "filter {t}"),
            Action::GotoRun(r) => write!(f, "run {r}"),
            Action::Follow => write!(f, "follow"),
            Action::Chart => write!(f, "chart"),
            Action::Smooth => write!(f, "smooth"),
            Action::LogScale => write!(f, "log"),
            Action::XAxis => write!(f, "xaxis"),
            Action::Rank => write!(f, "rank"),
            Action::Zoom(Zoom::In) => write!(f, "zoom in"),
            Action::Zoom(Zoom::Out) => write!(f, "zoom out"),
            Action::Zoom(Zoom::Reset) => write!(f, "zoom reset"),
            Action::Cursor(right) => write!(f, "cursor {}", if *right { "right" } else { "left" }),
            Action::Pan(right) => write!(f, "pan {}", if *right { "right" } else { "left" }),
            Action::Compare(refs) if refs.is_empty() => write!(f, "compare"),
            Action::Compare(refs) => write!(f, "compare {}", refs.join(" ")),
            Action::Lineage(None) => write!(f, "lineage"),
            Action::Lineage(Some(r)) => write!(f, "lineage {r}"),
            Action::Column(true) => write!(f, "column next"),
            Action::Column(false) => write!(f, "column prev"),
            Action::Jump => write!(f, "jump"),
            Action::Report { render, path } => {
                let kind = match render {
                    Render::Markdown => "markdown",
                    Render::Json => "json",
                    Render::Html => "html",
                    Render::Csv => "csv",
                };
                match path {
                    Some(p) => write!(f, "report {kind} {p}"),
                    None => write!(f, "report {kind}"),
                }
            }
            Action::Export(None) => write!(f, "export"),
            Action::Export(Some(p)) => write!(f, "export {p}"),
            Action::Backup(None) => write!(f, "backup"),
            Action::Backup(Some(p)) => write!(f, "backup {p}"),
            Action::Maximize => write!(f, "maximize"),
            Action::ToggleTree => write!(f, "toggle-tree"),
            Action::ToggleWrap => write!(f, "wrap"),
            Action::HScroll(true) => write!(f, "scroll right"),
            Action::HScroll(false) => write!(f, "scroll left"),
            Action::Detail => write!(f, "detail"),
            Action::Copy => write!(f, "copy"),
            Action::OpenExternal => write!(f, "open-external"),
            Action::Match(true) => write!(f, "match next"),
            Action::Match(false) => write!(f, "match prev"),
            Action::ConsoleAtFailure => write!(f, "console-at-failure"),
            Action::Nop => write!(f, "nop"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_command_parses_and_round_trips() {
        for c in COMMANDS {
            let text = match c.verb {
                "run" => "run baseline".to_string(),
                v if !c.args.is_empty() && v != "filter" => format!("{v} {}", c.args[0]),
                v => v.to_string(),
            };
            let a = Action::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(Action::parse(&a.to_string()), Ok(a));
        }
        assert!(Action::parse("sort sideways").is_err());
        assert_eq!(
            Action::parse("report"),
            Ok(Action::Report {
                render: Render::Html,
                path: None
            })
        );
        assert_eq!(
            Action::parse("report csv out/r.csv"),
            Ok(Action::Report {
                render: Render::Csv,
                path: Some("out/r.csv".into())
            })
        );
        assert_eq!(
            Action::parse("report r.html"),
            Ok(Action::Report {
                render: Render::Html,
                path: Some("r.html".into())
            })
        );
        // An unknown format is an error naming the formats, never a file called `pdf`.
        for bad in ["report pdf", "report out/r.pdf", "report r.docx"] {
            let err = Action::parse(bad).unwrap_err();
            assert!(err.contains("unknown report format"), "{bad}: {err}");
            assert!(err.contains("markdown"), "{bad}: {err}");
        }
        assert_eq!(
            Action::parse("report r.md"),
            Ok(Action::Report {
                render: Render::Markdown,
                path: Some("r.md".into())
            })
        );
        assert_eq!(
            Action::parse("report out/summary"),
            Ok(Action::Report {
                render: Render::Html,
                path: Some("out/summary".into())
            })
        );
        assert_eq!(Action::parse("backup"), Ok(Action::Backup(None)));
        assert_eq!(
            Action::parse("export x.jsonl"),
            Ok(Action::Export(Some("x.jsonl".into())))
        );
        assert!(Action::parse("bogus").is_err());
    }
}
