//! `contexta merge SRC… --into W`: per-rank workspaces folded into one.
//!
//! Each rank of a distributed job writes its own workspace on local disk (redb's file locks are
//! not reliable on network file systems, so ranks never share one file). Merging:
//! - reads each source in one read transaction, so a source still being written is merged up
//!   to its last commit and can be merged again later;
//! - appends each source run's records past a per-(source, run) cursor kept in the target and
//!   committed with the records, so merging twice changes nothing and an interrupted merge
//!   resumes where its last commit stopped;
//! - keeps each record's identity: a record ref is unique per run *and rank*, so a record that
//!   carries a `rank` tag (the capture API and `contexta log` stamp it from `rank=`/`RANK`/
//!   `CONTEXTA_RANK`) is stored under `rank<R>-<token>`; one without a rank keeps its ref;
//! - merges entities by ref: lifecycle (status, end time) from the latest writer, start time
//!   the earliest, params united; any other difference is a conflict, kept as the target had
//!   it and recorded as a degraded marker on the run (`merge.conflict`), never overwritten;
//! - copies artifact objects by content hash (a body already present is not copied again).

use super::{Progress, RecoveryError, io};
use crate::model::*;
use crate::store::objects::{IngestMode, object_path, object_path_sha256, put_object};
use crate::store::{Access, ReadSnapshot, StoreError, Workspace, WriteOp};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Records appended per commit: large enough that fsyncs do not dominate, small enough that
/// the target's other writers get the lock between batches.
const BATCH: usize = 20_000;
/// Producer of the markers merge writes.
const PRODUCER: &str = "contexta.merge";
/// Test builds only: abort the process after this many record batches were committed, as a
/// kill would, so tests can prove an interrupted merge resumes; and a smaller batch, so a
/// small test run spans several.
const ABORT_AFTER_ENV: &str = "CONTEXTA_MERGE_ABORT_AFTER";
const BATCH_ENV: &str = "CONTEXTA_MERGE_BATCH";

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SourceReport {
    pub source: String,
    pub runs: u64,
    /// Records appended by this merge (already merged ones are not counted).
    pub records: u64,
    /// Entities written because they were new or their lifecycle moved on.
    pub entities: u64,
    pub conflicts: Vec<Conflict>,
    pub artifact_objects: u64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Conflict {
    pub entity: String,
    pub fields: Vec<String>,
    /// The run the degraded marker went to (none for an entity outside any run).
    pub marker_run: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MergeReport {
    pub sources: Vec<SourceReport>,
}

/// A stable name for a source workspace: its canonical path. The cursors are keyed by it.
pub fn source_id(root: &Path) -> Result<String, RecoveryError> {
    let canon = root.canonicalize().map_err(io(root))?;
    Ok(canon.to_string_lossy().into_owned())
}

/// Merges every source into `target` (opened for writing), one source at a time.
pub fn merge(
    target: &Workspace,
    sources: &[PathBuf],
    mut progress: impl FnMut(&Progress),
) -> Result<MergeReport, RecoveryError> {
    let target_id = source_id(target.root())?;
    let mut report = MergeReport::default();
    let mut batches = 0u64;
    let test_env = |name: &str| -> Option<u64> {
        if cfg!(debug_assertions) {
            std::env::var(name).ok().and_then(|v| v.parse().ok())
        } else {
            None
        }
    };
    let abort_after = test_env(ABORT_AFTER_ENV);
    let batch = test_env(BATCH_ENV).map_or(BATCH, |b| b.max(1) as usize);
    for root in sources {
        let id = source_id(root)?;
        if id == target_id {
            return Err(RecoveryError::Refused(format!(
                "{} is the target workspace; a workspace cannot be merged into itself",
                root.display()
            )));
        }
        let src = match Workspace::open(root, Access::Read) {
            Err(StoreError::NeedsRecovery(_)) => Workspace::open_read_recovering(root)?,
            other => other?,
        };
        let snap = src.read()?;
        let mut one = SourceReport {
            source: root.display().to_string(),
            ..SourceReport::default()
        };
        merge_entities(target, &snap, &id, &mut one)?;
        copy_objects(target, &src, &snap, &mut one)?;
        let runs = snap.all_runs()?;
        let mut total = 0u64;
        for r in &runs {
            total += snap.stats(&r.run_ref)?.map_or(0, |s| u64::from(s.last_seq));
        }
        let mut done = 0u64;
        for run in runs {
            one.runs += 1;
            let rref = run.run_ref;
            let mut from = target
                .read()?
                .merge_cursor(&id, &rref)?
                .map_or(1, |s| s.saturating_add(1));
            done += u64::from(from - 1);
            loop {
                let page = snap.records_in(&rref, from, u32::MAX, false, batch, |_| true)?;
                let Some(last) = page.last().map(|r| r.seq) else {
                    break;
                };
                let mut ops: Vec<WriteOp> = page
                    .into_iter()
                    .map(|row| WriteOp::Record(with_rank_identity(row.record)))
                    .collect();
                let n = ops.len() as u64;
                ops.push(WriteOp::MergeCursor {
                    source: id.clone(),
                    run: rref.clone(),
                    seq: last,
                });
                target.write(&ops)?;
                one.records += n;
                done += n;
                batches += 1;
                progress(&Progress {
                    phase: "merging",
                    done,
                    total,
                });
                if abort_after.is_some_and(|a| batches >= a) {
                    std::process::abort();
                }
                match last.checked_add(1) {
                    Some(next) => from = next,
                    None => break,
                }
            }
        }
        report.sources.push(one);
    }
    Ok(report)
}

/// A ranked record's ref made unique per run and rank: `rank<R>-<token>` (unchanged when it
/// already is, so a merged workspace merges again without renaming).
fn with_rank_identity(mut r: Record) -> Record {
    let Some(rank) = r.rank() else {
        return r;
    };
    let prefix = format!("rank{rank}-");
    let token = r.envelope.record_ref.last();
    if token.starts_with(&prefix) {
        return r;
    }
    if let Ok(new) = r
        .envelope
        .run_ref
        .child("record", &format!("{prefix}{token}"))
    {
        r.envelope.record_ref = new;
    }
    r
}

/// What merging one entity into the target's copy decided.
enum Outcome<T> {
    /// Nothing to write.
    Same,
    /// Write this (new, or the lifecycle moved on).
    Write(T),
    /// Write this (possibly the target's copy with lifecycle updates) and report the fields
    /// that differ.
    Conflict(Option<T>, Vec<String>),
}

/// Status and end time from the latest writer: a finished copy beats an open one, and of two
/// finished copies the one that ended later wins. Start time is the earliest. Returns the
/// merged (status, started, ended) and whether two finished copies disagree on the status.
fn lifecycle(
    mine: (Status, Timestamp, Option<Timestamp>),
    theirs: (Status, Timestamp, Option<Timestamp>),
) -> ((Status, Timestamp, Option<Timestamp>), bool) {
    let started = mine.1.min(theirs.1);
    let (status, ended, clash) = match (mine.2, theirs.2) {
        (None, None) => (Status::Open, None, false),
        (Some(_), None) => (mine.0, mine.2, false),
        (None, Some(_)) => (theirs.0, theirs.2, false),
        (Some(a), Some(b)) => {
            let clash = mine.0 != theirs.0;
            if b > a {
                (theirs.0, Some(b), clash)
            } else {
                (mine.0, Some(a), clash)
            }
        }
    };
    ((status, started, ended), clash)
}

/// Field names whose JSON differs between two entities (ignoring `skip`).
fn differing<T: serde::Serialize>(a: &T, b: &T, skip: &[&str]) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return vec![];
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| !skip.contains(&k.as_str()) && a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// An entity with a lifecycle (runs, stages, batches, deployments).
trait Lifecycle: Clone + PartialEq + serde::Serialize {
    fn life(&self) -> (Status, Timestamp, Option<Timestamp>);
    fn set_life(&mut self, l: (Status, Timestamp, Option<Timestamp>));
    /// Made up from records rather than declared: the declared copy wins without conflict.
    fn inferred(&self) -> bool {
        false
    }
    /// Run params are united key by key; other kinds have none.
    fn unite(&mut self, _other: &Self) -> Vec<String> {
        vec![]
    }
}

macro_rules! lifecycle_of {
    ($t:ty $(, $inferred:ident)?) => {
        impl Lifecycle for $t {
            fn life(&self) -> (Status, Timestamp, Option<Timestamp>) {
                (self.status, self.started_at, self.ended_at)
            }
            fn set_life(&mut self, l: (Status, Timestamp, Option<Timestamp>)) {
                (self.status, self.started_at, self.ended_at) = l;
            }
            $(fn inferred(&self) -> bool {
                self.$inferred
            })?
        }
    };
}
lifecycle_of!(StageExecution, inferred);
lifecycle_of!(BatchExecution);
lifecycle_of!(DeploymentExecution);

impl Lifecycle for Run {
    fn life(&self) -> (Status, Timestamp, Option<Timestamp>) {
        (self.status, self.started_at, self.ended_at)
    }
    fn set_life(&mut self, l: (Status, Timestamp, Option<Timestamp>)) {
        (self.status, self.started_at, self.ended_at) = l;
    }
    fn inferred(&self) -> bool {
        self.inferred
    }
    fn unite(&mut self, other: &Self) -> Vec<String> {
        let mut clashes = vec![];
        for (k, v) in &other.params {
            match self.params.get(k) {
                None => {
                    self.params.insert(k.clone(), v.clone());
                }
                Some(mine) if mine != v => clashes.push(format!("params.{k}")),
                Some(_) => {}
            }
        }
        clashes
    }
}

const LIFE_FIELDS: &[&str] = &["status", "started_at", "ended_at", "inferred", "params"];

fn merge_lifecycle<T: Lifecycle>(target: Option<T>, source: T) -> Outcome<T> {
    let Some(mine) = target else {
        return Outcome::Write(source);
    };
    if mine == source {
        return Outcome::Same;
    }
    // A declared copy replaces one made up from records; a made-up one adds nothing.
    if mine.inferred() && !source.inferred() {
        let mut out = source;
        out.unite(&mine);
        let (life, _) = lifecycle(out.life(), mine.life());
        out.set_life(life);
        return if out == mine {
            Outcome::Same
        } else {
            Outcome::Write(out)
        };
    }
    let mut out = mine.clone();
    let mut fields = differing(&mine, &source, LIFE_FIELDS);
    if !source.inferred() {
        fields.extend(out.unite(&source));
    }
    let (life, clash) = lifecycle(mine.life(), source.life());
    if clash {
        fields.push("status".into());
    }
    out.set_life(life);
    let changed = (out != mine).then_some(out);
    match (fields.is_empty(), changed) {
        (true, None) => Outcome::Same,
        (true, Some(out)) => Outcome::Write(out),
        (false, changed) => Outcome::Conflict(changed, fields),
    }
}

/// Entities without a lifecycle: equal, new, or a conflict (the target's copy stays).
fn merge_plain<T: PartialEq + serde::Serialize>(
    target: Option<T>,
    source: T,
    skip: &[&str],
) -> Outcome<T> {
    match target {
        None => Outcome::Write(source),
        Some(mine) if mine == source => Outcome::Same,
        Some(mine) => {
            let fields = differing(&mine, &source, skip);
            if fields.is_empty() {
                Outcome::Same
            } else {
                Outcome::Conflict(None, fields)
            }
        }
    }
}

struct EntityMerge<'a> {
    source_id: &'a str,
    ops: Vec<WriteOp>,
    markers: Vec<(Ref, Record)>,
    report: &'a mut SourceReport,
    now: Timestamp,
}

impl EntityMerge<'_> {
    fn take<T>(
        &mut self,
        entity: &Ref,
        run: Option<&Ref>,
        outcome: Outcome<T>,
        op: impl Fn(T) -> WriteOp,
        source_json: impl FnOnce() -> serde_json::Value,
    ) {
        match outcome {
            Outcome::Same => {}
            Outcome::Write(t) => {
                self.ops.push(op(t));
                self.report.entities += 1;
            }
            Outcome::Conflict(write, fields) => {
                if let Some(t) = write {
                    self.ops.push(op(t));
                    self.report.entities += 1;
                }
                let marker = run.and_then(|r| self.marker(r, entity, &fields, source_json()));
                self.report.conflicts.push(Conflict {
                    entity: entity.to_string(),
                    fields,
                    marker_run: marker.as_ref().map(|(r, _)| r.to_string()),
                });
                if let Some(m) = marker {
                    self.markers.push(m);
                }
            }
        }
    }

    /// A degraded marker on `run` naming the entity and fields that differ, with a ref derived
    /// from the source and the differing copy, so merging the same source again finds it.
    fn marker(
        &self,
        run: &Ref,
        entity: &Ref,
        fields: &[String],
        source_copy: serde_json::Value,
    ) -> Option<(Ref, Record)> {
        let identity = format!("{}\n{}\n{}", self.source_id, entity, source_copy);
        let token = format!(
            "merge-conflict-{:016x}",
            xxhash_rust::xxh3::xxh3_64(identity.as_bytes())
        );
        let rref = run.child("record", &token).ok()?;
        let mut attributes = JsonMap::default();
        attributes.0.insert(
            "source_workspace".into(),
            serde_json::Value::String(self.source_id.to_string()),
        );
        attributes
            .0
            .insert("fields".into(), serde_json::json!(fields));
        attributes.0.insert("source_copy".into(), source_copy);
        let payload = DegradedPayload {
            issue_key: "merge_conflict".into(),
            category: DegradedCategory::Import,
            severity: Severity::Warning,
            summary: format!(
                "merge: {entity} differs in {} between this workspace and a source; this workspace's copy was kept",
                fields.join(", ")
            ),
            subject_ref: Some(entity.clone()),
            origin_marker: CaptureOrigin::Imported,
            attributes,
        };
        let mut envelope =
            Envelope::new(rref, RecordType::Degraded, run.clone(), PRODUCER, self.now);
        envelope.degradation_marker = Degradation::ImportLoss;
        Some((
            run.clone(),
            Record {
                envelope,
                payload: Payload::Degraded(payload),
            },
        ))
    }
}

