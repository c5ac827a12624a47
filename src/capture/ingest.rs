//! `contexta ingest`: JSON Lines from any language. Accepts the reference's canonical record
//! lines unchanged (bare `{"envelope","payload"}` records and segment lines
//! `{"appended_at","record","sequence"}`) and our entity lines `{"entity": KIND, ...fields}`.
//!
//! Strict (default): the whole input is one transaction; the first bad line aborts it with
//! file, line and field, and nothing is stored. Tolerant: good lines are committed in batches,
//! each bad line is reported and recorded as an `import_loss` degraded marker. A line that is
//! not UTF-8 or is longer than the line cap is a bad line like any other (see `lines`).

use super::lines::{Content, DEFAULT_MAX_LINE_BYTES, LineReader, Next};
use crate::model::*;
use crate::store::{StoreError, Workspace, WriteOp};
use std::io::BufRead;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        } else {
            write!(
                f,
                "{}:{}: field `{}`: {}",
                self.file, self.line, self.field, self.reason
            )
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Line(LineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

#[derive(Debug, Default, Clone)]
pub struct IngestReport {
    pub lines: usize,
    pub records: usize,
    pub entities: usize,
    pub bytes: u64,
    pub duplicates: usize,
    pub rejected: Vec<LineError>,
}

#[derive(Debug, Clone, Copy)]
pub struct IngestOptions {
    pub tolerant: bool,
    pub follow: bool,
    /// A longer line is a bad line (tolerant: skipped and recorded as lost).
    pub max_line_bytes: usize,
    /// Map metric keys as written (`train/loss`) to canonical keys (`super::key_mapping`).
    pub map_keys: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            tolerant: false,
            follow: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            map_keys: false,
        }
    }
}

