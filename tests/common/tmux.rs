//! A tmux server of our own for end-to-end explorer tests: start a window, type, read the
//! screen, wait on a condition with a deadline (never a fixed sleep).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

pub fn have_tmux() -> bool {
    let present = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    super::tool_or_skip(present, "tmux", "apt-get install tmux")
}

pub fn shell_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

/// Killed on drop. Its shell's `XDG_STATE_HOME` is a temporary directory of its own, so the
/// explorer's saved views never land in the user's home.
pub struct Tmux {
    socket: String,
    state: tempfile::TempDir,
}

impl Tmux {
    pub fn new(tag: &str) -> Tmux {
        Tmux {
            socket: format!("contexta-test-{tag}-{}", std::process::id()),
            state: tempfile::tempdir().unwrap(),
        }
    }

    pub fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", self.state.path())
            .env_remove("TMUX")
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A 160×48 window running a plain `sh` (no line editing, so `stty` shows what the
    /// explorer left behind).
    pub fn start(&self) {
        self.start_sized(160, 48);
    }

    /// Resizes the window, as a user dragging the terminal does (the explorer gets SIGWINCH).
    pub fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        self.cmd(&["resize-window", "-t", "t", "-x", &w, "-y", &h]);
    }

    /// The screen with its colours as escapes (tmux keeps how each colour was given).
    pub fn screen_escaped(&self) -> String {
        self.cmd(&["capture-pane", "-e", "-p", "-t", "t"])
    }

    pub fn alternate_on(&self) -> bool {
        self.cmd(&["display-message", "-p", "-t", "t", "#{alternate_on}"])
            .trim()
            == "1"
    }

    /// A `w`×`h` window running a plain `sh`.
    pub fn start_sized(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        self.cmd(&["new-session", "-d", "-s", "t", "-x", &w, "-y", &h, "sh"]);
    }

    pub fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", text]);
    }

    pub fn type_line(&self, line: &str) {
        self.type_text(line);
        self.cmd(&["send-keys", "-t", "t", "Enter"]);
    }

    pub fn keys(&self, keys: &str) {
        self.cmd(&["send-keys", "-t", "t", keys]);
    }

    pub fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