fn json_of<T: serde::Serialize>(t: &T) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or(serde_json::Value::Null)
}

/// Entities of one source into the target, in one commit (records then refer to them).
fn merge_entities(
    target: &Workspace,
    snap: &ReadSnapshot<'_>,
    source_id: &str,
    report: &mut SourceReport,
) -> Result<(), RecoveryError> {
    let have = target.read()?;
    let mut m = EntityMerge {
        source_id,
        ops: vec![],
        markers: vec![],
        report,
        now: Timestamp::now(),
    };
    let runs = snap.all_runs()?;
    let first_run_of = |p: &Ref| {
        runs.iter()
            .find(|r| &r.project_ref == p)
            .map(|r| &r.run_ref)
    };
    for p in snap.projects()? {
        let mine = have.project(&p.project_ref)?;
        // Each rank creates the project when it starts: the earliest creation is the truth.
        let outcome = match merge_plain(mine.clone(), p.clone(), &["created_at"]) {
            Outcome::Same => match mine {
                Some(mut mine) if p.created_at < mine.created_at => {
                    mine.created_at = p.created_at;
                    Outcome::Write(mine)
                }
                _ => Outcome::Same,
            },
            other => other,
        };
        let j = json_of(&p);
        m.take(
            &p.project_ref,
            first_run_of(&p.project_ref),
            outcome,
            WriteOp::Project,
            || j,
        );
    }
    for r in &runs {
        let mine = have.run(&r.run_ref)?.map(|i| i.run);
        let j = json_of(r);
        m.take(
            &r.run_ref,
            Some(&r.run_ref),
            merge_lifecycle(mine, r.clone()),
            WriteOp::Run,
            || j,
        );
    }
    for r in &runs {
        let rr = &r.run_ref;
        let mine: BTreeMap<Ref, StageExecution> = have
            .stages(rr)?
            .into_iter()
            .map(|s| (s.stage_execution_ref.clone(), s))
            .collect();
        for s in snap.stages(rr)? {
            let j = json_of(&s);
            let o = merge_lifecycle(mine.get(&s.stage_execution_ref).cloned(), s.clone());
            m.take(&s.stage_execution_ref, Some(rr), o, WriteOp::Stage, || j);
        }
        let mine: BTreeMap<Ref, BatchExecution> = have
            .batches(rr)?
            .into_iter()
            .map(|b| (b.batch_execution_ref.clone(), b))
            .collect();
        for b in snap.batches(rr)? {
            let j = json_of(&b);
            let o = merge_lifecycle(mine.get(&b.batch_execution_ref).cloned(), b.clone());
            m.take(&b.batch_execution_ref, Some(rr), o, WriteOp::Batch, || j);
        }
        let mine: BTreeMap<Ref, SampleObservation> = have
            .samples(rr)?
            .into_iter()
            .map(|s| (s.sample_observation_ref.clone(), s))
            .collect();
        for s in snap.samples(rr)? {
            let j = json_of(&s);
            let o = merge_plain(mine.get(&s.sample_observation_ref).cloned(), s.clone(), &[]);
            m.take(
                &s.sample_observation_ref,
                Some(rr),
                o,
                WriteOp::Sample,
                || j,
            );
        }
        let mine: BTreeMap<Ref, OperationContext> = have
            .operations(rr)?
            .into_iter()
            .map(|o| (o.operation_context_ref.clone(), o))
            .collect();
        for o in snap.operations(rr)? {
            let j = json_of(&o);
            let out = merge_plain(mine.get(&o.operation_context_ref).cloned(), o.clone(), &[]);
            m.take(
                &o.operation_context_ref,
                Some(rr),
                out,
                WriteOp::Operation,
                || j,
            );
        }
        let mine: BTreeMap<Ref, EnvironmentSnapshot> = have
            .environments(rr)?
            .into_iter()
            .map(|e| (e.environment_snapshot_ref.clone(), e))
            .collect();
        for e in snap.environments(rr)? {
            let j = json_of(&e);
            let out = merge_plain(
                mine.get(&e.environment_snapshot_ref).cloned(),
                e.clone(),
                &[],
            );
            m.take(
                &e.environment_snapshot_ref,
                Some(rr),
                out,
                WriteOp::Environment,
                || j,
            );
        }
        let mine: BTreeMap<Ref, ArtifactManifest> = have
            .artifacts(rr)?
            .into_iter()
            .map(|a| (a.artifact_ref.clone(), a))
            .collect();
        for a in snap.artifacts(rr)? {
            let j = json_of(&a);
            let out = merge_plain(mine.get(&a.artifact_ref).cloned(), a.clone(), &[]);
            m.take(&a.artifact_ref, Some(rr), out, WriteOp::Artifact, || j);
        }
    }
    let mine: BTreeMap<Ref, DeploymentExecution> = have
        .all_deployments()?
        .into_iter()
        .map(|d| (d.deployment_execution_ref.clone(), d))
        .collect();
    for d in snap.all_deployments()? {
        let j = json_of(&d);
        let run = d.run_ref.clone();
        let o = merge_lifecycle(mine.get(&d.deployment_execution_ref).cloned(), d.clone());
        m.take(
            &d.deployment_execution_ref,
            run.as_ref(),
            o,
            WriteOp::Deployment,
            || j,
        );
    }
    let mine: BTreeMap<Ref, Relation> = have
        .relations()?
        .into_iter()
        .map(|r| (r.relation_ref.clone(), r))
        .collect();
    for rel in snap.relations()? {
        let j = json_of(&rel);
        let run = rel
            .source_ref
            .run_ref()
            .or_else(|| rel.target_ref.run_ref());
        let o = merge_plain(mine.get(&rel.relation_ref).cloned(), rel.clone(), &[]);
        m.take(&rel.relation_ref, run.as_ref(), o, WriteOp::Relation, || j);
    }
    let mine: BTreeMap<Ref, ProvenanceRecord> = have
        .all_provenance()?
        .into_iter()
        .map(|p| (p.provenance_ref.clone(), p))
        .collect();
    for p in snap.all_provenance()? {
        let j = json_of(&p);
        let o = merge_plain(mine.get(&p.provenance_ref).cloned(), p.clone(), &[]);
        m.take(&p.provenance_ref, None, o, WriteOp::Provenance, || j);
    }
    // A marker already written by an earlier merge of this source is not written again.
    let mut seen = BTreeSet::new();
    for (run, marker) in std::mem::take(&mut m.markers) {
        let token = marker.envelope.record_ref.last().to_string();
        if seen.insert(marker.envelope.record_ref.clone())
            && have.find_record(&run, &token)?.is_none()
        {
            m.ops.push(WriteOp::Record(marker));
        }
    }
    drop(have);
    if !m.ops.is_empty() {
        target.write(&m.ops)?;
    }
    Ok(())
}

