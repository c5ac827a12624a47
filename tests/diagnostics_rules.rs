//! Every diagnostic rule: one case that triggers it, one close case that does not.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::analysis::diagnostics::{
    DiagnosticsContext, DiagnosticsOptions, FindingSeverity, diagnose,
};
use contexta::model::*;

fn r(s: &str) -> Ref {
    Ref::parse(s).unwrap()
}
fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// A healthy completed run: one completed stage with a metric, one completed batch.
fn healthy() -> RunFacts {
    let run_ref = r("run:p.r1");
    let mut run = Run::new(run_ref.clone(), "r1", t("2026-01-01T00:00:00Z"));
    run.status = Status::Completed;
    run.ended_at = Some(t("2026-01-01T01:00:00Z"));
    let mut stage = StageExecution::new(&run_ref, "train", t("2026-01-01T00:00:10Z")).unwrap();
    stage.status = Status::Completed;
    stage.ended_at = Some(t("2026-01-01T00:50:00Z"));
    let batch = BatchExecution {
        batch_execution_ref: r("batch:p.r1.train.epoch-1"),
        run_ref: run_ref.clone(),
        stage_execution_ref: stage.stage_execution_ref.clone(),
        batch_name: "epoch-1".into(),
        status: Status::Completed,
        started_at: t("2026-01-01T00:00:10Z"),
        ended_at: Some(t("2026-01-01T00:10:00Z")),
        order_index: Some(0),
        schema_version: "1.0.0".into(),
        extensions: vec![],
    };
    RunFacts {
        counts: [0, 2, 0, 0],
        last_commit: t("2026-01-01T01:00:00Z"),
        stages_with_metrics: vec![stage.stage_execution_ref.clone()],
        series: vec![SeriesFacts::from_points(
            Some("train".into()),
            "val-loss",
            vec![
                (t("2026-01-01T00:10:00Z"), 1, 0.5, 1),
                (t("2026-01-01T00:20:00Z"), 2, 0.3, 2),
            ],
        )],
        stages: vec![stage],
        batches: vec![batch],
        run,
        deployments: vec![],
        artifacts: vec![],
        inputs: vec![],
        artifact_states: vec![],
        environments: vec![],
        provenance: vec![],
        degraded: vec![],
        duplicates: vec![],
        duplicate_count: 0,
        dangling: vec![],
    }
}

fn codes(f: &RunFacts, ctx: &DiagnosticsContext<'_>) -> Vec<(String, FindingSeverity)> {
    let opts = DiagnosticsOptions {
        now: t("2026-01-01T01:05:00Z"),
        ..Default::default()
    };
    diagnose(f, ctx, &opts)
        .into_iter()
        .map(|x| (x.code, x.severity))
        .collect()
}

fn has(f: &RunFacts, code: &str) -> bool {
    codes(f, &DiagnosticsContext::default())
        .iter()
        .any(|(c, _)| c == code)
}

fn degraded(sev: Severity, key: &str) -> (u32, Record) {
    let run = r("run:p.r1");
    let rec = Record {
        envelope: Envelope {
            record_ref: r("record:p.r1.d1"),
            record_type: RecordType::Degraded,
            recorded_at: t("2026-01-01T00:30:00Z"),
            observed_at: t("2026-01-01T00:30:00Z"),
            producer_ref: "test".into(),
            run_ref: run,
            deployment_execution_ref: None,
            stage_execution_ref: Some(r("stage:p.r1.train")),
            batch_execution_ref: None,
            sample_observation_ref: None,
            operation_context_ref: None,
            correlation_refs: Default::default(),
            completeness_marker: Completeness::Partial,
            degradation_marker: Degradation::CaptureGap,
            schema_version: "1.0.0".into(),
            extensions: vec![],
        },
        payload: Payload::Degraded(DegradedPayload {
            issue_key: key.into(),
            category: DegradedCategory::Capture,
            severity: sev,
            summary: "gap".into(),
            subject_ref: None,
            origin_marker: CaptureOrigin::ExplicitCapture,
            attributes: JsonMap::default(),
        }),
    };
    (3, rec)
}

#[test]
fn a_healthy_run_has_no_findings() {
    assert_eq!(codes(&healthy(), &DiagnosticsContext::default()), vec![]);
}

