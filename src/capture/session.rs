//! The capture API. A `Session` owns a writer handle on the workspace and a background
//! committer; `RunHandle`s log into it without ever waiting on disk.
//!
//! ```no_run
//! # fn main() -> Result<(), contexta::capture::CaptureError> {
//! let session = contexta::capture::Session::open(std::path::Path::new(".contexta"))?;
//! let run = session.start_run("mnist", "baseline")?;
//! let train = run.stage("train")?;
//! for step in 0..100 {
//!     train.metric("loss", 1.0 / (step as f64 + 1.0), Some(step))?;
//! }
//! train.finish(contexta::model::Status::Completed)?;
//! run.finish(contexta::model::Status::Completed)?;
//! # Ok(()) }
//! ```

use super::committer::{CommitPolicy, Committer};
use crate::model::*;
use crate::store::objects::{ArtifactError, IngestMode, put_object};
use crate::store::{Access, StoreError, Workspace, WriteOp};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Ref(#[from] RefError),
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error("commit failed: {0}")]
    Commit(String),
}

pub struct Session {
    ws: Arc<Workspace>,
    committer: Committer,
    producer: String,
}

impl Session {
    pub fn open(root: &Path) -> Result<Session, CaptureError> {
        Self::open_with(root, CommitPolicy::default())
    }

    pub fn open_with(root: &Path, policy: CommitPolicy) -> Result<Session, CaptureError> {
        Self::open_with_cache(root, policy, None)
    }

    /// With the store's page cache capped at `cache_bytes` (see `Workspace::open_with_cache`).
    pub fn open_with_cache(
        root: &Path,
        policy: CommitPolicy,
        cache_bytes: Option<usize>,
    ) -> Result<Session, CaptureError> {
        let ws = Arc::new(Workspace::open_with_cache(
            root,
            Access::Write,
            cache_bytes,
        )?);
        Ok(Session {
            committer: Committer::start(ws.clone(), policy),
            ws,
            producer: "contexta.capture".into(),
        })
    }

    /// Sets the `producer_ref` stamped on records (a dotted lower-case token).
    pub fn set_producer(&mut self, producer: &str) -> Result<(), CaptureError> {
        crate::model::error::dot_token("producer_ref", producer)?;
        self.producer = producer.to_string();
        Ok(())
    }

    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Commits everything buffered, waiting for the write lock if another process holds it.
    pub fn flush(&self) -> Result<(), CaptureError> {
        self.committer.flush().map_err(CaptureError::Commit)
    }

    /// The last error the background committer met, if any.
    pub fn last_error(&self) -> Option<String> {
        self.committer.last_error()
    }

    pub(crate) fn backlog(&self) -> usize {
        self.committer.backlog()
    }

    pub(crate) fn send(&self, op: WriteOp) {
        self.committer.send(op);
    }

    /// Starts a new run (`project` and `name` are slugged into ref components), or resumes it
    /// if a run with that ref already exists.
    pub fn start_run(&self, project: &str, name: &str) -> Result<RunHandle<'_>, CaptureError> {
        let pref = Ref::build("project", &[&slug(project)])?;
        let rref = pref.child("run", &slug(name))?;
        if let Some(existing) = self.ws.read()?.run(&rref)? {
            let mut run = existing.run;
            run.status = Status::Open;
            run.ended_at = None;
            run.inferred = false;
            self.send(WriteOp::Run(run.clone()));
            return Ok(RunHandle::new(self, run));
        }
        let now = Timestamp::now();
        if self.ws.read()?.project(&pref)?.is_none() {
            self.send(WriteOp::Project(Project::new(pref.clone(), project, now)));
        }
        let run = Run::new(rref, name, now);
        self.send(WriteOp::Run(run.clone()));
        Ok(RunHandle::new(self, run))
    }

    /// Resumes a run by ref; it must exist.
    pub fn resume_run(&self, rref: &Ref) -> Result<RunHandle<'_>, CaptureError> {
        let info = self
            .ws
            .read()?
            .run(rref)?
            .ok_or_else(|| StoreError::NotFound(rref.to_string()))?;
        Ok(RunHandle::new(self, info.run))
    }
}

