//! Read snapshots. A `ReadSnapshot` is one redb read transaction: take it for one query and drop
//! it (a held reader stops page reuse, storage.md). Everything it returns is owned model data.

use super::codec::*;
use super::error::StoreError;
use super::names::{lookup_id, lookup_name};
use super::tables::*;
use super::workspace::Workspace;
use crate::model::*;
use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, ReadableTableMetadata};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

pub struct ReadSnapshot<'w> {
    pub(super) ws: &'w Workspace,
    pub(super) txn: ReadTransaction,
}

/// A run with its counters.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    pub run: Run,
    pub stats: RunStats,
}

/// A stored record and its per-run sequence number.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRow {
    pub seq: u32,
    pub record: Record,
}

impl Workspace {
    pub fn read(&self) -> Result<ReadSnapshot<'_>, StoreError> {
        Ok(ReadSnapshot {
            ws: self,
            txn: self.begin_read()?,
        })
    }
}

pub(super) fn open<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &ReadTransaction,
    def: redb::TableDefinition<K, V>,
) -> Result<ReadOnlyTable<K, V>, StoreError> {
    Ok(txn.open_table(def)?)
}

impl<'w> ReadSnapshot<'w> {
    /// Bumped by every commit of any process: the cheap "did anything change" probe.
    pub fn generation(&self) -> Result<u64, StoreError> {
        let t = open(&self.txn, META)?;
        Ok(t.get("generation")?.map(|v| v.value()).unwrap_or(0))
    }

    /// The schema the file holds (a read never upgrades it: a schema-1 file stays schema 1
    /// until something writes to it).
    pub fn schema_version(&self) -> Result<u64, StoreError> {
        let t = open(&self.txn, META)?;
        Ok(t.get("schema_version")?.map(|v| v.value()).unwrap_or(1))
    }

    pub(super) fn id_of(&self, name: &str) -> Result<Option<u32>, StoreError> {
        let t = open(&self.txn, NAME_IDS)?;
        lookup_id(&self.ws.names, &t, name)
    }

    fn name(
        &self,
        names: &ReadOnlyTable<u32, &'static str>,
        id: u32,
    ) -> Result<String, StoreError> {
        Ok(lookup_name(&self.ws.names, names, id)?.to_string())
    }

