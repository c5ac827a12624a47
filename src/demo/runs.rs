//! Writes the demo's historic runs with explicit timestamps, straight through the store.
// The demo's tables of runs and its record builders read best inline, argument by argument.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]

use crate::capture::{IngestMode, put_object};
use crate::model::*;
use crate::store::{StoreError, Workspace, WriteOp};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct DemoSummary {
    pub projects: usize,
    pub runs: usize,
    pub records: usize,
}

struct Gen<'a> {
    ws: &'a Workspace,
    rng: fastrand::Rng,
    ops: Vec<WriteOp>,
    n: u32,
    summary: DemoSummary,
}

fn r(text: &str) -> Ref {
    Ref::parse(text).expect("demo refs are valid")
}

fn secs(t: Timestamp, s: f64) -> Timestamp {
    Timestamp(t.0 + (s * 1e6) as i64)
}

impl<'a> Gen<'a> {
    fn envelope(
        &mut self,
        run: &Ref,
        t: RecordType,
        stage: Option<&Ref>,
        at: Timestamp,
    ) -> Envelope {
        self.n += 1;
        let rref = run
            .child("record", &format!("r{:05}", self.n))
            .expect("valid");
        Envelope::new(rref, t, run.clone(), "contexta.demo", at).in_stage(stage)
    }

    fn push(&mut self, envelope: Envelope, payload: Payload) {
        self.summary.records += 1;
        self.ops.push(WriteOp::Record(Record { envelope, payload }));
    }

    fn metric(
        &mut self,
        run: &Ref,
        stage: Option<&Ref>,
        key: &str,
        v: f64,
        step: Option<i64>,
        at: Timestamp,
    ) {
        let env = self.envelope(run, RecordType::Metric, stage, at);
        let mut m = MetricPayload::new(key, v, step);
        if step.is_none() {
            m.aggregation_scope = AggregationScope::Stage;
        }
        self.push(env, Payload::Metric(m));
    }

    fn event(
        &mut self,
        run: &Ref,
        stage: Option<&Ref>,
        key: &str,
        level: Level,
        msg: &str,
        at: Timestamp,
        attrs: &[(&str, serde_json::Value)],
    ) {
        let env = self.envelope(run, RecordType::Event, stage, at);
        let mut a = JsonMap::default();
        for (k, v) in attrs {
            a.insert(*k, v.clone());
        }
        self.push(
            env,
            Payload::Event(EventPayload {
                event_key: key.into(),
                level,
                message: msg.into(),
                subject_ref: None,
                attributes: a,
                origin_marker: CaptureOrigin::ExplicitCapture,
            }),
        );
    }

    fn span(
        &mut self,
        run: &Ref,
        stage: Option<&Ref>,
        name: &str,
        from: Timestamp,
        to: Timestamp,
        status: SpanStatus,
    ) {
        let mut env = self.envelope(run, RecordType::Span, stage, to);
        let trace = format!("trace-{}", crate::capture::short_hash(run.as_str()));
        env.correlation_refs.trace_id = Some(trace.clone());
        let id = format!(
            "span-{}",
            crate::capture::short_hash(&format!("{run}{name}{}", from.0))
        );
        self.push(
            env,
            Payload::Span(SpanPayload {
                span_id: id,
                trace_id: trace,
                parent_span_id: None,
                span_name: name.into(),
                started_at: from,
                ended_at: to,
                status,
                span_kind: SpanKind::Operation,
                attributes: JsonMap::default(),
                linked_refs: vec![],
            }),
        );
    }

    fn degraded(
        &mut self,
        run: &Ref,
        stage: Option<&Ref>,
        key: &str,
        sev: Severity,
        marker: Degradation,
        summary: &str,
        at: Timestamp,
    ) {
        let mut env = self.envelope(run, RecordType::Degraded, stage, at);
        env.degradation_marker = marker;
        env.completeness_marker = Completeness::Partial;
        self.push(
            env,
            Payload::Degraded(DegradedPayload {
                issue_key: key.into(),
                category: DegradedCategory::Capture,
                severity: sev,
                summary: summary.into(),
                subject_ref: None,
                origin_marker: CaptureOrigin::ExplicitCapture,
                attributes: JsonMap::default(),
            }),
        );
    }