/// One run being captured. Dropping it flushes (a crash loses at most the uncommitted tail);
/// `finish` also sets the final status.
pub struct RunHandle<'s> {
    session: &'s Session,
    run: Mutex<Run>,
    run_ref: Ref,
    /// Stand-in record ref; the store generates the real one at commit.
    pending_ref: Ref,
    finished: Mutex<bool>,
}

impl<'s> RunHandle<'s> {
    fn new(session: &'s Session, run: Run) -> Self {
        let pending_ref = run
            .run_ref
            .child("record", "pending")
            .unwrap_or_else(|_| run.run_ref.clone());
        RunHandle {
            session,
            pending_ref,
            run_ref: run.run_ref.clone(),
            run: Mutex::new(run),
            finished: Mutex::new(false),
        }
    }

    pub fn run_ref(&self) -> &Ref {
        &self.run_ref
    }

    fn update_run(&self, f: impl FnOnce(&mut Run)) {
        if let Ok(mut run) = self.run.lock() {
            f(&mut run);
            self.session.send(WriteOp::Run(run.clone()));
        }
    }

    pub fn param(&self, key: &str, value: impl ToString) {
        let v = value.to_string();
        self.update_run(|r| {
            r.params.insert(key.to_string(), v);
        });
    }

    pub fn params(&self, params: &BTreeMap<String, String>) {
        self.update_run(|r| r.params.extend(params.clone()));
    }

    pub fn describe(&self, text: &str) {
        self.update_run(|r| r.description = Some(text.to_string()));
    }

    fn envelope(&self, t: RecordType, stage: Option<&Ref>, at: Timestamp) -> Envelope {
        // The pending ref is replaced by `record:<run>.seq-<n>` at commit (WriteOp::Captured).
        Envelope::new(
            self.pending_ref.clone(),
            t,
            self.run_ref.clone(),
            &self.session.producer,
            at,
        )
        .in_stage(stage)
    }

    fn emit(&self, envelope: Envelope, payload: Payload) -> Result<(), CaptureError> {
        let record = Record { envelope, payload };
        record.validate()?;
        self.session.send(WriteOp::Captured(record));
        Ok(())
    }

    pub(crate) fn metric_at(
        &self,
        stage: Option<&Ref>,
        key: &str,
        value: f64,
        step: Option<i64>,
        at: Timestamp,
    ) -> Result<(), CaptureError> {
        if !value.is_finite() {
            // Canonical JSON cannot carry NaN or infinity; a diverging loss is still worth
            // knowing about, so it becomes an error marker that diagnostics reports.
            let mut env = self.envelope(RecordType::Degraded, stage, at);
            env.degradation_marker = Degradation::PartialFailure;
            let mut attributes = JsonMap::default();
            attributes.insert("metric_key", key);
            attributes.insert("value", value.to_string());
            if let Some(s) = step {
                attributes.insert("step", s);
            }
            let payload = Payload::Degraded(DegradedPayload {
                issue_key: "metric.non_finite".into(),
                category: DegradedCategory::Capture,
                severity: Severity::Error,
                summary: format!(
                    "{key} was {value}{}",
                    step.map(|s| format!(" at step {s}")).unwrap_or_default()
                ),
                subject_ref: None,
                origin_marker: CaptureOrigin::ExplicitCapture,
                attributes,
            });
            return self.emit(env, payload);
        }
        let payload = Payload::Metric(MetricPayload::new(key, value, step));
        self.emit(self.envelope(RecordType::Metric, stage, at), payload)
    }

    /// A metric point; `step` defaults to the point's index in its series.
    pub fn metric(&self, key: &str, value: f64, step: Option<i64>) -> Result<(), CaptureError> {
        self.metric_at(None, key, value, step, Timestamp::now())
    }

    pub(crate) fn event_in(
        &self,
        stage: Option<&Ref>,
        key: &str,
        level: Level,
        message: &str,
        attributes: JsonMap,
    ) -> Result<(), CaptureError> {
        let payload = Payload::Event(EventPayload {
            event_key: key.to_string(),
            level,
            message: message.to_string(),
            subject_ref: None,
            attributes,
            origin_marker: CaptureOrigin::ExplicitCapture,
        });
        self.emit(
            self.envelope(RecordType::Event, stage, Timestamp::now()),
            payload,
        )
    }

