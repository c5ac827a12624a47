//! What a killed job can leave behind, and putting it right on the next run of the same job.
//! A restore: staging folders (`.NAME.restore-PID-…`) and failed copies (`.NAME.failed-PID-…`)
//! of dead processes are removed; a workspace set aside (`.NAME.previous-PID-…`) is renamed
//! back when the target is missing, and otherwise kept and reported, never deleted.
//! A backup or a report: its file in progress (`.contexta-JOB-PID-NAME`) is removed once the
//! process that wrote it is gone; a live one's is left alone.

use super::{RecoveryError, io};
use std::path::{Path, PathBuf};

/// `.NAME.` for a target named `NAME` (or `.NAME` already hidden).
fn hidden_prefix(name: &str) -> String {
    if name.starts_with('.') {
        format!("{name}.")
    } else {
        format!(".{name}.")
    }
}

/// Where a restore of `target` keeps `what` (`restore`, `previous`, `failed`) while it runs:
/// a hidden sibling named after the target, this process and the time.
pub(crate) fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".into());
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(
        "{}{what}-{}-{}",
        hidden_prefix(&name),
        std::process::id(),
        super::file_stamp()
    ))
}

struct Leftover {
    path: PathBuf,
    kind: String,
}

/// Where this process writes `name` while `job` (`backup`, `report`) is writing it in `dir`.
pub fn in_progress(dir: &Path, job: &str, name: &str) -> PathBuf {
    dir.join(format!(".contexta-{job}-{}-{name}", std::process::id()))
}

/// Removes from `dir` what `job`s of dead processes left in progress (files, or folders older
/// versions made); returns one line for each.
pub fn tidy_in_progress(dir: &Path, job: &str) -> Result<Vec<String>, RecoveryError> {
    let prefix = format!(".contexta-{job}-");
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(vec![]);
    };
    let mut notes = Vec::new();
    for e in rd.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || alive(pid) {
            continue;
        }
        let path = e.path();
        let gone = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match gone {
            Ok(()) => notes.push(format!(
                "removed {}, left by an interrupted {job} (process {pid})",
                path.display()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path)(e)),
        }
    }
    notes.sort();
    Ok(notes)
}

/// Whether process `pid` may still be running (`/proc` on Linux; elsewhere assume it is).
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

fn scan(target: &Path) -> Vec<Leftover> {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return vec![];
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = hidden_prefix(&name.to_string_lossy());
    let Ok(rd) = std::fs::read_dir(parent) else {
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
        if matches!(kind, "restore" | "failed" | "previous")
            && pid != std::process::id()
            && !alive(pid)
        {
            out.push(Leftover {
                path: e.path(),
                kind: kind.to_string(),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Tidies after interrupted restores of `target`; returns what it did, one line each.
pub(crate) fn tidy(target: &Path) -> Result<Vec<String>, RecoveryError> {
    let mut notes = Vec::new();
    let found = scan(target);
    // Newest set-aside workspace last (names carry a timestamp).
    if let Some(prev) = found.iter().rev().find(|l| l.kind == "previous") {
        if target.exists() {
            notes.push(format!(
                "{} is a workspace an interrupted restore set aside; kept (remove it when the restored one is right)",
                prev.path.display()
            ));
        } else {
            std::fs::rename(&prev.path, target).map_err(io(target))?;
            notes.push(format!(
                "put back {} from {}, where an interrupted restore had set it aside",
                target.display(),
                prev.path.display()
            ));
        }
    }
    for l in found.iter().filter(|l| l.kind != "previous") {
        std::fs::remove_dir_all(&l.path).map_err(io(&l.path))?;
        notes.push(format!(
            "removed {}, left by an interrupted restore",
            l.path.display()
        ));
    }
    Ok(notes)
}
