//! `doctor --repair`: rebuilds everything that can be derived from the primary records and
//! entities — counters, stage and type spans, metric series, the record-ref index, duplicates,
//! run-list rows, lineage and provenance indexes, the name index, and inferred run and stage rows
//! for records that lost theirs — in one write transaction, so readers see all of it or none.
//! It never deletes or changes a primary record or entity.

use super::check::run_row;
use super::codec::*;
use super::derive::{derive_run, record_runs};
use super::error::StoreError;
use super::tables::*;
use super::workspace::{Db, Workspace};
use crate::model::*;
use redb::{ReadableTable, Table, WriteTransaction};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RepairReport {
    pub runs: u64,
    pub records: u64,
    /// What was rebuilt, one line each.
    pub rebuilt: Vec<String>,
    /// What could not be rebuilt, and why.
    pub not_repaired: Vec<String>,
}

fn reset<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &WriteTransaction,
    def: redb::TableDefinition<K, V>,
) -> Result<(), StoreError> {
    txn.delete_table(def)?;
    txn.open_table(def)?;
    Ok(())
}

fn name(
    names: &impl ReadableTable<u32, &'static str>,
    id: u32,
) -> Result<Option<String>, StoreError> {
    Ok(names.get(id)?.map(|v| v.value().to_string()))
}

impl Workspace {
    /// Rebuilds the derived tables from the primary ones in one transaction.
    pub fn repair(&self) -> Result<RepairReport, StoreError> {
        let Db::Write(db) = &self.db else {
            return Err(StoreError::Invalid("workspace was opened read-only".into()));
        };
        let txn = db.begin_write()?;
        let report = rebuild(&txn)?;
        txn.commit()?;
        // Cached ids stay valid (ids never change), but names rebuilt here may be new to us.
        Ok(report)
    }
}

fn rebuild(txn: &WriteTransaction) -> Result<RepairReport, StoreError> {
    let mut rep = RepairReport::default();
    // Names first: everything else looks ids up through them.
    {
        let names = txn.open_table(NAMES)?;
        reset(txn, NAME_IDS)?;
        let mut ids = txn.open_table(NAME_IDS)?;
        for item in names.iter()? {
            let (k, v) = item?;
            if ids.get(v.value())?.is_none() {
                ids.insert(v.value(), k.value())?;
            }
        }
    }
    reset(txn, STAGE_SPANS)?;
    reset(txn, TYPE_SPANS)?;
    reset(txn, SERIES)?;
    reset(txn, SERIES_SUMMARIES)?;
    reset(txn, METRIC_KEYS)?;
    reset(txn, RECORD_REFS)?;
    reset(txn, RECORD_REF_SPANS)?;
    reset(txn, DUPLICATES)?;
    reset(txn, RUNS_BY_START)?;
    reset(txn, RUNS_BY_PROJECT)?;
    rebuild_runs(txn, &mut rep)?;
    rebuild_lineage(txn, &mut rep)?;
    let mut meta = txn.open_table(META)?;
    let g = meta.get("generation")?.map(|v| v.value()).unwrap_or(0) + 1;
    meta.insert("generation", g)?;
    rep.rebuilt.push(
        "name index, run counters, run list, stage and type spans, metric series, record-ref index, duplicates, lineage and provenance indexes".into(),
    );
    Ok(rep)
}

