//! The explorer's state and its only mutator, `update(Msg) -> Vec<Effect>`: pure, no I/O, no
//! clock (time arrives as `Msg::Clock`), no terminal types. Keys resolve through the keymap
//! focus-first (overlay, then the focused pane's layer, then global) into `Action`s; loaded
//! results are matched to their request by id, and stale ones are dropped.
//!
//! Submodules hold one pane's view state each; `actions.rs` routes actions, `data.rs` issues
//! queries and applies their results.

mod actions;
mod artifacts;
pub mod cmdline;
pub mod compare;
mod data;
pub mod diagnostics;
pub mod filter;
mod investigate;
pub mod jobs;
pub mod lineage;
pub mod metrics;
mod motion;
mod navigate;
pub mod project;
pub mod stream;
pub mod tree;

use super::action::{Action, PaneId};
use super::effect::{Effect, Loaded, Query, Request, Slot};
use super::key::Key;
use super::keymap::{Keymap, Layer, Lookup};
use super::layout::{self, Screen};
use crate::model::{Ref, Timestamp};
use crate::query::{RunDetail, WorkspaceProblem};
use crate::watch::WatchMode;
use cmdline::{History, Prompt, PromptKind};
use std::collections::BTreeMap;

pub use compare::CompareState;
pub use diagnostics::DiagnosticsState;
pub use lineage::LineageState;
pub use metrics::MetricsState;
pub use project::ProjectState;
pub use stream::StreamState;
pub use tree::TreeState;

