//! What a killed restore can leave beside its target, and putting it right before the next
//! restore: staging folders (`.NAME.restore-PID-…`) and failed copies (`.NAME.failed-PID-…`)
//! of dead processes are removed; a workspace set aside (`.NAME.previous-PID-…`) is renamed
//! back when the target is missing, and otherwise kept and reported, never deleted.

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
    let (parent, prefix) = sibling_prefix(target, what);
    parent.join(format!("{prefix}{}", super::file_stamp()))
}

/// The folder beside `target` and the start of a sibling's name there, `.NAME.WHAT-PID-`; what
/// follows it is free (a time, or random characters), as `scan` reads only this far.
pub(crate) fn sibling_prefix(target: &Path, what: &str) -> (PathBuf, String) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "workspace".into());
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    (
        parent.to_path_buf(),
        format!("{}{what}-{}-", hidden_prefix(&name), std::process::id()),
    )
}

struct Leftover {
    path: PathBuf,
    kind: String,
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
        // A link planted under one of these names is never followed, moved or removed.
        let real_dir = std::fs::symlink_metadata(e.path()).is_ok_and(|m| m.file_type().is_dir());
        if matches!(kind, "restore" | "failed" | "previous")
            && real_dir
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
