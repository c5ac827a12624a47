//! Our own terminal while `contexta run` forwards it to a command: its size, and raw mode on
//! standard input (every key goes to the command's pseudo-terminal, which applies its own
//! line discipline: Ctrl-C becomes the command's SIGINT there). Raw mode is always undone: the
//! guard restores the saved settings when dropped, on return, on error and during a panic's
//! unwinding; signals that would end us are caught and forwarded, so we always get there.

use rustix::termios::{OptionalActions, Termios, isatty, tcgetattr, tcgetwinsize, tcsetattr};

/// (cols, rows) of the first of stdout, stdin, stderr that is a terminal.
pub fn window_size() -> Option<(u16, u16)> {
    [
        rustix::stdio::stdout(),
        rustix::stdio::stdin(),
        rustix::stdio::stderr(),
    ]
    .into_iter()
    .filter(|fd| isatty(fd))
    .find_map(|fd| tcgetwinsize(fd).ok())
    .filter(|w| w.ws_col > 0 && w.ws_row > 0)
    .map(|w| (w.ws_col, w.ws_row))
}

/// Whether standard input is a terminal we may read and reconfigure: ours, and we are its
/// foreground job (a background job touching it would be stopped by SIGTTIN/SIGTTOU).
pub fn stdin_is_our_terminal() -> bool {
    let stdin = rustix::stdio::stdin();
    isatty(stdin)
        && rustix::termios::tcgetpgrp(stdin).is_ok_and(|fg| fg == rustix::process::getpgrp())
}

/// Standard input in raw mode until dropped.
pub struct RawMode {
    saved: Termios,
}

impl RawMode {
    pub fn enter() -> std::io::Result<RawMode> {
        let stdin = rustix::stdio::stdin();
        let saved = tcgetattr(stdin)?;
        let mut raw = saved.clone();
        raw.make_raw();
        tcsetattr(stdin, OptionalActions::Now, &raw)?;
        Ok(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // Discard keys typed for the command that it never read, then restore.
        let _ = tcsetattr(rustix::stdio::stdin(), OptionalActions::Flush, &self.saved);
    }
}
