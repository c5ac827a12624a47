//! The interactive loop. Threads: input (blocking crossterm reads), the watcher, signals, the
//! query worker and the job runner all send to one channel; the main thread owns the state and
//! the terminal. Each turn blocks on `recv` (or until the app's next timed wake: ages, highlight
//! expiry, reopen retry), drains everything queued, coalesces repeated "changed" signals, feeds
//! the reducer, hands jobs to the job runner and other effects to the worker, and draws only if
//! something changed and the last frame is at least one frame budget old. Idle means blocked: no
//! ticks, no bytes to the terminal (a running job wakes the loop only with its progress).
//!
//! Never does disk work itself (the worker does) and never renders outside `draw`.

use super::app::{AppState, FlashLevel, Msg};
use super::effect::{Effect, Job};
use super::palette::Palette;
use super::view::RenderCtx;
use super::{TuiOptions, config, event, jobs, render, saved_views as views, terminal, worker};
use crate::model::Timestamp;
use crate::query::{ChangeProbe, database_file_name};
use crate::watch::{self, WatchEvent};
use anyhow::Context;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::path::Path;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// At most ~60 frames a second; input and live updates within one budget share a frame.
const FRAME: Duration = Duration::from_millis(16);

pub fn run(root: &Path, opts: &TuiOptions) -> anyhow::Result<()> {
    let cfg = config::load(config::no_color(opts.no_color));
    let (tx, rx) = channel::<Msg>();
    let work = Workers {
        query: worker::spawn(root, tx.clone()).context("starting the query worker")?,
        jobs: jobs::spawn(root, tx.clone()).context("starting the job runner")?,
    };
    let _watch = spawn_watch(root, tx.clone());
    terminal::on_signals(tx.clone(), || Msg::Quit);

    let guard = terminal::TerminalGuard::enter(opts.mouse).context("preparing the terminal")?;
    // A 16-colour terminal gets 16-colour escapes (crossterm writes 256-colour ones).
    let out = Palette::new(std::io::stdout(), config::colour_depth());
    let mut term = Terminal::new(CrosstermBackend::new(out))?;
    let size = term.size()?;
    let mut app = AppState::new(
        cfg.keymap.clone(),
        config::label(root),
        (size.width, size.height),
        Timestamp::now(),
    );
    app.mouse = opts.mouse;
    if let Some(first) = cfg.errors.first() {
        let more = cfg.errors.len() - 1;
        let suffix = if more > 0 {
            format!(" (+{more} more)")
        } else {
            String::new()
        };
        app.flash(FlashLevel::Error, format!("config: {first}{suffix}"));
    }
    let view_key = views::workspace_key(root);
    let mut saver = restore_view(&mut app, &view_key, &tx);
    dispatch(&work, app.start());
    spawn_input(tx.clone());
    drop(tx);

    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    // Test hook: the end-to-end test proves the terminal comes back after a panic, and no user
    // data can be made to panic on purpose.
    let panic_after_frame = std::env::var_os("CONTEXTA_TEST_PANIC_AFTER_FRAME").is_some();
    loop {
        if dirty && last_frame.is_none_or(|t| t.elapsed() >= FRAME) {
            draw(&mut term, &app, &cfg.theme)?;
            last_frame = Some(Instant::now());
            dirty = false;
            if panic_after_frame {
                panic!("CONTEXTA_TEST_PANIC_AFTER_FRAME is set");
            }
        }
        let mut deadline: Option<Duration> = None;
        if dirty {
            deadline = Some(FRAME.saturating_sub(last_frame.map_or(FRAME, |t| t.elapsed())));
        }
        if let Some(wake) = app.next_wake() {
            let micros = (wake.0 - Timestamp::now().0).max(0) as u64;
            let d = Duration::from_micros(micros);
            deadline = Some(deadline.map_or(d, |x| x.min(d)));
        }
        let first = match deadline {
            Some(d) => match rx.recv_timeout(d) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            },
            None => match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            },
        };
        let mut msgs: Vec<Msg> = first.into_iter().collect();
        while msgs.len() < 4096 {
            match rx.try_recv() {
                Ok(m) => msgs.push(m),
                Err(_) => break,
            }
        }
        // A commit sends several "changed" signals; one refresh per turn is enough.
        let mut seen_change = false;
        msgs.retain(|m| !matches!(m, Msg::Changed) || !std::mem::replace(&mut seen_change, true));
        dispatch(&work, app.update(Msg::Clock(Timestamp::now())));
        // A timed wake with no message still changes what is drawn (ages, highlights).
        dirty = true;
        for m in msgs {
            let fx = app.update(m);
            dispatch(&work, fx);
        }
        if let Some(s) = &mut saver {
            s.offer(app.saved_view(&view_key));
        }
        if app.quit {
            break;
        }
    }
    if let Some(mut s) = saver {
        s.offer(app.saved_view(&view_key));
        s.finish();
    }
    drop(guard);
    Ok(())
}

/// Puts back the view saved for this workspace (a bad file is said and ignored) and starts
/// the writer that keeps it; `None` when the user has no state directory.
fn restore_view(app: &mut AppState, key: &str, tx: &Sender<Msg>) -> Option<views::Saver> {
    let path = views::view_file(&views::views_dir()?, key);
    match views::load(&path, key) {
        Ok(Some(v)) => app.restore_view(&v),
        Ok(None) => {}
        Err(e) => app.flash(FlashLevel::Warn, format!("saved view ignored: {e}")),
    }
    let mut saver = views::Saver::spawn(path, tx.clone());
    saver.seen(app.saved_view(key));
    Some(saver)
}

/// Where effects go: long jobs to the job runner, everything else to the query worker.
struct Workers {
    query: Sender<Effect>,
    jobs: Sender<Job>,
}

fn dispatch(work: &Workers, effects: Vec<Effect>) {
    for e in effects {
        let _ = match e {
            Effect::Job(job) => work.jobs.send(job).map_err(|_| ()),
            other => work.query.send(other).map_err(|_| ()),
        };
    }
}

fn draw(
    term: &mut Terminal<CrosstermBackend<Palette<std::io::Stdout>>>,
    app: &AppState,
    theme: &super::theme::Theme,
) -> anyhow::Result<()> {
    let ctx = RenderCtx {
        theme,
        keymap: &app.keymap,
        now: app.shared.now,
    };
    terminal::begin_frame()?;
    let result = term.draw(|f| {
        let area = f.area();
        if let Some(pos) = render::draw(app, &ctx, area, f.buffer_mut()) {
            f.set_cursor_position(pos);
        }
    });
    terminal::end_frame()?;
    result?;
    Ok(())
}

fn spawn_input(tx: Sender<Msg>) {
    let _ = std::thread::Builder::new()
        .name("contexta-input".into())
        .spawn(move || {
            while let Ok(ev) = crossterm::event::read() {
                if let Some(m) = event::convert(ev)
                    && tx.send(m).is_err()
                {
                    return;
                }
            }
        });
}

fn spawn_watch(root: &Path, tx: Sender<Msg>) -> watch::WatchHandle {
    let mut probe = ChangeProbe::new(root);
    watch::spawn(
        root,
        database_file_name(),
        Box::new(move || probe.fingerprint()),
        Box::new(move |ev| {
            let msg = match ev {
                WatchEvent::Changed => Msg::Changed,
                WatchEvent::Mode(m) => Msg::Watch(m),
            };
            tx.send(msg).is_ok()
        }),
    )
}
