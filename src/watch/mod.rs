//! "The workspace changed" signals for live views. Watches the workspace directory with notify's
//! native watcher (inotify on Linux), keeps only changes to the database file, and coalesces a
//! commit's burst of events (4–6 per commit) into one `Changed` with a short trailing debounce.
//! When native watching is unavailable, fails, or the directory disappears, it polls a caller's
//! cheap fingerprint (the commit generation) at 5 Hz instead — notify's `PollWatcher` compares
//! whole-second mtimes and is no fallback — and goes back to native watching when it can.
//!
//! It never reads the database itself (the caller's probe does) and never blocks its consumer.

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the watcher learns about changes, for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchMode {
    Native,
    Polling { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchEvent {
    Changed,
    Mode(WatchMode),
}

/// A cheap number that changes whenever the workspace changed (e.g. its commit generation).
pub type Probe = Box<dyn FnMut() -> u64 + Send>;
/// Receives events; returns false when nobody listens any more, which ends the watcher.
pub type Sink = Box<dyn FnMut(WatchEvent) -> bool + Send>;

const POLL: Duration = Duration::from_millis(200);
/// Quiet time that ends a burst, and the longest a burst may delay its signal.
const QUIET: Duration = Duration::from_millis(15);
const MAX_DELAY: Duration = Duration::from_millis(50);

/// Stops the watcher thread when dropped.
pub struct WatchHandle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Watches `root` (the workspace directory) for changes to `file` inside it.
pub fn spawn(root: &Path, file: &str, probe: Probe, sink: Sink) -> WatchHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let mut w = Loop {
        root: root.to_path_buf(),
        file: file.to_string(),
        probe,
        sink,
        stop: stop.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("contexta-watch".into())
        .spawn(move || w.run())
        .ok();
    WatchHandle { stop, thread }
}

struct Loop {
    root: PathBuf,
    file: String,
    probe: Probe,
    sink: Sink,
    stop: Arc<AtomicBool>,
}

enum Ended {
    Stopped,
    /// Native watching could not start (or ended); `established` says whether it had started.
    Fallback {
        reason: String,
        established: bool,
    },
}

fn fallback(reason: String, established: bool) -> Ended {
    Ended::Fallback {
        reason,
        established,
    }
}

impl Loop {
    fn run(&mut self) {
        let mut first = true;
        let mut last_reason = String::new();
        let mut backoff = Duration::from_secs(1);
        loop {
            let reason = match self.native(first) {
                Ended::Stopped => return,
                Ended::Fallback {
                    reason,
                    established,
                } => {
                    if established {
                        last_reason.clear();
                    }
                    reason
                }
            };
            first = false;
            // A directory that is there but cannot be watched will not improve soon: back off.
            backoff = if self.root.is_dir() {
                (backoff * 2).min(Duration::from_secs(30))
            } else {
                Duration::from_secs(1)
            };
            if reason != last_reason
                && !(self.sink)(WatchEvent::Mode(WatchMode::Polling {
                    reason: reason.clone(),
                }))
            {
                return;
            }
            last_reason = reason;
            if !self.poll_until_dir_exists(backoff) {
                return;
            }
        }
    }

    fn relevant(&self, ev: &notify::Event) -> bool {
        let kind_ok = matches!(
            ev.kind,
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any | ModifyKind::Other)
                | EventKind::Modify(ModifyKind::Name(_))
                | EventKind::Create(_)
                | EventKind::Remove(_)
        );
        kind_ok
            && ev
                .paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| n == self.file.as_str()) || p == &self.root)
    }

    /// Native watching until stopped or it fails.
    fn native(&mut self, first: bool) -> Ended {
        let (tx, rx) = channel();
        let mut watcher = match RecommendedWatcher::new(tx, notify::Config::default()) {
            Ok(w) => w,
            Err(e) => return fallback(format!("native watching unavailable: {e}"), false),
        };
        if let Err(e) = watcher.watch(&self.root, RecursiveMode::NonRecursive) {
            return fallback(format!("cannot watch {}: {e}", self.root.display()), false);
        }
        if !(self.sink)(WatchEvent::Mode(WatchMode::Native)) {
            return Ended::Stopped;
        }
        // Anything may have happened while we were not watching.
        if !first && !(self.sink)(WatchEvent::Changed) {
            return Ended::Stopped;
        }
        let mut pending: Option<Instant> = None;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ended::Stopped;
            }
            let timeout = if pending.is_some() { QUIET } else { POLL };
            match rx.recv_timeout(timeout) {
                Ok(Ok(ev)) => {
                    if !self.relevant(&ev) {
                        continue;
                    }
                    let root_gone = matches!(ev.kind, EventKind::Remove(_))
                        && ev.paths.iter().any(|p| p == &self.root);
                    if root_gone || !self.root.exists() {
                        let _ = (self.sink)(WatchEvent::Changed);
                        return fallback("workspace directory removed".into(), true);
                    }
                    let since = *pending.get_or_insert_with(Instant::now);
                    if since.elapsed() >= MAX_DELAY {
                        pending = None;
                        if !(self.sink)(WatchEvent::Changed) {
                            return Ended::Stopped;
                        }
                    }
                }
                Ok(Err(e)) => return fallback(format!("watcher error: {e}"), true),
                Err(RecvTimeoutError::Timeout) => {
                    if pending.take().is_some() && !(self.sink)(WatchEvent::Changed) {
                        return Ended::Stopped;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return fallback("watcher stopped".into(), true);
                }
            }
        }
    }

    /// Polls the probe at 5 Hz; returns true when the directory exists and `retry` has passed
    /// (time to try native watching again), false when stopped.
    fn poll_until_dir_exists(&mut self, retry: Duration) -> bool {
        let mut last = (self.probe)();
        let started = Instant::now();
        loop {
            std::thread::sleep(POLL);
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = (self.probe)();
            if now != last {
                last = now;
                if !(self.sink)(WatchEvent::Changed) {
                    return false;
                }
            }
            if started.elapsed() >= retry && self.root.is_dir() {
                return true;
            }
        }
    }
}
