//! Integrity checks of the database: redb's own page check, and ours — every index agrees with
//! the primary records, per-run sequences have no gaps, nothing points at a run, relation or
//! endpoint that does not exist, duplicate record refs are listed. Checks only read; fixing is
//! `repair.rs`.

use super::codec::*;
use super::derive::{Derived, derive_run, record_runs};
use super::error::StoreError;
use super::read::{ReadSnapshot, open};
use super::tables::*;
use super::workspace::{Access, DB_FILE, builder, map_open_error};
use crate::model::Run;
use redb::{ReadOnlyTable, ReadableTable};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Error,
    Warning,
}

/// One problem found by a check.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: FindingSeverity,
    /// The ref (or table) the finding is about.
    pub subject: String,
    pub message: String,
    /// `doctor --repair` can rebuild it from the primary records.
    pub repairable: bool,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CheckReport {
    pub runs: u64,
    pub records: u64,
    pub findings: Vec<Finding>,
}

/// Runs redb's integrity check on the workspace database: opens it as a writer with the check
/// enabled (every page checksum verified, the allocator state rebuilt), so a damaged file gives
/// an error instead of being trusted. Like any writer's open after a crash, it may repair what
/// redb itself can; it never touches contexta's data.
pub fn check_pages(root: &Path) -> Result<(), StoreError> {
    let file = root.join(DB_FILE);
    if !file.exists() {
        return Err(super::set_aside::no_workspace(root));
    }
    let mut b = builder(Access::Write);
    b.set_check_integrity_on_open(true);
    let db = b.open(&file).map_err(|e| match e {
        redb::DatabaseError::Storage(redb::StorageError::Corrupted(m)) => {
            StoreError::Corrupt(format!("{}: {m}", file.display()))
        }
        other => map_open_error(&file, other),
    })?;
    drop(db);
    Ok(())
}

pub(super) struct Out(pub Vec<Finding>);

impl Out {
    pub fn push(
        &mut self,
        code: &'static str,
        sev: FindingSeverity,
        subject: &str,
        msg: String,
        repairable: bool,
    ) {
        self.0.push(Finding {
            code,
            severity: sev,
            subject: subject.to_string(),
            message: msg,
            repairable,
        });
    }
}

use FindingSeverity::{Error, Warning};

pub(super) type Names = ReadOnlyTable<u32, &'static str>;

pub(super) fn name_of(names: &Names, id: u32) -> String {
    match names.get(id) {
        Ok(Some(v)) => v.value().to_string(),
        _ => format!("#{id}"),
    }
}

fn spans_of<K>(
    t: &ReadOnlyTable<(u32, K, u32), u32>,
    run: u32,
    lo: K,
    hi: K,
) -> Result<BTreeMap<(K, u32), u32>, StoreError>
where
    K: Ord + Copy + redb::Key + for<'a> redb::Value<SelfType<'a> = K> + 'static,
{
    let mut out = BTreeMap::new();
    for item in t.range((run, lo, 0)..=(run, hi, u32::MAX))? {
        let (k, v) = item?;
        let (_, key, first) = k.value();
        out.insert((key, first), v.value());
    }
    Ok(out)
}

