//! The workspace watcher: native events for another writer's commits, coalesced; polling the
//! commit generation when the directory cannot be watched (here: it does not exist yet), and
//! back to native watching once it can. Waits on conditions with a deadline, never on sleeps.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::capture::Session;
use contexta::model::Level;
use contexta::query::{ChangeProbe, database_file_name};
use contexta::watch::{self, WatchEvent, WatchMode};
use std::path::Path;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(20);

fn start(root: &Path) -> (watch::WatchHandle, Receiver<WatchEvent>) {
    let (tx, rx) = channel();
    let mut probe = ChangeProbe::new(root);
    let h = watch::spawn(
        root,
        database_file_name(),
        Box::new(move || probe.fingerprint()),
        Box::new(move |ev| tx.send(ev).is_ok()),
    );
    (h, rx)
}

fn wait(rx: &Receiver<WatchEvent>, what: &str, ok: impl Fn(&WatchEvent) -> bool) {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        if let Ok(ev) = rx.recv_timeout(Duration::from_millis(100))
            && ok(&ev)
        {
            return;
        }
    }
    panic!("timed out waiting for {what}");
}

fn drain(rx: &Receiver<WatchEvent>) {
    while rx.try_recv().is_ok() {}
}

#[test]
fn native_watch_reports_another_writers_commits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    session.flush().unwrap();
    let (_h, rx) = start(&root);
    wait(&rx, "native mode", |e| {
        *e == WatchEvent::Mode(WatchMode::Native)
    });
    drain(&rx);
    run.event("tick", Level::Info, "one").unwrap();
    session.flush().unwrap();
    wait(&rx, "a change", |e| *e == WatchEvent::Changed);
}

#[test]
fn polls_while_the_directory_is_missing_then_watches_natively() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let (_h, rx) = start(&root);
    wait(&rx, "polling mode", |e| {
        matches!(e, WatchEvent::Mode(WatchMode::Polling { .. }))
    });
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    run.event("tick", Level::Info, "one").unwrap();
    session.flush().unwrap();
    wait(&rx, "a change seen by polling", |e| {
        *e == WatchEvent::Changed
    });
    wait(&rx, "native mode again", |e| {
        *e == WatchEvent::Mode(WatchMode::Native)
    });
}
