//! Runs effects: opens the workspace and answers queries through `crate::query`, either inline
//! (`Executor::run`, for headless mode and tests) or on a background thread (`spawn`) that keeps
//! one pending request per slot, newest wins, and serves slots in priority order. Long jobs
//! (`Effect::Job`) run here only inline; the interactive loop gives them to `jobs.rs`, so a
//! backup never holds up a query.
//!
//! Owns the explorer's query `Workspace` handle (a job opens its own). Never touches state or the terminal; each
//! query takes its own short read snapshot, so no read transaction outlives a request.

use super::app::Msg;
use super::effect::{Effect, External, LoadError, Loaded, Payload, Query, Request, Slot};
use super::panes;
use crate::query::{self, QueryError, ReadHandle, WorkspaceProblem};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

pub struct Executor {
    root: PathBuf,
    handle: Option<ReadHandle>,
    /// Bytes the app asked to write to the terminal (OSC 52 copies), in order: headless mode
    /// has no terminal, so tests read them here.
    pub terminal: Vec<Vec<u8>>,
    /// Pagers and browsers the app asked to run (headless mode runs none).
    pub external: Vec<External>,
}

impl Executor {
    pub fn new(root: &Path) -> Executor {
        Executor {
            root: root.to_path_buf(),
            handle: None,
            terminal: Vec::new(),
            external: Vec::new(),
        }
    }

    pub fn open(&mut self) -> Result<(), WorkspaceProblem> {
        self.handle = None;
        self.handle = Some(query::open_for_reading(&self.root)?);
        Ok(())
    }

    /// Runs one effect inline; `None` for effects that produce no message (quit).
    pub fn run(&mut self, effect: Effect) -> Option<Msg> {
        match effect {
            Effect::Open => Some(Msg::Opened(self.open())),
            Effect::Query(req) => Some(Msg::Loaded(self.query(req))),
            // Inline (headless, tests): the job runs to the end here; progress is dropped.
            Effect::Job(job) => {
                let id = job.id;
                let result = super::jobs::run_job(&self.root, job, &mut |_| {});
                Some(Msg::Job(super::effect::JobEvent::Done { id, result }))
            }
            Effect::Terminal(bytes) => {
                self.terminal.push(bytes);
                None
            }
            Effect::External(e) => {
                self.external.push(e);
                None
            }
            Effect::Quit => None,
        }
    }

    fn query(&mut self, req: Request) -> Loaded {
        let slot = req.query.slot();
        let result = self.answer(&req.query);
        Loaded {
            id: req.id,
            slot,
            result,
        }
    }

    fn answer(&mut self, q: &Query) -> Result<Payload, LoadError> {
        // A workspace deleted or re-created under us: the old file handle would keep answering
        // from the unlinked file, so check the path still names what we opened.
        if self.handle.as_ref().is_some_and(|h| !h.is_current()) {
            self.handle = None;
        }
        if self.handle.is_none() {
            self.open().map_err(LoadError::Workspace)?;
        }
        let Some(h) = self.handle.as_ref() else {
            return Err(LoadError::Query("workspace not open".into()));
        };
        let result: Result<Payload, QueryError> = panes::answer(&h.ws, q);
        result.map_err(|e| match query::workspace_problem(&e) {
            Some(p) => {
                self.handle = None;
                LoadError::Workspace(p)
            }
            None => LoadError::Query(e.to_string()),
        })
    }
}

/// Starts the worker thread. Effects go in through the returned sender; messages come out
/// through `out`. The thread ends when the sender is dropped or `out` is closed.
pub fn spawn(root: &Path, out: Sender<Msg>) -> std::io::Result<Sender<Effect>> {
    let (tx, rx) = std::sync::mpsc::channel::<Effect>();
    let mut exec = Executor::new(root);
    std::thread::Builder::new()
        .name("contexta-worker".into())
        .spawn(move || serve(&mut exec, &rx, &out))?;
    Ok(tx)
}

enum Pending {
    Open,
    Query(Request),
}

fn serve(exec: &mut Executor, rx: &Receiver<Effect>, out: &Sender<Msg>) {
    // None sorts first: an open request goes before any query.
    let mut pending: BTreeMap<Option<Slot>, Pending> = BTreeMap::new();
    loop {
        if pending.is_empty() {
            match rx.recv() {
                Ok(e) => queue(&mut pending, e),
                Err(_) => return,
            }
        }
        loop {
            match rx.try_recv() {
                Ok(e) => queue(&mut pending, e),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        let Some((_, job)) = pending.pop_first() else {
            continue;
        };
        let msg = match job {
            Pending::Open => Msg::Opened(exec.open()),
            Pending::Query(req) => Msg::Loaded(exec.query(req)),
        };
        if out.send(msg).is_err() {
            return;
        }
    }
}

fn queue(pending: &mut BTreeMap<Option<Slot>, Pending>, effect: Effect) {
    match effect {
        Effect::Open => {
            pending.insert(None, Pending::Open);
        }
        Effect::Query(req) => {
            pending.insert(Some(req.query.slot()), Pending::Query(req));
        }
        // Jobs go to the job runner (`jobs.rs`), terminal writes and pagers stay with the
        // runtime; one reaching here is dropped.
        Effect::Job(_) | Effect::Terminal(_) | Effect::External(_) | Effect::Quit => {}
    }
}