fn rebuild_runs(txn: &WriteTransaction, rep: &mut RepairReport) -> Result<(), StoreError> {
    let names = txn.open_table(NAMES)?;
    let ids = txn.open_table(NAME_IDS)?;
    let records = txn.open_table(RECORDS)?;
    let mut runs_t = txn.open_table(RUNS)?;
    let mut stats_t = txn.open_table(RUN_STATS)?;
    let mut stages = txn.open_table(STAGES)?;
    let mut projects = txn.open_table(PROJECTS)?;
    let mut stage_spans = txn.open_table(STAGE_SPANS)?;
    let mut type_spans = txn.open_table(TYPE_SPANS)?;
    let mut series = txn.open_table(SERIES)?;
    let mut series_summaries = txn.open_table(SERIES_SUMMARIES)?;
    let mut metric_keys = txn.open_table(METRIC_KEYS)?;
    let mut ref_index = super::ref_index::RefIndexWriter::new(txn)?;
    let mut duplicates = txn.open_table(DUPLICATES)?;
    let step_id = ids.get("step")?.map(|v| v.value());
    let with_records = record_runs(&records)?;
    let mut all: BTreeSet<u32> = with_records.clone();
    for item in runs_t.iter()? {
        all.insert(item?.0.value());
    }
    let mut rows: BTreeMap<u32, Run> = BTreeMap::new();
    for id in all {
        let run_name = name(&names, id)?.unwrap_or_else(|| format!("#{id}"));
        let stored: Option<RunStats> = stats_t
            .get(id)?
            .map(|v| decode(v.value(), "run stats"))
            .transpose()?;
        let has_records = with_records.contains(&id);
        if stored.is_none() && has_records {
            rep.not_repaired.push(format!("{run_name}: counters and time base are lost; its records' times cannot be recovered"));
        }
        let base = stored.as_ref().map(|s| s.time_base).unwrap_or(0);
        let d = derive_run(&records, &names, step_id, id, base)?;
        rep.records += d.records;
        for (seq, e) in &d.unreadable {
            rep.not_repaired
                .push(format!("{run_name}: record seq {seq} is unreadable ({e})"));
        }
        for (a, b) in &d.gaps {
            rep.not_repaired
                .push(format!("{run_name}: records {a}..={b} are lost"));
        }
        for ((stage, first), last) in &d.stage_spans {
            stage_spans.insert((id, *stage, *first), *last)?;
        }
        for ((t, first), last) in &d.type_spans {
            type_spans.insert((id, *t, *first), *last)?;
        }
        for (key, pts) in &d.series {
            for (i, chunk) in pts.chunks(CHUNK_POINTS as usize).enumerate() {
                series.insert((id, *key, i as u32), encode_chunk(chunk, base)?.as_slice())?;
                if chunk.len() == CHUNK_POINTS as usize {
                    super::series_summary::seal(&mut series_summaries, id, *key, i as u32, chunk)?;
                }
            }
            if let Some(s) = super::derive::Derived::summary(pts) {
                metric_keys.insert((id, *key), encode(&s)?.as_slice())?;
            }
        }
        // In seq order, as writers built it, so numbered refs fold into spans again.
        let mut firsts: Vec<(u32, &str)> = d
            .first_of_token
            .iter()
            .map(|(tok, seq)| (*seq, tok.as_str()))
            .collect();
        firsts.sort_unstable();
        for (seq, tok) in firsts {
            ref_index.first_or_insert(id, tok, seq)?;
        }
        ref_index.flush()?;
        for (rep_seq, first) in &d.duplicates {
            duplicates.insert((id, *rep_seq), *first)?;
        }
        if stored.is_some() || !has_records {
            stats_t.insert(id, encode(&d.stats(stored.as_ref()))?.as_slice())?;
        }
        // Stages that records name but that lost their row come back as inferred stages.
        for (sid, (lo, hi)) in &d.stages {
            if stages.get((id, *sid))?.is_some() {
                continue;
            }
            let Some(sref) = name(&names, *sid)?.and_then(|n| Ref::parse(&n).ok()) else {
                rep.not_repaired
                    .push(format!("{run_name}: stage id {sid} has no name"));
                continue;
            };
            let Some(run_ref) = sref.run_ref() else {
                continue;
            };
            let Ok(mut s) = StageExecution::new(&run_ref, sref.last(), Timestamp(*lo)) else {
                continue;
            };
            s.status = Status::Completed;
            s.ended_at = Some(Timestamp(*hi));
            s.inferred = true;
            stages.insert((id, *sid), encode(&s)?.as_slice())?;
            rep.rebuilt
                .push(format!("{sref}: inferred stage row from its records"));
        }
        let run = match runs_t
            .get(id)?
            .map(|v| decode::<Run>(v.value(), "run"))
            .transpose()
        {
            Ok(r) => r,
            Err(e) => {
                rep.not_repaired
                    .push(format!("{run_name}: run row unreadable ({e})"));
                continue;
            }
        };
        let run = match run {
            Some(r) => r,
            None if stored.is_some() => {
                let Ok(rref) = Ref::parse(&run_name) else {
                    continue;
                };
                let lo = Timestamp(d.min_observed.unwrap_or(base));
                let mut r = Run::new(rref.clone(), rref.last(), lo);
                r.status = Status::Completed;
                r.ended_at = Some(Timestamp(d.last_observed.max(lo.0)));
                r.inferred = true;
                let pid = ids.get(r.project_ref.as_str())?.map(|v| v.value());
                match pid {
                    Some(p) if projects.get(p)?.is_none() => {
                        let proj = Project::new(r.project_ref.clone(), r.project_ref.value(), lo);
                        projects.insert(p, encode(&proj)?.as_slice())?;
                    }
                    Some(_) => {}
                    None => {
                        rep.not_repaired.push(format!(
                            "{rref}: its project is not interned; run row not rebuilt"
                        ));
                        continue;
                    }
                }
                runs_t.insert(id, encode(&r)?.as_slice())?;
                rep.rebuilt
                    .push(format!("{rref}: inferred run row from its records"));
                r
            }
            None => continue,
        };
        rows.insert(id, run);
    }
    let mut by_start = txn.open_table(RUNS_BY_START)?;
    let mut by_project = txn.open_table(RUNS_BY_PROJECT)?;
    for (id, run) in &rows {
        let stats: RunStats = stats_t
            .get(*id)?
            .map(|v| decode(v.value(), "run stats"))
            .transpose()?
            .unwrap_or_default();
        by_start.insert(
            (run.started_at.0, *id),
            encode(&run_row(run, stats))?.as_slice(),
        )?;
        match ids.get(run.project_ref.as_str())? {
            Some(p) => {
                by_project.insert((p.value(), run.started_at.0, *id), ())?;
            }
            None => rep.not_repaired.push(format!(
                "{}: project {} is not interned",
                run.run_ref, run.project_ref
            )),
        }
    }
    rep.runs = rows.len() as u64;
    Ok(())
}