/// Artifact bodies by content hash: a body the target lacks is copied (and re-hashed on the
/// way in, so a damaged source body is refused rather than spread).
fn copy_objects(
    target: &Workspace,
    src: &Workspace,
    snap: &ReadSnapshot<'_>,
    report: &mut SourceReport,
) -> Result<(), RecoveryError> {
    for a in snap.all_artifacts()? {
        let Some((rel, path)) = object_path(src.root(), &a) else {
            continue;
        };
        if target.root().join(&rel).exists() || !path.exists() {
            continue;
        }
        let stored = put_object(target.root(), &path, IngestMode::Copy)
            .map_err(|e| RecoveryError::Invalid(format!("{}: {e}", path.display())))?;
        if object_path_sha256(&rel).is_some_and(|sha| sha != stored.sha256) {
            return Err(RecoveryError::Invalid(format!(
                "{}: its content hash is {}, not the one its name promises; not merged",
                path.display(),
                stored.sha256
            )));
        }
        report.artifact_objects += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: Status, start: i64, end: Option<i64>) -> Run {
        let mut r = Run::new(Ref::parse("run:p.job").unwrap(), "job", Timestamp(start));
        r.status = status;
        r.ended_at = end.map(Timestamp);
        r
    }

    #[test]
    fn the_latest_finished_writer_sets_status_and_end_and_the_earliest_start_stays() {
        let open = run(Status::Open, 5, None);
        let done = run(Status::Completed, 9, Some(20));
        let Outcome::Write(m) = merge_lifecycle(Some(open), done.clone()) else {
            panic!("a finished copy moves an open one on");
        };
        assert_eq!(
            (m.status, m.started_at, m.ended_at),
            (Status::Completed, Timestamp(5), Some(Timestamp(20)))
        );
        // An open copy never reopens a finished one.
        let again = merge_lifecycle(Some(m.clone()), run(Status::Open, 9, None));
        assert!(matches!(again, Outcome::Same));
        // Two finished copies that disagree: the later end wins, and it is a conflict.
        let failed = run(Status::Failed, 7, Some(30));
        let Outcome::Conflict(Some(m), fields) = merge_lifecycle(Some(m), failed) else {
            panic!("two finished statuses are a conflict");
        };
        assert_eq!(fields, vec!["status".to_string()]);
        assert_eq!(
            (m.status, m.ended_at),
            (Status::Failed, Some(Timestamp(30)))
        );
    }

    #[test]
    fn a_declared_copy_replaces_an_inferred_one_without_conflict() {
        let mut inferred = run(Status::Open, 3, None);
        inferred.inferred = true;
        inferred.name = "p.job".into();
        let mut declared = run(Status::Open, 4, None);
        declared.params.insert("lr".into(), "0.1".into());
        let Outcome::Write(m) = merge_lifecycle(Some(inferred), declared) else {
            panic!("the declared copy is written");
        };
        assert!(!m.inferred);
        assert_eq!(m.name, "job");
        assert_eq!(m.started_at, Timestamp(3));
        assert_eq!(m.params["lr"], "0.1");
    }

    #[test]
    fn params_unite_and_a_param_with_two_values_is_a_conflict_that_keeps_the_first() {
        let mut a = run(Status::Open, 1, None);
        a.params.insert("lr".into(), "0.1".into());
        let mut b = run(Status::Open, 1, None);
        b.params.insert("lr".into(), "0.2".into());
        b.params.insert("seed".into(), "7".into());
        let Outcome::Conflict(Some(m), fields) = merge_lifecycle(Some(a), b) else {
            panic!("two values of one param are a conflict");
        };
        assert_eq!(fields, vec!["params.lr".to_string()]);
        assert_eq!(m.params["lr"], "0.1");
        assert_eq!(m.params["seed"], "7");
    }

    #[test]
    fn a_ranked_record_is_renamed_once_and_an_unranked_one_keeps_its_ref() {
        let rref = Ref::parse("run:p.job").unwrap();
        let mut m = MetricPayload::new("loss", 1.0, Some(1));
        m.tags.insert("rank".into(), "3".into());
        let rec = Record {
            envelope: Envelope::new(
                rref.child("record", "seq-1").unwrap(),
                RecordType::Metric,
                rref.clone(),
                "t",
                Timestamp(1),
            ),
            payload: Payload::Metric(m),
        };
        let once = with_rank_identity(rec.clone());
        assert_eq!(
            once.envelope.record_ref.as_str(),
            "record:p.job.rank3-seq-1"
        );
        let twice = with_rank_identity(once.clone());
        assert_eq!(twice.envelope.record_ref, once.envelope.record_ref);
        let mut plain = rec;
        if let Payload::Metric(m) = &mut plain.payload {
            m.tags.remove("rank");
        }
        let kept = with_rank_identity(plain.clone());
        assert_eq!(kept.envelope.record_ref, plain.envelope.record_ref);
    }
}
