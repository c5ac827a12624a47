//! Background jobs as the app sees them: `:report`, `:export` and `:backup` become one
//! `Effect::Job` each; the status line shows the running job and its progress; the end flashes
//! the path written or the error. One job at a time: a second request while one runs is
//! refused with "busy". Quitting while a job runs asks for a second quit.
//!
//! Pure: asks for effects; the job runner (`tui/jobs.rs`) does the work.

use super::{AppState, FlashLevel};
use crate::model::Ref;
use crate::report::Render;
use crate::sanitize::sanitize;
use crate::tui::effect::{Effect, Job, JobEvent, JobKind, ReportTarget};
use crate::tui::panes::tree::RowKind;

/// The running job: what it is and how far it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobStatus {
    pub id: u64,
    pub label: &'static str,
    /// (phase, done, total) from the last progress message; `None` before the first.
    pub progress: Option<(String, u64, u64)>,
}

impl JobStatus {
    /// The status line's text: `backup: copying 42%`, `export: writing 3 MB`, or `report: working…`.
    pub fn text(&self) -> String {
        match &self.progress {
            Some((phase, done, total)) if *total > 0 => {
                let pct = done.saturating_mul(100) / total;
                format!("{}: {phase} {pct}%", self.label)
            }
            Some((phase, done, _)) if *done > 0 => {
                format!("{}: {phase} {:.1} MB", self.label, *done as f64 / 1e6)
            }
            Some((phase, _, _)) => format!("{}: {phase}…", self.label),
            None => format!("{}: working…", self.label),
        }
    }
}

impl AppState {
    /// The runs marked in the tree, in order.
    fn marked(&self) -> Vec<Ref> {
        self.shared.marks.iter().cloned().collect()
    }

    /// The run the tree selects (a run row only).
    fn selected_run(&self) -> Option<Ref> {
        match (
            self.panes.tree.selected_kind(&self.shared),
            &self.shared.selected,
        ) {
            (Some(RowKind::Run), Some(r)) => Some(r.clone()),
            _ => self.shared.run.clone(),
        }
    }

    pub(super) fn report(&mut self, render: Render, path: Option<String>) {
        let marked = self.marked();
        let target = match (marked.as_slice(), self.selected_run()) {
            ([l, r], _) => ReportTarget::Compare(l.clone(), r.clone()),
            (_, Some(run)) => ReportTarget::Snapshot(run),
            (_, None) => {
                self.flash(
                    FlashLevel::Warn,
                    "report: select a run, or mark two runs to compare",
                );
                return;
            }
        };
        self.start_job(JobKind::Report {
            target,
            render,
            path,
        })
    }

    pub(super) fn export(&mut self, path: Option<String>) {
        let mut runs = self.marked();
        if runs.is_empty() {
            match self.selected_run() {
                Some(r) => runs.push(r),
                None => {
                    self.flash(FlashLevel::Warn, "export: select or mark a run");
                    return;
                }
            }
        }
        self.start_job(JobKind::Export { runs, path })
    }

    pub(super) fn backup(&mut self, path: Option<String>) {
        self.start_job(JobKind::Backup { path })
    }

    fn start_job(&mut self, kind: JobKind) {
        if let Some(j) = &self.job {
            self.flash(
                FlashLevel::Warn,
                format!("busy: {} is still running; try again when it ends", j.label),
            );
            return;
        }
        self.job_ids += 1;
        let id = self.job_ids;
        self.job = Some(JobStatus {
            id,
            label: kind.label(),
            progress: None,
        });
        self.out.push(Effect::Job(Job { id, kind }));
    }

    /// A first quit while a job runs warns instead (leaving would abandon the job half-done);
    /// the second quit leaves. `true` when the quit is held.
    pub(super) fn hold_quit_for_job(&mut self) -> bool {
        let Some(j) = &self.job else {
            return false;
        };
        if std::mem::replace(&mut self.quit_armed, true) {
            return false;
        }
        let text = format!("{} is still running: quit again to abandon it", j.label);
        self.flash(FlashLevel::Warn, text);
        true
    }

    pub(super) fn on_job(&mut self, e: JobEvent) {
        match e {
            JobEvent::Progress {
                id,
                phase,
                done,
                total,
            } => {
                if let Some(j) = self.job.as_mut().filter(|j| j.id == id) {
                    j.progress = Some((phase, done, total));
                }
            }
            JobEvent::Done { id, result } => {
                let Some(j) = self.job.take_if(|j| j.id == id) else {
                    return;
                };
                self.quit_armed = false;
                if let (Ok(path), "report") = (&result, j.label) {
                    self.last_report = Some(path.clone());
                }
                match result {
                    Ok(path) => self.flash(
                        FlashLevel::Info,
                        format!(
                            "{} written: {}",
                            j.label,
                            sanitize(&path.display().to_string())
                        ),
                    ),
                    Err(e) => self.flash(
                        FlashLevel::Error,
                        format!("{} failed: {}", j.label, sanitize(&e)),
                    ),
                }
            }
        }
    }
}