fn rebuild_lineage(txn: &WriteTransaction, rep: &mut RepairReport) -> Result<(), StoreError> {
    reset(txn, RELATIONS_OUT)?;
    reset(txn, RELATIONS_IN)?;
    reset(txn, PROVENANCE_BY_RELATION)?;
    let ids = txn.open_table(NAME_IDS)?;
    let rels = txn.open_table(RELATIONS)?;
    let mut out: Table<(u32, u32), ()> = txn.open_table(RELATIONS_OUT)?;
    let mut inn: Table<(u32, u32), ()> = txn.open_table(RELATIONS_IN)?;
    for item in rels.iter()? {
        let (k, v) = item?;
        let r: Relation = decode(v.value(), "relation")?;
        match (
            ids.get(r.source_ref.as_str())?,
            ids.get(r.target_ref.as_str())?,
        ) {
            (Some(s), Some(t)) => {
                out.insert((s.value(), k.value()), ())?;
                inn.insert((t.value(), k.value()), ())?;
            }
            _ => rep
                .not_repaired
                .push(format!("{}: an endpoint is not interned", r.relation_ref)),
        }
    }
    let prov = txn.open_table(PROVENANCE)?;
    let mut by_rel = txn.open_table(PROVENANCE_BY_RELATION)?;
    for item in prov.iter()? {
        let (k, v) = item?;
        let p: ProvenanceRecord = decode(v.value(), "provenance")?;
        match ids.get(p.relation_ref.as_str())? {
            Some(rid) => {
                by_rel.insert((rid.value(), k.value()), ())?;
            }
            None => rep.not_repaired.push(format!(
                "{}: relation {} is unknown",
                p.provenance_ref, p.relation_ref
            )),
        }
    }
    Ok(())
}