#[test]
fn failed_run() {
    let mut f = healthy();
    f.run.status = Status::Failed;
    assert!(has(&f, "failed_run"));
    f.run.status = Status::Cancelled;
    assert!(!has(&f, "failed_run"));
}

#[test]
fn degraded_record_honours_payload_severity() {
    let mut f = healthy();
    f.degraded.push(degraded(Severity::Error, "capture.gap"));
    assert_eq!(
        codes(&f, &DiagnosticsContext::default()),
        vec![("degraded_record".into(), FindingSeverity::Error)]
    );
    let mut f = healthy();
    f.degraded.push(degraded(Severity::Warning, "capture.gap"));
    assert_eq!(
        codes(&f, &DiagnosticsContext::default()),
        vec![("degraded_record".into(), FindingSeverity::Warning)]
    );
}

#[test]
fn non_finite_metric() {
    let mut f = healthy();
    let mut pts = f.series[0].points.clone();
    pts.push((t("2026-01-01T00:30:00Z"), 3, f64::NAN, 3));
    f.series[0] = SeriesFacts::from_points(Some("train".into()), "val-loss", pts);
    assert!(has(&f, "non_finite_metric"));
    let mut f = healthy();
    f.degraded
        .push(degraded(Severity::Error, "metric.non_finite"));
    assert!(has(&f, "non_finite_metric") && !has(&f, "degraded_record"));
    assert!(!has(&healthy(), "non_finite_metric"));
}

#[test]
fn incomplete_stage_but_not_while_the_run_is_open() {
    let mut f = healthy();
    f.stages[0].status = Status::Cancelled;
    assert!(has(&f, "incomplete_stage"));
    let mut f = healthy();
    f.run.status = Status::Open;
    f.run.ended_at = None;
    f.stages[0].status = Status::Open;
    f.stages[0].ended_at = None;
    assert!(!has(&f, "incomplete_stage"));
}

#[test]
fn missing_stage_metrics() {
    let mut f = healthy();
    f.stages_with_metrics.clear();
    assert!(has(&f, "missing_stage_metrics"));
    assert!(!has(&healthy(), "missing_stage_metrics"));
}

#[test]
fn stage_outside_run() {
    let mut f = healthy();
    f.stages[0].ended_at = Some(t("2026-01-01T02:00:00Z"));
    assert!(has(&f, "stage_outside_run"));
    let mut f = healthy();
    f.stages[0].ended_at = Some(t("2026-01-01T01:00:00Z"));
    assert!(!has(&f, "stage_outside_run"));
}

#[test]
fn failed_and_incomplete_batches() {
    let mut f = healthy();
    f.batches[0].status = Status::Failed;
    assert!(has(&f, "failed_batch"));
    f.batches[0].status = Status::Cancelled;
    assert!(has(&f, "incomplete_batch") && !has(&f, "failed_batch"));
    f.batches[0].status = Status::Open;
    assert!(!has(&f, "incomplete_batch"));
}

#[test]
fn failed_deployment() {
    let mut f = healthy();
    let mut d = DeploymentExecution {
        deployment_execution_ref: r("deployment:p.prod"),
        project_ref: r("project:p"),
        deployment_name: "prod".into(),
        status: Status::Failed,
        started_at: t("2026-01-01T02:00:00Z"),
        ended_at: Some(t("2026-01-01T02:01:00Z")),
        order_index: None,
        run_ref: Some(r("run:p.r1")),
        artifact_ref: None,
        environment_snapshot_ref: None,
        schema_version: "1.0.0".into(),
        extensions: vec![],
    };
    f.deployments.push(d.clone());
    assert!(has(&f, "failed_deployment"));
    d.status = Status::Completed;
    f.deployments = vec![d];
    assert!(!has(&f, "failed_deployment"));
}

