//! Moving the command's output: every read goes first to our own stdout/stderr, unchanged (the
//! user sees what they would see without us), then into console capture. Captured lines are
//! drained every `TICK` (and sooner in a burst) and handed to the session's committer in
//! batches. If the committer falls behind (the command prints faster than we store, or another
//! process holds the workspace's write lock), the pump waits for it before reading more, so
//! the command's writes block as they would on a slow terminal: every line is stored and our
//! memory stays bounded. Only if the committer has stopped are lines dropped and counted; the
//! run then gets a `console.dropped_lines` marker.

use super::super::console::{ConsoleCapture, LineCounter};
use super::super::session::Session;
use crate::model::{ConsoleBatch, ConsoleLine, ConsoleStream, Ref, Timestamp};
use crate::store::WriteOp;
use rustix::event::{PollFd, PollFlags, poll};
use rustix::io::Errno;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often captured lines are handed over: a console line reaches the workspace within about
/// this plus the committer's interval.
const TICK: Duration = Duration::from_millis(50);
/// Lines per stored batch (one committer op).
const BATCH_LINES: usize = 4096;
/// Committer ops in flight (buffered or being committed) at which the pump waits for the
/// committer (each op is at most `BATCH_LINES` lines): a million short lines otherwise pile up
/// faster than they are stored.
const MAX_BACKLOG: usize = 16;
/// Output is handed to console capture in pieces of about this size (or sooner, at each
/// `TICK`): the emulator then sees long runs of lines whole, which it can skip (see
/// `ConsoleCapture::feed_text`), instead of one terminal read (at most 4 KiB from a pty) at a
/// time. What our terminal shows is written at once, read by read.
const FEED_BYTES: usize = 256 * 1024;
/// After the command exited, how long its output may stay silent before we stop reading (a
/// background process it left behind may hold the terminal open forever).
const LINGER: Duration = Duration::from_millis(100);

/// Where captured lines go: numbered (one numbering for both streams) and sent in batches.
pub struct ConsoleSink<'s> {
    session: &'s Session,
    run_ref: Ref,
    counter: Mutex<LineCounter>,
    dropped: AtomicU64,
    failed: AtomicBool,
}

impl<'s> ConsoleSink<'s> {
    /// `first_line`: lines the run's console already has (a resumed run appends).
    pub fn new(session: &'s Session, run_ref: Ref, first_line: u32) -> Self {
        ConsoleSink {
            session,
            run_ref,
            counter: Mutex::new(LineCounter::starting_at(first_line)),
            dropped: AtomicU64::new(0),
            failed: AtomicBool::new(false),
        }
    }

    fn drain(&self, cap: &mut ConsoleCapture, finished: bool) {
        let mut counter = self.counter.lock().unwrap_or_else(|e| e.into_inner());
        let lines = cap.drain(&mut counter, Timestamp::now(), finished);
        // Sent under the lock, so batches reach the store in numbering order.
        self.send(lines);
    }

    fn send(&self, lines: Vec<ConsoleLine>) {
        let mut lines = lines.into_iter().peekable();
        while lines.peek().is_some() {
            let part: Vec<ConsoleLine> = lines.by_ref().take(BATCH_LINES).collect();
            if !self.session.wait_for_room(MAX_BACKLOG) {
                self.dropped.fetch_add(part.len() as u64, Ordering::Relaxed);
                continue;
            }
            self.session.send(WriteOp::Console(ConsoleBatch {
                run_ref: self.run_ref.clone(),
                lines: part,
            }));
        }
    }

    /// Lines numbered so far (the console's length once everything is committed).
    pub fn lines(&self) -> u32 {
        self.counter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next()
    }

    /// Lines not stored because the committer had stopped.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Whether console capture broke down (the terminal emulator failed on some output); the
    /// output still reached our terminal, only its storage stopped.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Runs one capture step; a panic inside it (the emulator meeting output it cannot
    /// handle) ends capture for this stream instead of the pump, which must keep draining the
    /// command's output or the command would block.
    fn guarded(&self, cap: &mut Option<ConsoleCapture>, f: impl FnOnce(&mut ConsoleCapture)) {
        let Some(c) = cap.as_mut() else { return };
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(c))).is_ok();
        if !ok {
            self.failed.store(true, Ordering::Relaxed);
            *cap = None;
        }
    }
}

/// Shared between the pumps and whoever watches the child and the terminal.
pub struct PumpControl {
    exited: AtomicBool,
    resize: Mutex<Option<(u16, u16)>>,
    /// A pipe whose writing end is closed when the command exits: its reading end then polls
    /// as ready, and stays so, which wakes every pump waiting on a quiet command (a pump
    /// otherwise sleeps until the command prints: no wake-ups while nothing happens).
    exit_read: Option<std::io::PipeReader>,
    exit_write: Mutex<Option<std::io::PipeWriter>>,
}

impl Default for PumpControl {
    fn default() -> Self {
        let (exit_read, exit_write) = match std::io::pipe() {
            Ok((r, w)) => (Some(r), Some(w)),
            // Without the pipe, pumps look at the exit flag every `TICK` instead.
            Err(_) => (None, None),
        };
        PumpControl {
            exited: AtomicBool::new(false),
            resize: Mutex::new(None),
            exit_read,
            exit_write: Mutex::new(exit_write),
        }
    }
}