/// Progress callback payload: lines, records, bytes so far.
pub struct Progress {
    pub records: usize,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// Parses one line into the write ops it stands for (none for a blank line).
pub fn parse_line(text: &str) -> Result<Option<WriteOp>, ValidationError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // Hot path: a record line read in one pass; anything unusual (and every error) takes the
    // strict path below, which names the field.
    if text.starts_with(r#"{"envelope""#)
        && let Some(r) = Record::from_json_str_fast(text)
    {
        return Ok(Some(WriteOp::Record(r)));
    }
    if text.starts_with(r#"{"appended_at""#)
        && let Some(r) = segment_record_fast(text)
    {
        return Ok(Some(WriteOp::Record(r)));
    }
    // Record and segment lines parsed straight from text.
    if let Ok(top) =
        serde_json::from_str::<std::collections::BTreeMap<&str, &serde_json::value::RawValue>>(text)
    {
        if top.contains_key("envelope") {
            return Record::from_raw_parts(&top).map(|r| Some(WriteOp::Record(r)));
        }
        if let Some(rec) = top.get("record") {
            for k in top.keys() {
                if !matches!(*k, "appended_at" | "sequence" | "record") {
                    return Err(ValidationError::new(*k, "unknown field in a segment line"));
                }
            }
            let seq_ok = top
                .get("sequence")
                .is_some_and(|s| s.get().bytes().all(|b| b.is_ascii_digit()));
            if !seq_ok {
                return Err(ValidationError::new(
                    "sequence",
                    "a segment line needs an integer sequence",
                ));
            }
            return Record::from_json_str(rec.get())
                .map(|r| Some(WriteOp::Record(r)))
                .map_err(|e| ValidationError {
                    field: format!("record.{}", e.field)
                        .trim_end_matches('.')
                        .to_string(),
                    reason: e.reason,
                });
        }
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ValidationError::new("", format!("not JSON: {e}")))?;
    let serde_json::Value::Object(mut obj) = value else {
        return Err(ValidationError::new("", "a line must be a JSON object"));
    };
    if obj.contains_key("envelope") {
        let record = Record::from_json(serde_json::Value::Object(obj))?;
        return Ok(Some(WriteOp::Record(record)));
    }
    if let Some(rec) = obj.remove("record") {
        // A reference segment line: `sequence` and `appended_at` are the old store's bookkeeping.
        for k in obj.keys() {
            if !matches!(k.as_str(), "appended_at" | "sequence") {
                return Err(ValidationError::new(
                    k.clone(),
                    "unknown field in a segment line",
                ));
            }
        }
        if !obj.get("sequence").is_some_and(|s| s.is_u64()) {
            return Err(ValidationError::new(
                "sequence",
                "a segment line needs an integer sequence",
            ));
        }
        let record = Record::from_json(rec).map_err(|e| ValidationError {
            field: format!("record.{}", e.field),
            reason: e.reason,
        })?;
        return Ok(Some(WriteOp::Record(record)));
    }
    let Some(kind) = obj.remove("entity") else {
        return Err(ValidationError::new(
            "",
            "not a record (`envelope`), a segment line (`record`) or an entity line (`entity`)",
        ));
    };
    let kind = kind.as_str().unwrap_or("").to_string();
    let v = crate::model::json::canonical(serde_json::Value::Object(obj));
    fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ValidationError> {
        crate::model::records::from_value("", v)
    }
    let op = match kind.as_str() {
        "project" => WriteOp::Project(from(v)?),
        "run" => WriteOp::Run(from(v)?),
        "stage" => WriteOp::Stage(from(v)?),
        "batch" => WriteOp::Batch(from(v)?),
        "sample" => WriteOp::Sample(from(v)?),
        "operation" | "op" => WriteOp::Operation(from(v)?),
        "deployment" => WriteOp::Deployment(from(v)?),
        "environment" => WriteOp::Environment(from(v)?),
        "artifact" => WriteOp::Artifact(from(v)?),
        "relation" => WriteOp::Relation(from(v)?),
        "provenance" => WriteOp::Provenance(from(v)?),
        "console" => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Console {
                run_ref: Ref,
                lines: Vec<crate::model::ConsoleLine>,
            }
            let c: Console = from(v)?;
            WriteOp::Console(crate::model::ConsoleBatch {
                run_ref: c.run_ref,
                lines: c.lines,
            })
        }
        other => {
            return Err(ValidationError::new(
                "entity",
                format!(
                    "`{other}` is not one of project, run, stage, batch, sample, operation, deployment, environment, artifact, relation, provenance, console"
                ),
            ));
        }
    };
    validate_op(&op)?;
    Ok(Some(op))
}

/// The record of a reference segment line (`{"appended_at","record","sequence"}`) in one
/// pass; `None` for anything the strict path must look at.
fn segment_record_fast(text: &str) -> Option<Record> {
    use serde_json::value::RawValue;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Segment<'a> {
        #[serde(borrow, default)]
        #[allow(dead_code)] // read to be allowed; the old store's bookkeeping
        appended_at: Option<&'a RawValue>,
        #[serde(borrow)]
        record: &'a RawValue,
        #[allow(dead_code)] // must be there and an integer
        sequence: u64,
    }
    let seg: Segment<'_> = serde_json::from_str(text).ok()?;
    Record::from_json_str_fast(seg.record.get())
}

fn validate_op(op: &WriteOp) -> Result<(), ValidationError> {
    match op {
        WriteOp::Project(x) => x.validate(),
        WriteOp::Run(x) => x.validate(),
        WriteOp::Stage(x) => x.validate(),
        WriteOp::Batch(x) => x.validate(),
        WriteOp::Sample(x) => x.validate(),
        WriteOp::Operation(x) => x.validate(),
        WriteOp::Deployment(x) => x.validate(),
        WriteOp::Environment(x) => x.validate(),
        WriteOp::Relation(x) => x.validate(),
        WriteOp::Provenance(x) => x.validate(),
        WriteOp::Artifact(x) => x.validate(),
        WriteOp::Record(record) | WriteOp::Captured(record) => record.validate(),
        WriteOp::Console(batch) => batch.validate(),
        WriteOp::MergeCursor { .. } => Ok(()),
    }
}

