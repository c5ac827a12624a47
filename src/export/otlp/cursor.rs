//! Where an export to one endpoint stopped, per run: the last record seq acknowledged for each
//! signal. Kept outside the workspace (the user's state directory,
//! `$XDG_STATE_HOME/contexta/otlp/<hash>.json`, else `~/.local/state/...`): it is a fact about
//! a collector, not about the runs, and a read-only or backed-up workspace must not change
//! because someone exported it. Written atomically (temp file + rename) after every
//! acknowledged batch, so a crash or a signal loses at most the batch in flight, which is then
//! sent again.

use super::error::OtlpError;
use super::request::Signal;
use crate::model::Ref;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state directory from the environment: `$XDG_STATE_HOME`, else `$HOME/.local/state`.
pub fn state_dir() -> Option<PathBuf> {
    let from = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    from("XDG_STATE_HOME").or_else(|| from("HOME").map(|h| h.join(".local").join("state")))
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cursor {
    pub endpoint: String,
    pub workspace: String,
    pub run: String,
    /// Last acknowledged seq per signal (0: nothing sent yet).
    pub traces: u32,
    pub metrics: u32,
    pub logs: u32,
}

impl Cursor {
    pub fn get(&self, s: Signal) -> u32 {
        match s {
            Signal::Traces => self.traces,
            Signal::Metrics => self.metrics,
            Signal::Logs => self.logs,
        }
    }
    pub fn set(&mut self, s: Signal, seq: u32) {
        match s {
            Signal::Traces => self.traces = seq,
            Signal::Metrics => self.metrics = seq,
            Signal::Logs => self.logs = seq,
        }
    }
}

/// One cursor file: endpoint + workspace + run, held with an exclusive lock (`<hash>.lock`) for
/// as long as it is open: two exports of one run to one collector at once would both send the
/// same batches.
pub struct CursorFile {
    pub path: PathBuf,
    pub cursor: Cursor,
    _lock: std::fs::File,
}

impl CursorFile {
    /// The cursor for (`endpoint`, `workspace`, `run`) under `state_dir`, as stored (or at the
    /// start when there is none). A file that does not read back is an error, not a fresh
    /// start: starting over would send everything again.
    pub fn open(
        state_dir: &Path,
        endpoint: &str,
        workspace: &Path,
        run: &Ref,
    ) -> Result<CursorFile, OtlpError> {
        let endpoint = endpoint.trim().trim_end_matches('/').to_string();
        let workspace = workspace.display().to_string();
        let mut h = Sha256::new();
        for part in [endpoint.as_str(), workspace.as_str(), run.as_str()] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let hash = hex::encode(&h.finalize()[..16]);
        let dir = state_dir.join("contexta").join("otlp");
        let path = dir.join(format!("{hash}.json"));
        let lock_path = dir.join(format!("{hash}.lock"));
        let io = |path: &Path, e: std::io::Error| OtlpError::Cursor {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(OtlpError::Busy {
                    run: run.as_str().to_string(),
                    endpoint,
                    lock: lock_path,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&lock_path, e)),
        }
        let fresh = Cursor {
            endpoint,
            workspace,
            run: run.as_str().to_string(),
            ..Default::default()
        };
        let cursor = match std::fs::read(&path) {
            Ok(bytes) => {
                let c: Cursor = serde_json::from_slice(&bytes).map_err(|e| OtlpError::Cursor {
                    path: path.clone(),
                    reason: format!(
                        "{e} (delete it, or pass --from-start, to send everything again)"
                    ),
                })?;
                if (&c.endpoint, &c.workspace, &c.run)
                    != (&fresh.endpoint, &fresh.workspace, &fresh.run)
                {
                    return Err(OtlpError::Cursor {
                        path,
                        reason: "it belongs to another endpoint, workspace or run".into(),
                    });
                }
                c
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh,
            Err(e) => {
                return Err(OtlpError::Cursor {
                    path,
                    reason: e.to_string(),
                });
            }
        };
        Ok(CursorFile {
            path,
            cursor,
            _lock: lock,
        })
    }

    /// Starts over: everything is sent again (same ids, so a backend that dedupes sees no
    /// change).
    pub fn reset(&mut self) {
        for s in Signal::ALL {
            self.cursor.set(s, 0);
        }
    }

    pub fn save(&self) -> Result<(), OtlpError> {
        let err = |e: std::io::Error| OtlpError::Cursor {
            path: self.path.clone(),
            reason: e.to_string(),
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
        let text = serde_json::to_vec_pretty(&self.cursor).map_err(|e| err(e.into()))?;
        tmp.write_all(&text).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&self.path).map_err(|e| err(e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_a_damaged_file_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let run = Ref::parse("run:p.r").unwrap();
        let ws = Path::new("/w/.contexta");
        let mut c = CursorFile::open(d.path(), "http://h:4318/", ws, &run).unwrap();
        assert_eq!(c.cursor.get(Signal::Metrics), 0);
        c.cursor.set(Signal::Metrics, 42);
        c.save().unwrap();
        let path = c.path.clone();
        drop(c);
        // Same endpoint written without the slash: the same cursor.
        let again = CursorFile::open(d.path(), "http://h:4318", ws, &run).unwrap();
        assert_eq!(again.path, path);
        assert_eq!(again.cursor.get(Signal::Metrics), 42);
        // While open, the same cursor cannot be opened a second time.
        let busy = CursorFile::open(d.path(), "http://h:4318", ws, &run)
            .err()
            .unwrap();
        assert!(busy.to_string().contains("another export"), "{busy}");
        drop(again);
        // Another endpoint: its own cursor.
        let other = CursorFile::open(d.path(), "http://h:9999", ws, &run).unwrap();
        assert_eq!(other.cursor.get(Signal::Metrics), 0);
        std::fs::write(&path, b"{not json").unwrap();
        let e = CursorFile::open(d.path(), "http://h:4318", ws, &run)
            .err()
            .unwrap();
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    }
}
