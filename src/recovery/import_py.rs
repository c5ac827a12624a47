//! `import contexta-py`: brings in a workspace written by the reference Python package — its
//! ledger (through DuckDB, see `ledger.rs`), its record segments and its artifact bindings and
//! bodies. Whatever cannot be carried over becomes a summary line and an `import_loss` marker
//! in the run it concerns. Records already present (same ref, same content) are skipped and
//! markers have deterministic refs, so importing twice changes nothing. It never writes to the
//! source workspace.

use super::ledger::{TABLES, read_ledger};
use super::replay::{Applier, ReplayReport, loss_marker};
use super::{RecoveryError, io};
use crate::capture::ingest::parse_line;
use crate::model::*;
use crate::store::{Workspace, WriteOp};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ImportReport {
    pub source: PathBuf,
    /// `read`, or why the ledger was not used.
    pub ledger: String,
    /// Entities by kind, from the ledger and inferred.
    pub entities: BTreeMap<String, usize>,
    pub segments: usize,
    pub records: ReplayReport,
    pub artifacts: usize,
    /// Refs created because records mention them and the ledger lacks them.
    pub inferred: Vec<String>,
    /// What could not be carried over, one line each.
    pub losses: Vec<String>,
    pub ledger_ms: u64,
    pub total_ms: u64,
}

/// The reference workspace root: `PATH` itself, or `PATH/.contexta`.
fn source_root(path: &Path) -> Result<PathBuf, RecoveryError> {
    for cand in [path.to_path_buf(), path.join(".contexta")] {
        if cand.join("records").is_dir() || cand.join("metadata/ledger.db").is_file() {
            return Ok(cand);
        }
    }
    Err(RecoveryError::Invalid(format!(
        "{} holds no reference workspace (no records/ and no metadata/ledger.db, nor in .contexta/)",
        path.display()
    )))
}

/// Best effort: the run a damaged line was about, read from its text.
fn run_in_text(text: &str) -> Option<Ref> {
    let i = text.find("\"run_ref\":\"")? + 11;
    let end = text[i..].find('"')? + i;
    Ref::parse(&text[i..end]).ok().filter(|r| r.kind() == "run")
}

struct Importer<'w> {
    a: Applier<'w>,
    report: ImportReport,
    /// Newest record time seen per run: markers are dated there, so they never stretch a run.
    last_seen: BTreeMap<Ref, Timestamp>,
    runs: BTreeSet<Ref>,
    declared: BTreeSet<String>,
    /// batch/sample/op refs that records mention → (kind, first record's envelope).
    mentioned: BTreeMap<Ref, Envelope>,
    fallback_run: Ref,
}

