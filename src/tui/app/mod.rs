//! The explorer's state and its only mutator, `update(Msg) -> Vec<Effect>`: pure, no I/O, no
//! clock (time arrives as `Msg::Clock`), no terminal types.
//!
//! `AppState` holds only what the panes share (`Shared`: focus, the selection, the marks, the run
//! list, the clock and size) and what belongs to no pane (overlay, prompt, flash, requests, the
//! workspace's state, the background job); each pane's own state, reactions, queries and render
//! live in `panes/`. Keys resolve through the keymap focus-first (overlay, then the focused
//! pane's layer, then global) into `Action`s, which `route.rs` hands to the panes; loaded results
//! go back to the pane that asked (`data.rs`), stale ones dropped; what a pane asks of the app
//! (`Intent`: show a pane, jump to an entity) is done in `navigate.rs`.

pub mod cmdline;
mod data;
pub mod finder;
pub mod jobs;
mod navigate;
mod route;
pub mod saved;

pub use crate::tui::context::{Catalog, Flash, FlashLevel, Load, Overlay, Shared};

use super::action::{Action, Focus, PaneId};
use super::context::{Cx, Requests};
use super::effect::{Effect, Loaded};
use super::key::Key;
use super::keymap::{Keymap, Layer, Lookup};
use super::layout::Screen;
use super::panes::{Pane, Panes};
use crate::model::Timestamp;
use crate::query::WorkspaceProblem;
use crate::watch::WatchMode;
use cmdline::{History, Prompt, PromptKind};
use std::collections::BTreeMap;

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
    /// Something from outside the reducer to tell the user (a saved view that could not be
    /// read or written).
    Notice(FlashLevel, String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsState {
    Opening,
    Ready,
    Problem(WorkspaceProblem),
}

pub struct AppState {
    pub keymap: Keymap,
    /// The workspace path as shown (already shortened by the shell).
    pub workspace_label: String,
    pub shared: Shared,
    pub panes: Panes,
    pub overlay: Option<Overlay>,
    pub prompt: Option<Prompt>,
    pub history: History,
    pub flash: Option<Flash>,
    pub ws: WsState,
    pub watch: Option<WatchMode>,
    pub last_change: Option<Timestamp>,
    pub requests: Requests,
    /// The last report a job wrote (`o` opens it in a browser).
    pub last_report: Option<std::path::PathBuf>,
    /// The background job running now, if any (one at a time).
    pub job: Option<jobs::JobStatus>,
    job_ids: u64,
    /// Quit was asked once while a job ran (and warned about); the next quit leaves.
    quit_armed: bool,
    pending_keys: Vec<Key>,
    retry_at: Option<Timestamp>,
    pub mouse: bool,
    pub quit: bool,
    /// Effects asked for during the current `update`.
    out: Vec<Effect>,
    /// The size each pane was last laid out at (kept while it is hidden).
    sizes: BTreeMap<PaneId, (u16, u16)>,
}

/// How long between attempts to reopen a workspace that is missing, locked or recovering.
const RETRY_MICROS: i64 = 1_000_000;

impl AppState {
    pub fn new(keymap: Keymap, workspace_label: String, size: (u16, u16), now: Timestamp) -> Self {
        AppState {
            keymap,
            workspace_label,
            shared: Shared::new(size, now),
            panes: Panes::default(),
            overlay: None,
            prompt: None,
            history: History::default(),
            flash: None,
            ws: WsState::Opening,
            watch: None,
            last_change: None,
            requests: Requests::default(),
            last_report: None,
            job: None,
            job_ids: 0,
            quit_armed: false,
            pending_keys: Vec::new(),
            retry_at: None,
            mouse: false,
            quit: false,
            out: Vec::new(),
            sizes: BTreeMap::new(),
        }
    }

    /// The first effects: open the workspace.
    pub fn start(&mut self) -> Vec<Effect> {
        vec![Effect::Open]
    }

    pub fn screen(&self) -> Screen {
        self.shared.screen()
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
            vec![Layer::Pane(self.shared.focus), Layer::Global]
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
            let age = self.shared.now.0 - c.0;
            if (0..60_000_000).contains(&age) {
                at(Timestamp(self.shared.now.0 + 1_000_000 - age % 1_000_000));
            }
        }
        for id in PaneId::ALL {
            if let Some(t) = self.panes.get(*id).next_wake() {
                at(t);
            }
        }
        wake
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let before = self.screen();
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => self.shared.size = (w, h),
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
            }
            Msg::Action(a) => self.apply(a),
            Msg::Job(e) => self.on_job(e),
            Msg::Quit => {
                self.quit = true;
                self.out.push(Effect::Quit);
            }
            Msg::Notice(level, text) => self.flash(level, text),
        }
        if self.screen() != before {
            self.relayout();
        }
        std::mem::take(&mut self.out)
    }

    /// The screen's geometry changed (a resize, a toggle, another main pane): every pane keeps
    /// its selection in view, a pane that appeared loads what it shows if that is for another
    /// run, and a pane whose size changed since it was last laid out refits (chart widths, page
    /// sizes). So no pane is left stale by a resize.
    fn relayout(&mut self) {
        self.clamp_views();
        self.sync_panes(false);
        for (id, a) in self.screen().panes {
            if self.sizes.insert(id, (a.w, a.h)) != Some((a.w, a.h)) {
                self.with(|p, cx| p.get_mut(id).on_resize(cx));
            }
        }
    }

    /// Runs `f` with the panes and a `Cx`, then does what the panes asked of the app. A
    /// selection that changes the layout (a project row shows the project view) re-fits every
    /// pane's view to its new height.
    fn with<R>(&mut self, f: impl FnOnce(&mut Panes, &mut Cx<'_>) -> R) -> R {
        let layout = self.shared.view_main();
        let mut cx = Cx::new(
            &mut self.shared,
            &mut self.requests,
            &mut self.out,
            &mut self.flash,
        );
        let r = f(&mut self.panes, &mut cx);
        let intents = cx.into_intents();
        if self.shared.view_main() != layout {
            self.clamp_views();
        }
        for intent in intents {
            self.on_intent(intent);
        }
        r
    }

    /// Runs `f` on every pane, in registry order.
    fn each(&mut self, f: impl Fn(&mut dyn Pane, &mut Cx<'_>)) {
        for id in PaneId::ALL {
            self.with(|p, cx| f(p.get_mut(*id), cx));
        }
    }

    fn on_clock(&mut self, now: Timestamp) {
        self.shared.now = now;
        for id in PaneId::ALL {
            self.panes.get_mut(*id).on_clock(now);
        }
        if let Some(t) = self.retry_at
            && now >= t
        {
            self.retry_at = None;
            self.out.push(Effect::Open);
        }
    }

    fn on_key(&mut self, key: Key) {
        if let Some(Overlay::Finder(f)) = &mut self.overlay {
            let outcome = f.key(key);
            return self.on_finder(outcome);
        }
        if let Some(prompt) = &mut self.prompt {
            let runs: Vec<String> = self
                .shared
                .catalog
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
            Lookup::Prefix => {}
            Lookup::None => {
                let retry = self.pending_keys.len() > 1;
                self.pending_keys.clear();
                if retry {
                    self.on_key(key)
                }
            }
        }
    }

    fn on_prompt(&mut self, outcome: cmdline::PromptOutcome) {
        use cmdline::PromptOutcome::*;
        let Some(prompt) = self.prompt.clone() else {
            return;
        };
        match (outcome, prompt.kind) {
            (Editing { changed: true }, PromptKind::Filter(pane)) => {
                self.set_filter(pane, &prompt.text, false)
            }
            (Editing { .. }, _) => {}
            (Cancel, PromptKind::Filter(pane)) => {
                self.prompt = None;
                self.set_filter(pane, "", false)
            }
            (Cancel, PromptKind::Command) => self.prompt = None,
            (Submit(text), PromptKind::Filter(pane)) => {
                self.prompt = None;
                self.set_filter(pane, &text, true)
            }
            (Submit(text), PromptKind::Command) => {
                self.prompt = None;
                if text.is_empty() {
                    return;
                }
                self.history.push(&text);
                match Action::parse(&text) {
                    Ok(a) => self.apply(a),
                    Err(e) => self.flash(FlashLevel::Error, format!(":{text}: {e}")),
                }
            }
        }
    }

    fn on_mouse(&mut self, m: Mouse) {
        if !self.mouse || self.overlay.is_some() || self.prompt.is_some() {
            return;
        }
        let Some((pane, area)) = self.screen().pane_at(m.x, m.y) else {
            return;
        };
        if self.shared.focus != pane {
            self.apply(Action::Focus(Focus::Pane(pane)));
        }
        let inner = area.inner();
        let focus = self.shared.focus;
        match m.kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                let step = if m.kind == MouseKind::ScrollUp { -3 } else { 3 };
                self.with(|p, cx| p.get_mut(focus).move_by(step, cx));
            }
            MouseKind::Click if inner.contains(m.x, m.y) => {
                let row = (m.y - inner.y) as usize;
                self.with(|p, cx| p.get_mut(focus).click(row, cx));
            }
            MouseKind::Click => {}
        }
    }

    fn on_opened(&mut self, r: Result<(), WorkspaceProblem>) {
        match r {
            Ok(()) => {
                let was_problem = matches!(self.ws, WsState::Problem(_));
                self.ws = WsState::Ready;
                self.retry_at = None;
                if was_problem {
                    self.flash(FlashLevel::Info, "workspace available again");
                }
                self.requests.clear();
                self.refresh_all();
            }
            Err(p) => self.on_problem(p),
        }
    }

    fn on_problem(&mut self, p: WorkspaceProblem) {
        // Keep showing data already loaded (marked stale by the status line); a pane that never
        // loaded says what is wrong instead of "loading…".
        let why = Load::Failed(format!("{}: {}", p.label(), p.message()));
        for id in PaneId::ALL {
            self.panes.get_mut(*id).on_problem(&why);
        }
        self.ws = WsState::Problem(p);
        self.retry_at = Some(Timestamp(self.shared.now.0 + RETRY_MICROS));
        self.requests.clear();
    }

    fn on_changed(&mut self) {
        self.last_change = Some(self.shared.now);
        match self.ws {
            WsState::Ready => self.refresh_live(),
            // The file may have come back: try now rather than at the next retry.
            WsState::Problem(_) => {
                self.retry_at = None;
                self.out.push(Effect::Open);
            }
            WsState::Opening => {}
        }
    }

    /// Keeps every pane's selection on screen at its current height.
    fn clamp_views(&mut self) {
        for id in PaneId::ALL {
            self.panes.get_mut(*id).clamp(&self.shared);
        }
    }
}