impl ReadSnapshot<'_> {
    /// Every check of the database content. Findings say what is wrong and whether
    /// `Workspace::repair` can rebuild it. Every stored value is decoded first; when one does
    /// not, a later check that trips over it ends the walk, and the report keeps what was found.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let mut out = Out(Vec::new());
        let names = open(&self.txn, NAMES)?;
        self.check_decodes(&mut out, &names)?;
        let undecodable = out.0.len();
        let mut report = CheckReport::default();
        match self.check_content(&mut out, &names, &mut report) {
            Ok(()) => {}
            Err(StoreError::Corrupt(_)) if undecodable > 0 => {}
            Err(e) => return Err(e),
        }
        report.findings = out.0;
        Ok(report)
    }

    fn check_content(
        &self,
        out: &mut Out,
        names: &Names,
        report: &mut CheckReport,
    ) -> Result<(), StoreError> {
        let runs_t = open(&self.txn, RUNS)?;
        let stats_t = open(&self.txn, RUN_STATS)?;
        let records = open(&self.txn, RECORDS)?;
        let step_id = open(&self.txn, NAME_IDS)?.get("step")?.map(|v| v.value());

        let mut runs: BTreeMap<u32, Run> = BTreeMap::new();
        for item in runs_t.iter()? {
            let (k, v) = item?;
            match decode::<Run>(v.value(), "run") {
                Ok(r) => {
                    runs.insert(k.value(), r);
                }
                Err(e) => out.push(
                    "value_unreadable",
                    Error,
                    &format!("runs {}", name_of(names, k.value())),
                    format!("the stored value does not decode: {e}"),
                    false,
                ),
            }
        }
        let with_records = record_runs(&records)?;
        report.runs = runs.len() as u64;
        let all_ids: BTreeSet<u32> = runs
            .keys()
            .copied()
            .chain(with_records.iter().copied())
            .collect();
        for id in all_ids {
            let subject = name_of(names, id);
            let stats: Option<RunStats> = stats_t
                .get(id)?
                .map(|v| decode(v.value(), "run stats"))
                .transpose()?;
            let has_records = with_records.contains(&id);
            if !runs.contains_key(&id) {
                out.push(
                    "orphan_records",
                    Error,
                    &subject,
                    "records belong to a run that has no run row".into(),
                    stats.is_some(),
                );
            }
            let Some(stats) = stats else {
                if has_records {
                    out.push("run_stats_missing", Error, &subject, "the run's counters and time base are gone; its records' times cannot be read".into(), false);
                } else {
                    out.push(
                        "run_stats_missing",
                        Warning,
                        &subject,
                        "the run has no counters row".into(),
                        true,
                    );
                }
                continue;
            };
            let d = derive_run(&records, names, step_id, id, stats.time_base)?;
            report.records += d.records;
            self.check_run(out, names, id, &subject, &stats, &d)?;
        }
        self.check_run_lists(out, names, &runs)?;
        self.check_entities(out, names, &runs)?;
        self.check_lineage(out)?;
        self.check_names(out)?;
        Ok(())
    }

    fn check_run(
        &self,
        out: &mut Out,
        names: &Names,
        id: u32,
        subject: &str,
        stats: &RunStats,
        d: &Derived,
    ) -> Result<(), StoreError> {
        for (seq, e) in &d.unreadable {
            out.push(
                "record_unreadable",
                Error,
                subject,
                format!("record seq {seq}: {e}"),
                false,
            );
        }
        for (a, b) in &d.gaps {
            out.push(
                "sequence_gap",
                Error,
                subject,
                format!("records {a}..={b} are missing"),
                false,
            );
        }
        let want = d.stats(Some(stats));
        if want != *stats {
            out.push("run_stats_mismatch", Error, subject, format!(
                "stored counters (last seq {}, types {:?}, duplicates {}) differ from the records (last seq {}, types {:?}, duplicates {})",
                stats.last_seq, stats.by_type, stats.duplicates, want.last_seq, want.by_type, want.duplicates), true);
        }
        let stage_t = open(&self.txn, STAGE_SPANS)?;
        if spans_of(&stage_t, id, 0u32, u32::MAX)? != d.stage_spans {
            out.push(
                "stage_index_mismatch",
                Error,
                subject,
                "the per-stage record index disagrees with the records".into(),
                true,
            );
        }
        let type_t = open(&self.txn, TYPE_SPANS)?;
        if spans_of(&type_t, id, 0u32, u32::MAX)? != d.type_spans {
            out.push(
                "type_index_mismatch",
                Error,
                subject,
                "the per-type record index disagrees with the records".into(),
                true,
            );
        }
        let stages = open(&self.txn, STAGES)?;
        for sid in d.stages.keys() {
            if stages.get((id, *sid))?.is_none() {
                out.push(
                    "stage_missing",
                    Error,
                    &name_of(names, *sid),
                    format!("records of {subject} name this stage, which has no row"),
                    true,
                );
            }
        }
        self.check_series(out, names, id, subject, stats, d)?;
        let refs = open(&self.txn, RECORD_REFS)?;
        let spans = self.ref_spans()?;
        let stored_refs = super::ref_index::stored_tokens(&refs, spans.as_ref(), id)?;
        let dups = open(&self.txn, DUPLICATES)?;
        let mut stored_dups = BTreeMap::new();
        for item in dups.range((id, 0)..=(id, u32::MAX))? {
            let (k, v) = item?;
            stored_dups.insert(k.value().1, v.value());
        }
        if stored_refs != d.first_of_token || stored_dups != d.duplicates {
            out.push(
                "record_ref_index_mismatch",
                Error,
                subject,
                "the record-ref index disagrees with the records".into(),
                true,
            );
        }
        if !d.duplicates.is_empty() {
            let first: Vec<String> = d
                .duplicates
                .iter()
                .take(3)
                .map(|(rep, first)| format!("seq {rep} repeats seq {first}"))
                .collect();
            out.push(
                "duplicate_record_ref",
                Warning,
                subject,
                format!(
                    "{} records repeat an earlier record's ref ({}{})",
                    d.duplicates.len(),
                    first.join(", "),
                    if d.duplicates.len() > 3 { ", …" } else { "" }
                ),
                false,
            );
        }
        Ok(())
    }

    fn check_series(
        &self,
        out: &mut Out,
        names: &Names,
        id: u32,
        subject: &str,
        stats: &RunStats,
        d: &Derived,
    ) -> Result<(), StoreError> {
        let keys = open(&self.txn, METRIC_KEYS)?;
        let series = open(&self.txn, SERIES)?;
        let mut stored_keys = BTreeSet::new();
        for item in keys.range((id, 0)..=(id, u32::MAX))? {
            let (k, v) = item?;
            let key = k.value().1;
            stored_keys.insert(key);
            let summary: MetricSummary = decode(v.value(), "metric summary")?;
            let mut pts = Vec::new();
            for c in series.range((id, key, 0)..=(id, key, u32::MAX))? {
                let (_, v) = c?;
                decode_chunk(v.value(), stats.time_base, &mut pts)?;
            }
            let want = d.series.get(&key);
            if want.map(|w| w.as_slice()) != Some(pts.as_slice())
                || want.and_then(|w| Derived::summary(w)) != Some(summary)
            {
                out.push(
                    "series_mismatch",
                    Error,
                    subject,
                    format!(
                        "metric `{}`: the stored series disagrees with the metric records",
                        name_of(names, key)
                    ),
                    true,
                );
            }
        }
        for key in d.series.keys() {
            if !stored_keys.contains(key) {
                out.push(
                    "series_mismatch",
                    Error,
                    subject,
                    format!(
                        "metric `{}` has records but no stored series",
                        name_of(names, *key)
                    ),
                    true,
                );
            }
        }
        Ok(())
    }
}

pub(super) fn run_row(run: &Run, stats: RunStats) -> RunRow {
    RunRow {
        run_ref: run.run_ref.clone(),
        project_ref: run.project_ref.clone(),
        name: run.name.clone(),
        status: run.status,
        started_at: run.started_at,
        ended_at: run.ended_at,
        inferred: run.inferred,
        stats,
    }
}
