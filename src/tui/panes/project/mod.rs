//! The project pane: each metric key's values across the project's runs (oldest run first) as
//! trends, for the project of the tree selection. Shown in place of the overview while a
//! project row is selected, or focused with its own key. A cursor picks a run (`h`/`l`; its
//! name and value show), and `Enter` opens it.
//!
//! Pure: returns queries through `Cx`; the worker reads trends (`fetch.rs`), `view.rs` draws.

mod fetch;
mod view;

use super::{Info, Pane, PaneKind, Place, clamp_offset};
use crate::model::Ref;
use crate::tui::action::{Action, PaneId};
use crate::tui::context::{Cx, FlashLevel, Intent, Load, Shared};
use crate::tui::effect::{Lane, Priority};

/// One metric key across a project's runs, oldest run first.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    pub key: String,
    /// (run name, value) per run; `None` where the run lacks the key.
    pub values: Vec<(String, Option<f64>)>,
    pub direction: crate::analysis::direction::Direction,
}

#[derive(Clone, Debug, Default)]
pub struct ProjectPane {
    pub project: Option<Ref>,
    pub load: Load,
    pub trends: Vec<Trend>,
    pub selected: usize,
    pub offset: usize,
    /// The project's runs, oldest first (the trends' columns).
    pub runs: Vec<(Ref, String)>,
    /// The run under the cursor (`h`/`l`), an index into `runs`; the newest at first.
    pub cursor: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// Each metric key's value across a project's runs.
    Trends { project: Ref },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    /// The project, its runs (ref and name, oldest first), and each key's trend over them.
    Trends(Ref, Vec<(Ref, String)>, Vec<Trend>),
}

/// (last present value, min, max, runs with the key).
pub fn summary(t: &Trend) -> Option<(f64, f64, f64, usize)> {
    let vals: Vec<f64> = t.values.iter().filter_map(|(_, v)| *v).collect();
    let last = *vals.last()?;
    let min = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let max = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((last, min, max, vals.len()))
}

/// The project the pane is about: the tree selection's (or the shown run's).
fn selected_project(shared: &Shared) -> Option<Ref> {
    let sel = shared.selected.as_ref().or(shared.run.as_ref())?;
    if sel.kind() == "project" {
        Some(sel.clone())
    } else {
        sel.project_ref()
    }
}

impl ProjectPane {
    fn reset(&mut self, project: Option<Ref>) {
        *self = ProjectPane {
            load: if project.is_some() {
                Load::Loading
            } else {
                Load::Idle
            },
            project,
            ..ProjectPane::default()
        };
    }
}

impl ProjectPane {
    /// The run under the cursor.
    pub fn cursor_run(&self) -> Option<&(Ref, String)> {
        self.runs.get(self.cursor)
    }

    /// `Enter`: the run under the cursor, in the tree and the overview.
    fn open_run(&self, cx: &mut Cx<'_>) {
        match self.cursor_run() {
            Some((run, _)) => cx.intent(Intent::JumpTo(run.clone())),
            None => cx.flash(FlashLevel::Warn, "open: this project has no runs"),
        }
    }
}

impl Pane for ProjectPane {
    fn sync(&mut self, cx: &mut Cx<'_>, force: bool) {
        if !cx.shared.visible(PaneId::Project) {
            return;
        }
        let p = selected_project(cx.shared);
        if !force && self.project == p {
            return;
        }
        if self.project != p {
            self.reset(p.clone());
        }
        if let Some(project) = p {
            cx.ask(Query::Trends { project });
        }
    }

    fn on_changed(&mut self, cx: &mut Cx<'_>) {
        if cx.shared.run.is_some() {
            self.sync(cx, true);
        }
    }

    fn on_action(&mut self, action: &Action, focused: bool, cx: &mut Cx<'_>) -> bool {
        match action {
            Action::Open if focused => self.open_run(cx),
            Action::Column(right) if focused => {
                let last = self.runs.len().saturating_sub(1);
                self.cursor = if *right {
                    (self.cursor + 1).min(last)
                } else {
                    self.cursor.saturating_sub(1)
                };
            }
            _ => return false,
        }
        true
    }

    fn move_by(&mut self, delta: isize, cx: &mut Cx<'_>) {
        let n = self.trends.len();
        if n == 0 {
            return;
        }
        let height = cx.shared.pane_height(PaneId::Project).saturating_sub(1);
        let cur = self.selected as isize;
        self.selected = cur.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        self.offset = clamp_offset(self.offset, self.selected, n, height);
    }

    fn on_failed(&mut self, _lane: &'static str, message: &str) {
        self.load = Load::Failed(message.to_string());
    }
}

impl PaneKind for ProjectPane {
    const INFO: Info = Info {
        name: "project",
        aliases: &[],
        title: "Project",
        help: "Project",
        place: Place::Investigation,
    };
    type Query = Query;
    type Loaded = Loaded;

    fn lane(_q: &Query) -> Lane {
        Lane::new(Priority::Investigate, "trends")
    }

    fn on_loaded(&mut self, loaded: Loaded, _cx: &mut Cx<'_>) {
        let Loaded::Trends(project, runs, trends) = loaded;
        if self.project.as_ref() == Some(&project) {
            // The cursor stays on its run across a reload; a new project starts at the newest.
            let at = self.cursor_run().map(|(r, _)| r.clone());
            self.cursor = at
                .and_then(|r| runs.iter().position(|(x, _)| *x == r))
                .unwrap_or(runs.len().saturating_sub(1));
            self.runs = runs;
            self.trends = trends;
            self.load = Load::Ready;
            let n = self.trends.len();
            self.selected = self.selected.min(n.saturating_sub(1));
        }
    }
}
