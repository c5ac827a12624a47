//! The background committer: capture calls append write ops to a shared buffer, and a thread
//! commits them in batches, at most every `interval` or once `max_batch` ops are waiting — never
//! back to back (the redb write lock is not fair; storage.md). Appending is a short uncontended
//! lock, never a wait on disk; when another process holds the write lock the committer keeps
//! buffering and retries, so the training loop never blocks on someone else's write.

use crate::store::{StoreError, Workspace, WriteOp};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct CommitPolicy {
    /// Longest a record waits before it is committed.
    pub interval: Duration,
    /// Commit early once this many ops are buffered.
    pub max_batch: usize,
    /// Shortest gap between two commits of this process.
    pub min_gap: Duration,
}

impl Default for CommitPolicy {
    fn default() -> Self {
        CommitPolicy {
            interval: Duration::from_millis(1000),
            max_batch: 10_000,
            min_gap: Duration::from_millis(50),
        }
    }
}

#[derive(Default)]
struct State {
    buf: Vec<WriteOp>,
    oldest: Option<Instant>,
    flush_requested: u64,
    flush_done: u64,
    closed: bool,
    last_error: Option<String>,
    /// Producers waiting for the buffer to shrink (`wait_for_room`): commit as soon as allowed.
    waiting: usize,
    /// Ops taken out of `buf` by the commit under way (still in memory; put back if another
    /// process holds the write lock).
    committing: usize,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the committer: first op buffered, batch full, flush asked, closing.
    wake: Condvar,
    /// Wakes flushers when a flush completed.
    done: Condvar,
    /// Wakes producers waiting for room when a commit finished.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State inconsistent (plain fields).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct Committer {
    shared: Arc<Shared>,
    policy: CommitPolicy,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    pub fn start(ws: Arc<Workspace>, policy: CommitPolicy) -> Committer {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            done: Condvar::new(),
            room: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("contexta-commit".into())
            .spawn(move || run(ws, policy, s))
            .ok();
        Committer {
            shared,
            policy,
            thread,
        }
    }

    pub fn send(&self, op: WriteOp) {
        let mut st = self.shared.lock();
        st.buf.push(op);
        let n = st.buf.len();
        if st.oldest.is_none() {
            st.oldest = Some(Instant::now());
        }
        drop(st);
        if n == 1 || n == self.policy.max_batch {
            self.shared.wake.notify_one();
        }
    }

    /// Appends many ops under one lock (a `log` call's points stay together).
    pub fn send_all(&self, ops: Vec<WriteOp>) {
        if ops.is_empty() {
            return;
        }
        let mut st = self.shared.lock();
        let before = st.buf.len();
        st.buf.extend(ops);
        let n = st.buf.len();
        if st.oldest.is_none() {
            st.oldest = Some(Instant::now());
        }
        drop(st);
        if before == 0 || (before < self.policy.max_batch && n >= self.policy.max_batch) {
            self.shared.wake.notify_one();
        }
    }

    /// Commits everything buffered so far (waiting for the write lock), then returns.
    pub fn flush(&self) -> Result<(), String> {
        let mut st = self.shared.lock();
        st.flush_requested += 1;
        let ticket = st.flush_requested;
        self.shared.wake.notify_one();
        while st.flush_done < ticket {
            if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                return Err("committer stopped".into());
            }
            st = self
                .shared
                .done
                .wait_timeout(st, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        match st.last_error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub fn last_error(&self) -> Option<String> {
        self.shared.lock().last_error.clone()
    }

    /// Waits until fewer than `limit` ops are in flight (buffered or being committed), having
    /// the committer commit as soon as its minimum gap allows meanwhile: a producer that can
    /// outpace the disk (a wrapped command's console) holds our memory to `limit` ops by
    /// slowing down, as a slow terminal would, instead of losing anything. Returns false if the
    /// committer has stopped (nothing would make room).
    pub fn wait_for_room(&self, limit: usize) -> bool {
        let mut st = self.shared.lock();
        if st.buf.len() + st.committing < limit {
            return true;
        }
        st.waiting += 1;
        self.shared.wake.notify_one();
        let room = loop {
            if st.buf.len() + st.committing < limit {
                break true;
            }
            if self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                break false;
            }
            st = self
                .shared
                .room
                .wait_timeout(st, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        st.waiting -= 1;
        room
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(ws: Arc<Workspace>, policy: CommitPolicy, shared: Arc<Shared>) {
    let mut last_commit = Instant::now() - policy.min_gap;
    // The buffer of the previous batch, emptied, swapped in for the next one: appends then
    // reuse its capacity instead of growing a new buffer from nothing (fresh pages, copies)
    // after every commit.
    let mut spare: Vec<WriteOp> = Vec::new();
    let mut st = shared.lock();
    loop {
        let urgent = st.closed || st.flush_requested > st.flush_done;
        if st.buf.is_empty() && !urgent {
            st = shared.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            continue;
        }
        let now = Instant::now();
        let due = if urgent {
            now
        } else if st.buf.len() >= policy.max_batch || st.waiting > 0 {
            last_commit + policy.min_gap
        } else {
            let oldest = st.oldest.unwrap_or(now);
            (oldest + policy.interval).max(last_commit + policy.min_gap)
        };
        if now < due {
            st = shared
                .wake
                .wait_timeout(st, due - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        }
        let mut batch = std::mem::replace(&mut st.buf, std::mem::take(&mut spare));
        st.oldest = None;
        let ticket = st.flush_requested;
        let closing = st.closed;
        st.committing = batch.len();
        drop(st);

        let result: Result<bool, StoreError> = if batch.is_empty() {
            Ok(true)
        } else if urgent {
            ws.write(&batch).map(|_| true)
        } else {
            ws.try_write(&batch).map(|c| c.is_some())
        };
        last_commit = Instant::now();
        if !matches!(result, Ok(false)) {
            // Free the committed records before taking the lock, so appends never wait on it.
            batch.clear();
        }

        st = shared.lock();
        st.committing = 0;
        shared.room.notify_all();
        match result {
            Ok(true) => {}
            Ok(false) => {
                // Another process is writing: put the batch back in front and retry shortly.
                batch.append(&mut st.buf);
                st.buf = batch;
                st.oldest = Some(Instant::now() - policy.interval + Duration::from_millis(20));
                continue;
            }
            // A batch the store refuses would poison every later one: drop it, report it.
            Err(e) => st.last_error = Some(e.to_string()),
        }
        // Kept up to 8 full batches (~40 MB at 10,000 ops of ~500 bytes): a fast logger's
        // batches fit, and a burst's outsized buffer is let go rather than kept for good.
        if batch.capacity() <= 8 * policy.max_batch {
            spare = batch;
        }
        if urgent {
            st.flush_done = st.flush_done.max(ticket);
            shared.done.notify_all();
        }
        if closing && st.buf.is_empty() {
            return;
        }
    }
}