    fn stage(
        &mut self,
        run: &Ref,
        name: &str,
        order: u32,
        from: Timestamp,
        to: Option<Timestamp>,
        status: Status,
    ) -> Ref {
        let mut s = StageExecution::new(run, name, from).expect("valid stage");
        s.order_index = Some(order);
        s.status = status;
        s.ended_at = to;
        let sref = s.stage_execution_ref.clone();
        self.ops.push(WriteOp::Stage(s));
        sref
    }

    fn artifact(
        &mut self,
        run: &Ref,
        stage: Option<&Ref>,
        key: &str,
        kind: &str,
        file: &str,
        body: &[u8],
        at: Timestamp,
    ) -> Result<Ref, StoreError> {
        let staging = self.ws.root().join("artifacts/staging");
        std::fs::create_dir_all(&staging).map_err(|source| StoreError::Io {
            path: staging.clone(),
            source,
        })?;
        let tmp = staging.join(format!("demo-{}", file));
        std::fs::write(&tmp, body).map_err(|source| StoreError::Io {
            path: tmp.clone(),
            source,
        })?;
        let obj = put_object(self.ws.root(), &tmp, IngestMode::Adopt)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut attributes = JsonMap::default();
        attributes.insert("object_path", obj.path.clone());
        let aref = run.child("artifact", key).expect("valid artifact ref");
        self.ops.push(WriteOp::Artifact(ArtifactManifest {
            artifact_ref: aref.clone(),
            artifact_kind: kind.into(),
            created_at: at,
            producer_ref: "contexta.demo".into(),
            run_ref: run.clone(),
            location_ref: file.into(),
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
        }));
        Ok(aref)
    }

    fn relate(&mut self, source: &Ref, t: RelationType, target: &Ref, at: Timestamp) {
        let token = format!(
            "{}-{}",
            slug(t.as_str()),
            crate::capture::short_hash(&format!("{source}>{target}"))
        );
        let rref = Ref::build("relation", &[source.first(), &token]).expect("valid relation");
        self.ops.push(WriteOp::Relation(Relation::new(
            rref, t, source, target, at,
        )));
    }

    fn environment(&mut self, run: &Ref, at: Timestamp, torch: &str, commit: &str, dirty: bool) {
        let mut packages = BTreeMap::new();
        packages.insert("numpy".to_string(), "2.1.3".to_string());
        packages.insert("torch".to_string(), torch.to_string());
        packages.insert("scikit-learn".to_string(), "1.5.2".to_string());
        let mut vars = BTreeMap::new();
        vars.insert("CUDA_VISIBLE_DEVICES".to_string(), "0".to_string());
        vars.insert("OMP_NUM_THREADS".to_string(), "8".to_string());
        let mut fields = JsonMap::default();
        fields.insert("host", "gpu-node-07");
        fields.insert("user", "mlops");
        fields.insert("cwd", "/srv/train");
        fields.insert("command", format!("python train.py --run {}", run.last()));
        fields.insert("git_commit", commit);
        fields.insert("git_dirty", dirty);
        self.ops.push(WriteOp::Environment(EnvironmentSnapshot {
            environment_snapshot_ref: run.child("environment", "runtime").expect("valid"),
            run_ref: run.clone(),
            captured_at: at,
            python_version: "3.11.7".into(),
            platform: "linux-x86_64".into(),
            packages,
            environment_variables: vars,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![Extension {
                namespace: "contexta.provenance".into(),
                fields,
                readonly_fields: vec![],
            }],
        }));
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if !self.ops.is_empty() {
            self.ws.write(&self.ops)?;
            self.ops.clear();
        }
        Ok(())
    }
}

struct TrainSpec<'s> {
    project: &'s str,
    name: &'s str,
    params: &'s [(&'s str, &'s str)],
    epochs: u32,
    steps_per_epoch: u32,
    lr: f64,
    floor: f64,
    outcome: Outcome,
}

#[derive(PartialEq, Clone, Copy)]
enum Outcome {
    Completed,
    FailedInTrain,
    Degraded,
    StillOpen,
}

