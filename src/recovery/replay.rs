//! `recover replay`: re-applies exported or journaled JSONL without duplicating what is already
//! there. A record whose ref already exists in its run with identical canonical JSON is skipped
//! (each stored copy matches one input copy); the same ref with different content is kept and
//! reported as a duplicate (as the store counts it). Entity lines are upserts, so applying them again changes nothing. `Applier` does the
//! deciding and is shared with the reference importer.

use super::{RecoveryError, io};
use crate::capture::ingest::parse_content;
use crate::capture::lines::{LineReader, Next};
use crate::model::*;
use crate::store::{ReadSnapshot, Workspace, WriteOp};
use std::collections::HashMap;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayMode {
    /// The first bad line aborts the replay; nothing is stored.
    Strict,
    /// Good lines are stored; each bad line is reported and recorded as `import_loss`.
    Tolerant,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Rejected {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ReplayReport {
    pub lines: usize,
    pub entities: usize,
    /// Records appended.
    pub applied: usize,
    /// Records already present with identical content.
    pub skipped: usize,
    /// Records whose ref was present with different content (kept, counted as duplicates).
    pub duplicates: usize,
    pub rejected: Vec<Rejected>,
    /// Degraded `import_loss` markers written.
    pub markers: usize,
}

/// Stored copies of one record ref not yet matched by an input record, and whether any copy
/// exists (stored or queued). Matching consumes a stored copy, so an input that holds the same
/// record twice (a re-run the reference kept twice) is imported twice, once; and again, never.
#[derive(Default)]
struct Known {
    unmatched: Vec<String>,
    exists: bool,
}

/// Decides, record by record, whether something is new, and batches the writes.
pub(crate) struct Applier<'w> {
    ws: &'w Workspace,
    snap: ReadSnapshot<'w>,
    /// (run, token) → what is known of that ref.
    known: HashMap<(Ref, String), Known>,
    ops: Vec<WriteOp>,
    pub report: ReplayReport,
}

impl<'w> Applier<'w> {
    pub fn new(ws: &'w Workspace) -> Result<Self, RecoveryError> {
        Ok(Applier {
            ws,
            snap: ws.read()?,
            known: HashMap::new(),
            ops: Vec::new(),
            report: ReplayReport::default(),
        })
    }

    /// Every stored copy of (run, token), loaded once.
    fn copies(&mut self, run: &Ref, token: &str) -> Result<&mut Known, RecoveryError> {
        let key = (run.clone(), token.to_string());
        if !self.known.contains_key(&key) {
            let mut found = Vec::new();
            if let Some(first) = self.snap.find_record(run, token)? {
                let mut seqs = vec![first];
                if self.snap.stats(run)?.is_some_and(|s| s.duplicates > 0) {
                    seqs.extend(
                        self.snap
                            .duplicates(run)?
                            .into_iter()
                            .filter(|(_, f)| *f == first)
                            .map(|(rep, _)| rep),
                    );
                }
                for seq in seqs {
                    if let Some(row) = self.snap.record(run, seq)? {
                        found.push(row.record.to_json().to_string());
                    }
                }
            }
            let exists = !found.is_empty();
            self.known.insert(
                key.clone(),
                Known {
                    unmatched: found,
                    exists,
                },
            );
        }
        Ok(self.known.get_mut(&key).expect("inserted above"))
    }

    pub fn record(&mut self, r: Record) -> Result<(), RecoveryError> {
        let run = r.envelope.run_ref.clone();
        let token = r.envelope.record_ref.last().to_string();
        let text = r.to_json().to_string();
        let known = self.copies(&run, &token)?;
        if let Some(i) = known.unmatched.iter().position(|c| *c == text) {
            known.unmatched.swap_remove(i);
            self.report.skipped += 1;
            return Ok(());
        }
        let repeat = known.exists;
        known.exists = true;
        if repeat {
            self.report.duplicates += 1;
        }
        self.report.applied += 1;
        self.ops.push(WriteOp::Record(r));
        Ok(())
    }

    pub fn entity(&mut self, op: WriteOp) {
        self.report.entities += 1;
        self.ops.push(op);
    }

    /// Queues a marker unless a record with its ref is already there (markers are keyed by a
    /// deterministic token, so applying the same input twice writes one).
    pub fn marker(&mut self, r: Record) -> Result<(), RecoveryError> {
        let run = r.envelope.run_ref.clone();
        let token = r.envelope.record_ref.last().to_string();
        let known = self.copies(&run, &token)?;
        if !known.exists {
            known.exists = true;
            self.ops.push(WriteOp::Record(r));
            self.report.markers += 1;
        }
        Ok(())
    }

    pub fn workspace(&self) -> &'w Workspace {
        self.ws
    }

    pub fn pending(&self) -> usize {
        self.ops.len()
    }

    /// Commits what is queued, in one transaction.
    pub fn flush(&mut self) -> Result<(), RecoveryError> {
        if !self.ops.is_empty() {
            self.ws.write(&self.ops)?;
            self.ops.clear();
        }
        Ok(())
    }
}

