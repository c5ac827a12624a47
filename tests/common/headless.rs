//! The explorer driven headless for reducer-level tests: a demo workspace, a session started
//! at a fixed clock with keys fed in, more keys later, each settled (every query answered
//! inline) before the next.

use contexta::model::Timestamp;
use contexta::store::{Access, Workspace};
use contexta::tui::app::AppState;
use contexta::tui::headless::{HeadlessOptions, drive, parse_script, settle};
use contexta::tui::worker::Executor;
use std::path::{Path, PathBuf};

/// The explorer's clock in these tests (the demo workspace ends before it).
pub fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
}

/// The demo workspace, generated with a fixed start and seed.
pub fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, root)
}

/// A `w`×`h` session on `root` after `keys`.
pub fn start(root: &Path, keys: &str, w: u16, h: u16) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: w,
            height: h,
            keys,
            now: now(),
            label: Some("test".into()),
        },
    )
    .unwrap()
}

/// Feeds `script` (the `--keys` syntax) and settles after each key.
pub fn keys(app: &mut AppState, exec: &mut Executor, script: &str) {
    for msg in parse_script(script).unwrap() {
        let fx = app.update(msg);
        settle(app, exec, fx);
    }
}