    pub fn event(&self, key: &str, level: Level, message: &str) -> Result<(), CaptureError> {
        self.event_in(None, key, level, message, JsonMap::default())
    }

    pub fn event_with(
        &self,
        key: &str,
        level: Level,
        message: &str,
        attributes: JsonMap,
    ) -> Result<(), CaptureError> {
        self.event_in(None, key, level, message, attributes)
    }

    pub(crate) fn degraded_in(
        &self,
        stage: Option<&Ref>,
        issue_key: &str,
        category: DegradedCategory,
        severity: Severity,
        summary: &str,
        marker: Degradation,
    ) -> Result<(), CaptureError> {
        let mut env = self.envelope(RecordType::Degraded, stage, Timestamp::now());
        env.degradation_marker = if marker == Degradation::None {
            Degradation::PartialFailure
        } else {
            marker
        };
        let payload = Payload::Degraded(DegradedPayload {
            issue_key: issue_key.to_string(),
            category,
            severity,
            summary: summary.to_string(),
            subject_ref: None,
            origin_marker: CaptureOrigin::ExplicitCapture,
            attributes: JsonMap::default(),
        });
        self.emit(env, payload)
    }

    /// A degraded marker: something about this run's data is known to be incomplete or wrong.
    pub fn degraded(
        &self,
        issue_key: &str,
        category: DegradedCategory,
        severity: Severity,
        summary: &str,
    ) -> Result<(), CaptureError> {
        self.degraded_in(
            None,
            issue_key,
            category,
            severity,
            summary,
            Degradation::PartialFailure,
        )
    }

    /// Times a block: the span is recorded when the guard drops.
    pub fn span(&self, name: &str) -> SpanGuard<'_, 's> {
        SpanGuard::new(self, None, name)
    }

    pub fn stage(&self, name: &str) -> Result<StageHandle<'_, 's>, CaptureError> {
        let stage = StageExecution::new(&self.run_ref, name, Timestamp::now())?;
        self.session.send(WriteOp::Stage(stage.clone()));
        Ok(StageHandle {
            run: self,
            stage: Mutex::new(stage.clone()),
            stage_ref: stage.stage_execution_ref,
        })
    }

    /// Copies (moves, adopts) a file into the artifact store and registers it with this run.
    pub fn artifact(
        &self,
        kind: &str,
        path: &Path,
        mode: IngestMode,
        stage: Option<&Ref>,
    ) -> Result<ArtifactManifest, CaptureError> {
        let obj = put_object(self.session.ws.root(), path, mode)?;
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("artifact")
            .to_string();
        let key = format!("{}-{}", slug(kind), &obj.sha256[..12]);
        let mut attributes = JsonMap::default();
        attributes.insert("object_path", obj.path.clone());
        let manifest = ArtifactManifest {
            artifact_ref: self.run_ref.child("artifact", &key)?,
            artifact_kind: kind.replace('-', "_"),
            created_at: Timestamp::now(),
            producer_ref: self.session.producer.clone(),
            run_ref: self.run_ref.clone(),
            location_ref: file_name,
            deployment_execution_ref: None,
            stage_execution_ref: stage.cloned(),
            batch_execution_ref: None,
            sample_observation_ref: None,
            operation_context_ref: None,
            hash_value: Some(obj.sha256),
            size_bytes: Some(obj.size),
            attributes,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        };
        manifest.validate()?;
        self.session.send(WriteOp::Artifact(manifest.clone()));
        Ok(manifest)
    }

    /// Records a lineage edge `source --relation--> target`.
    pub fn relate(
        &self,
        source: &Ref,
        relation: RelationType,
        target: &Ref,
    ) -> Result<Relation, CaptureError> {
        let token = format!(
            "{}-{}",
            slug(relation.as_str()),
            &crate::capture::short_hash(&format!("{source}>{target}"))
        );
        let rref = Ref::build(
            "relation",
            &[self.run_ref.first(), self.run_ref.last(), &token],
        )?;
        let rel = Relation::new(rref, relation, source, target, Timestamp::now());
        rel.validate()?;
        self.session.send(WriteOp::Relation(rel.clone()));
        Ok(rel)
    }