/// A degraded `import_loss` record with a deterministic ref, so re-imports do not repeat it.
pub(crate) fn loss_marker(
    run: &Ref,
    key: &str,
    issue_key: &str,
    summary: String,
    attributes: JsonMap,
    at: Timestamp,
) -> Option<Record> {
    let token = format!("import-loss-{}", crate::capture::short_hash(key));
    Some(Record {
        envelope: Envelope {
            record_ref: run.child("record", &token).ok()?,
            record_type: RecordType::Degraded,
            recorded_at: at,
            observed_at: at,
            producer_ref: "contexta.recovery".into(),
            run_ref: run.clone(),
            deployment_execution_ref: None,
            stage_execution_ref: None,
            batch_execution_ref: None,
            sample_observation_ref: None,
            operation_context_ref: None,
            correlation_refs: CorrelationRefs::default(),
            completeness_marker: Completeness::Partial,
            degradation_marker: Degradation::ImportLoss,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        },
        payload: Payload::Degraded(DegradedPayload {
            issue_key: issue_key.into(),
            category: DegradedCategory::Import,
            severity: Severity::Warning,
            summary,
            subject_ref: None,
            origin_marker: CaptureOrigin::Imported,
            attributes,
        }),
    })
}

/// Replays `path` into `ws`; a line longer than `max_line_bytes` is a bad line.
pub fn replay(
    ws: &Workspace,
    path: &Path,
    mode: ReplayMode,
    max_line_bytes: usize,
) -> Result<ReplayReport, RecoveryError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let name = path.display().to_string();
    let mut a = Applier::new(ws)?;
    let mut lines = LineReader::new(reader, max_line_bytes, false);
    // A file that is not followed never waits: `Waiting` cannot come, `End` ends it.
    while let Next::Line(line) = lines.next_line().map_err(io(path))? {
        let number = line.number;
        a.report.lines = number;
        match parse_content(&line.content) {
            Ok(None) => {}
            Ok(Some(WriteOp::Record(r) | WriteOp::Captured(r))) => a.record(r)?,
            Ok(Some(op)) => a.entity(op),
            Err(e) => {
                if mode == ReplayMode::Strict {
                    return Err(RecoveryError::Invalid(format!(
                        "{name}:{number}: {}{} (strict replay: nothing was stored; --mode tolerant stores the good lines)",
                        if e.field.is_empty() {
                            String::new()
                        } else {
                            format!("field `{}`: ", e.field)
                        },
                        e.reason
                    )));
                }
                let run = crate::capture::ingest::run_of_bad_line(&line.content.lossy(), &name);
                let mut attrs = JsonMap::default();
                attrs.insert("file", name.clone());
                attrs.insert("line", number as u64);
                attrs.insert("field", e.field.clone());
                let key = format!("replay:{name}:{number}:{}", e.reason);
                let summary = format!("line {number} of {name} was not replayed: {}", e.reason);
                if let Some(m) = loss_marker(
                    &run,
                    &key,
                    "replay.line_rejected",
                    summary,
                    attrs,
                    Timestamp::now(),
                ) {
                    a.marker(m)?;
                }
                a.report.rejected.push(Rejected {
                    line: number,
                    field: e.field,
                    reason: e.reason,
                });
            }
        }
        if mode == ReplayMode::Tolerant && a.pending() >= 10_000 {
            a.flush()?;
        }
    }
    a.flush()?;
    Ok(a.report)
}
