//! The diagnostics pane: the shown run's findings (the CLI's rules, against the run's siblings
//! and its previous completed run), worst first; `Enter` goes to the selected finding's
//! evidence (a record in the stream, a stage in the tree, an artifact in the overview), `d`
//! shows the finding in full, `y` copies the evidence ref, `w` wraps long summaries.
//!
//! Pure: returns queries through `Cx`; the worker diagnoses (`fetch.rs`), `view.rs` draws.

mod fetch;
mod view;

use super::{Info, Pane, PaneKind, Place, clamp_offset};
use crate::analysis::diagnostics::Finding;
use crate::model::{Ref, Timestamp};
use crate::tui::action::{Action, PaneId};
use crate::tui::context::{Cx, Detail, FlashLevel, Intent, Load, Overlay};
use crate::tui::drawn_rows::DrawnRows;
use crate::tui::wrapping::{SCROLL_WHILE_WRAPPED, TextView};
use crate::tui::effect::{Lane, Priority};

#[derive(Clone, Debug, Default)]
pub struct DiagnosticsPane {
    pub run: Option<Ref>,
    pub load: Load,
    pub findings: Vec<Finding>,
    pub selected: usize,
    pub offset: usize,
    /// Long summaries cut (and scrolled sideways) or wrapped.
    pub view: TextView,
    /// The finding (index) each line of the last frame showed (mouse clicks).
    pub drawn: DrawnRows,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// Diagnostics of one run against its siblings and previous completed run.
    Diagnose { run: Ref, now: Timestamp },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    Findings(Ref, Vec<Finding>),
}

impl DiagnosticsPane {
    fn reset(&mut self, run: Option<Ref>) {
        *self = DiagnosticsPane {
            load: if run.is_some() {
                Load::Loading
            } else {
                Load::Idle
            },
            run,
            view: self.view,
            ..DiagnosticsPane::default()
        };
    }

    /// The ref to jump to for the selected finding: its first evidence, else its subject.
    pub fn evidence(&self) -> Option<Ref> {
        let f = self.findings.get(self.selected)?;
        let text = f.evidence.first().unwrap_or(&f.subject_ref);
        Ref::parse(text).ok()
    }

    /// `d`: every field of the selected finding, in full.
    fn detail(&self, cx: &mut Cx<'_>) {
        let Some(f) = self.findings.get(self.selected) else {
            cx.flash(FlashLevel::Warn, "detail: no finding selected");
            return;
        };
        let mut lines = vec![
            format!("severity  {}", f.severity.as_str()),
            format!("code      {}", f.code),
            format!("summary   {}", f.summary),
            format!("subject   {}", f.subject_ref),
        ];
        if f.evidence.is_empty() {
            lines.push("evidence  (none)".to_string());
        }
        for (i, e) in f.evidence.iter().enumerate() {
            let label = if i == 0 { "evidence" } else { "" };
            lines.push(format!("{label:<9} {e}"));
        }
        lines.push(String::new());
        lines.push("Enter (in the list) goes to the first evidence.".to_string());
        let json = serde_json::to_string_pretty(f).unwrap_or_else(|e| e.to_string());
        let title = format!("finding {} · {}", f.code, f.subject_ref);
        cx.intent(Intent::Overlay(Overlay::Detail(Detail::new(
            title,
            lines,
            "finding JSON",
            json,
        ))));
    }

    /// `y`: the ref `Enter` would go to (the first evidence, else the subject).
    fn copy(&self, cx: &mut Cx<'_>) {
        match self.evidence() {
            Some(r) => cx.intent(Intent::Copy {
                what: "evidence ref",
                text: r.to_string(),
            }),
            None => cx.flash(FlashLevel::Warn, "copy: no finding selected"),
        }
    }

    /// `C` on a finding: the run's console at the last lines before the finding's record (its
    /// evidence), else before the run ended.
    fn console_at_finding(&mut self, cx: &mut Cx<'_>) {
        let (Some(run), Some(f)) = (self.run.clone(), self.findings.get(self.selected)) else {
            cx.flash(FlashLevel::Warn, "console-at-failure: no finding selected");
            return;
        };
        let record = f
            .evidence
            .iter()
            .chain(std::iter::once(&f.subject_ref))
            .filter_map(|t| Ref::parse(t).ok())
            .find(|r| r.kind() == "record");
        cx.intent(Intent::ConsoleAtFailure(run, record));
    }

    /// `Enter` on a finding: go to its evidence.
    fn open_evidence(&mut self, cx: &mut Cx<'_>) {
        match self.evidence() {
            Some(target) => cx.intent(Intent::JumpTo(target)),
            None => cx.flash(FlashLevel::Warn, "open: no finding selected"),
        }
    }
}

impl Pane for DiagnosticsPane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        if !cx.shared.visible(PaneId::Diagnostics) {
            return;
        }
        let run = cx.shared.run.clone();
        if !force && self.run == run {
            return;
        }
        if self.run != run {
            self.reset(run.clone());
        }
        if let Some(run) = run {
            let now = cx.shared.now;
            cx.ask(Query::Diagnose { run, now });
        }
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.run.is_some() {
            self.sync(cx, true);
        }
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Open | Action::Jump if focused => self.open_evidence(cx),
            Action::Detail if focused => self.detail(cx),
            Action::Copy if focused => self.copy(cx),
            Action::ToggleWrap if focused => self.view.toggle_wrap(),
            Action::HScroll(right) if focused => {
                if !self.view.scroll(*right) {
                    cx.flash(FlashLevel::Warn, SCROLL_WHILE_WRAPPED);
                }
            }
            Action::ConsoleAtFailure if focused => self.console_at_finding(cx),
            _ => return false,
        }
        true
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let n = self.findings.len();
        if n == 0 {
            return;
        }
        let height = cx.shared.pane_height(PaneId::Diagnostics);
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        self.offset = clamp_offset(self.offset, self.selected, n, height);
    }

    fn click(&mut self, row: usize, cx: &mut Cx<'_>) {
        let Some(target) = self.drawn.item_at(row) else {
            return;
        };
        if target < self.findings.len() && target != self.selected {
            self.move_by(target as isize - self.selected as isize, cx);
        }
    }

    fn on_failed(&mut self, _lane: &'static str, message: &str) {
        self.load = Load::Failed(message.to_string());
    }
}

impl PaneKind for DiagnosticsPane {
    const INFO: Info = Info {
        name: "diagnostics",
        aliases: &[],
        title: "Diagnostics",
        help: "Diagnostics",
        place: Place::Investigation,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(_q: &Query) -> Lane {
        Lane::new(Priority::Investigate, "diagnose")
    }

    fn on_loaded(&mut self, loaded: Loaded, _cx: &mut Cx<'_>) {
        let Loaded::Findings(run, findings) = loaded;
        if self.run.as_ref() == Some(&run) {
            self.findings = findings;
            // Lines drawn showed the old list: a click before the next frame selects nothing.
            self.drawn.clear();
            self.load = Load::Ready;
            let n = self.findings.len();
            self.selected = self.selected.min(n.saturating_sub(1));
        }
    }
}