/// The entity line for an entity, as `export` writes and `ingest` reads it.
pub fn entity_line(op: &WriteOp) -> Option<serde_json::Value> {
    use crate::model::json::entity_json;
    let (kind, mut v) = match op {
        WriteOp::Project(x) => ("project", entity_json(x)),
        WriteOp::Run(x) => ("run", entity_json(x)),
        WriteOp::Stage(x) => ("stage", entity_json(x)),
        WriteOp::Batch(x) => ("batch", entity_json(x)),
        WriteOp::Sample(x) => ("sample", entity_json(x)),
        WriteOp::Operation(x) => ("operation", entity_json(x)),
        WriteOp::Deployment(x) => ("deployment", entity_json(x)),
        WriteOp::Environment(x) => ("environment", entity_json(x)),
        WriteOp::Relation(x) => ("relation", entity_json(x)),
        WriteOp::Provenance(x) => ("provenance", entity_json(x)),
        WriteOp::Artifact(x) => ("artifact", entity_json(x)),
        WriteOp::Record(_)
        | WriteOp::Captured(_)
        | WriteOp::Console(_)
        | WriteOp::MergeCursor { .. } => return None,
    };
    v.as_object_mut()?
        .insert("entity".into(), serde_json::Value::String(kind.into()));
    Some(v)
}

/// Console lines of a run as one entity line (`{"entity":"console","run_ref","lines":[…]}`),
/// as `export` writes and `ingest` reads them: each line keeps its number, stream, time and
/// text (SGR sequences included), so a re-imported console reads as the original.
pub fn console_line(batch: &crate::model::ConsoleBatch) -> serde_json::Value {
    serde_json::json!({
        "entity": "console",
        "run_ref": batch.run_ref.as_str(),
        "lines": batch.lines,
    })
}

/// The run a bad line was about, when it can still be told; else a per-file ingest run.
pub fn run_of_bad_line(text: &str, file: &str) -> Ref {
    let v: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let found = v.as_ref().and_then(|v| {
        [
            v.pointer("/envelope/run_ref"),
            v.pointer("/record/envelope/run_ref"),
            v.pointer("/run_ref"),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.as_str().and_then(|s| Ref::parse(s).ok()))
        .filter(|r| r.kind() == "run")
    });
    found.unwrap_or_else(|| {
        Ref::build("run", &["ingest", &slug(file)])
            .unwrap_or_else(|_| Ref::parse("run:ingest.input").expect("static ref is valid"))
    })
}

fn loss_marker(err: &LineError, run: &Ref) -> Option<WriteOp> {
    let now = Timestamp::now();
    let token = format!(
        "import-loss-{}-{}",
        err.line,
        crate::capture::short_hash(&format!("{}{}", err.file, now.0))
    );
    let mut attributes = JsonMap::default();
    attributes.insert("file", err.file.clone());
    attributes.insert("line", err.line as u64);
    attributes.insert("field", err.field.clone());
    let mut envelope = Envelope::new(
        run.child("record", &token).ok()?,
        RecordType::Degraded,
        run.clone(),
        "contexta.ingest",
        now,
    );
    envelope.completeness_marker = Completeness::Partial;
    envelope.degradation_marker = Degradation::ImportLoss;
    let record = Record {
        envelope,
        payload: Payload::Degraded(DegradedPayload {
            issue_key: "ingest.line_rejected".into(),
            category: DegradedCategory::Import,
            severity: Severity::Warning,
            summary: format!(
                "line {} of {} was not ingested: {}",
                err.line, err.file, err.reason
            ),
            subject_ref: None,
            origin_marker: CaptureOrigin::Imported,
            attributes,
        }),
    };
    Some(WriteOp::Record(record))
}

/// A line's write op (none for a blank line), or why it was refused.
pub fn parse_content(content: &Content<'_>) -> Result<Option<WriteOp>, ValidationError> {
    match content {
        Content::Text(text) => parse_line(text),
        Content::NotUtf8 { error, .. } | Content::TooLong(error) => Err(error.clone()),
    }
}

fn line_error(file: &str, line: usize, e: ValidationError) -> LineError {
    LineError {
        file: file.to_string(),
        line,
        field: e.field,
        reason: e.reason,
    }
}