/// Where a pane's data stands; render shows each state (style.md principle 8).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Load {
    /// Nothing to show yet and nothing asked (e.g. no run selected).
    #[default]
    Idle,
    Loading,
    Ready,
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    ScrollUp,
    ScrollDown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub x: u16,
    pub y: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Key(Key),
    Mouse(Mouse),
    Resize(u16, u16),
    Clock(Timestamp),
    Opened(Result<(), WorkspaceProblem>),
    Loaded(Loaded),
    /// The workspace changed on disk (watcher or poll).
    Changed,
    Watch(WatchMode),
    Action(Action),
    /// Progress or the end of a background job.
    Job(super::effect::JobEvent),
    /// SIGTERM / SIGHUP: leave like `:q`.
    Quit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: usize,
    },
    Record {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashLevel {
    Info,
    Warn,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub level: FlashLevel,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsState {
    Opening,
    Ready,
    Problem(WorkspaceProblem),
}

/// Request ids: one counter, and the latest id per slot (results with another id are stale).
#[derive(Clone, Debug, Default)]
pub struct Requests {
    next: u64,
    latest: BTreeMap<Slot, u64>,
}

impl Requests {
    pub fn issue(&mut self, query: Query) -> Effect {
        self.next += 1;
        self.latest.insert(query.slot(), self.next);
        Effect::Query(Request {
            id: self.next,
            query,
        })
    }

    /// Accepts a result if it answers the slot's latest request, and frees the slot.
    fn accept(&mut self, loaded: &Loaded) -> bool {
        if self.latest.get(&loaded.slot) == Some(&loaded.id) {
            self.latest.remove(&loaded.slot);
            true
        } else {
            false
        }
    }

    pub fn in_flight(&self) -> usize {
        self.latest.len()
    }

    fn clear(&mut self) {
        self.latest.clear();
    }
}

#[derive(Clone, Debug, Default)]
pub struct OverviewState {
    pub run: Option<Ref>,
    pub load: Load,
    pub detail: Option<Box<RunDetail>>,
    pub scroll: usize,
    /// An artifact to highlight (a jump from a finding's evidence).
    pub highlight: Option<Ref>,
    /// Verification state per run, then per artifact; filled by the worker, kept until
    /// `:refresh` (hashing is disk work, done once per artifact).
    pub verified: BTreeMap<Ref, BTreeMap<Ref, super::effect::Verdict>>,
}

pub struct AppState {
    pub keymap: Keymap,
    /// The workspace path as shown (already shortened by the shell).
    pub workspace_label: String,
    pub size: (u16, u16),
    pub now: Timestamp,
    pub focus: PaneId,
    /// The right-hand pane of the narrow layout.
    pub main: PaneId,
    pub overlay: Option<Overlay>,
    pub prompt: Option<Prompt>,
    pub history: History,
    pub flash: Option<Flash>,
    pub ws: WsState,
    pub watch: Option<WatchMode>,
    pub last_change: Option<Timestamp>,
    /// The run the right-hand panes show.
    pub run: Option<Ref>,
    pub tree: TreeState,
    pub overview: OverviewState,
    pub stream: StreamState,
    pub metrics: MetricsState,
    pub compare: CompareState,
    pub diagnostics: DiagnosticsState,
    pub lineage: LineageState,
    pub project: ProjectState,
    pub requests: Requests,
    /// The background job running now, if any (one at a time).
    pub job: Option<jobs::JobStatus>,
    job_ids: u64,
    /// Quit was asked once while a job ran (and warned about); the next quit leaves.
    quit_armed: bool,
    pending_keys: Vec<Key>,
    retry_at: Option<Timestamp>,
    pub mouse: bool,
    pub quit: bool,
}

/// How long between attempts to reopen a workspace that is missing, locked or recovering.
const RETRY_MICROS: i64 = 1_000_000;

impl AppState {
    pub fn new(keymap: Keymap, workspace_label: String, size: (u16, u16), now: Timestamp) -> Self {
        AppState {
            keymap,
            workspace_label,
            size,
            now,
            focus: PaneId::Tree,
            main: PaneId::Overview,
            overlay: None,
            prompt: None,
            history: History::default(),
            flash: None,
            ws: WsState::Opening,
            watch: None,
            last_change: None,
            run: None,
            tree: TreeState::default(),
            overview: OverviewState::default(),
            stream: StreamState::default(),
            metrics: MetricsState::default(),
            compare: CompareState::default(),
            diagnostics: DiagnosticsState::default(),
            lineage: LineageState::default(),
            project: ProjectState::default(),
            requests: Requests::default(),
            job: None,
            job_ids: 0,
            quit_armed: false,
            pending_keys: Vec::new(),
            retry_at: None,
            mouse: false,
            quit: false,
        }
    }

    /// The first effects: open the workspace.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![Effect::Open]
    }

    pub fn screen(&self) -> Screen {
        layout::compute(self.size.0, self.size.1, self.focus, self.view_main())
    }

    /// The main pane as shown: a project row selected in the tree shows the project view in
    /// place of the overview (a run's overview has nothing to say about a project).
    pub fn view_main(&self) -> PaneId {
        let project_row = self
            .tree
            .selected
            .as_ref()
            .is_some_and(|r| r.kind() == "project");
        if self.focus == PaneId::Tree && self.main == PaneId::Overview && project_row {
            PaneId::Project
        } else {
            self.main
        }
    }

    /// Inner height of a pane as laid out now (0 when hidden).
    pub fn pane_height(&self, pane: PaneId) -> usize {
        self.screen().area(pane).map_or(0, |a| a.inner().h as usize)
    }

    pub fn flash(&mut self, level: FlashLevel, text: impl Into<String>) {
        self.flash = Some(Flash {
            level,
            text: text.into(),
        });
    }

    /// Layers for key lookup, most specific first.
    pub fn layers(&self) -> Vec<Layer> {
        if self.overlay.is_some() {
            vec![Layer::Overlay, Layer::Global]
        } else {
            vec![Layer::Pane(self.focus), Layer::Global]
        }
    }

    /// When the shell should wake us without input: age display, highlight expiry, or a retry
    /// of opening the workspace. `None` means sleep until something happens.
    pub fn next_wake(&self) -> Option<Timestamp> {
        let mut wake: Option<Timestamp> = None;
        let mut at = |t: Timestamp| wake = Some(wake.map_or(t, |w: Timestamp| w.min(t)));
        if let Some(t) = self.retry_at {
            at(t);
        }
        // The status bar shows "Ns ago" for a minute after a change: tick once a second.
        if let Some(c) = self.last_change {
            let age = self.now.0 - c.0;
            if (0..60_000_000).contains(&age) {
                at(Timestamp(self.now.0 + 1_000_000 - age % 1_000_000));
            }
        }
        for t in self.stream.fresh.values().chain(self.tree.fresh.values()) {
            at(*t);
        }
        wake
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.clamp_views();
                // The chart and sparklines are sized to the pane: fetch them at the new width.
                let mut fx = self.load_metric_series();
                // A taller stream pane may show more than the window holds.
                let height = self.stream_height();
                if let Some(anchor) = self.stream.fill(height) {
                    fx.extend(self.records(anchor, height.max(10)));
                }
                fx
            }
            Msg::Clock(now) => self.on_clock(now),
            Msg::Opened(r) => self.on_opened(r),
            Msg::Loaded(l) => self.on_loaded(l),
            Msg::Changed => self.on_changed(),
            Msg::Watch(mode) => {
                if let WatchMode::Polling { reason } = &mode {
                    self.flash(
                        FlashLevel::Warn,
                        format!("live updates by polling: {reason}"),
                    );
                }
                self.watch = Some(mode);
                vec![]
            }
            Msg::Action(a) => self.apply(a),
            Msg::Job(e) => self.on_job(e),
            Msg::Quit => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
    }

    fn on_clock(&mut self, now: Timestamp) -> Vec<Effect> {
        self.now = now;
        self.stream.expire(now);
        self.tree.fresh.retain(|_, until| *until > now);
        match self.retry_at {
            Some(t) if now >= t => {
                self.retry_at = None;
                vec![Effect::Open]
            }
            _ => vec![],
        }
    }

    fn on_key(&mut self, key: Key) -> Vec<Effect> {
        if let Some(prompt) = &mut self.prompt {
            let runs: Vec<String> = self
                .tree
                .all_runs()
                .map(|r| r.run.run_ref.to_string())
                .collect();
            let outcome = prompt.key(key, &self.history, &runs);
            return self.on_prompt(outcome);
        }
        self.flash = None;
        self.pending_keys.push(key);
        match self.keymap.lookup(&self.layers(), &self.pending_keys) {
            Lookup::Found(a) => {
                self.pending_keys.clear();
                self.apply(a)
            }
            Lookup::Prefix => vec![],
            Lookup::None => {
                let retry = self.pending_keys.len() > 1;
                self.pending_keys.clear();
                if retry { self.on_key(key) } else { vec![] }
            }
        }
    }

    fn on_prompt(&mut self, outcome: cmdline::PromptOutcome) -> Vec<Effect> {
        use cmdline::PromptOutcome::*;
        let Some(prompt) = self.prompt.clone() else {
            return vec![];
        };
        match (outcome, prompt.kind) {
            (Editing { changed: true }, PromptKind::Filter(pane)) => {
                self.set_filter(pane, &prompt.text, false)
            }
            (Editing { .. }, _) => vec![],
            (Cancel, PromptKind::Filter(pane)) => {
                self.prompt = None;
                self.set_filter(pane, "", false)
            }
            (Cancel, PromptKind::Command) => {
                self.prompt = None;
                vec![]
            }
            (Submit(text), PromptKind::Filter(pane)) => {
                self.prompt = None;
                self.set_filter(pane, &text, true)
            }
            (Submit(text), PromptKind::Command) => {
                self.prompt = None;
                if text.is_empty() {
                    return vec![];
                }
                self.history.push(&text);
                match Action::parse(&text) {
                    Ok(a) => self.apply(a),
                    Err(e) => {
                        self.flash(FlashLevel::Error, format!(":{text}: {e}"));
                        vec![]
                    }
                }
            }
        }
    }

    fn on_mouse(&mut self, m: Mouse) -> Vec<Effect> {
        if !self.mouse || self.overlay.is_some() || self.prompt.is_some() {
            return vec![];
        }
        let Some((pane, area)) = self.screen().pane_at(m.x, m.y) else {
            return vec![];
        };
        let mut fx = Vec::new();
        if self.focus != pane {
            fx.extend(self.apply(Action::Focus(super::action::Focus::Pane(pane))));
        }
        let inner = area.inner();
        match m.kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                let step = if m.kind == MouseKind::ScrollUp { -3 } else { 3 };
                fx.extend(self.move_selection(step));
            }
            MouseKind::Click if inner.contains(m.x, m.y) => {
                fx.extend(self.click_row((m.y - inner.y) as usize));
            }
            MouseKind::Click => {}
        }
        fx
    }

    fn on_opened(&mut self, r: Result<(), WorkspaceProblem>) -> Vec<Effect> {
        match r {
            Ok(()) => {
                let was_problem = matches!(self.ws, WsState::Problem(_));
                self.ws = WsState::Ready;
                self.retry_at = None;
                if was_problem {
                    self.flash(FlashLevel::Info, "workspace available again");
                }
                self.requests.clear();
                self.refresh_all()
            }
            Err(p) => self.on_problem(p),
        }
    }

    fn on_problem(&mut self, p: WorkspaceProblem) -> Vec<Effect> {
        // Keep showing data already loaded (marked stale by the status line); a pane that never
        // loaded says what is wrong instead of "loading…".
        let why = Load::Failed(format!("{}: {}", p.label(), p.message()));
        if self.tree.load != Load::Ready {
            self.tree.load = why;
        }
        self.ws = WsState::Problem(p);
        self.retry_at = Some(Timestamp(self.now.0 + RETRY_MICROS));
        self.requests.clear();
        vec![]
    }

    fn on_changed(&mut self) -> Vec<Effect> {
        self.last_change = Some(self.now);
        match self.ws {
            WsState::Ready => self.refresh_live(),
            // The file may have come back: try now rather than at the next retry.
            WsState::Problem(_) => {
                self.retry_at = None;
                vec![Effect::Open]
            }
            WsState::Opening => vec![],
        }
    }

    fn clamp_views(&mut self) {
        let (th, sh) = (self.pane_height(PaneId::Tree), self.stream_height());
        self.tree.clamp_view(th);
        self.stream.clamp_view(sh);
    }

    pub fn stream_height(&self) -> usize {
        self.pane_height(PaneId::Stream)
    }
}