fn train_run(
    g: &mut Gen<'_>,
    spec: &TrainSpec<'_>,
    start: Timestamp,
    dataset: Option<&Ref>,
) -> Result<Ref, StoreError> {
    let pref = Ref::build("project", &[spec.project]).expect("valid");
    let run = pref.child("run", spec.name).expect("valid");
    let mut rr = Run::new(run.clone(), spec.name, start);
    rr.project_ref = pref;
    for (k, v) in spec.params {
        rr.params.insert((*k).into(), (*v).into());
    }
    g.ops.push(WriteOp::Run(rr.clone()));
    g.summary.runs += 1;
    let commit = crate::capture::short_hash(spec.name);
    g.environment(
        &run,
        start,
        if spec.name.contains("lr") {
            "2.4.1"
        } else {
            "2.5.0"
        },
        &format!("{commit}{commit}0123456789abcdef"),
        spec.outcome == Outcome::Degraded,
    );
    g.event(
        &run,
        None,
        "run.started",
        Level::Info,
        &format!("training {} started", spec.name),
        start,
        &[("host", "gpu-node-07".into())],
    );

    // prepare
    let p_end = secs(start, 42.0 + g.rng.f64() * 20.0);
    let prep = g.stage(&run, "prepare", 0, start, Some(p_end), Status::Completed);
    g.event(
        &run,
        Some(&prep),
        "dataset.loaded",
        Level::Info,
        "loaded 60000 training and 10000 test images",
        secs(start, 5.0),
        &[
            ("rows", 70000.into()),
            ("source", "s3://datasets/mnist/v3".into()),
        ],
    );
    g.span(
        &run,
        Some(&prep),
        "prepare.normalize",
        secs(start, 6.0),
        secs(start, 30.0),
        SpanStatus::Ok,
    );
    g.metric(
        &run,
        Some(&prep),
        "dataset-rows",
        70000.0,
        None,
        secs(start, 31.0),
    );
    if let Some(ds) = dataset {
        g.relate(ds, RelationType::ConsumedBy, &run, start);
    }

    // train: epochs as batches, a loss per step, validation per epoch
    let t_start = p_end;
    let train = g.stage(&run, "train", 1, t_start, None, Status::Open);
    let step_secs = 1.5;
    let mut step: i64 = 0;
    let mut t = t_start;
    let total_steps = (spec.epochs * spec.steps_per_epoch) as f64;
    let mut failed_at = None;
    let mut last_val = 0.0;
    for epoch in 1..=spec.epochs {
        let e_start = t;
        let bref = train
            .child("batch", &format!("epoch-{epoch}"))
            .expect("valid");
        for _ in 0..spec.steps_per_epoch {
            step += 1;
            t = secs(t, step_secs + g.rng.f64() * 0.2);
            let progress = step as f64 / total_steps;
            let loss = spec.floor
                + (2.3 - spec.floor) * (-spec.lr * 4000.0 * progress).exp()
                + (g.rng.f64() - 0.5) * 0.08;
            g.metric(
                &run,
                Some(&train),
                "train-loss",
                loss.max(0.001),
                Some(step),
                t,
            );
            if step % 5 == 0 {
                g.metric(
                    &run,
                    Some(&train),
                    "learning-rate",
                    spec.lr * (1.0 - 0.9 * progress),
                    Some(step),
                    t,
                );
                let gn = 0.5 + 2.0 * (1.0 - progress) + g.rng.f64() * 0.3;
                g.metric(&run, Some(&train), "grad-norm", gn, Some(step), t);
            }
        }
        let val = spec.floor * 1.15
            + (2.3 - spec.floor) * (-spec.lr * 3000.0 * epoch as f64 / spec.epochs as f64).exp()
            + g.rng.f64() * 0.03;
        last_val = val;
        let acc = (1.0 - val / 2.6).clamp(0.0, 0.995);
        g.metric(&run, Some(&train), "val-loss", val, Some(step), t);
        g.metric(&run, Some(&train), "val-accuracy", acc, Some(step), t);
        let status = if spec.outcome == Outcome::FailedInTrain && epoch == spec.epochs.div_ceil(2) {
            failed_at = Some(t);
            Status::Failed
        } else {
            Status::Completed
        };
        g.ops.push(WriteOp::Batch(BatchExecution {
            batch_execution_ref: bref,
            run_ref: run.clone(),
            stage_execution_ref: train.clone(),
            batch_name: format!("epoch-{epoch}"),
            status,
            started_at: e_start,
            ended_at: Some(t),
            order_index: Some(epoch - 1),
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        }));
        g.event(
            &run,
            Some(&train),
            "epoch.completed",
            Level::Info,
            &format!(
                "epoch {epoch}/{} val-loss {val:.4} val-accuracy {acc:.4}",
                spec.epochs
            ),
            t,
            &[("epoch", epoch.into())],
        );
        if spec.outcome == Outcome::Degraded && epoch == 3 {
            g.degraded(
                &run,
                Some(&train),
                "capture.metric_gap",
                Severity::Warning,
                Degradation::CaptureGap,
                "GPU metrics exporter stalled: 40 steps of grad-norm missing",
                t,
            );
        }
        if failed_at.is_some() {
            break;
        }
    }
    if let Some(at) = failed_at {
        g.event(
            &run,
            Some(&train),
            "train.oom",
            Level::Error,
            "CUDA out of memory: tried to allocate 2.50 GiB (GPU 0; 23.65 GiB total capacity)",
            at,
            &[("batch_size", 512.into())],
        );
        g.span(
            &run,
            Some(&train),
            "train.forward",
            secs(at, -3.0),
            at,
            SpanStatus::Error,
        );
        g.ops.push(WriteOp::Stage(StageExecution {
            status: Status::Failed,
            ended_at: Some(at),
            order_index: Some(1),
            ..StageExecution::new(&run, "train", t_start).expect("valid")
        }));
        g.stage(&run, "evaluate", 2, at, Some(at), Status::Cancelled);
        rr.status = Status::Failed;
        rr.ended_at = Some(secs(at, 1.0));
        g.ops.push(WriteOp::Run(rr));
        g.flush()?;
        return Ok(run);
    }
    let ckpt_body: Vec<u8> = (0..4096).map(|_| g.rng.u8(..)).collect();
    let ckpt = g.artifact(
        &run,
        Some(&train),
        "checkpoint",
        "checkpoint",
        &format!("{}-final.pt", spec.name),
        &ckpt_body,
        t,
    )?;
    g.relate(&run, RelationType::ProducedBy, &ckpt, t);

    if spec.outcome == Outcome::StillOpen {
        // Still training: the train stage and the run stay open.
        g.flush()?;
        return Ok(run);
    }
    g.ops.push(WriteOp::Stage(StageExecution {
        status: Status::Completed,
        ended_at: Some(t),
        order_index: Some(1),
        ..StageExecution::new(&run, "train", t_start).expect("valid")
    }));

    // evaluate: per-sample metrics
    let e_start = secs(t, 2.0);
    let eval = g.stage(&run, "evaluate", 2, e_start, None, Status::Open);
    let mut at = e_start;
    let mut correct = 0;
    for i in 1..=12 {
        at = secs(at, 0.8);
        let sname = format!("sample-{i:03}");
        let sref = eval.child("sample", &sname).expect("valid");
        g.ops.push(WriteOp::Sample(SampleObservation {
            sample_observation_ref: sref.clone(),
            run_ref: run.clone(),
            stage_execution_ref: eval.clone(),
            sample_name: sname,
            observed_at: at,
            batch_execution_ref: None,
            retention_class: Some("debug".into()),
            redaction_profile: None,
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        }));
        let conf = (0.55 + g.rng.f64() * 0.45).min(0.999);
        if conf > 0.6 {
            correct += 1;
        }
        let mut env = g.envelope(&run, RecordType::Metric, Some(&eval), at);
        env.sample_observation_ref = Some(sref);
        g.push(
            env,
            Payload::Metric(
                MetricPayload::new("confidence", conf, None).with_scope(AggregationScope::Slice),
            ),
        );
    }
    let acc = (1.0 - last_val / 2.6).clamp(0.0, 0.995) - 0.004;
    g.metric(&run, Some(&eval), "test-accuracy", acc, None, at);
    g.metric(&run, Some(&eval), "test-loss", last_val * 1.03, None, at);
    g.metric(&run, Some(&eval), "f1", acc - 0.01, None, at);
    g.metric(&run, None, "eval-sample-correct", correct as f64, None, at);
    g.span(
        &run,
        Some(&eval),
        "evaluate.inference",
        e_start,
        at,
        SpanStatus::Ok,
    );
    let report = format!("# {}\n\ntest-accuracy: {acc:.4}\n", spec.name);
    let rep = g.artifact(
        &run,
        Some(&eval),
        "eval-report",
        "report_bundle",
        "eval-report.md",
        report.as_bytes(),
        at,
    )?;
    g.relate(&run, RelationType::ReportedBy, &rep, at);
    let end = secs(at, 1.0);
    g.ops.push(WriteOp::Stage(StageExecution {
        status: Status::Completed,
        ended_at: Some(end),
        order_index: Some(2),
        ..StageExecution::new(&run, "evaluate", e_start).expect("valid")
    }));
    g.event(
        &run,
        None,
        "run.finished",
        Level::Info,
        &format!("finished: test-accuracy {acc:.4}"),
        end,
        &[],
    );
    rr.status = Status::Completed;
    rr.ended_at = Some(end);
    g.ops.push(WriteOp::Run(rr));
    g.flush()?;
    Ok(run)
}

