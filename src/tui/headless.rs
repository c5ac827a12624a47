//! Headless mode: the real app on ratatui's `TestBackend`, fed a key script, with effects run
//! inline (no threads, no sleeps), returning the final frame as text. Snapshot tests, the
//! screenshot script and smoke tests use it.
//!
//! Key script grammar: tokens separated by whitespace.
//! - `<Name>` is one key in the keymap grammar (`<Enter>`, `<C-d>`, `<Space>`, `<lt>`…);
//! - a single character is that key (`j`, `?`, `:`);
//! - any other word types its characters one by one (`:run` = `:` `r` `u` `n`); type a space
//!   with `<Space>`;
//! - `<resize:WxH>` resizes the screen; `<changed>` delivers a "workspace changed" signal.
//!
//! Never reads the clock (the caller passes `now`) or user configuration.

use super::app::{AppState, Msg};
use super::effect::Effect;
use super::key::Key;
use super::keymap::Keymap;
use super::theme::Theme;
use super::view::RenderCtx;
use super::worker::Executor;
use crate::model::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::collections::VecDeque;
use std::path::Path;

pub struct HeadlessOptions<'a> {
    pub width: u16,
    pub height: u16,
    pub keys: &'a str,
    pub now: Timestamp,
    /// What the status line calls the workspace (tests pass a fixed name).
    pub label: Option<String>,
}

pub fn parse_script(script: &str) -> Result<Vec<Msg>, String> {
    let mut out = Vec::new();
    for tok in script.split_whitespace() {
        if let Some(size) = tok
            .strip_prefix("<resize:")
            .and_then(|t| t.strip_suffix('>'))
        {
            let (w, h) = size
                .split_once('x')
                .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                .ok_or_else(|| format!("`{tok}`: expected <resize:WxH>"))?;
            out.push(Msg::Resize(w, h));
        } else if tok == "<changed>" {
            out.push(Msg::Changed);
        } else if tok.starts_with('<') && tok.ends_with('>') && tok.len() > 2 {
            out.push(Msg::Key(Key::parse(tok)?));
        } else {
            out.extend(tok.chars().map(|c| Msg::Key(Key::char(c))));
        }
    }
    Ok(out)
}

/// Runs effects inline until none are left (each result may ask for more).
pub fn settle(app: &mut AppState, exec: &mut Executor, effects: Vec<Effect>) {
    let mut queue: VecDeque<Effect> = effects.into();
    let mut budget = 10_000;
    while let Some(e) = queue.pop_front() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        if let Some(msg) = exec.run(e) {
            queue.extend(app.update(msg));
        }
    }
}

/// Builds the app and feeds it the script; returns it for tests that inspect state.
pub fn drive(root: &Path, opts: &HeadlessOptions<'_>) -> Result<(AppState, Executor), String> {
    let label = opts
        .label
        .clone()
        .unwrap_or_else(|| super::config::label(root));
    let mut app = AppState::new(
        Keymap::defaults(),
        label,
        (opts.width, opts.height),
        opts.now,
    );
    let mut exec = Executor::new(root);
    let start = app.start();
    settle(&mut app, &mut exec, start);
    for msg in parse_script(opts.keys)? {
        let fx = app.update(msg);
        settle(&mut app, &mut exec, fx);
        if app.quit {
            break;
        }
    }
    Ok((app, exec))
}

/// Draws the app's current frame into a buffer (symbols and styles, for tests of colour).
pub fn frame_buffer(app: &AppState, theme: &Theme) -> Result<Buffer, String> {
    let (w, h) = app.shared.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).map_err(|e| e.to_string())?;
    let ctx = RenderCtx {
        theme,
        keymap: &app.keymap,
        now: app.shared.now,
    };
    term.draw(|f| {
        let area = f.area();
        super::render::draw(app, &ctx, area, f.buffer_mut());
    })
    .map_err(|e| e.to_string())?;
    Ok(term.backend().buffer().clone())
}

/// Draws the app's current frame and returns it as text lines (trailing spaces trimmed).
pub fn frame_text(app: &AppState, theme: &Theme) -> Result<String, String> {
    let buf = frame_buffer(app, theme)?;
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// For the explorer benchmark: opens the app at `width`×`height`, runs `setup` keys, then
/// presses `key` `n` times, each time running the effects it asks for (the page query) and
/// drawing the frame; returns each press-to-frame time in milliseconds.
pub fn keypress_times(
    root: &Path,
    width: u16,
    height: u16,
    setup: &str,
    key: &str,
    n: usize,
) -> Result<Vec<f64>, String> {
    let opts = HeadlessOptions {
        width,
        height,
        keys: setup,
        now: Timestamp::now(),
        label: None,
    };
    let (mut app, mut exec) = drive(root, &opts)?;
    let theme = Theme::defaults(false);
    let msgs = parse_script(key)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = std::time::Instant::now();
        for m in &msgs {
            let fx = app.update(m.clone());
            settle(&mut app, &mut exec, fx);
        }
        frame_text(&app, &theme)?;
        out.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(out)
}

/// A frame kept between draws, as the terminal keeps one: benchmarks time a redraw into it
/// without the cost of a new screen each time.
pub struct OffScreen {
    buf: Buffer,
    theme: Theme,
}

impl OffScreen {
    pub fn new(width: u16, height: u16) -> OffScreen {
        OffScreen {
            buf: Buffer::empty(ratatui::layout::Rect::new(0, 0, width, height)),
            theme: Theme::defaults(false),
        }
    }

    /// Draws the app's current frame over the previous one.
    pub fn draw(&mut self, app: &AppState) {
        self.buf.reset();
        let ctx = RenderCtx {
            theme: &self.theme,
            keymap: &app.keymap,
            now: app.shared.now,
        };
        let area = self.buf.area;
        super::render::draw(app, &ctx, area, &mut self.buf);
    }

    /// Cells of the frame that are not blank (a check that something was drawn).
    pub fn drawn_cells(&self) -> usize {
        self.buf
            .content
            .iter()
            .filter(|c| c.symbol() != " ")
            .count()
    }
}
