//! Moving the command's output: every read goes first to our own stdout/stderr, unchanged (the
//! user sees what they would see without us), then, on a capture thread, into console capture.
//! Captured lines are drained every `TICK` (and sooner in a burst) and handed to the session's
//! committer in batches. If the committer falls behind (the command prints faster than we
//! store, or another process holds the workspace's write lock), capture waits for it, the relay
//! waits for capture before reading more, and so the command's writes block as they would on a
//! slow terminal: every line is stored and our memory stays bounded. Only if the committer has
//! stopped are lines dropped and counted; the run then gets a `console.dropped_lines` marker.

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
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
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
/// Output is handed to console capture in pieces of up to this size, or what came within
/// `PIECE_WAIT`: the emulator then sees long runs of lines whole, which it can skip (see
/// `ConsoleCapture::feed_text`), instead of one terminal read (at most 4 KiB from a pty) at a
/// time, and the capture thread wakes once a piece, not once a read. What our terminal shows is
/// written at once, read by read.
const PIECE_BYTES: usize = 64 * 1024;
const PIECE_WAIT: Duration = Duration::from_millis(10);
/// A read shorter than this (half of what a pty hands over at most) means the command writes
/// in small pieces, typically a line at a time; the relay then pauses `GATHER` before reading
/// again, so that the next lines gather into one read and one write to our terminal instead of
/// waking us, the kernel's pty worker and the terminal once a line. A million short lines run
/// 5–10 % faster; what we print is never held back (the pause comes after the write).
const SMALL_READ: usize = 2048;
const GATHER: Duration = Duration::from_micros(100);
/// Pieces handed over and not yet taken in by capture at which the relay waits for it.
const CAPTURE_QUEUE: usize = 8;
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

/// What the relay hands to capture, in the order it happened.
enum Captured {
    Output(Vec<u8>),
    /// The terminal was resized: output after this was laid out at the new size.
    Resize(u16, u16),
}

/// Reads `source` until end of file (or until the command has exited and `source` stayed quiet
/// for `LINGER`), copying each read to `out` at once, and hands what it read to a capture
/// thread of its own: the command's output reaches our terminal without waiting for the
/// emulator or the store, and the two share the work on separate cores. The relay only waits
/// for capture when capture is `CAPTURE_QUEUE` pieces behind (backpressure, see the module
/// comment). Sleeps while the command is quiet.
fn pump<S: Read + AsFd, W: Write>(
    mut source: S,
    out: &mut W,
    cap: ConsoleCapture,
    sink: &ConsoleSink<'_>,
    ctl: &PumpControl,
    follow_resize: bool,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Captured>(CAPTURE_QUEUE);
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("contexta-capture".into())
            .spawn_scoped(s, move || capture(rx, cap, sink));
        let Ok(_worker) = worker else {
            // No thread to capture on: relay only, and say that capture stopped.
            sink.failed.store(true, Ordering::Relaxed);
            relay(&mut source, out, None, ctl, follow_resize);
            return;
        };
        relay(&mut source, out, Some(&tx), ctl, follow_resize);
        drop(tx);
    });
}

/// The relay half of `pump`: output to `out`, and in pieces of up to `PIECE_BYTES` (or what
/// came within `PIECE_WAIT`) to capture.
fn relay<S: Read + AsFd, W: Write>(
    source: &mut S,
    out: &mut W,
    to_capture: Option<&SyncSender<Captured>>,
    ctl: &PumpControl,
    follow_resize: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    // Read, not yet handed to capture, and since when.
    let mut piece: Vec<u8> = Vec::new();
    let mut piece_since = Instant::now();
    let hand_over = |piece: &mut Vec<u8>| match to_capture {
        Some(tx) if !piece.is_empty() => {
            let _ = tx.send(Captured::Output(std::mem::take(piece)));
        }
        Some(_) => {}
        // Nothing captures: what was read only went to our terminal.
        None => piece.clear(),
    };
    let mut out_open = true;
    let mut quiet_since: Option<Instant> = None;
    loop {
        let timeout = if !piece.is_empty() {
            Some(PIECE_WAIT.saturating_sub(piece_since.elapsed()))
        } else if ctl.has_exited() {
            let since = *quiet_since.get_or_insert_with(Instant::now);
            Some(LINGER.saturating_sub(since.elapsed()))
        } else {
            None
        };
        let Ok(ready) = wait_readable(source, ctl, timeout) else {
            break;
        };
        if follow_resize && let Some((cols, rows)) = ctl.take_resize() {
            // What was printed before the resize was laid out at the old size.
            hand_over(&mut piece);
            if let Some(tx) = to_capture {
                let _ = tx.send(Captured::Resize(cols, rows));
            }
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
                    if piece.is_empty() {
                        piece_since = Instant::now();
                        piece.reserve(PIECE_BYTES);
                    }
                    piece.extend_from_slice(&buf[..n]);
                    if n < SMALL_READ {
                        std::thread::sleep(GATHER);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                // EIO: every process holding the terminal side has gone.
                Err(_) => break,
            }
        } else if ctl.has_exited()
            && piece.is_empty()
            && quiet_since.is_some_and(|t| t.elapsed() >= LINGER)
        {
            break;
        }
        if piece.len() >= PIECE_BYTES || piece_since.elapsed() >= PIECE_WAIT {
            hand_over(&mut piece);
        }
    }
    hand_over(&mut piece);
}

/// The capture half of `pump`: feeds the emulator what the relay read and hands finished lines
/// to the sink every `TICK` (sooner in a burst), until the relay has ended.
fn capture(rx: Receiver<Captured>, cap: ConsoleCapture, sink: &ConsoleSink<'_>) {
    let mut cap = Some(cap);
    // Whether capture has taken in output (or a resize) since lines were last drained.
    let mut undrained = false;
    let mut last_drain = Instant::now();
    loop {
        let got = if undrained {
            match rx.recv_timeout(TICK.saturating_sub(last_drain.elapsed())) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        match got {
            Some(Captured::Output(bytes)) => {
                sink.guarded(&mut cap, |c| c.feed(&bytes));
                undrained = true;
            }
            Some(Captured::Resize(cols, rows)) => {
                sink.guarded(&mut cap, |c| c.resize(cols, rows));
                undrained = true;
            }
            None => {}
        }
        let burst = cap
            .as_ref()
            .is_some_and(|c| c.pending_lines() >= BATCH_LINES);
        if undrained && (last_drain.elapsed() >= TICK || burst) {
            sink.guarded(&mut cap, |c| sink.drain(c, false));
            undrained = false;
            last_drain = Instant::now();
        }
    }
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
