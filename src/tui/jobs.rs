//! The job runner: long jobs (reports, exports, backups) run here, off both the render loop and
//! the query worker, so a backup never delays a page of records. One job at a time (the app
//! refuses a second while one runs); progress comes back throttled (a message when the percent
//! or phase changes, or every megabyte when the total is unknown), then one `Done` with the
//! path written or the error.
//!
//! `run_job` is the blocking core (headless mode and tests call it inline); `spawn` wraps it in
//! a thread. Each job opens its own read-only handle, so it never shares the worker's.

use super::app::Msg;
use super::effect::{Job, JobEvent, JobKind, ReportTarget};
use crate::destination::{Destination, Options};
use crate::model::Timestamp;
use crate::query::{self, Workspace};
use crate::recovery::Progress;
use crate::recovery::backup::{BackupOptions, create_backup};
use crate::recovery::export::export_jsonl;
use crate::report::{Render, render};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

/// Starts the job thread; jobs go in through the returned sender, events come out on `out`.
pub fn spawn(root: &Path, out: Sender<Msg>) -> std::io::Result<Sender<Job>> {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let root = root.to_path_buf();
    std::thread::Builder::new()
        .name("contexta-jobs".into())
        .spawn(move || {
            for job in rx {
                let id = job.id;
                let mut send = |e: JobEvent| {
                    let _ = out.send(Msg::Job(e));
                };
                let result = run_job(&root, job, &mut send);
                send(JobEvent::Done { id, result });
            }
        })?;
    Ok(tx)
}

/// Runs one job to the end, reporting progress through `events`; returns the path written.
pub fn run_job(root: &Path, job: Job, events: &mut dyn FnMut(JobEvent)) -> Result<PathBuf, String> {
    let handle =
        query::open_for_reading(root).map_err(|p| format!("{}: {}", p.label(), p.message()))?;
    let ws = &handle.ws;
    let mut throttle = Throttle::new(job.id, events);
    match job.kind {
        JobKind::Report {
            target,
            render: how,
            path,
        } => write_report(ws, &target, how, path.as_deref(), &mut throttle),
        JobKind::Export { runs, path } => write_export(ws, &runs, path.as_deref(), &mut throttle),
        JobKind::Backup { path } => {
            // A link is never renamed over (a link to a folder names where the archive goes).
            if let Some(p) = path.as_deref().map(Path::new)
                && std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                && !p.is_dir()
            {
                return Err(
                    crate::destination::DestinationError::Symlink(p.to_path_buf()).to_string(),
                );
            }
            let opts = BackupOptions {
                label: None,
                output: path.map(PathBuf::from),
                gzip: false,
                allow_damaged: false,
            };
            create_backup(ws, &opts, &mut |p: &Progress| {
                throttle.report(p.phase, p.done, p.total)
            })
            .map(|r| r.path)
            .map_err(|e| e.to_string())
        }
    }
}

/// Forwards progress only when it says something new.
struct Throttle<'a> {
    id: u64,
    events: &'a mut dyn FnMut(JobEvent),
    last: Option<(&'static str, u64)>,
}

impl<'a> Throttle<'a> {
    fn new(id: u64, events: &'a mut dyn FnMut(JobEvent)) -> Self {
        Throttle {
            id,
            events,
            last: None,
        }
    }

    fn report(&mut self, phase: &'static str, done: u64, total: u64) {
        // Percent when the total is known, else whole megabytes.
        let step = match total {
            0 => done >> 20,
            t => done.saturating_mul(100) / t,
        };
        if self.last == Some((phase, step)) {
            return;
        }
        self.last = Some((phase, step));
        (self.events)(JobEvent::Progress {
            id: self.id,
            phase: phase.to_string(),
            done,
            total,
        });
    }
}

/// `<ws>/reports/<name>-<stamp>.<ext>` unless the user named a path.
fn target_path(ws: &Workspace, path: Option<&str>, name: &str, ext: &str) -> PathBuf {
    match path {
        Some(p) => PathBuf::from(p),
        None => {
            let stamp = Timestamp::now().to_string().replace([':', '.'], "-");
            ws.root()
                .join("reports")
                .join(format!("{name}-{stamp}.{ext}"))
        }
    }
}

/// Writes through `write` to `path` as `crate::destination` does (beside and renamed for a
/// file, so a reader never sees half of it; through for a pipe; links and `-` refused: the
/// explorer has no flag to follow a link and owns standard output).
fn write_whole(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let mut dest = Destination::open(
        path,
        Options {
            follow_symlink: false,
            replace: true,
            allow_stdout: false,
        },
    )
    .map_err(|e| e.to_string())?;
    write(&mut dest)?;
    dest.commit().map_err(|e| e.to_string())
}

fn write_report(
    ws: &Workspace,
    target: &ReportTarget,
    how: Render,
    path: Option<&str>,
    progress: &mut Throttle<'_>,
) -> Result<PathBuf, String> {
    progress.report("building", 0, 0);
    let (doc, name) = match target {
        ReportTarget::Snapshot(run) => (
            crate::report::snapshot(ws, run),
            format!("{}-snapshot", run.value()),
        ),
        ReportTarget::Compare(l, r) => (
            crate::report::comparison(ws, l, r),
            format!("{}-vs-{}", l.last(), r.last()),
        ),
    };
    let doc = doc.map_err(|e| e.to_string())?;
    progress.report("rendering", 0, 0);
    let text = render(&doc, how);
    let path = target_path(ws, path, &name, how.extension());
    write_whole(&path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| format!("writing {}: {e}", path.display()))
    })?;
    Ok(path)
}

fn write_export(
    ws: &Workspace,
    runs: &[crate::model::Ref],
    path: Option<&str>,
    progress: &mut Throttle<'_>,
) -> Result<PathBuf, String> {
    let name = match runs {
        [one] => format!("{}-export", one.value()),
        _ => "export".to_string(),
    };
    let path = target_path(ws, path, &name, "jsonl");
    write_whole(&path, |w| {
        let mut counted = Counted {
            inner: w,
            bytes: 0,
            progress,
        };
        export_jsonl(ws, runs, &mut counted)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })?;
    Ok(path)
}

/// A writer that reports the bytes written so far (export has no progress callback).
struct Counted<'a, 'b> {
    inner: &'a mut dyn Write,
    bytes: u64,
    progress: &'a mut Throttle<'b>,
}

impl Write for Counted<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        self.progress.report("writing", self.bytes, 0);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
