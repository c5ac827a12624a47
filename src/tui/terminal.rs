//! The terminal guard: raw mode, alternate screen and (optionally) mouse capture on entry, and
//! their undoing on every way out — `Drop` (quit and errors), a panic hook that restores before
//! the panic message prints, and SIGTERM/SIGHUP turned into a normal quit by `signals`.
//! Frames are written inside a synchronized update (DEC 2026, see `palette`); leaving ends one.
//!
//! Never draws content and never reads state.

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode,
    enable_raw_mode,
};
use crossterm::{cursor, execute};
use std::io::{Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

/// Whether mouse capture is on, so the panic hook knows what to undo.
static MOUSE: AtomicBool = AtomicBool::new(false);

pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter(mouse: bool) -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard;
        execute!(stdout(), EnterAlternateScreen, cursor::Hide)?;
        if mouse {
            MOUSE.store(true, Ordering::Relaxed);
            execute!(stdout(), EnableMouseCapture)?;
        }
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen and raw mode; safe to call more than once.
pub fn restore() {
    let mut out = stdout();
    if MOUSE.swap(false, Ordering::Relaxed) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Gives the terminal to another program (a pager): the main screen, cooked mode, a cursor.
/// Mouse capture is remembered for `resume`.
pub fn suspend() -> bool {
    let mouse = MOUSE.load(Ordering::Relaxed);
    restore();
    mouse
}

/// Takes the terminal back after `suspend`: raw mode, the alternate screen, mouse capture if
/// it was on. The caller redraws everything (the other program drew over the screen).
pub fn resume(mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        MOUSE.store(true, Ordering::Relaxed);
        execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::Relaxed) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Sends `quit` once on SIGTERM or SIGHUP (an SSH connection that drops), so the main loop
/// leaves through the normal path and the guard restores the terminal.
pub fn on_signals<T: Send + 'static>(tx: Sender<T>, quit: impl Fn() -> T + Send + 'static) {
    use signal_hook::consts::{SIGHUP, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("contexta-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(quit());
            }
        });
}