    /// Records where this run ran (host, OS, user, cwd, command, git) plus the chosen
    /// environment variables.
    pub fn provenance(&self, env_vars: &[&str]) -> Result<EnvironmentSnapshot, CaptureError> {
        let snap = super::provenance::snapshot(&self.run_ref, env_vars, Timestamp::now())?;
        snap.validate()?;
        self.session.send(WriteOp::Environment(snap.clone()));
        Ok(snap)
    }

    pub fn deployment(
        &self,
        name: &str,
        artifact: Option<&Ref>,
        status: Status,
    ) -> Result<DeploymentExecution, CaptureError> {
        let project = self
            .run_ref
            .project_ref()
            .ok_or_else(|| ValidationError::new("run_ref", "has no project"))?;
        let now = Timestamp::now();
        let d = DeploymentExecution {
            deployment_execution_ref: project.child("deployment", name)?,
            project_ref: project,
            deployment_name: name.to_string(),
            status,
            started_at: now,
            ended_at: (status != Status::Open).then_some(now),
            order_index: None,
            run_ref: Some(self.run_ref.clone()),
            artifact_ref: artifact.cloned(),
            environment_snapshot_ref: None,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        };
        d.validate()?;
        self.session.send(WriteOp::Deployment(d.clone()));
        Ok(d)
    }

    /// Sets the final status and end time, and commits everything.
    pub fn finish(&self, status: Status) -> Result<(), CaptureError> {
        let now = Timestamp::now();
        self.update_run(|r| {
            r.status = status;
            r.ended_at = (status != Status::Open).then_some(now.max(r.started_at));
        });
        if let Ok(mut f) = self.finished.lock() {
            *f = true;
        }
        self.session.flush()
    }
}

impl Drop for RunHandle<'_> {
    fn drop(&mut self) {
        let _ = self.session.flush();
    }
}

pub struct StageHandle<'r, 's> {
    run: &'r RunHandle<'s>,
    stage: Mutex<StageExecution>,
    stage_ref: Ref,
}

impl<'r, 's> StageHandle<'r, 's> {
    pub fn stage_ref(&self) -> &Ref {
        &self.stage_ref
    }

    pub fn metric(&self, key: &str, value: f64, step: Option<i64>) -> Result<(), CaptureError> {
        self.run
            .metric_at(Some(&self.stage_ref), key, value, step, Timestamp::now())
    }

    pub fn metric_at(
        &self,
        key: &str,
        value: f64,
        step: Option<i64>,
        at: Timestamp,
    ) -> Result<(), CaptureError> {
        self.run
            .metric_at(Some(&self.stage_ref), key, value, step, at)
    }

    pub fn event(&self, key: &str, level: Level, message: &str) -> Result<(), CaptureError> {
        self.run.event_in(
            Some(&self.stage_ref),
            key,
            level,
            message,
            JsonMap::default(),
        )
    }

    pub fn event_with(
        &self,
        key: &str,
        level: Level,
        message: &str,
        attrs: JsonMap,
    ) -> Result<(), CaptureError> {
        self.run
            .event_in(Some(&self.stage_ref), key, level, message, attrs)
    }

    pub fn degraded(
        &self,
        issue_key: &str,
        category: DegradedCategory,
        severity: Severity,
        summary: &str,
        marker: Degradation,
    ) -> Result<(), CaptureError> {
        self.run.degraded_in(
            Some(&self.stage_ref),
            issue_key,
            category,
            severity,
            summary,
            marker,
        )
    }

    pub fn span(&self, name: &str) -> SpanGuard<'r, 's> {
        SpanGuard::new(self.run, Some(self.stage_ref.clone()), name)
    }

    pub fn batch(&self, name: &str, order: u32) -> Result<BatchExecution, CaptureError> {
        let now = Timestamp::now();
        let b = BatchExecution {
            batch_execution_ref: self.stage_ref.child("batch", name)?,
            run_ref: self.run.run_ref.clone(),
            stage_execution_ref: self.stage_ref.clone(),
            batch_name: name.to_string(),
            status: Status::Open,
            started_at: now,
            ended_at: None,
            order_index: Some(order),
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        };
        b.validate()?;
        self.run.session.send(WriteOp::Batch(b.clone()));
        Ok(b)
    }

