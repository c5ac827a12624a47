//! Write transactions. One `WriteOp` list is applied in one transaction: entities upserted,
//! records given the next gap-free per-run sequence numbers, indexes and counters updated,
//! and the workspace generation bumped so readers can tell that something changed.

use super::block::BlockWriter;
use super::codec::*;
use super::error::StoreError;
use super::names::Interner;
use super::ref_index::RefIndexWriter;
use super::tables::*;
use super::workspace::{Db, Workspace};
use crate::model::*;
use redb::{ReadableTable, Table, WriteTransaction};

use rustc_hash::FxHashMap as HashMap;

#[derive(Clone, Debug)]
pub enum WriteOp {
    Project(Project),
    Run(Run),
    Stage(StageExecution),
    Batch(BatchExecution),
    Sample(SampleObservation),
    Operation(OperationContext),
    Deployment(DeploymentExecution),
    Environment(EnvironmentSnapshot),
    Relation(Relation),
    Provenance(ProvenanceRecord),
    Artifact(ArtifactManifest),
    /// A record from outside (ingest, import): validated here, its ref kept.
    Record(Record),
    /// A record from our capture API: validated by the caller when it was logged; its ref is
    /// generated at commit as `record:<run>.seq-<n>`.
    Captured(Record),
    /// New or redrawn console lines of a wrapped command (not records; `store/console.rs`).
    Console(ConsoleBatch),
    /// `contexta merge`: records of `run` up to `seq` in source workspace `source` are merged.
    MergeCursor {
        source: String,
        run: Ref,
        seq: u32,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommitInfo {
    pub generation: u64,
    pub records: usize,
    pub duplicates: usize,
    /// Per touched run: (run ref, first seq, last seq) of the records appended.
    pub appended: Vec<(Ref, u32, u32)>,
}

impl Workspace {
    /// Applies `ops` in one transaction, waiting for other writers if needed.
    pub fn write(&self, ops: &[WriteOp]) -> Result<CommitInfo, StoreError> {
        let db = self.writer()?;
        let txn = db.begin_write().map_err(|e| self.name_io(e.into()))?;
        self.apply(txn, ops).map_err(|e| self.name_io(e))
    }

    /// An I/O error from redb names the database file (redb does not).
    fn name_io(&self, e: StoreError) -> StoreError {
        match e {
            StoreError::Io { path, source } if path == std::path::Path::new(super::DB_FILE) => {
                StoreError::Io {
                    path: self.db_path(),
                    source,
                }
            }
            other => other,
        }
    }

    /// Like `write`, but returns `None` at once when another process is writing, so a training
    /// loop can keep buffering instead of blocking.
    pub fn try_write(&self, ops: &[WriteOp]) -> Result<Option<CommitInfo>, StoreError> {
        let db = self.writer()?;
        match db.try_begin_write() {
            Ok(txn) => self.apply(txn, ops).map(Some).map_err(|e| self.name_io(e)),
            Err(redb::TransactionError::WouldBlock) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn writer(&self) -> Result<&redb::Database, StoreError> {
        match &self.db {
            Db::Write(d) => Ok(d),
            Db::Read(_) => Err(StoreError::Invalid("workspace was opened read-only".into())),
        }
    }

    fn apply(&self, txn: WriteTransaction, ops: &[WriteOp]) -> Result<CommitInfo, StoreError> {
        let (info, fresh) = {
            let mut w = Writer::open(self, &txn)?;
            for op in ops {
                w.apply(op)?;
            }
            w.finish()?
        };
        put_merge_cursors(&txn, ops)?;
        txn.commit()?;
        if let Ok(mut cache) = self.names.write() {
            for (name, id) in fresh {
                cache.insert(id, name.into());
            }
        }
        Ok(info)
    }
}

/// Merge cursors go in the same transaction as the records they count (`MERGE_CURSORS`).
fn put_merge_cursors(txn: &WriteTransaction, ops: &[WriteOp]) -> Result<(), StoreError> {
    let mut cursors = ops.iter().filter_map(|op| match op {
        WriteOp::MergeCursor { source, run, seq } => Some((source, run, *seq)),
        _ => None,
    });
    let Some(first) = cursors.next() else {
        return Ok(());
    };
    let mut t = txn.open_table(MERGE_CURSORS)?;
    for (source, run, seq) in std::iter::once(first).chain(cursors) {
        t.insert((source.as_str(), run.as_str()), seq)?;
    }
    Ok(())
}

type Bytes = &'static [u8];

struct RunState {
    run: Run,
    project: u32,
    dirty: bool,
    stats: RunStats,
    first_seq: u32,
    touched: bool,
}

struct StageState {
    stage: StageExecution,
    dirty: bool,
}

struct SeriesState {
    summary: MetricSummary,
    points: Vec<Point>,
    time_base: i64,
}

struct Writer<'a, 't> {
    ws: &'a Workspace,
    names: Interner<'t>,
    projects: Table<'t, u32, Bytes>,
    runs: Table<'t, u32, Bytes>,
    runs_by_project: Table<'t, (u32, i64, u32), ()>,
    runs_by_start: Table<'t, (i64, u32), Bytes>,
    run_stats: Table<'t, u32, Bytes>,
    stages: Table<'t, (u32, u32), Bytes>,
    batches: Table<'t, (u32, u32), Bytes>,
    samples: Table<'t, (u32, u32), Bytes>,
    operations: Table<'t, (u32, u32), Bytes>,
    environments: Table<'t, (u32, u32), Bytes>,
    artifacts: Table<'t, (u32, u32), Bytes>,
    deployments: Table<'t, (u32, u32), Bytes>,
    relations: Table<'t, u32, Bytes>,
    relations_out: Table<'t, (u32, u32), ()>,
    relations_in: Table<'t, (u32, u32), ()>,
    provenance: Table<'t, u32, Bytes>,
    provenance_by_relation: Table<'t, (u32, u32), ()>,
    records: Table<'t, (u32, u32), Bytes>,
    /// Per run: the block that takes its next record.
    blocks: HashMap<u32, BlockWriter>,
    stage_spans: Table<'t, (u32, u32, u32), u32>,
    type_spans: Table<'t, (u32, u32, u32), u32>,
    series: Table<'t, (u32, u32, u32), Bytes>,
    series_summaries: Table<'t, (u32, u32, u32, u32), Bytes>,
    metric_keys: Table<'t, (u32, u32), Bytes>,
    ref_index: RefIndexWriter<'t>,
    duplicates: Table<'t, (u32, u32), u32>,
    console: Table<'t, (u32, u32), Bytes>,
    console_writes: super::console::ConsoleWrites,
    run_cache: HashMap<u32, RunState>,
    stage_cache: HashMap<(u32, u32), StageState>,
    stage_span: HashMap<(u32, u32), (u32, u32, bool)>,
    type_span: HashMap<(u32, u32), (u32, u32, bool)>,
    series_cache: HashMap<(u32, u32), SeriesState>,
    info: CommitInfo,
    now: i64,
}

/// The open span of (run, group) in a run-length index: (first seq, last seq, dirty).
type OpenSpans = HashMap<(u32, u32), (u32, u32, bool)>;

/// Extends the run of consecutive seqs of (run, group) with `seq`, or starts a new run; the
/// open run lives in `open` and reaches the table when a new one starts or the commit ends.
fn extend_span(
    table: &mut Table<'_, (u32, u32, u32), u32>,
    open: &mut OpenSpans,
    run: u32,
    group: u32,
    seq: u32,
) -> Result<(), StoreError> {
    let slot = match open.entry((run, group)) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
            // First record of this group in this commit: continue the stored last span.
            let last = match table
                .range((run, group, 0)..=(run, group, u32::MAX))?
                .next_back()
            {
                Some(item) => {
                    let (k, v) = item?;
                    (k.value().2, v.value())
                }
                None => (0, 0),
            };
            v.insert((last.0, last.1, false))
        }
    };
    if slot.0 != 0 && slot.1 + 1 == seq {
        slot.1 = seq;
        slot.2 = true;
    } else {
        if slot.2 {
            table.insert((run, group, slot.0), slot.1)?;
        }
        *slot = (seq, seq, true);
    }
    Ok(())
}

fn flush_spans(
    table: &mut Table<'_, (u32, u32, u32), u32>,
    open: &mut OpenSpans,
) -> Result<(), StoreError> {
    for ((run, group), (s, e, dirty)) in std::mem::take(open) {
        if dirty {
            table.insert((run, group, s), e)?;
        }
    }
    Ok(())
}

impl<'a, 't> Writer<'a, 't> {
    fn open(ws: &'a Workspace, txn: &'t WriteTransaction) -> Result<Self, StoreError> {
        Ok(Writer {
            ws,
            names: Interner::new(
                txn.open_table(NAMES)?,
                txn.open_table(NAME_IDS)?,
                txn.open_table(META)?,
            ),
            projects: txn.open_table(PROJECTS)?,
            runs: txn.open_table(RUNS)?,
            runs_by_project: txn.open_table(RUNS_BY_PROJECT)?,
            runs_by_start: txn.open_table(RUNS_BY_START)?,
            run_stats: txn.open_table(RUN_STATS)?,
            stages: txn.open_table(STAGES)?,
            batches: txn.open_table(BATCHES)?,
            samples: txn.open_table(SAMPLES)?,
            operations: txn.open_table(OPERATIONS)?,
            environments: txn.open_table(ENVIRONMENTS)?,
            artifacts: txn.open_table(ARTIFACTS)?,
            deployments: txn.open_table(DEPLOYMENTS)?,
            relations: txn.open_table(RELATIONS)?,
            relations_out: txn.open_table(RELATIONS_OUT)?,
            relations_in: txn.open_table(RELATIONS_IN)?,
            provenance: txn.open_table(PROVENANCE)?,
            provenance_by_relation: txn.open_table(PROVENANCE_BY_RELATION)?,
            records: txn.open_table(RECORDS)?,
            blocks: HashMap::default(),
            stage_spans: txn.open_table(STAGE_SPANS)?,
            type_spans: txn.open_table(TYPE_SPANS)?,
            series: txn.open_table(SERIES)?,
            series_summaries: txn.open_table(SERIES_SUMMARIES)?,
            metric_keys: txn.open_table(METRIC_KEYS)?,
            ref_index: RefIndexWriter::new(txn)?,
            duplicates: txn.open_table(DUPLICATES)?,
            console: txn.open_table(CONSOLE)?,
            console_writes: Default::default(),
            run_cache: HashMap::default(),
            stage_cache: HashMap::default(),
            stage_span: HashMap::default(),
            type_span: HashMap::default(),
            series_cache: HashMap::default(),
            info: CommitInfo::default(),
            now: Timestamp::now().0,
        })
    }

    fn id(&mut self, name: &str) -> Result<u32, StoreError> {
        let cache = self
            .ws
            .names
            .read()
            .map_err(|_| StoreError::Db("name cache poisoned".into()))?;
        self.names.intern(&cache, name)
    }

    fn invalid(e: ValidationError) -> StoreError {
        StoreError::Invalid(e.to_string())
    }

    fn apply(&mut self, op: &WriteOp) -> Result<(), StoreError> {
        match op {
            WriteOp::Project(p) => {
                p.validate().map_err(Self::invalid)?;
                let id = self.id(p.project_ref.as_str())?;
                self.projects.insert(id, encode(p)?.as_slice())?;
            }
            WriteOp::Run(r) => {
                r.validate().map_err(Self::invalid)?;
                self.put_run(r.clone())?;
            }
            WriteOp::Stage(s) => {
                s.validate().map_err(Self::invalid)?;
                let run = self.ensure_run(&s.run_ref, s.started_at)?;
                let sid = self.id(s.stage_execution_ref.as_str())?;
                self.stage_cache.insert(
                    (run, sid),
                    StageState {
                        stage: s.clone(),
                        dirty: true,
                    },
                );
            }
            WriteOp::Batch(b) => {
                b.validate().map_err(Self::invalid)?;
                let run = self.ensure_run(&b.run_ref, b.started_at)?;
                self.ensure_stage(run, &b.stage_execution_ref, b.started_at)?;
                let id = self.id(b.batch_execution_ref.as_str())?;
                self.batches.insert((run, id), encode(b)?.as_slice())?;
            }
            WriteOp::Sample(s) => {
                s.validate().map_err(Self::invalid)?;
                let run = self.ensure_run(&s.run_ref, s.observed_at)?;
                self.ensure_stage(run, &s.stage_execution_ref, s.observed_at)?;
                let id = self.id(s.sample_observation_ref.as_str())?;
                self.samples.insert((run, id), encode(s)?.as_slice())?;
            }
            WriteOp::Operation(o) => {
                o.validate().map_err(Self::invalid)?;
                let run = self.ensure_run(&o.run_ref, o.observed_at)?;
                self.ensure_stage(run, &o.stage_execution_ref, o.observed_at)?;
                let id = self.id(o.operation_context_ref.as_str())?;
                self.operations.insert((run, id), encode(o)?.as_slice())?;
            }
            WriteOp::Deployment(d) => {
                d.validate().map_err(Self::invalid)?;
                let p = self.ensure_project(&d.project_ref, d.started_at)?;
                let id = self.id(d.deployment_execution_ref.as_str())?;
                self.deployments.insert((p, id), encode(d)?.as_slice())?;
            }
            WriteOp::Environment(e) => {
                e.validate().map_err(Self::invalid)?;
                let run = self.ensure_run(&e.run_ref, e.captured_at)?;
                let id = self.id(e.environment_snapshot_ref.as_str())?;
                self.environments.insert((run, id), encode(e)?.as_slice())?;
            }
            WriteOp::Artifact(a) => {
                a.validate().map_err(Self::invalid)?;
                let run = self.ensure_run(&a.run_ref, a.created_at)?;
                let id = self.id(a.artifact_ref.as_str())?;
                self.artifacts.insert((run, id), encode(a)?.as_slice())?;
            }
            WriteOp::Relation(r) => {
                r.validate().map_err(Self::invalid)?;
                let id = self.id(r.relation_ref.as_str())?;
                let old = self
                    .relations
                    .get(id)?
                    .map(|v| decode::<Relation>(v.value(), "relation"))
                    .transpose()?;
                if let Some(old) = old {
                    let s = self.id(old.source_ref.as_str())?;
                    let t = self.id(old.target_ref.as_str())?;
                    self.relations_out.remove((s, id))?;
                    self.relations_in.remove((t, id))?;
                }
                let s = self.id(r.source_ref.as_str())?;
                let t = self.id(r.target_ref.as_str())?;
                self.relations.insert(id, encode(r)?.as_slice())?;
                self.relations_out.insert((s, id), ())?;
                self.relations_in.insert((t, id), ())?;
            }
            WriteOp::Provenance(p) => {
                p.validate().map_err(Self::invalid)?;
                let id = self.id(p.provenance_ref.as_str())?;
                let rel = self.id(p.relation_ref.as_str())?;
                self.provenance.insert(id, encode(p)?.as_slice())?;
                self.provenance_by_relation.insert((rel, id), ())?;
            }
            WriteOp::Record(record) => {
                record.validate().map_err(Self::invalid)?;
                self.append(record, false)?
            }
            WriteOp::Captured(record) => self.append(record, true)?,
            // Written by `Workspace::apply` once the writer's tables are closed.
            WriteOp::MergeCursor { .. } => {}
            WriteOp::Console(batch) => {
                batch.validate().map_err(Self::invalid)?;
                let Some(first) = batch.lines.first() else {
                    return Ok(());
                };
                let run = self.ensure_run(&batch.run_ref, first.at)?;
                for line in &batch.lines {
                    self.console_writes.put(&mut self.console, run, line)?;
                }
                // Console output is activity: the run's last commit moves (stale_run reads it).
                if let Some(st) = self.run_cache.get_mut(&run) {
                    st.dirty = true;
                }
            }
        }
        Ok(())
    }

    fn ensure_project(&mut self, pref: &Ref, at: Timestamp) -> Result<u32, StoreError> {
        let id = self.id(pref.as_str())?;
        if self.projects.get(id)?.is_none() {
            let p = Project::new(pref.clone(), pref.value(), at);
            self.projects.insert(id, encode(&p)?.as_slice())?;
        }
        Ok(id)
    }

    fn load_run(&mut self, id: u32) -> Result<bool, StoreError> {
        if self.run_cache.contains_key(&id) {
            return Ok(true);
        }
        let Some(bytes) = self.runs.get(id)?.map(|v| v.value().to_vec()) else {
            return Ok(false);
        };
        let run: Run = decode(&bytes, "run")?;
        let project = self.id(run.project_ref.as_str())?;
        let stats = match self.run_stats.get(id)? {
            Some(v) => decode(v.value(), "run stats")?,
            None => RunStats::default(),
        };
        self.run_cache.insert(
            id,
            RunState {
                run,
                project,
                dirty: false,
                first_seq: stats.last_seq + 1,
                stats,
                touched: false,
            },
        );
        Ok(true)
    }

    fn put_run(&mut self, run: Run) -> Result<u32, StoreError> {
        let id = self.id(run.run_ref.as_str())?;
        let project = self.ensure_project(&run.project_ref, run.started_at)?;
        if self.load_run(id)? {
            let st = self
                .run_cache
                .get_mut(&id)
                .ok_or_else(|| StoreError::Db("run cache".into()))?;
            let (old_p, old_s) = (st.project, st.run.started_at.0);
            if old_p != project || old_s != run.started_at.0 {
                self.runs_by_project.remove((old_p, old_s, id))?;
                self.runs_by_start.remove((old_s, id))?;
            }
            let finishing = st.run.status == Status::Open && run.status != Status::Open;
            let (status, ended) = (run.status, run.ended_at);
            st.run = run;
            st.project = project;
            st.dirty = true;
            if finishing {
                self.close_inferred_stages(id, status, ended)?;
            }
        } else {
            self.run_cache.insert(
                id,
                RunState {
                    run,
                    project,
                    dirty: true,
                    stats: RunStats::default(),
                    first_seq: 1,
                    touched: false,
                },
            );
        }
        let started = self.run_cache[&id].run.started_at.0;
        self.runs_by_project.insert((project, started, id), ())?;
        // The RUNS_BY_START row is written in `finish`, with the final stats.
        Ok(id)
    }

    /// A run has finished: the stages its records opened without declaring them (inferred,
    /// still open) end with it, with its status and end time. Declared stages are left as their
    /// writer left them (one still open is a finding for diagnostics).
    fn close_inferred_stages(
        &mut self,
        run: u32,
        status: Status,
        ended: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let mut stored = Vec::new();
        for item in self.stages.range((run, 0)..=(run, u32::MAX))? {
            let (k, v) = item?;
            let sid = k.value().1;
            if !self.stage_cache.contains_key(&(run, sid)) {
                stored.push((sid, decode::<StageExecution>(v.value(), "stage")?));
            }
        }
        for (sid, stage) in stored {
            self.stage_cache.insert(
                (run, sid),
                StageState {
                    stage,
                    dirty: false,
                },
            );
        }
        let end = ended.unwrap_or(Timestamp(self.now));
        for ((r, _), st) in self.stage_cache.iter_mut() {
            if *r == run && st.stage.inferred && st.stage.status == Status::Open {
                st.stage.status = status;
                st.stage.ended_at = Some(end.max(st.stage.started_at));
                st.dirty = true;
            }
        }
        Ok(())
    }

    /// The run's id, creating an inferred run (and project) when nobody declared it.
    fn ensure_run(&mut self, rref: &Ref, at: Timestamp) -> Result<u32, StoreError> {
        let id = self.id(rref.as_str())?;
        if self.load_run(id)? {
            return Ok(id);
        }
        let mut run = Run::new(rref.clone(), rref.last(), at);
        run.status = Status::Completed;
        run.ended_at = Some(at);
        run.inferred = true;
        self.put_run(run)
    }

    fn ensure_stage(&mut self, run: u32, sref: &Ref, at: Timestamp) -> Result<u32, StoreError> {
        let sid = self.id(sref.as_str())?;
        if self.stage_cache.contains_key(&(run, sid)) {
            return Ok(sid);
        }
        let stage = match self.stages.get((run, sid))? {
            Some(v) => decode(v.value(), "stage")?,
            None => {
                let run_ref = sref
                    .run_ref()
                    .ok_or_else(|| StoreError::Invalid(format!("{sref} has no run")))?;
                let mut s =
                    StageExecution::new(&run_ref, sref.last(), at).map_err(Self::invalid)?;
                // A stage named by a record of a live run is open, as the run is, until the
                // run finishes (`close_inferred_stages`); in a finished run it spans its records.
                let live = self
                    .run_cache
                    .get(&run)
                    .is_some_and(|st| st.run.status == Status::Open);
                if !live {
                    s.status = Status::Completed;
                    s.ended_at = Some(at);
                }
                s.inferred = true;
                self.stage_cache.insert(
                    (run, sid),
                    StageState {
                        stage: s,
                        dirty: true,
                    },
                );
                return Ok(sid);
            }
        };
        self.stage_cache.insert(
            (run, sid),
            StageState {
                stage,
                dirty: false,
            },
        );
        Ok(sid)
    }

    fn append(&mut self, rec: &Record, generated: bool) -> Result<(), StoreError> {
        let env = &rec.envelope;
        let observed = env.observed_at;
        let run = self.ensure_run(&env.run_ref, observed)?;
        let stage = match &env.stage_execution_ref {
            Some(s) => Some(self.ensure_stage(run, s, observed)?),
            None => None,
        };
        // Inferred entities stretch to cover the records that mention them.
        if let Some(st) = self.run_cache.get_mut(&run)
            && st.run.inferred
        {
            if observed < st.run.started_at {
                let (p, old) = (st.project, st.run.started_at.0);
                st.run.started_at = observed;
                self.runs_by_project.remove((p, old, run))?;
                self.runs_by_start.remove((old, run))?;
                self.runs_by_project.insert((p, observed.0, run), ())?;
                st.dirty = true;
            }
            if st.run.ended_at.is_none_or(|e| e < observed) {
                st.run.ended_at = Some(observed);
                st.dirty = true;
            }
        }
        if let Some(sid) = stage
            && let Some(ss) = self.stage_cache.get_mut(&(run, sid))
            && ss.stage.inferred
        {
            if observed < ss.stage.started_at {
                ss.stage.started_at = observed;
                ss.dirty = true;
            }
            if ss.stage.status != Status::Open && ss.stage.ended_at.is_none_or(|e| e < observed) {
                ss.stage.ended_at = Some(observed);
                ss.dirty = true;
            }
        }

        let producer = self.id(&env.producer_ref)?;
        let mut ctx = StoredContext {
            correlation: env.correlation_refs.clone(),
            completeness: env.completeness_marker,
            degradation: env.degradation_marker,
            extensions: env.extensions.clone(),
            ..Default::default()
        };
        for (slot, r) in [
            (&mut ctx.deployment, &env.deployment_execution_ref),
            (&mut ctx.batch, &env.batch_execution_ref),
            (&mut ctx.sample, &env.sample_observation_ref),
            (&mut ctx.operation, &env.operation_context_ref),
        ] {
            if let Some(r) = r {
                let cache = self
                    .ws
                    .names
                    .read()
                    .map_err(|_| StoreError::Db("name cache poisoned".into()))?;
                *slot = Some(self.names.intern(&cache, r.as_str())?);
            }
        }
        let context = (ctx != StoredContext::default()).then(|| Box::new(ctx));

        let st = self
            .run_cache
            .get_mut(&run)
            .ok_or_else(|| StoreError::Db("run cache".into()))?;
        if st.stats.last_seq == 0 {
            st.stats.time_base = observed.0;
        }
        let seq = st
            .stats
            .last_seq
            .checked_add(1)
            .ok_or_else(|| StoreError::Invalid(format!("run {} is full", env.run_ref)))?;
        let time_base = st.stats.time_base;

        let token = if generated {
            None
        } else {
            Some(env.record_ref.last().to_string())
        };
        let mut duplicate = false;
        if let Some(tok) = &token
            && let Some(first) = self.ref_index.first_or_insert(run, tok, seq)?
        {
            self.duplicates.insert((run, seq), first)?;
            duplicate = true;
        }

        let body = match &rec.payload {
            Payload::Metric(m) => {
                let key = self.id(&m.metric_key)?;
                let value_type = self.id(&m.value_type)?;
                let step_tag = m.tags.get("step");
                let step = step_tag
                    .and_then(|s| s.parse::<i64>().ok())
                    .filter(|n| step_tag.is_some_and(|s| *s == n.to_string()));
                let mut tags = Vec::new();
                for (k, v) in &m.tags {
                    if k == "step" && step.is_some() {
                        continue;
                    }
                    tags.push((self.id(k)?, self.id(v)?));
                }
                let rest = MetricRest {
                    unit: m.unit.as_deref().map(|u| self.id(u)).transpose()?,
                    scope: m.aggregation_scope,
                    subject: m.subject_ref.as_ref().map(|r| r.to_string()),
                    slice: m.slice_ref.clone(),
                    tags,
                    summary_basis: m.summary_basis.as_deref().map(|u| self.id(u)).transpose()?,
                };
                let rest = (rest != MetricRest::default()).then(|| Box::new(rest));
                self.push_point(
                    run,
                    key,
                    time_base,
                    m.value,
                    m.tagged_step(),
                    seq,
                    observed.0,
                )?;
                StoredBody::Metric {
                    key,
                    value: m.value,
                    integral: m.integral,
                    value_type,
                    step,
                    rest,
                }
            }
            Payload::Event(e) => StoredBody::Event(Box::new(e.clone())),
            Payload::Span(s) => StoredBody::Span(Box::new(s.clone())),
            Payload::Degraded(d) => StoredBody::Degraded(Box::new(d.clone())),
        };
        let stored = StoredRecord {
            token,
            observed: observed.0 - time_base,
            recorded_delta: (env.recorded_at.0 - observed.0) as u64,
            producer,
            stage,
            context,
            body,
        };
        self.push_record(run, seq, &stored)?;

        let problem = match &rec.payload {
            Payload::Degraded(_) => true,
            Payload::Event(e) => e.level >= Level::Error,
            Payload::Span(s) => matches!(s.status, SpanStatus::Error | SpanStatus::Timeout),
            Payload::Metric(_) => false,
        };
        let st = self
            .run_cache
            .get_mut(&run)
            .ok_or_else(|| StoreError::Db("run cache".into()))?;
        st.stats.last_seq = seq;
        st.stats.by_type[rec.record_type().index()] += 1;
        st.stats.last_observed = st.stats.last_observed.max(observed.0);
        if rec.record_type() == RecordType::Degraded || env.degradation_marker != Degradation::None
        {
            st.stats.degraded += 1;
        }
        if problem {
            st.stats.last_problem_seq = seq;
        }
        if duplicate {
            st.stats.duplicates += 1;
            self.info.duplicates += 1;
        }
        st.touched = true;
        self.info.records += 1;

        if let Some(sid) = stage {
            extend_span(&mut self.stage_spans, &mut self.stage_span, run, sid, seq)?;
        }
        if rec.record_type() != RecordType::Metric {
            let t = rec.record_type().index() as u32;
            extend_span(&mut self.type_spans, &mut self.type_span, run, t, seq)?;
        }
        if rec.record_type() != RecordType::Degraded && env.degradation_marker != Degradation::None
        {
            // A pseudo-type: records of other types that carry a degradation marker.
            extend_span(
                &mut self.type_spans,
                &mut self.type_span,
                run,
                MARKED_TYPE,
                seq,
            )?;
        }
        Ok(())
    }

    /// Appends `stored` (seq `seq`) to the run's open block, continuing the stored last block
    /// when it has room; a full block is written at once, the open one at `finish`.
    fn push_record(&mut self, run: u32, seq: u32, stored: &StoredRecord) -> Result<(), StoreError> {
        let block = match self.blocks.entry(run) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let last = match self.records.range((run, 0)..=(run, u32::MAX))?.next_back() {
                    Some(item) => {
                        let (k, val) = item?;
                        BlockWriter::resume(k.value().1, val.value())?
                    }
                    None => None,
                };
                v.insert(last.unwrap_or_else(|| BlockWriter::new(seq)))
            }
        };
        if block.next_seq() != seq || block.is_full() {
            if !block.is_empty() {
                self.records
                    .insert((run, block.first_seq), block.bytes().as_slice())?;
            }
            *block = BlockWriter::new(seq);
        }
        block.push(stored)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_point(
        &mut self,
        run: u32,
        key: u32,
        time_base: i64,
        value: f64,
        tagged_step: Option<i64>,
        seq: u32,
        at: i64,
    ) -> Result<(), StoreError> {
        if !self.series_cache.contains_key(&(run, key)) {
            let summary: Option<MetricSummary> = self
                .metric_keys
                .get((run, key))?
                .map(|v| decode(v.value(), "metric summary"))
                .transpose()?;
            let mut points = Vec::new();
            let summary = match summary {
                Some(s) => {
                    if s.open_len > 0
                        && let Some(v) = self.series.get((run, key, s.open_chunk))?
                    {
                        decode_chunk(v.value(), time_base, &mut points)?;
                    }
                    s
                }
                None => MetricSummary {
                    count: 0,
                    first_step: 0,
                    last_step: 0,
                    last: value,
                    min: value,
                    max: value,
                    first_seq: seq,
                    last_seq: seq,
                    last_at: at,
                    open_chunk: 0,
                    open_len: 0,
                },
            };
            self.series_cache.insert(
                (run, key),
                SeriesState {
                    summary,
                    points,
                    time_base,
                },
            );
        }
        let s = self
            .series_cache
            .get_mut(&(run, key))
            .ok_or_else(|| StoreError::Db("series".into()))?;
        // Our step rule: tags.step when it is an integer, else the point's index in its series.
        let step = tagged_step.unwrap_or(s.summary.count as i64);
        if s.summary.count == 0 {
            s.summary.first_seq = seq;
            s.summary.first_step = step;
            s.summary.min = value;
            s.summary.max = value;
        }
        s.summary.count += 1;
        s.summary.last_seq = seq;
        s.summary.last_at = at;
        s.summary.last_step = step;
        s.summary.last = value;
        s.summary.min = s.summary.min.min(value);
        s.summary.max = s.summary.max.max(value);
        s.points.push(Point {
            step,
            value,
            seq,
            at,
        });
        s.summary.open_len = s.points.len() as u32;
        if s.summary.open_len >= CHUNK_POINTS {
            let bytes = encode_chunk(&s.points, s.time_base)?;
            self.series
                .insert((run, key, s.summary.open_chunk), bytes.as_slice())?;
            super::series_summary::seal(
                &mut self.series_summaries,
                run,
                key,
                s.summary.open_chunk,
                &s.points,
            )?;
            s.points.clear();
            s.summary.open_chunk += 1;
            s.summary.open_len = 0;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(CommitInfo, HashMap<String, u32>), StoreError> {
        for (run, block) in std::mem::take(&mut self.blocks) {
            if !block.is_empty() {
                self.records
                    .insert((run, block.first_seq), block.bytes().as_slice())?;
            }
        }
        self.ref_index.flush()?;
        std::mem::take(&mut self.console_writes).finish(&mut self.console)?;
        flush_spans(&mut self.stage_spans, &mut self.stage_span)?;
        flush_spans(&mut self.type_spans, &mut self.type_span)?;
        for ((run, key), st) in std::mem::take(&mut self.series_cache) {
            if !st.points.is_empty() {
                let bytes = encode_chunk(&st.points, st.time_base)?;
                self.series
                    .insert((run, key, st.summary.open_chunk), bytes.as_slice())?;
            }
            self.metric_keys
                .insert((run, key), encode(&st.summary)?.as_slice())?;
        }
        for ((run, sid), st) in std::mem::take(&mut self.stage_cache) {
            if st.dirty {
                self.stages
                    .insert((run, sid), encode(&st.stage)?.as_slice())?;
            }
        }
        let now = self.now;
        for (id, mut st) in std::mem::take(&mut self.run_cache) {
            if st.dirty {
                self.runs.insert(id, encode(&st.run)?.as_slice())?;
            }
            if st.touched || st.dirty {
                st.stats.last_commit = now;
                self.run_stats.insert(id, encode(&st.stats)?.as_slice())?;
                let row = RunRow {
                    run_ref: st.run.run_ref.clone(),
                    project_ref: st.run.project_ref.clone(),
                    name: st.run.name.clone(),
                    status: st.run.status,
                    started_at: st.run.started_at,
                    ended_at: st.run.ended_at,
                    inferred: st.run.inferred,
                    stats: st.stats.clone(),
                };
                self.runs_by_start
                    .insert((st.run.started_at.0, id), encode(&row)?.as_slice())?;
            }
            if st.touched {
                self.info
                    .appended
                    .push((st.run.run_ref.clone(), st.first_seq, st.stats.last_seq));
            }
        }
        let generation = self
            .names
            .meta
            .get("generation")?
            .map(|v| v.value())
            .unwrap_or(0)
            + 1;
        self.names.meta.insert("generation", generation)?;
        self.names.finish()?;
        self.info.generation = generation;
        Ok((self.info, std::mem::take(&mut self.names.fresh)))
    }
}

/// A write transaction being filled op by op; see `Workspace::write_stream`.
pub struct WriteBatch<'a, 't> {
    w: Writer<'a, 't>,
}

impl WriteBatch<'_, '_> {
    pub fn push(&mut self, op: &WriteOp) -> Result<(), StoreError> {
        self.w.apply(op).map_err(|e| self.w.ws.name_io(e))
    }
    pub fn records(&self) -> usize {
        self.w.info.records
    }
}

impl Workspace {
    /// Applies ops produced by `f` in one transaction; if `f` fails, nothing is stored.
    pub fn write_stream<E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut WriteBatch<'_, '_>) -> Result<(), E>,
    ) -> Result<CommitInfo, E> {
        let db = self.writer()?;
        let txn = db
            .begin_write()
            .map_err(|e| self.name_io(StoreError::from(e)))?;
        let (info, fresh) = {
            let mut batch = WriteBatch {
                w: Writer::open(self, &txn).map_err(|e| self.name_io(e))?,
            };
            f(&mut batch)?;
            batch.w.finish().map_err(|e| self.name_io(e))?
        };
        txn.commit()
            .map_err(|e| self.name_io(StoreError::from(e)))?;
        if let Ok(mut cache) = self.names.write() {
            for (name, id) in fresh {
                cache.insert(id, name.into());
            }
        }
        Ok(info)
    }
}