impl Importer<'_> {
    fn loss(
        &mut self,
        run: Option<&Ref>,
        key: &str,
        issue: &str,
        line: String,
    ) -> Result<(), RecoveryError> {
        self.report.losses.push(line.clone());
        let run = run.cloned().unwrap_or_else(|| self.fallback_run.clone());
        let at = self
            .last_seen
            .get(&run)
            .copied()
            .unwrap_or_else(Timestamp::now);
        let mut attrs = JsonMap::default();
        attrs.insert("source", self.report.source.display().to_string());
        if let Some(m) = loss_marker(&run, &format!("contexta-py:{key}"), issue, line, attrs, at) {
            self.a.marker(m)?;
        }
        Ok(())
    }

    fn ledger(&mut self, root: &Path, python: &str) -> Result<Option<String>, RecoveryError> {
        let db = root.join("metadata/ledger.db");
        if !db.is_file() {
            return Ok(Some("the source has no ledger (metadata/ledger.db)".into()));
        }
        let started = Instant::now();
        let result = read_ledger(python, &db);
        self.report.ledger_ms = started.elapsed().as_millis() as u64;
        let ledger = match result {
            Ok(l) => l,
            Err(why) => return Ok(Some(format!("the ledger could not be read: {why}"))),
        };
        let kinds: BTreeMap<&str, &str> = TABLES.iter().copied().collect();
        for (table, payload) in &ledger.rows {
            let kind = kinds.get(table.as_str()).copied().unwrap_or("");
            let mut v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
            let run = v
                .get("run_ref")
                .and_then(|r| r.as_str())
                .and_then(|r| Ref::parse(r).ok());
            if let Some(o) = v.as_object_mut() {
                o.insert("entity".into(), kind.into());
            }
            match parse_line(&v.to_string()) {
                Ok(Some(op)) => {
                    if let Some(r) = declared_ref(&op) {
                        self.declared.insert(r);
                    }
                    *self.report.entities.entry(kind.to_string()).or_default() += 1;
                    self.a.entity(op);
                }
                Ok(None) => {}
                Err(e) => {
                    let id = v
                        .get(format!("{kind}_ref"))
                        .and_then(|x| x.as_str())
                        .unwrap_or(table)
                        .to_string();
                    self.loss(
                        run.as_ref(),
                        &format!("ledger:{table}:{id}"),
                        "import.ledger_row_rejected",
                        format!(
                            "ledger {table} row {id} not imported: {}: {}",
                            e.field, e.reason
                        ),
                    )?;
                }
            }
        }
        let failed: Vec<String> = ledger
            .table_errors
            .iter()
            .map(|(t, e)| format!("{t} ({e})"))
            .collect();
        self.report.ledger = "read".into();
        Ok((!failed.is_empty())
            .then(|| format!("ledger tables could not be read: {}", failed.join(", "))))
    }

    fn segments(&mut self, root: &Path) -> Result<(), RecoveryError> {
        let dir = root.join("records/segments");
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("segment-") && n.ends_with(".jsonl"))
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
            Err(e) => return Err(io(&dir)(e)),
        };
        files.sort();
        for file in files {
            self.report.segments += 1;
            let bytes = std::fs::read(&file).map_err(io(&file))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let complete = bytes.ends_with(b"\n");
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.split_terminator('\n').collect();
            let mut last_run: Option<Ref> = None;
            for (i, line) in lines.iter().enumerate() {
                match parse_line(line) {
                    Ok(None) => {}
                    Ok(Some(WriteOp::Record(r) | WriteOp::Captured(r))) => {
                        let env = &r.envelope;
                        let seen = self
                            .last_seen
                            .entry(env.run_ref.clone())
                            .or_insert(env.observed_at);
                        *seen = (*seen).max(env.observed_at);
                        self.runs.insert(env.run_ref.clone());
                        last_run = Some(env.run_ref.clone());
                        for x in [
                            &env.batch_execution_ref,
                            &env.sample_observation_ref,
                            &env.operation_context_ref,
                        ]
                        .into_iter()
                        .flatten()
                        {
                            self.mentioned
                                .entry(x.clone())
                                .or_insert_with(|| env.clone());
                        }
                        self.a.record(r)?;
                    }
                    Ok(Some(op)) => self.a.entity(op),
                    Err(e) => {
                        let truncated = i + 1 == lines.len() && !complete;
                        let run = run_in_text(line).or_else(|| last_run.clone());
                        let (issue, what) = if truncated {
                            (
                                "import.truncated_line",
                                "is truncated (the writer stopped mid-line)",
                            )
                        } else {
                            ("import.line_rejected", "was rejected")
                        };
                        let msg = format!(
                            "{name} line {} {what}; not imported: {}{}",
                            i + 1,
                            if e.field.is_empty() {
                                String::new()
                            } else {
                                format!("{}: ", e.field)
                            },
                            e.reason
                        );
                        self.loss(
                            run.as_ref(),
                            &format!("segment:{name}:{}", i + 1),
                            issue,
                            msg,
                        )?;
                    }
                }
                if self.a.pending() >= 10_000 {
                    self.a.flush()?;
                }
            }
        }
        Ok(())
    }

    /// Batches, samples and operations that records name but nobody declared.
    fn infer(&mut self) -> Result<(), RecoveryError> {
        let snap_has = |ws: &Workspace, r: &Ref| -> Result<bool, RecoveryError> {
            Ok(ws.read()?.exists(r)? == Some(true))
        };
        let mentioned = std::mem::take(&mut self.mentioned);
        for (r, env) in mentioned {
            if self.declared.contains(r.as_str()) || snap_has(self.a.workspace(), &r)? {
                continue;
            }
            let Some(stage) = &env.stage_execution_ref else {
                continue;
            };
            let at = env.observed_at.to_string();
            let ext =
                serde_json::json!([{"namespace": "contexta.import", "fields": {"inferred": true}}]);
            let line = match r.kind() {
                "batch" => {
                    serde_json::json!({"entity": "batch", "batch_execution_ref": r.as_str(), "run_ref": env.run_ref.as_str(), "stage_execution_ref": stage.as_str(), "batch_name": r.last(), "status": "completed", "started_at": at, "ended_at": at, "extensions": ext})
                }
                "sample" => {
                    serde_json::json!({"entity": "sample", "sample_observation_ref": r.as_str(), "run_ref": env.run_ref.as_str(), "stage_execution_ref": stage.as_str(), "batch_execution_ref": env.batch_execution_ref.as_ref().map(|b| b.as_str()), "sample_name": r.last(), "observed_at": at, "extensions": ext})
                }
                "op" => {
                    serde_json::json!({"entity": "operation", "operation_context_ref": r.as_str(), "run_ref": env.run_ref.as_str(), "stage_execution_ref": stage.as_str(), "batch_execution_ref": env.batch_execution_ref.as_ref().map(|b| b.as_str()), "operation_name": r.last(), "observed_at": at, "extensions": ext})
                }
                _ => continue,
            };
            match parse_line(&line.to_string()) {
                Ok(Some(op)) => {
                    self.report.inferred.push(r.to_string());
                    self.a.entity(op);
                }
                _ => self.report.losses.push(format!(
                    "{r}: mentioned by records but could not be inferred"
                )),
            }
        }
        Ok(())
    }
}