impl PumpControl {
    /// The command has exited: stop once its output has gone quiet.
    pub fn child_exited(&self) {
        self.exited.store(true, Ordering::SeqCst);
        self.exit_write
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// The terminal is now `cols` × `rows`; the virtual terminal follows before it takes in
    /// the next output (nothing needs to happen before the command prints again).
    pub fn resized(&self, cols: u16, rows: u16) {
        *self.resize.lock().unwrap_or_else(|e| e.into_inner()) = Some((cols, rows));
    }

    fn take_resize(&self) -> Option<(u16, u16)> {
        self.resize.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn has_exited(&self) -> bool {
        self.exited.load(Ordering::SeqCst)
    }
}

/// Waits until `source` can be read or `timeout` (`None`: no limit) passes; also returns, with
/// false, when the command exits while we wait. `Err` when `source` cannot be polled.
fn wait_readable<S: AsFd>(
    source: &S,
    ctl: &PumpControl,
    timeout: Option<Duration>,
) -> Result<bool, ()> {
    let exit_pipe = ctl.exit_read.as_ref().filter(|_| !ctl.has_exited());
    // Without an exit pipe a quiet command is looked at every `TICK`.
    let timeout = match (timeout, exit_pipe) {
        (None, None) => Some(TICK),
        (t, _) => t,
    };
    let ts = timeout.map(|t| rustix::event::Timespec {
        tv_sec: t.as_secs() as i64,
        tv_nsec: i64::from(t.subsec_nanos()),
    });
    let mut fds = Vec::with_capacity(2);
    fds.push(PollFd::new(source, PollFlags::IN));
    if let Some(p) = exit_pipe {
        fds.push(PollFd::new(p, PollFlags::IN));
    }
    match poll(&mut fds, ts.as_ref()) {
        Ok(_) => Ok(!fds[0].revents().is_empty()),
        Err(Errno::INTR) => Ok(false),
        Err(_) => Err(()),
    }
}

/// Reads `source` until end of file (or until the command has exited and `source` stayed quiet
/// for `LINGER`), copying each read to `out` and capturing it. Sleeps while the command is quiet
/// and nothing captured waits to be handed over.
fn pump<S: Read + AsFd, W: Write>(
    mut source: S,
    out: &mut W,
    cap: ConsoleCapture,
    sink: &ConsoleSink<'_>,
    ctl: &PumpControl,
    follow_resize: bool,
) {
    let mut cap = Some(cap);
    let mut buf = vec![0u8; 64 * 1024];
    // Read but not yet fed to capture.
    let mut unfed: Vec<u8> = Vec::with_capacity(FEED_BYTES + buf.len());
    // Whether capture has taken in output (or a resize) since lines were last drained.
    let mut undrained = false;
    let feed = |cap: &mut Option<ConsoleCapture>, unfed: &mut Vec<u8>| {
        if !unfed.is_empty() {
            sink.guarded(cap, |c| c.feed(unfed));
            unfed.clear();
            true
        } else {
            false
        }
    };
    let mut out_open = true;
    let mut last_drain = Instant::now();
    let mut quiet_since: Option<Instant> = None;
    loop {
        let timeout = if !unfed.is_empty() || undrained {
            Some(TICK.saturating_sub(last_drain.elapsed()))
        } else if ctl.has_exited() {
            let since = *quiet_since.get_or_insert_with(Instant::now);
            Some(LINGER.saturating_sub(since.elapsed()))
        } else {
            None
        };
        let Ok(ready) = wait_readable(&source, ctl, timeout) else {
            break;
        };
        if follow_resize && let Some((cols, rows)) = ctl.take_resize() {
            // What was printed before the resize was laid out at the old size.
            feed(&mut cap, &mut unfed);
            sink.guarded(&mut cap, |c| c.resize(cols, rows));
            undrained = true;
        }
        if ready {
            quiet_since = None;
            match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if out_open {
                        // Our reader went away (`| head`): keep capturing, stop copying.
                        out_open = out.write_all(&buf[..n]).and_then(|_| out.flush()).is_ok();
                    }
                    unfed.extend_from_slice(&buf[..n]);
                    if unfed.len() >= FEED_BYTES {
                        undrained |= feed(&mut cap, &mut unfed);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                // EIO: every process holding the terminal side has gone.
                Err(_) => break,
            }
        } else if ctl.has_exited()
            && unfed.is_empty()
            && !undrained
            && quiet_since.is_some_and(|t| t.elapsed() >= LINGER)
        {
            break;
        }
        let burst = cap
            .as_ref()
            .is_some_and(|c| c.pending_lines() >= BATCH_LINES);
        if (last_drain.elapsed() >= TICK || burst) && (undrained || !unfed.is_empty()) {
            feed(&mut cap, &mut unfed);
            sink.guarded(&mut cap, |c| sink.drain(c, false));
            undrained = false;
            last_drain = Instant::now();
        }
    }
    feed(&mut cap, &mut unfed);
    sink.guarded(&mut cap, |c| sink.drain(c, true));
}

/// The pty's output (stdout and stderr mixed, as a terminal shows them) to `out`.
pub fn pump_pty<W: Write>(
    pty: &pty_process::blocking::Pty,
    out: &mut W,
    size: (u16, u16),
    sink: &ConsoleSink<'_>,
    ctl: &PumpControl,
) {
    let cap = ConsoleCapture::new(size.0, size.1, ConsoleStream::Terminal);
    pump(pty, out, cap, sink, ctl, true);
}

/// One pipe (`--pipe` mode) to `out`, captured as `stream`.
pub fn pump_pipe<R: Read + AsFd, W: Write>(
    pipe: R,
    out: &mut W,
    stream: ConsoleStream,
    size: (u16, u16),
    sink: &ConsoleSink<'_>,
    ctl: &PumpControl,
) {
    let cap = ConsoleCapture::new(size.0, size.1, stream);
    pump(pipe, out, cap, sink, ctl, false);
}
