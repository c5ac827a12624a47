//! `export jsonl`: the workspace (or some runs) as JSON Lines that `ingest` reads back — entity
//! lines first (projects, runs, stages, batches, samples, operations, deployments, environments,
//! artifacts, relations, provenance), then every record as canonical JSON in per-run sequence
//! order, then each run's console (`contexta run -- CMD`) as `console` entity lines of up to
//! `CONSOLE_LINES_PER_ENTRY` lines. Ingesting the output into an empty workspace reproduces the
//! data. Everything is read
//! from one snapshot, so the export is consistent while writers keep writing.

use super::RecoveryError;
use crate::capture::ingest::{console_line, entity_line};
use crate::model::*;
use crate::store::{Workspace, WriteOp};
use std::collections::BTreeSet;
use std::io::Write;

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ExportReport {
    pub runs: u64,
    pub entities: u64,
    pub records: u64,
    /// Console lines (in `console` entity lines, counted among `entities` too).
    pub console_lines: u64,
}

/// Console lines per `console` entity line: a few kilobytes of JSON each.
const CONSOLE_LINES_PER_ENTRY: usize = 256;

struct Lines<'a> {
    out: &'a mut dyn Write,
    report: ExportReport,
}

impl Lines<'_> {
    fn put(&mut self, v: &serde_json::Value) -> Result<(), RecoveryError> {
        serde_json::to_writer(&mut *self.out, v).map_err(|e| {
            // A failed write keeps its io::Error (a closed pipe, a full disk), not just words.
            if e.is_io() {
                RecoveryError::Io {
                    path: "<output>".into(),
                    source: e.into(),
                }
            } else {
                RecoveryError::Invalid(e.to_string())
            }
        })?;
        self.out.write_all(b"\n").map_err(|e| RecoveryError::Io {
            path: "<output>".into(),
            source: e,
        })
    }
    /// Writes the batch's lines as one `console` entity line (nothing when empty) and empties it.
    fn console(&mut self, batch: &mut ConsoleBatch) -> Result<(), RecoveryError> {
        if batch.lines.is_empty() {
            return Ok(());
        }
        self.put(&console_line(batch))?;
        self.report.entities += 1;
        self.report.console_lines += batch.lines.len() as u64;
        batch.lines.clear();
        Ok(())
    }

    fn entity(&mut self, op: WriteOp) -> Result<(), RecoveryError> {
        if let Some(v) = entity_line(&op) {
            self.put(&v)?;
            self.report.entities += 1;
        }
        Ok(())
    }
}

/// Writes `runs` (all runs when empty) and what belongs to them to `out`.
pub fn export_jsonl(
    ws: &Workspace,
    runs: &[Ref],
    out: &mut dyn Write,
) -> Result<ExportReport, RecoveryError> {
    let snap = ws.read()?;
    let all = snap.all_runs()?;
    let selected: Vec<Run> = if runs.is_empty() {
        all
    } else {
        let want: BTreeSet<&Ref> = runs.iter().collect();
        all.into_iter()
            .filter(|r| want.contains(&r.run_ref))
            .collect()
    };
    let run_refs: BTreeSet<Ref> = selected.iter().map(|r| r.run_ref.clone()).collect();
    let whole = runs.is_empty();
    let project_refs: BTreeSet<Ref> = selected.iter().map(|r| r.project_ref.clone()).collect();
    let mut w = Lines {
        out,
        report: ExportReport::default(),
    };
    for p in snap.projects()? {
        if whole || project_refs.contains(&p.project_ref) {
            w.entity(WriteOp::Project(p))?;
        }
    }
    for r in &selected {
        w.entity(WriteOp::Run(r.clone()))?;
    }
    for r in &selected {
        for s in snap.stages(&r.run_ref)? {
            w.entity(WriteOp::Stage(s))?;
        }
    }
    for r in &selected {
        for b in snap.batches(&r.run_ref)? {
            w.entity(WriteOp::Batch(b))?;
        }
    }
    for r in &selected {
        for s in snap.samples(&r.run_ref)? {
            w.entity(WriteOp::Sample(s))?;
        }
    }
    for r in &selected {
        for o in snap.operations(&r.run_ref)? {
            w.entity(WriteOp::Operation(o))?;
        }
    }
    for d in snap.all_deployments()? {
        let keep = whole || d.run_ref.as_ref().is_some_and(|r| run_refs.contains(r));
        if keep {
            w.entity(WriteOp::Deployment(d))?;
        }
    }
    for r in &selected {
        for e in snap.environments(&r.run_ref)? {
            w.entity(WriteOp::Environment(e))?;
        }
    }
    for r in &selected {
        for a in snap.artifacts(&r.run_ref)? {
            w.entity(WriteOp::Artifact(a))?;
        }
    }
    let touches = |x: &Ref| run_refs.iter().any(|r| x == r || x.is_under(r));
    let mut relations = BTreeSet::new();
    let mut rels = snap.relations()?;
    rels.sort_by(|a, b| a.relation_ref.cmp(&b.relation_ref));
    for rel in rels {
        if whole || touches(&rel.source_ref) || touches(&rel.target_ref) {
            relations.insert(rel.relation_ref.clone());
            w.entity(WriteOp::Relation(rel))?;
        }
    }
    for p in snap.all_provenance()? {
        if whole || relations.contains(&p.relation_ref) {
            w.entity(WriteOp::Provenance(p))?;
        }
    }
    for r in &selected {
        let mut from = 1u32;
        loop {
            let page = snap.records_in(&r.run_ref, from, u32::MAX, false, 10_000, |_| true)?;
            let Some(last) = page.last().map(|row| row.seq) else {
                break;
            };
            for row in &page {
                w.put(&row.record.to_json())?;
                w.report.records += 1;
            }
            match last.checked_add(1) {
                Some(n) => from = n,
                None => break,
            }
        }
    }
    for r in &selected {
        let mut batch = ConsoleBatch {
            run_ref: r.run_ref.clone(),
            lines: Vec::new(),
        };
        let mut failed = None;
        snap.console_scan(&r.run_ref, 0, |line| {
            batch.lines.push(line);
            if batch.lines.len() >= CONSOLE_LINES_PER_ENTRY
                && let Err(e) = w.console(&mut batch)
            {
                failed = Some(e);
                return false;
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        w.console(&mut batch)?;
    }
    w.report.runs = selected.len() as u64;
    w.out.flush().map_err(|e| RecoveryError::Io {
        path: "<output>".into(),
        source: e,
    })?;
    Ok(w.report)
}