fn declared_ref(op: &WriteOp) -> Option<String> {
    Some(match op {
        WriteOp::Batch(b) => b.batch_execution_ref.to_string(),
        WriteOp::Sample(s) => s.sample_observation_ref.to_string(),
        WriteOp::Run(r) => r.run_ref.to_string(),
        WriteOp::Stage(s) => s.stage_execution_ref.to_string(),
        _ => return None,
    })
}

/// Imports the reference workspace at `path` into `ws`.
pub fn import_contexta_py(
    ws: &Workspace,
    path: &Path,
    python: &str,
) -> Result<ImportReport, RecoveryError> {
    let started = Instant::now();
    let root = source_root(path)?;
    let slug = crate::model::slug(&root.display().to_string());
    let fallback_run = Ref::build(
        "run",
        &[
            "contexta-py-import",
            if slug.is_empty() { "source" } else { &slug },
        ],
    )
    .map_err(|e| RecoveryError::Invalid(e.to_string()))?;
    let mut im = Importer {
        a: Applier::new(ws)?,
        report: ImportReport {
            source: root.clone(),
            ..Default::default()
        },
        last_seen: BTreeMap::new(),
        runs: BTreeSet::new(),
        declared: BTreeSet::new(),
        mentioned: BTreeMap::new(),
        fallback_run,
    };
    let ledger_gap = im.ledger(&root, python)?;
    im.a.flush()?;
    im.segments(&root)?;
    im.a.flush()?;
    im.infer()?;
    super::import_artifacts::bindings(ws, &root, &mut im.a, &mut im.report)?;
    if let Some(gap) = ledger_gap {
        if im.report.ledger.is_empty() {
            im.report.ledger = gap.clone();
        }
        let lost = "project names, descriptions and tags; run names, statuses, times and descriptions; stage and batch statuses, order and times; samples and stages without records; runs without records; deployments; environment snapshots; relations and provenance";
        let line = format!("{gap}: imported the record plane alone; lost {lost}");
        im.report.losses.push(line.clone());
        for run in im.runs.clone() {
            let at = im
                .last_seen
                .get(&run)
                .copied()
                .unwrap_or_else(Timestamp::now);
            let mut attrs = JsonMap::default();
            attrs.insert("source", root.display().to_string());
            if let Some(m) = loss_marker(
                &run,
                &format!("contexta-py:ledger:{run}"),
                "import.ledger_unavailable",
                line.clone(),
                attrs,
                at,
            ) {
                im.a.marker(m)?;
            }
        }
    }
    im.a.flush()?;
    let snap = ws.read()?;
    for run in &im.runs {
        if snap.run(run)?.is_some_and(|i| i.run.inferred) {
            im.report.inferred.push(run.to_string());
        }
        for s in snap.stages(run)? {
            if s.inferred {
                im.report.inferred.push(s.stage_execution_ref.to_string());
            }
        }
    }
    im.report.inferred.sort();
    im.report.inferred.dedup();
    im.report.records = std::mem::take(&mut im.a.report);
    im.report.total_ms = started.elapsed().as_millis() as u64;
    Ok(im.report)
}
