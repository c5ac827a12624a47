//! Golden JSON for compare, lineage and provenance on fixed workspaces: the demo (fixed seed and
//! base time) and the reference's RAG fixture as ingested. Plus the CLI's exit codes for
//! diagnostics and alerts.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use contexta::analysis::{compare, lineage, provenance};
use contexta::capture::ingest::{IngestOptions, ingest};
use contexta::model::*;
use contexta::query::{self, FactsOptions};
use contexta::store::{Access, Workspace};

fn demo() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, ws)
}

fn rag() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
    let seg = fixture("contexta-py-rag/records/segments/segment-000001.jsonl");
    let f = std::io::BufReader::new(std::fs::File::open(seg).unwrap());
    ingest(&ws, "segment", f, IngestOptions::default(), &mut |_| {}).unwrap();
    (dir, ws)
}

fn facts(ws: &Workspace, run: &str) -> RunFacts {
    let r = query::resolve_run(ws, run).unwrap();
    query::run_facts(ws, &r, FactsOptions::default()).unwrap()
}

#[test]
fn compare_demo_runs() {
    let (_d, ws) = demo();
    let c = compare::compare(&facts(&ws, "baseline"), &facts(&ws, "cosine-warmup"));
    insta::assert_json_snapshot!("compare_demo", c);
}

#[test]
fn compare_rag_runs_includes_run_level_metrics_and_stage_changes() {
    let (_d, ws) = rag();
    let c = compare::compare(&facts(&ws, "retriever-v1"), &facts(&ws, "retriever-v3"));
    // v3 has no evaluate stage records; v1's evaluate metrics are one-sided rows.
    assert!(
        c.metrics
            .iter()
            .any(|m| m.stage.as_deref() == Some("evaluate") && m.right.is_none())
    );
    insta::assert_json_snapshot!("compare_rag", c);
}

#[test]
fn lineage_of_the_demo_deployment() {
    let (_d, ws) = demo();
    let root = Ref::parse("deployment:mnist-classifier.prod-v3").unwrap();
    let (edges, missing) = query::lineage_edges(&ws, &root, true, false, 5).unwrap();
    let g = lineage::build(&root, &edges, &missing);
    // deployment ← checkpoint ← run ← dataset ← dataset run
    for want in [
        "artifact:mnist-classifier.cosine-warmup.checkpoint",
        "run:mnist-classifier.cosine-warmup",
        "artifact:mnist-classifier.dataset-v3.mnist-v3",
    ] {
        assert!(g.nodes.iter().any(|n| n.node_ref == want), "{want} missing");
    }
    insta::assert_json_snapshot!("lineage_demo_deployment", g);
}

#[test]
fn lineage_reports_cycles_and_dangling_refs_without_looping() {
    let (_d, ws) = demo();
    let a = Ref::parse("artifact:mnist-classifier.baseline.checkpoint").unwrap();
    let ghost = Ref::parse("artifact:mnist-classifier.baseline.ghost").unwrap();
    let run = Ref::parse("run:mnist-classifier.baseline").unwrap();
    let rel = |n: &str, s: &Ref, t: &Ref| Relation {
        relation_ref: Ref::parse(&format!("relation:test.{n}")).unwrap(),
        relation_type: RelationType::DerivedFrom,
        source_ref: s.clone(),
        target_ref: t.clone(),
        recorded_at: Timestamp::parse("2026-11-21T00:00:00Z").unwrap(),
        origin_marker: OriginMarker::Explicit,
        confidence_marker: Confidence::High,
        operation_context_ref: None,
        evidence_refs: vec![],
        schema_version: "1.0.0".into(),
        extensions: vec![],
    };
    // checkpoint → run closes a loop with run → checkpoint (produced_by); and a dangling edge.
    ws.write(&[
        contexta::store::WriteOp::Relation(rel("loop", &a, &run)),
        contexta::store::WriteOp::Relation(rel("ghost", &a, &ghost)),
    ])
    .unwrap();
    let (edges, missing) = query::lineage_edges(&ws, &run, true, true, 50).unwrap();
    let g = lineage::build(&run, &edges, &missing);
    assert!(!g.cycles.is_empty());
    assert_eq!(g.dangling, vec![ghost.to_string()]);
}