#[test]
fn missing_expected_stage_comes_from_siblings() {
    let f = healthy();
    let with_eval = DiagnosticsContext {
        sibling_stages: vec![
            vec!["train".into(), "evaluate".into()],
            vec!["train".into(), "evaluate".into()],
            vec!["train".into()],
        ],
        baseline: None,
    };
    assert!(
        codes(&f, &with_eval)
            .iter()
            .any(|(c, _)| c == "missing_expected_stage")
    );
    // A stage only a minority of siblings have is not expected; nor is `package` by default.
    let minority = DiagnosticsContext {
        sibling_stages: vec![
            vec!["train".into(), "evaluate".into()],
            vec!["train".into()],
            vec!["train".into()],
        ],
        baseline: None,
    };
    assert!(
        !codes(&f, &minority)
            .iter()
            .any(|(c, _)| c == "missing_expected_stage")
    );
}

#[test]
fn stale_run() {
    let mut f = healthy();
    f.run.status = Status::Open;
    f.run.ended_at = None;
    f.last_commit = t("2026-01-01T00:30:00Z"); // 35 min before `now`
    assert!(has(&f, "stale_run"));
    f.last_commit = t("2026-01-01T01:04:00Z");
    assert!(!has(&f, "stale_run"));
}

#[test]
fn metric_regression_against_a_baseline() {
    let f = healthy();
    let mut base = healthy();
    base.run.name = "r0".into();
    base.series[0] = SeriesFacts::from_points(
        Some("train".into()),
        "val-loss",
        vec![(t("2026-01-01T00:10:00Z"), 1, 0.2, 1)],
    ); // lower loss before
    let ctx = DiagnosticsContext {
        sibling_stages: vec![],
        baseline: Some(&base),
    };
    assert!(
        codes(&f, &ctx)
            .iter()
            .any(|(c, _)| c == "metric_regression")
    );
    let mut open = f.clone();
    open.run.status = Status::Open;
    open.run.ended_at = None;
    assert!(
        !codes(&open, &ctx)
            .iter()
            .any(|(c, _)| c == "metric_regression"),
        "a run still writing is not compared"
    );
    base.series[0] = SeriesFacts::from_points(
        Some("train".into()),
        "val-loss",
        vec![(t("2026-01-01T00:10:00Z"), 1, 0.29, 1)],
    ); // within 5%
    let ctx = DiagnosticsContext {
        sibling_stages: vec![],
        baseline: Some(&base),
    };
    assert!(
        !codes(&f, &ctx)
            .iter()
            .any(|(c, _)| c == "metric_regression")
    );
}

#[test]
fn artifact_missing_and_changed() {
    let mut f = healthy();
    f.artifact_states = vec![(r("artifact:p.r1.model"), ArtifactState::Missing)];
    assert!(has(&f, "artifact_missing"));
    f.artifact_states = vec![(r("artifact:p.r1.model"), ArtifactState::Changed)];
    assert!(has(&f, "artifact_changed"));
    f.artifact_states = vec![(r("artifact:p.r1.model"), ArtifactState::Ok)];
    assert!(!has(&f, "artifact_changed") && !has(&f, "artifact_missing"));
}

#[test]
fn dangling_ref() {
    let mut f = healthy();
    f.dangling = vec![(r("deployment:p.prod"), r("artifact:p.r1.gone"))];
    assert!(has(&f, "dangling_ref"));
    assert!(!has(&healthy(), "dangling_ref"));
}

#[test]
fn duplicate_record_ref() {
    let mut f = healthy();
    f.duplicates = vec![(r("record:p.r1.r00001"), 23, 1)];
    assert!(has(&f, "duplicate_record_ref"));
    // Many repeats are one finding that counts them and names the examples.
    f.duplicates.push((r("record:p.r1.r00002"), 24, 2));
    f.duplicate_count = 1_000_000;
    let opts = DiagnosticsOptions {
        now: t("2026-01-01T01:05:00Z"),
        ..Default::default()
    };
    let found = diagnose(&f, &DiagnosticsContext::default(), &opts);
    let dups: Vec<_> = found
        .iter()
        .filter(|x| x.code == "duplicate_record_ref")
        .collect();
    assert_eq!(dups.len(), 1);
    assert!(
        dups[0].summary.starts_with("1000000 records repeat an earlier record's ref (r00001: records 1 and 23; r00002: records 2 and 24; …)"),
        "{}",
        dups[0].summary
    );
    assert!(!has(&healthy(), "duplicate_record_ref"));
}
