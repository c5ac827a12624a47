//! What a restore keeps beside a workspace while it runs, named so any process can tell:
//! `.NAME.restore-PID-…` (the copy being extracted), `.NAME.previous-PID-…` (the workspace set
//! aside while the copy is renamed into place) and `.NAME.failed-PID-…` (a copy that did not
//! open in place). A restore killed between its two renames leaves a `previous` folder and no
//! workspace; every command that opens the workspace looks here first, so none of them answers
//! "no workspace" or creates an empty one beside the set-aside data.
//!
//! Only real folders owned by this user count: a link, or another user's folder, planted in a
//! shared directory under one of these names is neither followed nor moved into place.

use super::error::StoreError;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sibling {
    pub path: PathBuf,
    /// `restore`, `previous` or `failed`.
    pub kind: String,
    /// The restore process that made it.
    pub pid: u32,
}

impl Sibling {
    /// Whether the restore that made it may still be running (a process with its pid that
    /// started after the folder last changed took the pid over from a dead restore).
    pub fn running(&self) -> bool {
        self.pid == std::process::id() || may_have_written(self.pid, &self.path)
    }
}

/// Whether process `pid` may still be the one that last changed `path`: it runs, and it did
/// not start after `path`'s last status change (a creation, a write, a rename). Pids are
/// reused: without the second test, a dead job's leftovers look alive for as long as another
/// process holds its pid. Errs towards "may": an unreadable start time, or one within
/// `CLOCK_SLACK` of the change, counts as the same process (a live job's files are never taken
/// for a dead one's).
pub fn may_have_written(pid: u32, path: &Path) -> bool {
    if !process_alive(pid) {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let (Ok(meta), Some(start)) = (std::fs::symlink_metadata(path), process_start(pid)) else {
            return true;
        };
        let changed = meta.ctime() as f64 + meta.ctime_nsec() as f64 / 1e9;
        start <= changed + CLOCK_SLACK
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        true
    }
}

/// Seconds of doubt between a process's start and a file's change time: the boot time they are
/// both reckoned from is whole seconds, and the wall clock may have been stepped.
#[cfg(target_os = "linux")]
const CLOCK_SLACK: f64 = 2.0;

/// When process `pid` started, in seconds since the epoch: `/proc/stat`'s boot time plus
/// `/proc/PID/stat`'s start in clock ticks after boot.
#[cfg(target_os = "linux")]
fn process_start(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold anything.
    let after = stat.rsplit_once(')')?.1;
    let ticks: f64 = after.split_whitespace().nth(19)?.parse().ok()?;
    let boot: f64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let hz = rustix::param::clock_ticks_per_second() as f64;
    (hz > 0.0).then(|| boot + ticks / hz)
}

/// Whether process `pid` may still be running (`/proc` on Linux; elsewhere assume it is).
pub fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// `.NAME.` for a workspace folder named `NAME` (or `.NAME` already hidden).
fn hidden_prefix(name: &str) -> String {
    if name.starts_with('.') {
        format!("{name}.")
    } else {
        format!(".{name}.")
    }
}

/// The folder holding `root`, and the start of this process's `what` sibling's name there,
/// `.NAME.WHAT-PID-`; what follows is free (a time, or random characters).
pub fn sibling_prefix(root: &Path, what: &str) -> (PathBuf, String) {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".into());
    (
        parent_of(root),
        format!("{}{what}-{}-", hidden_prefix(&name), std::process::id()),
    )
}

fn parent_of(root: &Path) -> PathBuf {
    root.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// A real folder (not a link) owned by this user.
fn ours(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return false;
        }
    }
    meta.file_type().is_dir()
}

/// Every restore sibling of `root`, sorted by name (so by time within a kind): one read of the
/// folder that holds it.
pub fn siblings(root: &Path) -> Vec<Sibling> {
    let Some(name) = root.file_name() else {
        return vec![];
    };
    let prefix = hidden_prefix(&name.to_string_lossy());
    let Ok(rd) = std::fs::read_dir(parent_of(root)) else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let mut parts = rest.splitn(3, '-');
        let (Some(kind), Some(pid)) = (
            parts.next(),
            parts.next().and_then(|p| p.parse::<u32>().ok()),
        ) else {
            continue;
        };
        if matches!(kind, "restore" | "failed" | "previous") && ours(&e.path()) {
            out.push(Sibling {
                path: e.path(),
                kind: kind.to_string(),
                pid,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The newest workspace a restore set aside beside `root`, if any.
pub fn set_aside(root: &Path) -> Option<Sibling> {
    siblings(root)
        .into_iter()
        .filter(|s| s.kind == "previous")
        .max_by(|a, b| a.path.cmp(&b.path))
}

/// The error for a command that finds no workspace at `root`: the set-aside one, if a restore
/// left one beside it (with how to finish), else `Missing`.
pub fn no_workspace(root: &Path) -> StoreError {
    match set_aside(root) {
        Some(s) => StoreError::SetAside {
            root: root.to_path_buf(),
            aside: s.path.clone(),
            pid: s.pid,
            running: s.running(),
        },
        None => StoreError::Missing(root.to_path_buf()),
    }
}

/// Walks up from `start` to (not including) `stop`, or to the top if `stop` is `None`, and
/// returns the first level whose workspace a restore set aside: a workspace discovered higher
/// up, or none at all, must not be used in its place. One folder read per level walked.
pub fn set_aside_on_the_way(
    start: &Path,
    stop: Option<&Path>,
    dir_name: &str,
) -> Option<StoreError> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if Some(d) == stop {
            return None;
        }
        let root = d.join(dir_name);
        if let e @ StoreError::SetAside { .. } = no_workspace(&root) {
            return Some(e);
        }
        dir = d.parent();
    }
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_real_folders_of_this_user_count() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join(".contexta");
        let elsewhere = d.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, d.path().join(".contexta.previous-1-a")).unwrap();
        std::fs::write(d.path().join(".contexta.previous-1-b"), b"").unwrap();
        std::fs::create_dir(d.path().join(".contexta.previous-x-c")).unwrap();
        std::fs::create_dir(d.path().join(".other.previous-1-d")).unwrap();
        assert_eq!(set_aside(&root), None);
        std::fs::create_dir(d.path().join(".contexta.previous-1-e")).unwrap();
        std::fs::create_dir(d.path().join(".contexta.previous-1-f")).unwrap();
        let s = set_aside(&root).unwrap();
        assert_eq!(s.path, d.path().join(".contexta.previous-1-f"));
        assert_eq!(s.pid, 1);
        assert!(s.running(), "pid 1 is always running");
        let (parent, prefix) = sibling_prefix(&root, "restore");
        assert_eq!(parent, d.path());
        assert_eq!(prefix, format!(".contexta.restore-{}-", std::process::id()));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_that_took_over_a_pid_after_a_file_last_changed_did_not_write_it() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("in-progress");
        std::fs::write(&f, "x").unwrap();
        // This test's process started before it wrote the file.
        assert!(may_have_written(std::process::id(), &f));
        // A process started well after the last change (past the slack, and past the whole
        // second the boot time is rounded to) holds a pid but cannot have written it.
        std::thread::sleep(std::time::Duration::from_millis(3200));
        let mut late = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = late.id();
        assert!(!may_have_written(pid, &f));
        // Once the file changes again while it runs, it may have.
        std::fs::write(&f, "y").unwrap();
        assert!(may_have_written(pid, &f));
        late.kill().unwrap();
        late.wait().unwrap();
        assert!(!may_have_written(pid, &f));
    }
}
