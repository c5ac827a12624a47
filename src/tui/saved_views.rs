//! Saved views on disk (`app/saved.rs` takes them from the state and puts them back): one JSON file per workspace in the user's state directory,
//! `$XDG_STATE_HOME/contexta/views/<hash>.json` (else `~/.local/state/contexta/views/`), named
//! by a hash of the workspace's canonical path. Never in the workspace: a view is one user's,
//! and a workspace may be shared or read-only.
//!
//! Read once at start (a missing file is a first start; an unreadable or corrupt one is
//! reported and ignored). Written by a thread of its own, so a slow disk never holds a frame:
//! the loop hands it each changed view, it writes the newest once changes pause (`DEBOUNCE`),
//! and on quit it writes what is pending before the explorer returns.

use super::app::saved::SavedView;
use super::app::{FlashLevel, Msg};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

/// How long changes must pause before the view is written.
const DEBOUNCE: Duration = Duration::from_millis(500);

/// Where the views live: `$XDG_STATE_HOME/contexta/views`, else `~/.local/state/…`.
pub fn views_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty());
    let base = match xdg {
        Some(x) => PathBuf::from(x),
        None => {
            PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".local/state")
        }
    };
    Some(base.join("contexta").join("views"))
}

/// The workspace's canonical path (as given when it cannot be resolved).
pub fn workspace_key(root: &Path) -> String {
    std::fs::canonicalize(root)
        .unwrap_or_else(|_| root.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// The view file of the workspace whose canonical path is `key`, in `dir`.
pub fn view_file(dir: &Path, key: &str) -> PathBuf {
    let hash = xxhash_rust::xxh3::xxh3_64(key.as_bytes());
    dir.join(format!("{hash:016x}.json"))
}

/// The saved view, `Ok(None)` when there is none (or it belongs to another workspace whose
/// path hashed alike), `Err` saying what is wrong with the file.
pub fn load(path: &Path, key: &str) -> Result<Option<SavedView>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let view: SavedView =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((view.workspace == key).then_some(view))
}

/// Writes the view whole or not at all (a temporary file renamed over the old one).
pub fn store(path: &Path, view: &SavedView) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, view)?;
    tmp.write_all(b"\n")?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The writer thread's handle.
pub struct Saver {
    tx: Option<Sender<SavedView>>,
    thread: Option<std::thread::JoinHandle<()>>,
    last: Option<SavedView>,
}

impl Saver {
    /// Starts the writer for `path`; a failed write is told to the app through `notify`.
    pub fn spawn(path: PathBuf, notify: Sender<Msg>) -> Saver {
        let (tx, rx) = channel::<SavedView>();
        let thread = std::thread::Builder::new()
            .name("contexta-views".into())
            .spawn(move || write_loop(&path, &rx, &notify))
            .ok();
        Saver {
            tx: thread.as_ref().map(|_| tx),
            thread,
            last: None,
        }
    }

    /// The view as it stands (already restored, so an unchanged view is never written).
    pub fn seen(&mut self, view: SavedView) {
        self.last = Some(view);
    }

    /// Hands the view to the writer when it changed.
    pub fn offer(&mut self, view: SavedView) {
        if self.last.as_ref() == Some(&view) {
            return;
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(view.clone());
        }
        self.last = Some(view);
    }

    /// Writes what is pending and waits for it (on quit).
    pub fn finish(mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn write_loop(path: &Path, rx: &Receiver<SavedView>, notify: &Sender<Msg>) {
    let mut reported = false;
    while let Ok(mut view) = rx.recv() {
        // The newest of a burst: wait until changes pause (or the app quits).
        while let Ok(v) = rx.recv_timeout(DEBOUNCE) {
            view = v;
        }
        if let Err(e) = store(path, &view)
            && !reported
        {
            // Said once: a read-only home would otherwise repeat it on every change.
            reported = true;
            let _ = notify.send(Msg::Notice(
                FlashLevel::Warn,
                format!("view not saved: {}: {e}", path.display()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::saved::SavedLayout;

    fn view() -> SavedView {
        SavedView {
            version: 1,
            workspace: "/w/.contexta".into(),
            marks: vec!["run:p.a".into()],
            tree_filter: "status = failed".into(),
            layout: SavedLayout {
                maximized: true,
                tree_hidden: false,
                focus: "metrics".into(),
                main: "metrics".into(),
            },
        }
    }

    #[test]
    fn a_view_round_trips_and_a_corrupt_or_foreign_file_is_no_view() {
        let dir = tempfile::tempdir().unwrap();
        let path = view_file(dir.path(), "/w/.contexta");
        assert_eq!(
            load(&path, "/w/.contexta"),
            Ok(None),
            "missing: first start"
        );
        store(&path, &view()).unwrap();
        assert_eq!(load(&path, "/w/.contexta"), Ok(Some(view())));
        assert_eq!(load(&path, "/other"), Ok(None), "another workspace's file");
        std::fs::write(&path, "{ not json").unwrap();
        let err = load(&path, "/w/.contexta").unwrap_err();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }

    #[test]
    fn the_saver_writes_the_newest_view_once_changes_pause_and_on_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = view_file(dir.path(), "/w/.contexta");
        let (tx, _rx) = channel();
        let mut saver = Saver::spawn(path.clone(), tx);
        saver.seen(view());
        saver.offer(view());
        let mut v = view();
        for i in 0..20 {
            v.tree_filter = format!("lr < {i}");
            saver.offer(v.clone());
        }
        saver.finish();
        assert_eq!(
            load(&path, "/w/.contexta").unwrap().unwrap().tree_filter,
            "lr < 19"
        );
    }
}
