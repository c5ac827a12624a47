//! The background committer: capture calls hand write ops to a thread that commits them in
//! batches, at most every `interval` or once `max_batch` records are waiting — never back to back
//! (the redb write lock is not fair; storage.md). The caller never blocks on another process's
//! write: when the lock is busy the committer keeps buffering and retries.

use crate::store::{CommitInfo, StoreError, Workspace, WriteOp};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
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

// Boxing `Op` would cost an allocation per record on the hot path; `Flush` is rare.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Msg {
    Op(WriteOp),
    /// Commit everything buffered now (waiting for the lock), then answer.
    Flush(Sender<Result<(), String>>),
}

pub(crate) struct Committer {
    tx: Option<Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    last_error: Arc<std::sync::Mutex<Option<String>>>,
}

impl Committer {
    pub fn start(ws: Arc<Workspace>, policy: CommitPolicy) -> Committer {
        let (tx, rx) = channel();
        let last_error = Arc::new(std::sync::Mutex::new(None));
        let err = last_error.clone();
        let thread = std::thread::Builder::new()
            .name("contexta-commit".into())
            .spawn(move || run(ws, policy, rx, err))
            .ok();
        Committer {
            tx: Some(tx),
            thread,
            last_error,
        }
    }

    pub fn send(&self, op: WriteOp) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Op(op));
        }
    }

    pub fn flush(&self) -> Result<(), String> {
        let Some(tx) = &self.tx else {
            return Err("committer stopped".into());
        };
        let (ack_tx, ack_rx) = channel();
        tx.send(Msg::Flush(ack_tx))
            .map_err(|_| "committer stopped".to_string())?;
        ack_rx.recv().map_err(|_| "committer stopped".to_string())?
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        // Closing the channel makes the thread commit what is left and exit.
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn commit(
    ws: &Workspace,
    buf: &mut Vec<WriteOp>,
    blocking: bool,
) -> Result<Option<CommitInfo>, StoreError> {
    if buf.is_empty() {
        return Ok(Some(CommitInfo::default()));
    }
    let res = if blocking {
        ws.write(buf).map(Some)
    } else {
        ws.try_write(buf)
    };
    match res {
        Ok(Some(info)) => {
            buf.clear();
            Ok(Some(info))
        }
        Ok(None) => Ok(None),
        Err(e) => {
            // A bad op would poison every later batch: drop the batch, report it.
            buf.clear();
            Err(e)
        }
    }
}

fn run(
    ws: Arc<Workspace>,
    policy: CommitPolicy,
    rx: Receiver<Msg>,
    last_error: Arc<std::sync::Mutex<Option<String>>>,
) {
    let mut buf: Vec<WriteOp> = Vec::new();
    let mut oldest: Option<Instant> = None;
    let mut last_commit = Instant::now() - policy.min_gap;
    let note = |e: StoreError| {
        if let Ok(mut slot) = last_error.lock() {
            *slot = Some(e.to_string());
        }
    };
    loop {
        let due = oldest.map(|t| {
            if buf.len() >= policy.max_batch {
                last_commit + policy.min_gap
            } else {
                (t + policy.interval).max(last_commit + policy.min_gap)
            }
        });
        if let Some(due) = due
            && Instant::now() >= due
        {
            match commit(&ws, &mut buf, false) {
                Ok(Some(_)) => {
                    last_commit = Instant::now();
                    oldest = None;
                }
                // Another process holds the lock: keep buffering, try again shortly.
                Ok(None) => {
                    last_commit = Instant::now() - policy.min_gap + Duration::from_millis(20)
                }
                Err(e) => {
                    note(e);
                    oldest = None;
                }
            }
            continue;
        }
        let timeout = due
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(3600));
        match rx.recv_timeout(timeout) {
            Ok(Msg::Op(op)) => {
                buf.push(op);
                oldest.get_or_insert_with(Instant::now);
            }
            Ok(Msg::Flush(ack)) => {
                let r = commit(&ws, &mut buf, true);
                last_commit = Instant::now();
                oldest = None;
                let _ = ack.send(r.map(|_| ()).map_err(|e| e.to_string()));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                if let Err(e) = commit(&ws, &mut buf, true) {
                    note(e);
                }
                return;
            }
        }
    }
}