    /// Re-puts a batch with its final status.
    pub fn finish_batch(&self, mut b: BatchExecution, status: Status) -> Result<(), CaptureError> {
        b.status = status;
        b.ended_at = (status != Status::Open).then(|| Timestamp::now().max(b.started_at));
        b.validate()?;
        self.run.session.send(WriteOp::Batch(b));
        Ok(())
    }

    pub fn sample(
        &self,
        name: &str,
        batch: Option<&Ref>,
    ) -> Result<SampleObservation, CaptureError> {
        let owner = batch.unwrap_or(&self.stage_ref);
        let s = SampleObservation {
            sample_observation_ref: owner.child("sample", name)?,
            run_ref: self.run.run_ref.clone(),
            stage_execution_ref: self.stage_ref.clone(),
            sample_name: name.to_string(),
            observed_at: Timestamp::now(),
            batch_execution_ref: batch.cloned(),
            retention_class: None,
            redaction_profile: None,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        };
        s.validate()?;
        self.run.session.send(WriteOp::Sample(s.clone()));
        Ok(s)
    }

    /// A metric about one sample (envelope `sample_observation_ref`).
    pub fn sample_metric(
        &self,
        sample: &SampleObservation,
        key: &str,
        value: f64,
    ) -> Result<(), CaptureError> {
        let mut env =
            self.run
                .envelope(RecordType::Metric, Some(&self.stage_ref), Timestamp::now());
        env.sample_observation_ref = Some(sample.sample_observation_ref.clone());
        env.batch_execution_ref = sample.batch_execution_ref.clone();
        let payload = Payload::Metric(
            MetricPayload::new(key, value, None).with_scope(AggregationScope::Slice),
        );
        self.run.emit(env, payload)
    }

    pub fn operation(&self, name: &str) -> Result<OperationContext, CaptureError> {
        let o = OperationContext {
            operation_context_ref: self.stage_ref.child("op", name)?,
            run_ref: self.run.run_ref.clone(),
            stage_execution_ref: self.stage_ref.clone(),
            operation_name: name.to_string(),
            observed_at: Timestamp::now(),
            batch_execution_ref: None,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        };
        o.validate()?;
        self.run.session.send(WriteOp::Operation(o.clone()));
        Ok(o)
    }

    pub fn finish(&self, status: Status) -> Result<(), CaptureError> {
        let now = Timestamp::now();
        if let Ok(mut s) = self.stage.lock() {
            s.status = status;
            s.ended_at = (status != Status::Open).then_some(now.max(s.started_at));
            self.run.session.send(WriteOp::Stage(s.clone()));
        }
        Ok(())
    }
}

/// Records a span from its creation to its drop. `fail` marks it as an error.
pub struct SpanGuard<'r, 's> {
    run: &'r RunHandle<'s>,
    stage: Option<Ref>,
    name: String,
    started: Timestamp,
    status: SpanStatus,
    span_id: String,
}

impl<'r, 's> SpanGuard<'r, 's> {
    fn new(run: &'r RunHandle<'s>, stage: Option<Ref>, name: &str) -> Self {
        let started = Timestamp::now();
        SpanGuard {
            run,
            stage,
            name: name.to_string(),
            started,
            status: SpanStatus::Ok,
            span_id: format!(
                "span-{}",
                crate::capture::short_hash(&format!("{name}{}", started.0))
            ),
        }
    }

    pub fn fail(&mut self) {
        self.status = SpanStatus::Error;
    }
}

impl Drop for SpanGuard<'_, '_> {
    fn drop(&mut self) {
        let ended = Timestamp::now();
        let mut env = self
            .run
            .envelope(RecordType::Span, self.stage.as_ref(), ended);
        let trace = format!(
            "trace-{}",
            crate::capture::short_hash(self.run.run_ref.as_str())
        );
        env.correlation_refs.trace_id = Some(trace.clone());
        let payload = Payload::Span(SpanPayload {
            span_id: self.span_id.clone(),
            trace_id: trace,
            parent_span_id: None,
            span_name: self.name.clone(),
            started_at: self.started,
            ended_at: ended.max(self.started),
            status: self.status,
            span_kind: SpanKind::Operation,
            attributes: JsonMap::default(),
            linked_refs: vec![],
        });
        let _ = self.run.emit(env, payload);
    }
}
