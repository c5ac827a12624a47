//! The explorer: a live, keyboard-driven terminal UI over a workspace.
//!
//! Architecture (see `shared/style.md`): the pane is the unit. Each pane in `panes/` owns its
//! state, its reaction to actions, its queries (answered on the worker by its `fetch.rs`) and its
//! render (`view.rs`); `panes/mod.rs` registers them and says how to add one. `app` holds what
//! the panes share (`context.rs`: focus, selection, marks, overlay, prompt, flash, requests) and
//! the pure reducer `update(Msg) -> Vec<Effect>`, which routes to the panes; `worker` runs
//! effects off the render loop with latest-wins slots; `watch` (crate level) signals workspace
//! changes; `render` composes a frame from the panes' views and `chrome` (status line,
//! overlays); `runtime` is the loop that blocks on one channel, drains it, updates, and draws
//! only when dirty inside a synchronized update. `headless` runs the same app on a
//! `TestBackend` with effects inline, for tests and screenshots.
//!
//! Never names `crate::store` internals or redb, and never prints to stdout.

pub mod action;
pub mod app;
pub mod chrome;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod context;
pub mod drawn_rows;
pub mod effect;
mod event;
mod external;
pub mod headless;
pub mod jobs;
pub mod key;
pub mod keymap;
pub mod layout;
mod motion;
pub mod palette;
pub mod panes;
pub mod render;
mod runtime;
pub mod saved_views;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod worker;
pub mod wrapping;

use crate::model::Timestamp;
use std::path::Path;

pub use headless::HeadlessOptions;

/// The CLI opens the explorer when this is true (it showed the run list before it landed).
pub const AVAILABLE: bool = true;

/// Defaults: colour on (unless `NO_COLOR`), mouse off (so the terminal keeps text selection).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TuiOptions {
    /// Drop every colour (also when `NO_COLOR` is set).
    pub no_color: bool,
    /// Capture the mouse: click to focus and select, wheel to scroll.
    pub mouse: bool,
}

/// Opens the explorer on the workspace at `root` (the `.contexta` dir); returns when the user
/// quits (or on SIGTERM/SIGHUP), with the terminal restored.
pub fn run(root: &Path, opts: &TuiOptions) -> anyhow::Result<()> {
    runtime::run(root, opts)
}

/// Headless: starts the app at `width`×`height` on a `TestBackend`, feeds `keys` (grammar in
/// `headless.rs`: `j j <Enter> <Tab> :q`), runs effects inline, and returns the final frame as
/// plain text lines. Uses the built-in keymap and theme, and the current time once for ages.
pub fn headless(root: &Path, width: u16, height: u16, keys: &str) -> anyhow::Result<String> {
    headless_with(
        root,
        &HeadlessOptions {
            width,
            height,
            keys,
            now: Timestamp::now(),
            label: None,
        },
    )
}

/// Headless with every input fixed (time, workspace label), for reproducible frames.
pub fn headless_with(root: &Path, opts: &HeadlessOptions<'_>) -> anyhow::Result<String> {
    let (app, _exec) = headless::drive(root, opts).map_err(anyhow::Error::msg)?;
    let theme = theme::Theme::defaults(true);
    headless::frame_text(&app, &theme).map_err(anyhow::Error::msg)
}