/// Ingests everything `reader` yields. `file` names the input in messages.
pub fn ingest(
    ws: &Workspace,
    file: &str,
    reader: impl BufRead,
    opts: IngestOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let mut report = IngestReport::default();
    let mut mapper = opts
        .map_keys
        .then(super::key_mapping::LineKeyMapper::default);
    // Each line's content parsed, with metric keys mapped when asked.
    let mut parse = |content: &Content<'_>| match (content, mapper.as_mut()) {
        (Content::Text(text), Some(m)) => m.parse_line(text),
        _ => parse_content(content),
    };
    let mut last_progress = Instant::now();
    let io_err = |source| IngestError::Io {
        file: file.to_string(),
        source,
    };
    let mut lines = LineReader::new(reader, opts.max_line_bytes, opts.follow);
    if !opts.tolerant && !opts.follow {
        // One transaction: any bad line aborts everything (nothing stored).
        let info = ws.write_stream(|batch| -> Result<(), IngestError> {
            loop {
                let line = match lines.next_line().map_err(io_err)? {
                    Next::Line(l) => l,
                    Next::End | Next::Waiting => return Ok(()),
                };
                let number = line.number;
                report.lines = number;
                match parse(&line.content) {
                    Ok(None) => {}
                    Ok(Some(op)) => {
                        let is_record = matches!(op, WriteOp::Record(_) | WriteOp::Captured(_));
                        batch.push(&op).map_err(|e| match e {
                            StoreError::Invalid(reason) => IngestError::Line(LineError {
                                file: file.to_string(),
                                line: number,
                                field: String::new(),
                                reason,
                            }),
                            other => IngestError::Store(other),
                        })?;
                        if is_record {
                            report.records += 1;
                        } else {
                            report.entities += 1;
                        }
                    }
                    Err(e) => return Err(IngestError::Line(line_error(file, number, e))),
                }
                if last_progress.elapsed() > Duration::from_millis(200) {
                    last_progress = Instant::now();
                    report.bytes = lines.bytes_read();
                    progress(&Progress {
                        records: report.records,
                        bytes: report.bytes,
                        elapsed: started.elapsed(),
                    });
                }
            }
        })?;
        report.bytes = lines.bytes_read();
        report.duplicates = info.duplicates;
        return Ok(report);
    }

    // Tolerant and/or follow: commit in batches as lines arrive.
    let mut ops: Vec<WriteOp> = Vec::new();
    let flush = |ops: &mut Vec<WriteOp>, report: &mut IngestReport| -> Result<(), IngestError> {
        if !ops.is_empty() {
            let info = ws.write(ops)?;
            report.duplicates += info.duplicates;
            ops.clear();
        }
        Ok(())
    };
    loop {
        let line = match lines.next_line().map_err(io_err)? {
            Next::Line(l) => l,
            Next::End => break,
            Next::Waiting => {
                // Caught up with the writer: commit what we have and wait for more.
                flush(&mut ops, &mut report)?;
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        report.lines = line.number;
        match parse(&line.content) {
            Ok(None) => {}
            Ok(Some(op)) => {
                if matches!(op, WriteOp::Record(_) | WriteOp::Captured(_)) {
                    report.records += 1;
                } else {
                    report.entities += 1;
                }
                ops.push(op);
            }
            Err(e) => {
                let err = line_error(file, line.number, e);
                if !opts.tolerant {
                    flush(&mut ops, &mut report)?;
                    return Err(IngestError::Line(err));
                }
                let run = run_of_bad_line(&line.content.lossy(), file);
                if let Some(m) = loss_marker(&err, &run) {
                    ops.push(m);
                }
                report.rejected.push(err);
            }
        }
        if ops.len() >= 10_000 {
            flush(&mut ops, &mut report)?;
        }
        if last_progress.elapsed() > Duration::from_millis(200) {
            last_progress = Instant::now();
            report.bytes = lines.bytes_read();
            progress(&Progress {
                records: report.records,
                bytes: report.bytes,
                elapsed: started.elapsed(),
            });
        }
    }
    report.bytes = lines.bytes_read();
    flush(&mut ops, &mut report)?;
    Ok(report)
}
