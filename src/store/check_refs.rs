//! Reference and index checks across the workspace: run lists against runs, entities against
//! their owners, relation endpoints and lineage indexes, provenance, the name index. Part of
//! `ReadSnapshot::check`; it only reads.

use super::check::{
    FindingSeverity::{Error, Warning},
    Names, Out, name_of, run_row,
};
use super::codec::*;
use super::error::StoreError;
use super::read::{ReadSnapshot, open};
use super::tables::*;
use crate::model::{ProvenanceRecord, Ref, Relation, Run};
use redb::ReadableTable;
use std::collections::{BTreeMap, BTreeSet};

impl ReadSnapshot<'_> {
    pub(super) fn check_run_lists(
        &self,
        out: &mut Out,
        names: &Names,
        runs: &BTreeMap<u32, Run>,
    ) -> Result<(), StoreError> {
        let stats_t = open(&self.txn, RUN_STATS)?;
        let ids = open(&self.txn, NAME_IDS)?;
        let by_start = open(&self.txn, RUNS_BY_START)?;
        let mut stored: BTreeMap<(i64, u32), RunRow> = BTreeMap::new();
        for item in by_start.iter()? {
            let (k, v) = item?;
            stored.insert(k.value(), decode(v.value(), "run row")?);
        }
        let by_project = open(&self.txn, RUNS_BY_PROJECT)?;
        let mut stored_p = BTreeSet::new();
        for item in by_project.iter()? {
            stored_p.insert(item?.0.value());
        }
        let mut want_p = BTreeSet::new();
        for (id, run) in runs {
            let stats: RunStats = match stats_t.get(id)? {
                Some(v) => decode(v.value(), "run stats")?,
                None => RunStats::default(),
            };
            let row = run_row(run, stats);
            let key = (run.started_at.0, *id);
            if stored.remove(&key).as_ref() != Some(&row) {
                out.push(
                    "run_list_index_mismatch",
                    Error,
                    run.run_ref.as_str(),
                    "the run list row is missing or stale".into(),
                    true,
                );
            }
            match ids.get(run.project_ref.as_str())? {
                Some(p) => {
                    want_p.insert((p.value(), run.started_at.0, *id));
                }
                None => out.push(
                    "run_project_index_mismatch",
                    Error,
                    run.run_ref.as_str(),
                    "the run's project name is not interned".into(),
                    true,
                ),
            }
        }
        for (_, id) in stored.keys() {
            out.push(
                "run_list_index_mismatch",
                Error,
                &name_of(names, *id),
                "the run list holds a row for no run (or at a wrong start time)".into(),
                true,
            );
        }
        if want_p != stored_p {
            out.push(
                "run_project_index_mismatch",
                Error,
                "runs_by_project",
                format!(
                    "{} index entries differ from the runs",
                    want_p.symmetric_difference(&stored_p).count()
                ),
                true,
            );
        }
        Ok(())
    }

    pub(super) fn check_entities(
        &self,
        out: &mut Out,
        names: &Names,
        runs: &BTreeMap<u32, Run>,
    ) -> Result<(), StoreError> {
        for (def, what) in [
            (STAGES, "stage"),
            (BATCHES, "batch"),
            (SAMPLES, "sample"),
            (OPERATIONS, "operation"),
            (ENVIRONMENTS, "environment"),
            (ARTIFACTS, "artifact"),
        ] {
            let t = open(&self.txn, def)?;
            for item in t.iter()? {
                let (k, _) = item?;
                let (run, e) = k.value();
                if !runs.contains_key(&run) {
                    out.push(
                        "orphan_entity",
                        Error,
                        &name_of(names, e),
                        format!(
                            "this {what} belongs to run {}, which does not exist",
                            name_of(names, run)
                        ),
                        false,
                    );
                }
            }
        }
        let projects = open(&self.txn, PROJECTS)?;
        for run in runs.values() {
            if self
                .id_of(run.project_ref.as_str())?
                .is_none_or(|p| projects.get(p).ok().flatten().is_none())
            {
                out.push(
                    "orphan_entity",
                    Error,
                    run.run_ref.as_str(),
                    format!("the run's project {} does not exist", run.project_ref),
                    false,
                );
            }
        }
        let deps = open(&self.txn, DEPLOYMENTS)?;
        for item in deps.iter()? {
            let (k, _) = item?;
            let (p, e) = k.value();
            if projects.get(p)?.is_none() {
                out.push(
                    "orphan_entity",
                    Error,
                    &name_of(names, e),
                    format!(
                        "this deployment belongs to project {}, which does not exist",
                        name_of(names, p)
                    ),
                    false,
                );
            }
        }
        Ok(())
    }

    pub(super) fn check_lineage(&self, out: &mut Out) -> Result<(), StoreError> {
        let rels: Vec<(u32, Relation)> = {
            let t = open(&self.txn, RELATIONS)?;
            let mut v = Vec::new();
            for item in t.iter()? {
                let (k, val) = item?;
                v.push((k.value(), decode(val.value(), "relation")?));
            }
            v
        };
        let mut want_out = BTreeSet::new();
        let mut want_in = BTreeSet::new();
        for (id, r) in &rels {
            for (end, which) in [(&r.source_ref, "source"), (&r.target_ref, "target")] {
                if self.exists(end)? == Some(false) {
                    out.push(
                        "relation_endpoint_missing",
                        Warning,
                        r.relation_ref.as_str(),
                        format!("its {which} {end} does not exist"),
                        false,
                    );
                }
            }
            if let (Some(s), Some(t)) = (
                self.id_of(r.source_ref.as_str())?,
                self.id_of(r.target_ref.as_str())?,
            ) {
                want_out.insert((s, *id));
                want_in.insert((t, *id));
            }
        }
        let read_set = |def: redb::TableDefinition<(u32, u32), ()>| -> Result<BTreeSet<(u32, u32)>, StoreError> {
            let t = open(&self.txn, def)?;
            let mut s = BTreeSet::new();
            for item in t.iter()? {
                s.insert(item?.0.value());
            }
            Ok(s)
        };
        if read_set(RELATIONS_OUT)? != want_out || read_set(RELATIONS_IN)? != want_in {
            out.push(
                "relation_index_mismatch",
                Error,
                "relations",
                "the lineage indexes disagree with the relations".into(),
                true,
            );
        }
        let prov = open(&self.txn, PROVENANCE)?;
        let rel_ids: BTreeSet<u32> = rels.iter().map(|(id, _)| *id).collect();
        let mut want_p = BTreeSet::new();
        for item in prov.iter()? {
            let (k, v) = item?;
            let p: ProvenanceRecord = decode(v.value(), "provenance")?;
            match self.id_of(p.relation_ref.as_str())? {
                Some(rid) if rel_ids.contains(&rid) => {
                    want_p.insert((rid, k.value()));
                }
                other => {
                    if let Some(rid) = other {
                        want_p.insert((rid, k.value()));
                    }
                    out.push(
                        "provenance_relation_missing",
                        Error,
                        p.provenance_ref.as_str(),
                        format!("its relation {} does not exist", p.relation_ref),
                        false,
                    );
                }
            }
        }
        if read_set(PROVENANCE_BY_RELATION)? != want_p {
            out.push(
                "provenance_index_mismatch",
                Error,
                "provenance",
                "the provenance index disagrees with the provenance records".into(),
                true,
            );
        }
        Ok(())
    }

    pub(super) fn check_names(&self, out: &mut Out) -> Result<(), StoreError> {
        let names = open(&self.txn, NAMES)?;
        let ids = open(&self.txn, NAME_IDS)?;
        let mut bad = 0u64;
        for item in names.iter()? {
            let (k, v) = item?;
            if ids.get(v.value())?.map(|i| i.value()) != Some(k.value()) {
                bad += 1;
            }
        }
        let mut extra = 0u64;
        for item in ids.iter()? {
            let (k, v) = item?;
            if names.get(v.value())?.map(|n| n.value() == k.value()) != Some(true) {
                extra += 1;
            }
        }
        if bad + extra > 0 {
            out.push(
                "name_index_mismatch",
                Error,
                "names",
                format!("{} names and ids disagree", bad + extra),
                true,
            );
        }
        Ok(())
    }

    /// Whether an entity with this ref is stored; `None` for kinds we do not store.
    pub fn exists(&self, r: &Ref) -> Result<Option<bool>, StoreError> {
        let Some(id) = self.id_of(r.as_str())? else {
            return Ok(stored_kind(r.kind()).then_some(false));
        };
        let run_id = |x: &Ref| -> Result<Option<u32>, StoreError> {
            match x.run_ref() {
                Some(run) => self.id_of(run.as_str()),
                None => Ok(None),
            }
        };
        let pair = |def: redb::TableDefinition<(u32, u32), &'static [u8]>,
                    owner: Option<u32>|
         -> Result<Option<bool>, StoreError> {
            Ok(Some(match owner {
                Some(o) => open(&self.txn, def)?.get((o, id))?.is_some(),
                None => false,
            }))
        };
        match r.kind() {
            "project" => Ok(Some(open(&self.txn, PROJECTS)?.get(id)?.is_some())),
            "run" => Ok(Some(open(&self.txn, RUNS)?.get(id)?.is_some())),
            "relation" => Ok(Some(open(&self.txn, RELATIONS)?.get(id)?.is_some())),
            "provenance" => Ok(Some(open(&self.txn, PROVENANCE)?.get(id)?.is_some())),
            "stage" => pair(STAGES, run_id(r)?),
            "batch" => pair(BATCHES, run_id(r)?),
            "sample" => pair(SAMPLES, run_id(r)?),
            "op" => pair(OPERATIONS, run_id(r)?),
            "environment" => pair(ENVIRONMENTS, run_id(r)?),
            "artifact" => pair(ARTIFACTS, run_id(r)?),
            "deployment" => {
                let p = match r.project_ref() {
                    Some(p) => self.id_of(p.as_str())?,
                    None => None,
                };
                pair(DEPLOYMENTS, p)
            }
            "record" => match r.run_ref() {
                Some(run) => Ok(Some(self.find_record(&run, r.last())?.is_some())),
                None => Ok(Some(false)),
            },
            _ => Ok(None),
        }
    }
}

fn stored_kind(kind: &str) -> bool {
    matches!(
        kind,
        "project"
            | "run"
            | "relation"
            | "provenance"
            | "stage"
            | "batch"
            | "sample"
            | "op"
            | "environment"
            | "artifact"
            | "deployment"
            | "record"
    )
}