#[test]
fn provenance_audit_and_diff_on_the_demo() {
    let (_d, ws) = demo();
    let a = provenance::audit(&facts(&ws, "cosine-warmup"));
    assert_eq!(a.status, "complete", "{a:?}");
    let b = provenance::audit(&facts(&ws, "dropout-0-3"));
    assert_eq!(b.status, "partial");
    let d = provenance::env_diff(&facts(&ws, "baseline"), &facts(&ws, "lr-3e-4"));
    assert!(d.environment_changed);
    insta::assert_json_snapshot!("provenance_demo", (a, b, d));
}

#[test]
fn diagnostics_and_alert_exit_codes() {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    // wide-resnet failed: an error finding exists.
    assert_eq!(
        ws.run(&["diagnostics", "wide-resnet", "--fail-on", "error"])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        ws.run(&["diagnostics", "wide-resnet"]).status.code(),
        Some(0)
    );
    // baseline is clean of errors.
    assert_eq!(
        ws.run(&["diagnostics", "baseline", "--fail-on", "error"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ws.run(&["diagnostics", "baseline", "--fail-on", "loud"])
            .status
            .code(),
        Some(2)
    );
    let j = ws.json(&["diagnostics", "dropout-0-3"]);
    assert_eq!(j["run"], "run:mnist-classifier.dropout-0-3");
    let issue = &j["issues"][0];
    for k in ["code", "severity", "summary", "subject_ref", "evidence"] {
        assert!(!issue[k].is_null(), "{k} missing in {issue}");
    }
    assert_eq!(
        ws.run(&[
            "alert",
            "baseline",
            "--metric",
            "test-accuracy",
            "--operator",
            "lt",
            "--threshold",
            "0.99"
        ])
        .status
        .code(),
        Some(3)
    );
    assert_eq!(
        ws.run(&[
            "alert",
            "baseline",
            "--metric",
            "test-accuracy",
            "--operator",
            "gt",
            "--threshold",
            "0.99"
        ])
        .status
        .code(),
        Some(0)
    );
    let c = ws.json(&["compare", "baseline", "cosine-warmup"]);
    for k in [
        "left",
        "right",
        "metrics",
        "stages",
        "params",
        "provenance",
        "artifacts",
    ] {
        assert!(!c[k].is_null(), "{k} missing");
    }
    for k in [
        "key",
        "stage",
        "left",
        "right",
        "delta",
        "change_ratio",
        "verdict",
    ] {
        assert!(c["metrics"][1].get(k).is_some(), "metric field {k} missing");
    }
    let best = ws.json(&["best", "val-loss", "--project", "mnist-classifier"]);
    assert_eq!(best["run"], "run:mnist-classifier.cosine-warmup");
}

#[test]
fn artifact_checks_never_follow_a_path_out_of_the_object_store() {
    let (dir, ws) = demo();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, b"not an artifact").unwrap();
    let run = Ref::parse("run:mnist-classifier.baseline").unwrap();
    let mut outside = ws.read().unwrap().artifacts(&run).unwrap()[0].clone();
    outside.artifact_ref = run.child("artifact", "escape").unwrap();
    outside
        .attributes
        .insert("object_path", "artifacts/objects/../../../secret.txt");
    ws.write(&[contexta::store::WriteOp::Artifact(outside.clone())])
        .unwrap();
    let f = query::run_facts(
        &ws,
        &run,
        FactsOptions {
            verify_artifacts: true,
            points: false,
        },
    )
    .unwrap();
    let state = f
        .artifact_states
        .iter()
        .find(|(r, _)| *r == outside.artifact_ref)
        .unwrap()
        .1;
    assert_eq!(state, ArtifactState::Unverifiable);
    // The regular artifacts still verify.
    assert!(
        f.artifact_states
            .iter()
            .filter(|(r, _)| *r != outside.artifact_ref)
            .all(|(_, s)| *s == ArtifactState::Ok)
    );
}
