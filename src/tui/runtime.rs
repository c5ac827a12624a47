//! The interactive loop. Threads: input (blocking crossterm reads), the watcher, signals, the
//! query worker and the job runner all send to one channel; the main thread owns the state and
//! the terminal. Each turn blocks on `recv` (or until the app's next timed wake: ages, highlight
//! expiry, reopen retry), drains everything queued, coalesces repeated "changed" signals, feeds
//! the reducer, hands jobs to the job runner and other effects to the worker, and draws only if
//! something changed and the last frame is at least one frame budget old. Idle means blocked: no
//! ticks, no bytes to the terminal (a running job wakes the loop only with its progress). The
//! input thread reads in 200 ms turns so a pager (`o`) can have the terminal's input to itself;
//! OSC 52 copies are written here, between frames, through the terminal's writer.
//!
//! Never does disk work itself (the worker does) and never renders outside `draw`.

use super::app::{AppState, FlashLevel, Msg};
use super::effect::{Effect, External, Job};
use super::palette::{FrameGate, Palette};
use super::view::RenderCtx;
use super::{
    TuiOptions, config, event, external, jobs, render, saved_views as views, terminal, worker,
};
use crate::model::Timestamp;
use crate::query::{ChangeProbe, database_file_name};
use crate::watch::{self, WatchEvent};
use anyhow::Context;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
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
    let frames = out.frames();
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
    let gate = InputGate::default();
    spawn_input(tx.clone(), gate.clone());
    drop(tx);

    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    // Test hook: the end-to-end test proves the terminal comes back after a panic, and no user
    // data can be made to panic on purpose.
    let panic_after_frame = std::env::var_os("CONTEXTA_TEST_PANIC_AFTER_FRAME").is_some();
    loop {
        if dirty && last_frame.is_none_or(|t| t.elapsed() >= FRAME) {
            draw(&mut term, &frames, &app, &cfg.theme)?;
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
        let fx = app.update(Msg::Clock(Timestamp::now()));
        perform(&work, &mut term, &mut app, &gate, fx);
        // A timed wake with no message still changes what is drawn (ages, highlights).
        dirty = true;
        for m in msgs {
            let fx = app.update(m);
            perform(&work, &mut term, &mut app, &gate, fx);
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

type Term = Terminal<CrosstermBackend<Palette<std::io::Stdout>>>;

/// Effects on the main thread: bytes for the terminal (an OSC 52 copy) go through the
/// terminal's writer between frames; a pager gets the terminal while it runs (input paused,
/// screen suspended, and always taken back); a browser starts on its own. Everything else
/// goes to the workers.
fn perform(work: &Workers, term: &mut Term, app: &mut AppState, gate: &InputGate, fx: Vec<Effect>) {
    let mut rest = Vec::new();
    for e in fx {
        match e {
            Effect::Terminal(bytes) => {
                let out = term.backend_mut();
                if let Err(e) = out.write_all(&bytes).and_then(|_| out.flush()) {
                    app.flash(
                        FlashLevel::Error,
                        format!("copy: writing to the terminal: {e}"),
                    );
                }
            }
            Effect::External(External::Pager { text }) => {
                gate.pause();
                let mouse = terminal::suspend();
                let result = external::pager(&text);
                let back = terminal::resume(mouse);
                gate.resume();
                let _ = term.clear();
                if let Err(e) = back {
                    app.flash(FlashLevel::Error, format!("taking the terminal back: {e}"));
                } else if let Err(e) = result {
                    app.flash(
                        FlashLevel::Error,
                        crate::sanitize::sanitize(&e).into_owned(),
                    );
                }
                // The terminal may have been resized while the pager had it.
                if let Ok(size) = term.size() {
                    let fx = app.update(Msg::Resize(size.width, size.height));
                    rest.extend(fx);
                }
            }
            Effect::External(External::Browser { path }) => match external::browser(&path) {
                Ok(program) => app.flash(
                    FlashLevel::Info,
                    format!(
                        "opened {} with {}",
                        crate::sanitize::sanitize(&path.display().to_string()),
                        crate::sanitize::sanitize(&program)
                    ),
                ),
                Err(e) => app.flash(
                    FlashLevel::Error,
                    format!("open: {}", crate::sanitize::sanitize(&e)),
                ),
            },
            other => rest.push(other),
        }
    }
    dispatch(work, rest);
}

/// Lets the main thread take the input away from the input thread while a pager reads the
/// same terminal: the input thread polls in short turns and parks at the gate between them.
#[derive(Clone, Default)]
struct InputGate(Arc<(Mutex<GateState>, Condvar)>);

#[derive(Default)]
struct GateState {
    pause: bool,
    parked: bool,
}

/// How long the input thread waits for input before looking at the gate: the most a pager
/// waits to start.
const INPUT_TURN: Duration = Duration::from_millis(200);

impl InputGate {
    /// Asks the input thread to stop reading and waits (a bounded time) until it has.
    fn pause(&self) {
        let (lock, cv) = &*self.0;
        let Ok(mut st) = lock.lock() else { return };
        st.pause = true;
        let _ = cv.wait_timeout_while(st, INPUT_TURN * 10, |s| !s.parked);
    }

    fn resume(&self) {
        let (lock, cv) = &*self.0;
        if let Ok(mut st) = lock.lock() {
            st.pause = false;
        }
        cv.notify_all();
    }

    /// The input thread's stop: parks here while a pause is asked.
    fn checkpoint(&self) {
        let (lock, cv) = &*self.0;
        let Ok(mut st) = lock.lock() else { return };
        if !st.pause {
            return;
        }
        st.parked = true;
        cv.notify_all();
        let Ok(mut st) = cv.wait_while(st, |s| s.pause) else {
            return;
        };
        st.parked = false;
    }
}

fn draw(
    term: &mut Terminal<CrosstermBackend<Palette<std::io::Stdout>>>,
    frames: &FrameGate,
    app: &AppState,
    theme: &super::theme::Theme,
) -> anyhow::Result<()> {
    let ctx = RenderCtx {
        theme,
        keymap: &app.keymap,
        now: app.shared.now,
    };
    frames.begin();
    let mut columns = 0;
    let result = term
        .draw(|f| {
            let area = f.area();
            columns = area.width;
            if let Some(pos) = render::draw(app, &ctx, area, f.buffer_mut()) {
                f.set_cursor_position(pos);
            }
        })
        .map(|_| ());
    frames.end(columns);
    ratatui::backend::Backend::flush(term.backend_mut())?;
    result?;
    Ok(())
}

fn spawn_input(tx: Sender<Msg>, gate: InputGate) {
    let _ = std::thread::Builder::new()
        .name("contexta-input".into())
        .spawn(move || {
            loop {
                gate.checkpoint();
                match crossterm::event::poll(INPUT_TURN) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => return,
                }
                let Ok(ev) = crossterm::event::read() else {
                    return;
                };
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