    fn name_ref(
        &self,
        names: &ReadOnlyTable<u32, &'static str>,
        id: u32,
    ) -> Result<Ref, StoreError> {
        let n = lookup_name(&self.ws.names, names, id)?;
        Ref::parse(&n).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// Every value of a table, decoded, whatever its key.
    pub(super) fn all<K: redb::Key + 'static, T: DeserializeOwned>(
        &self,
        def: redb::TableDefinition<K, &'static [u8]>,
        what: &str,
    ) -> Result<Vec<T>, StoreError> {
        let t = open(&self.txn, def)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (_, v) = item?;
            out.push(decode(v.value(), what)?);
        }
        Ok(out)
    }

    fn children<T: DeserializeOwned>(
        &self,
        def: redb::TableDefinition<(u32, u32), &'static [u8]>,
        owner: u32,
        what: &str,
    ) -> Result<Vec<T>, StoreError> {
        let t = open(&self.txn, def)?;
        let mut out = Vec::new();
        for item in t.range((owner, 0)..=(owner, u32::MAX))? {
            let (_, v) = item?;
            out.push(decode(v.value(), what)?);
        }
        Ok(out)
    }

    fn children_of<T: DeserializeOwned>(
        &self,
        def: redb::TableDefinition<(u32, u32), &'static [u8]>,
        owner: &Ref,
        what: &str,
    ) -> Result<Vec<T>, StoreError> {
        match self.id_of(owner.as_str())? {
            Some(id) => self.children(def, id, what),
            None => Ok(vec![]),
        }
    }

    pub fn projects(&self) -> Result<Vec<Project>, StoreError> {
        let mut v: Vec<Project> = self.all(PROJECTS, "project")?;
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.project_ref.cmp(&b.project_ref)));
        Ok(v)
    }

    pub fn project(&self, r: &Ref) -> Result<Option<Project>, StoreError> {
        let Some(id) = self.id_of(r.as_str())? else {
            return Ok(None);
        };
        let t = open(&self.txn, PROJECTS)?;
        t.get(id)?.map(|v| decode(v.value(), "project")).transpose()
    }

    fn run_info(&self, id: u32) -> Result<Option<RunInfo>, StoreError> {
        let runs = open(&self.txn, RUNS)?;
        let Some(v) = runs.get(id)? else {
            return Ok(None);
        };
        let run: Run = decode(v.value(), "run")?;
        let stats_t = open(&self.txn, RUN_STATS)?;
        let stats = match stats_t.get(id)? {
            Some(v) => decode(v.value(), "run stats")?,
            None => RunStats::default(),
        };
        Ok(Some(RunInfo { run, stats }))
    }

    pub fn run(&self, r: &Ref) -> Result<Option<RunInfo>, StoreError> {
        match self.id_of(r.as_str())? {
            Some(id) => self.run_info(id),
            None => Ok(None),
        }
    }

    pub fn run_count(&self) -> Result<u64, StoreError> {
        Ok(open(&self.txn, RUNS)?.len()?)
    }

    /// The run list rows in start order (optionally newest first): one range read.
    pub fn run_rows(&self, newest_first: bool) -> Result<Vec<RunRow>, StoreError> {
        let idx = open(&self.txn, RUNS_BY_START)?;
        let mut out = Vec::with_capacity(idx.len()? as usize);
        for item in idx.iter()? {
            let (_, v) = item?;
            out.push(RunRow::decode(v.value())?);
        }
        if newest_first {
            out.reverse();
        }
        Ok(out)
    }

    /// Runs by start time (optionally newest first), through the start-time index.
    pub fn runs_by_start(&self, newest_first: bool) -> Result<Vec<RunInfo>, StoreError> {
        let idx = open(&self.txn, RUNS_BY_START)?;
        let runs = open(&self.txn, RUNS)?;
        let stats_t = open(&self.txn, RUN_STATS)?;
        let mut ids = Vec::new();
        for item in idx.iter()? {
            ids.push(item?.0.value().1);
        }
        if newest_first {
            ids.reverse();
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(v) = runs.get(id)? else { continue };
            let run: Run = decode(v.value(), "run")?;
            let stats = match stats_t.get(id)? {
                Some(v) => decode(v.value(), "run stats")?,
                None => RunStats::default(),
            };
            out.push(RunInfo { run, stats });
        }
        Ok(out)
    }

    /// A project's runs in start order, through the (project, start) index.
    pub fn runs_of_project(&self, p: &Ref) -> Result<Vec<RunInfo>, StoreError> {
        let Some(pid) = self.id_of(p.as_str())? else {
            return Ok(vec![]);
        };
        let idx = open(&self.txn, RUNS_BY_PROJECT)?;
        let mut ids = Vec::new();
        for item in idx.range((pid, i64::MIN, 0)..=(pid, i64::MAX, u32::MAX))? {
            ids.push(item?.0.value().2);
        }
        let mut out = Vec::new();
        for id in ids {
            if let Some(r) = self.run_info(id)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    pub fn stats(&self, run: &Ref) -> Result<Option<RunStats>, StoreError> {
        let Some(id) = self.id_of(run.as_str())? else {
            return Ok(None);
        };
        let t = open(&self.txn, RUN_STATS)?;
        t.get(id)?
            .map(|v| decode(v.value(), "run stats"))
            .transpose()
    }

    pub fn stages(&self, run: &Ref) -> Result<Vec<StageExecution>, StoreError> {
        let mut v: Vec<StageExecution> = self.children_of(STAGES, run, "stage")?;
        v.sort_by(|a, b| {
            (
                a.order_index.unwrap_or(u32::MAX),
                a.started_at,
                &a.stage_execution_ref,
            )
                .cmp(&(
                    b.order_index.unwrap_or(u32::MAX),
                    b.started_at,
                    &b.stage_execution_ref,
                ))
        });
        Ok(v)
    }

    pub fn batches(&self, run: &Ref) -> Result<Vec<BatchExecution>, StoreError> {
        let mut v: Vec<BatchExecution> = self.children_of(BATCHES, run, "batch")?;
        v.sort_by(|a, b| {
            (
                &a.stage_execution_ref,
                a.order_index.unwrap_or(u32::MAX),
                a.started_at,
            )
                .cmp(&(
                    &b.stage_execution_ref,
                    b.order_index.unwrap_or(u32::MAX),
                    b.started_at,
                ))
        });
        Ok(v)
    }

    pub fn samples(&self, run: &Ref) -> Result<Vec<SampleObservation>, StoreError> {
        let mut v: Vec<SampleObservation> = self.children_of(SAMPLES, run, "sample")?;
        v.sort_by(|a, b| {
            (a.observed_at, &a.sample_observation_ref)
                .cmp(&(b.observed_at, &b.sample_observation_ref))
        });
        Ok(v)
    }

    pub fn operations(&self, run: &Ref) -> Result<Vec<OperationContext>, StoreError> {
        let mut v: Vec<OperationContext> = self.children_of(OPERATIONS, run, "operation")?;
        v.sort_by(|a, b| {
            (a.observed_at, &a.operation_context_ref)
                .cmp(&(b.observed_at, &b.operation_context_ref))
        });
        Ok(v)
    }

    pub fn environments(&self, run: &Ref) -> Result<Vec<EnvironmentSnapshot>, StoreError> {
        let mut v: Vec<EnvironmentSnapshot> = self.children_of(ENVIRONMENTS, run, "environment")?;
        v.sort_by_key(|e| e.captured_at);
        Ok(v)
    }

    pub fn artifacts(&self, run: &Ref) -> Result<Vec<ArtifactManifest>, StoreError> {
        let mut v: Vec<ArtifactManifest> = self.children_of(ARTIFACTS, run, "artifact")?;
        v.sort_by(|a, b| (a.created_at, &a.artifact_ref).cmp(&(b.created_at, &b.artifact_ref)));
        Ok(v)
    }

    pub fn deployments(&self, project: &Ref) -> Result<Vec<DeploymentExecution>, StoreError> {
        self.children_of(DEPLOYMENTS, project, "deployment")
    }

    pub fn relations(&self) -> Result<Vec<Relation>, StoreError> {
        self.all(RELATIONS, "relation")
    }

    fn relations_via(
        &self,
        def: redb::TableDefinition<(u32, u32), ()>,
        r: &Ref,
    ) -> Result<Vec<Relation>, StoreError> {
        let Some(id) = self.id_of(r.as_str())? else {
            return Ok(vec![]);
        };
        let idx = open(&self.txn, def)?;
        let rels = open(&self.txn, RELATIONS)?;
        let mut out = Vec::new();
        for item in idx.range((id, 0)..=(id, u32::MAX))? {
            let rid = item?.0.value().1;
            if let Some(v) = rels.get(rid)? {
                out.push(decode(v.value(), "relation")?);
            }
        }
        Ok(out)
    }

    /// Relations whose source is `r`.
    pub fn relations_from(&self, r: &Ref) -> Result<Vec<Relation>, StoreError> {
        self.relations_via(RELATIONS_OUT, r)
    }

    /// Relations whose target is `r`.
    pub fn relations_to(&self, r: &Ref) -> Result<Vec<Relation>, StoreError> {
        self.relations_via(RELATIONS_IN, r)
    }

    pub fn provenance_of(&self, relation: &Ref) -> Result<Vec<ProvenanceRecord>, StoreError> {
        let Some(id) = self.id_of(relation.as_str())? else {
            return Ok(vec![]);
        };
        let idx = open(&self.txn, PROVENANCE_BY_RELATION)?;
        let t = open(&self.txn, PROVENANCE)?;
        let mut out = Vec::new();
        for item in idx.range((id, 0)..=(id, u32::MAX))? {
            let pid = item?.0.value().1;
            if let Some(v) = t.get(pid)? {
                out.push(decode(v.value(), "provenance")?);
            }
        }
        Ok(out)
    }

    /// Metric keys of a run with their summaries, sorted by key.
    pub fn metric_keys(&self, run: &Ref) -> Result<Vec<(String, MetricSummary)>, StoreError> {
        let Some(id) = self.id_of(run.as_str())? else {
            return Ok(vec![]);
        };
        let t = open(&self.txn, METRIC_KEYS)?;
        let names = open(&self.txn, NAMES)?;
        let mut out = Vec::new();
        for item in t.range((id, 0)..=(id, u32::MAX))? {
            let (k, v) = item?;
            out.push((
                self.name(&names, k.value().1)?,
                decode::<MetricSummary>(v.value(), "metric summary")?,
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// One metric key's series (its last `last_n` points, or all) as summaries of sealed
    /// chunks and the points of the rest, with the series' total point count; `None` when the
    /// stretch is short enough (fewer than `detail` sealed chunks) that its points are as
    /// cheap, or when the workspace holds no summaries: read `series` then.
    pub fn series_pieces(
        &self,
        run: &Ref,
        key: &str,
        last_n: Option<u64>,
        detail: usize,
    ) -> Result<Option<(u64, Vec<super::Piece>)>, StoreError> {
        let (Some(rid), Some(kid)) = (self.id_of(run.as_str())?, self.id_of(key)?) else {
            return Ok(None);
        };
        let t = open(&self.txn, METRIC_KEYS)?;
        let Some(summary) = t
            .get((rid, kid))?
            .map(|v| decode::<MetricSummary>(v.value(), "metric summary"))
            .transpose()?
        else {
            return Ok(None);
        };
        let base = self.stats(run)?.map(|s| s.time_base).unwrap_or(0);
        let from = last_n.map_or(0, |n| summary.count.saturating_sub(n));
        let pieces =
            super::series_summary::pieces(&self.txn, rid, kid, &summary, base, from, detail)?;
        Ok(pieces.map(|p| (summary.count, p)))
    }

    /// One metric key's points in record order (steps as stored; sort for step order).
    pub fn series(&self, run: &Ref, key: &str) -> Result<Vec<Point>, StoreError> {
        let (Some(rid), Some(kid)) = (self.id_of(run.as_str())?, self.id_of(key)?) else {
            return Ok(vec![]);
        };
        let base = self.stats(run)?.map(|s| s.time_base).unwrap_or(0);
        let t = open(&self.txn, SERIES)?;
        let mut out = Vec::new();
        for item in t.range((rid, kid, 0)..=(rid, kid, u32::MAX))? {
            let (_, v) = item?;
            decode_chunk(v.value(), base, &mut out)?;
        }
        Ok(out)
    }

    /// Seq ranges of a run's records in one stage (ascending, inclusive).
    pub fn stage_ranges(&self, run: &Ref, stage: &Ref) -> Result<Vec<(u32, u32)>, StoreError> {
        let (Some(rid), Some(sid)) = (self.id_of(run.as_str())?, self.id_of(stage.as_str())?)
        else {
            return Ok(vec![]);
        };
        let t = open(&self.txn, STAGE_SPANS)?;
        let mut out = Vec::new();
        for item in t.range((rid, sid, 0)..=(rid, sid, u32::MAX))? {
            let (k, v) = item?;
            out.push((k.value().2, v.value()));
        }
        Ok(out)
    }

    /// Seq ranges holding a run's records of one type. Metrics are not indexed (they are most
    /// records), so for them this is the whole run and the caller filters.
    pub fn type_ranges(&self, run: &Ref, t: RecordType) -> Result<Vec<(u32, u32)>, StoreError> {
        let Some(rid) = self.id_of(run.as_str())? else {
            return Ok(vec![]);
        };
        if t == RecordType::Metric {
            let last = self.stats(run)?.map(|s| s.last_seq).unwrap_or(0);
            return Ok(if last == 0 { vec![] } else { vec![(1, last)] });
        }
        let tab = open(&self.txn, TYPE_SPANS)?;
        let ti = t.index() as u32;
        let mut out = Vec::new();
        for item in tab.range((rid, ti, 0)..=(rid, ti, u32::MAX))? {
            let (k, v) = item?;
            out.push((k.value().2, v.value()));
        }
        Ok(out)
    }

    /// Seq ranges of records of other types that carry a degradation marker.
    pub fn marked_ranges(&self, run: &Ref) -> Result<Vec<(u32, u32)>, StoreError> {
        let Some(rid) = self.id_of(run.as_str())? else {
            return Ok(vec![]);
        };
        let tab = open(&self.txn, TYPE_SPANS)?;
        let mut out = Vec::new();
        for item in tab.range((rid, MARKED_TYPE, 0)..=(rid, MARKED_TYPE, u32::MAX))? {
            let (k, v) = item?;
            out.push((k.value().2, v.value()));
        }
        Ok(out)
    }

    /// Whether the entity a ref names is stored, by direct key lookup (kinds without their own
    /// table — operations of records, samples, free kinds — count as existing when their run
    /// exists).
    pub fn entity_exists(&self, r: &Ref) -> Result<bool, StoreError> {
        let Some(id) = self.id_of(r.as_str())? else {
            return Ok(false);
        };
        let owner = |o: Option<Ref>| -> Result<Option<u32>, StoreError> {
            match o {
                Some(o) => self.id_of(o.as_str()),
                None => Ok(None),
            }
        };
        let keyed = |def: redb::TableDefinition<(u32, u32), &'static [u8]>,
                     o: Option<u32>|
         -> Result<bool, StoreError> {
            match o {
                Some(o) => Ok(open(&self.txn, def)?.get((o, id))?.is_some()),
                None => Ok(false),
            }
        };
        Ok(match r.kind() {
            "project" => open(&self.txn, PROJECTS)?.get(id)?.is_some(),
            "run" => open(&self.txn, RUNS)?.get(id)?.is_some(),
            "stage" => keyed(STAGES, owner(r.run_ref())?)?,
            "batch" => keyed(BATCHES, owner(r.run_ref())?)?,
            "artifact" => keyed(ARTIFACTS, owner(r.run_ref())?)?,
            "environment" => keyed(ENVIRONMENTS, owner(r.run_ref())?)?,
            "deployment" => keyed(DEPLOYMENTS, owner(r.project_ref())?)?,
            "relation" => open(&self.txn, RELATIONS)?.get(id)?.is_some(),
            _ => match r.run_ref() {
                Some(run) => self.id_of(run.as_str())?.is_some(),
                None => true,
            },
        })
    }

    /// One metric key's summary in a run (count, last, min, max) without reading its points.
    pub fn metric_summary(
        &self,
        run: &Ref,
        key: &str,
    ) -> Result<Option<MetricSummary>, StoreError> {
        let (Some(rid), Some(kid)) = (self.id_of(run.as_str())?, self.id_of(key)?) else {
            return Ok(None);
        };
        let t = open(&self.txn, METRIC_KEYS)?;
        t.get((rid, kid))?
            .map(|v| decode(v.value(), "metric summary"))
            .transpose()
    }

    /// Records of `run` with seq in `lo..=hi`, ascending or descending, at most `limit` of
    /// those for which `keep` returns true. Only the rows walked are decoded.
    pub fn records_in(
        &self,
        run: &Ref,
        lo: u32,
        hi: u32,
        descending: bool,
        limit: usize,
        mut keep: impl FnMut(&Record) -> bool,
    ) -> Result<Vec<RecordRow>, StoreError> {
        let Some(rid) = self.id_of(run.as_str())? else {
            return Ok(vec![]);
        };
        if lo > hi || limit == 0 {
            return Ok(vec![]);
        }
        let base = self.stats(run)?.map(|s| s.time_base).unwrap_or(0);
        let t = open(&self.txn, RECORDS)?;
        let names = open(&self.txn, NAMES)?;
        let mut out = Vec::new();
        super::block::visit_records(&t, rid, lo, hi, descending, |seq, stored| {
            let record = self.expand(&names, run, base, seq, stored)?;
            if keep(&record) {
                out.push(RecordRow { seq, record });
            }
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    /// The last `n` records of a run, oldest first.
    pub fn tail(&self, run: &Ref, n: usize) -> Result<Vec<RecordRow>, StoreError> {
        let mut v = self.records_in(run, 1, u32::MAX, true, n, |_| true)?;
        v.reverse();
        Ok(v)
    }

    pub fn record(&self, run: &Ref, seq: u32) -> Result<Option<RecordRow>, StoreError> {
        Ok(self
            .records_in(run, seq, seq, false, 1, |_| true)?
            .into_iter()
            .next())
    }

    /// The first seq holding a record whose ref ends in `token` (refs given by the writer;
    /// generated ones, `seq-<n>`, are not indexed: their seq is in the name).
    pub fn record_seq(&self, run: &Ref, token: &str) -> Result<Option<u32>, StoreError> {
        let Some(rid) = self.id_of(run.as_str())? else {
            return Ok(None);
        };
        let refs = open(&self.txn, RECORD_REFS)?;
        let spans = self.ref_spans()?;
        super::ref_index::lookup(&refs, spans.as_ref(), rid, token)
    }

    /// The last seq of `run` in source workspace `source` that `contexta merge` has merged here.
    pub fn merge_cursor(&self, source: &str, run: &Ref) -> Result<Option<u32>, StoreError> {
        let t = match self.txn.open_table(MERGE_CURSORS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(t.get((source, run.as_str()))?.map(|v| v.value()))
    }

    /// (seq of the repeat, seq of the first record with that ref) for each duplicate ref.
    pub fn duplicates(&self, run: &Ref) -> Result<Vec<(u32, u32)>, StoreError> {
        let Some(rid) = self.id_of(run.as_str())? else {
            return Ok(vec![]);
        };
        let t = open(&self.txn, DUPLICATES)?;
        let mut out = Vec::new();
        for item in t.range((rid, 0)..=(rid, u32::MAX))? {
            let (k, v) = item?;
            out.push((k.value().1, v.value()));
        }
        Ok(out)
    }

    /// `RECORD_REF_SPANS`, which a schema-1 workspace no writer has touched yet lacks.
    pub(super) fn ref_spans(
        &self,
    ) -> Result<Option<ReadOnlyTable<RefSpanKey, RefSpanValue>>, StoreError> {
        match self.txn.open_table(RECORD_REF_SPANS) {
            Ok(t) => Ok(Some(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn expand(
        &self,
        names: &ReadOnlyTable<u32, &'static str>,
        run: &Ref,
        base: i64,
        seq: u32,
        s: StoredRecord,
    ) -> Result<Record, StoreError> {
        let token = s.token.unwrap_or_else(|| format!("seq-{seq}"));
        let record_ref = run
            .child("record", &token)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let observed = Timestamp(base + s.observed);
        let ctx = s.context.map(|b| *b).unwrap_or_default();
        let opt = |id: Option<u32>| -> Result<Option<Ref>, StoreError> {
            id.map(|i| self.name_ref(names, i)).transpose()
        };
        let (record_type, payload) = match s.body {
            StoredBody::Metric {
                key,
                value,
                integral,
                value_type,
                step,
                rest,
            } => {
                let rest = rest.map(|b| *b).unwrap_or_default();
                let mut tags = BTreeMap::new();
                for (k, v) in rest.tags {
                    tags.insert(self.name(names, k)?, self.name(names, v)?);
                }
                if let Some(step) = step {
                    tags.insert("step".to_string(), step.to_string());
                }
                let subject_ref = rest
                    .subject
                    .map(|t| Ref::parse(&t))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                (
                    RecordType::Metric,
                    Payload::Metric(MetricPayload {
                        metric_key: self.name(names, key)?,
                        value,
                        integral,
                        value_type: self.name(names, value_type)?,
                        unit: rest.unit.map(|u| self.name(names, u)).transpose()?,
                        aggregation_scope: rest.scope,
                        subject_ref,
                        slice_ref: rest.slice,
                        tags,
                        summary_basis: rest
                            .summary_basis
                            .map(|u| self.name(names, u))
                            .transpose()?,
                    }),
                )
            }
            StoredBody::Event(e) => (RecordType::Event, Payload::Event(*e)),
            StoredBody::Span(e) => (RecordType::Span, Payload::Span(*e)),
            StoredBody::Degraded(e) => (RecordType::Degraded, Payload::Degraded(*e)),
        };
        Ok(Record {
            envelope: Envelope {
                record_ref,
                record_type,
                recorded_at: Timestamp(observed.0 + s.recorded_delta as i64),
                observed_at: observed,
                producer_ref: self.name(names, s.producer)?,
                run_ref: run.clone(),
                deployment_execution_ref: opt(ctx.deployment)?,
                stage_execution_ref: opt(s.stage)?,
                batch_execution_ref: opt(ctx.batch)?,
                sample_observation_ref: opt(ctx.sample)?,
                operation_context_ref: opt(ctx.operation)?,
                correlation_refs: ctx.correlation,
                completeness_marker: ctx.completeness,
                degradation_marker: ctx.degradation,
                schema_version: SCHEMA_VERSION.to_string(),
                extensions: ctx.extensions,
            },
            payload,
        })
    }
}