/// Writes the demo into `ws`, with the oldest run starting at `base`.
pub fn generate(ws: &Workspace, base: Timestamp, seed: u64) -> Result<DemoSummary, StoreError> {
    let mut g = Gen {
        ws,
        rng: fastrand::Rng::with_seed(seed),
        ops: vec![],
        n: 0,
        summary: DemoSummary::default(),
    };
    let hour = 3600.0;
    let projects = [
        (
            "mnist-classifier",
            "MNIST classifier",
            "Convolutional digit classifier, nightly sweeps",
        ),
        (
            "wine-quality",
            "Wine quality",
            "Gradient-boosted regression on the UCI wine data",
        ),
        (
            "rag-qa",
            "RAG question answering",
            "Retriever and reranker evaluation for support search",
        ),
    ];
    for (i, (slug_, name, desc)) in projects.iter().enumerate() {
        let mut p = Project::new(
            r(&format!("project:{slug_}")),
            name,
            secs(base, -(i as f64) * hour),
        );
        p.description = Some((*desc).into());
        p.tags.insert("team".into(), "ml-platform".into());
        g.ops.push(WriteOp::Project(p));
        g.summary.projects += 1;
    }
    // A dataset artifact, registered by a data-prep run, that training runs consume.
    let prep_run = r("run:mnist-classifier.dataset-v3");
    let mut prep = Run::new(
        prep_run.clone(),
        "dataset v3 build",
        secs(base, -2.0 * hour),
    );
    prep.params.insert("source".into(), "s3://raw/mnist".into());
    g.ops.push(WriteOp::Run(prep.clone()));
    g.summary.runs += 1;
    let ps = g.stage(
        &prep_run,
        "prepare",
        0,
        prep.started_at,
        Some(secs(prep.started_at, 300.0)),
        Status::Completed,
    );
    g.event(
        &prep_run,
        Some(&ps),
        "dataset.built",
        Level::Info,
        "built mnist v3: 70000 rows, 784 features",
        secs(prep.started_at, 290.0),
        &[],
    );
    let csv: String = (0..400)
        .map(|i| format!("{i},{},{}\n", i % 10, (i * 7919) % 255))
        .collect();
    let dataset = g.artifact(
        &prep_run,
        Some(&ps),
        "mnist-v3",
        "dataset_snapshot",
        "mnist-v3.csv",
        csv.as_bytes(),
        secs(prep.started_at, 299.0),
    )?;
    prep.status = Status::Completed;
    prep.ended_at = Some(secs(prep.started_at, 300.0));
    g.ops.push(WriteOp::Run(prep));
    g.flush()?;

    let mnist: [(&str, &[(&str, &str)], f64, f64, Outcome); 5] = [
        (
            "baseline",
            &[
                ("lr", "0.001"),
                ("batch_size", "128"),
                ("optimizer", "adam"),
                ("seed", "42"),
            ],
            0.001,
            0.08,
            Outcome::Completed,
        ),
        (
            "lr-3e-4",
            &[
                ("lr", "0.0003"),
                ("batch_size", "128"),
                ("optimizer", "adam"),
            ],
            0.0003,
            0.06,
            Outcome::Completed,
        ),
        (
            "dropout-0-3",
            &[("lr", "0.001"), ("batch_size", "128"), ("dropout", "0.3")],
            0.001,
            0.05,
            Outcome::Degraded,
        ),
        (
            "wide-resnet",
            &[("lr", "0.001"), ("batch_size", "512"), ("width", "4")],
            0.001,
            0.04,
            Outcome::FailedInTrain,
        ),
        (
            "cosine-warmup",
            &[
                ("lr", "0.002"),
                ("batch_size", "256"),
                ("schedule", "cosine"),
                ("seed", "7"),
            ],
            0.002,
            0.045,
            Outcome::Completed,
        ),
    ];
    let mut best = None;
    for (i, (name, params, lr, floor, outcome)) in mnist.iter().enumerate() {
        let spec = TrainSpec {
            project: "mnist-classifier",
            name,
            params,
            epochs: 8,
            steps_per_epoch: 40,
            lr: *lr,
            floor: *floor,
            outcome: *outcome,
        };
        let run = train_run(
            &mut g,
            &spec,
            secs(base, i as f64 * 6.0 * hour),
            Some(&dataset),
        )?;
        if *name == "cosine-warmup" {
            best = Some(run);
        }
    }
    // Deploy the best run's checkpoint: checkpoint → deployment.
    if let Some(best) = best {
        let ckpt = best.child("artifact", "checkpoint").expect("valid");
        let at = secs(base, 40.0 * hour);
        let dep = DeploymentExecution {
            deployment_execution_ref: r("deployment:mnist-classifier.prod-v3"),
            project_ref: r("project:mnist-classifier"),
            deployment_name: "prod-v3".into(),
            status: Status::Completed,
            started_at: at,
            ended_at: Some(secs(at, 600.0)),
            order_index: Some(0),
            run_ref: Some(best.clone()),
            artifact_ref: Some(ckpt.clone()),
            environment_snapshot_ref: Some(best.child("environment", "runtime").expect("valid")),
            schema_version: SCHEMA_VERSION.into(),
            extensions: vec![],
        };
        g.ops.push(WriteOp::Deployment(dep));
        g.relate(
            &ckpt,
            RelationType::DeployedFrom,
            &r("deployment:mnist-classifier.prod-v3"),
            at,
        );
        g.flush()?;
    }

    let wine: [(&str, &[(&str, &str)], f64, f64); 4] = [
        (
            "svm-baseline",
            &[("model", "svm"), ("c", "1.0")],
            0.0008,
            0.35,
        ),
        (
            "rf-experiment",
            &[("model", "random-forest"), ("trees", "300")],
            0.0012,
            0.28,
        ),
        (
            "gbm-tuned",
            &[("model", "lightgbm"), ("leaves", "63")],
            0.0015,
            0.22,
        ),
        (
            "xgb-depth-8",
            &[("model", "xgboost"), ("max_depth", "8")],
            0.0015,
            0.24,
        ),
    ];
    for (i, (name, params, lr, floor)) in wine.iter().enumerate() {
        let spec = TrainSpec {
            project: "wine-quality",
            name,
            params,
            epochs: 5,
            steps_per_epoch: 20,
            lr: *lr,
            floor: *floor,
            outcome: Outcome::Completed,
        };
        train_run(
            &mut g,
            &spec,
            secs(base, 3.0 * hour + i as f64 * 5.0 * hour),
            None,
        )?;
    }
    let rag: [(&str, &[(&str, &str)], Outcome); 3] = [
        (
            "retriever-v1",
            &[("retriever", "bm25"), ("top_k", "5")],
            Outcome::Completed,
        ),
        (
            "retriever-v2",
            &[("retriever", "bm25+e5"), ("top_k", "5")],
            Outcome::Degraded,
        ),
        (
            "retriever-v3",
            &[("retriever", "e5-large"), ("top_k", "8")],
            Outcome::StillOpen,
        ),
    ];
    for (i, (name, params, outcome)) in rag.iter().enumerate() {
        let spec = TrainSpec {
            project: "rag-qa",
            name,
            params,
            epochs: 4,
            steps_per_epoch: 25,
            lr: 0.0012,
            floor: 0.3,
            outcome: *outcome,
        };
        train_run(
            &mut g,
            &spec,
            secs(base, 8.0 * hour + i as f64 * 12.0 * hour),
            None,
        )?;
    }
    Ok(g.summary)
}
