//! The demo workspace has what the issue promises, read back through the query layer.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::model::*;
use contexta::query::{self, Anchor, RecordFilter};
use contexta::store::{Access, Workspace};

fn demo() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, ws)
}

#[test]
fn demo_has_projects_runs_and_every_status() {
    let (_d, ws) = demo();
    let tree = query::workspace_tree(&ws).unwrap();
    assert!(tree.len() >= 3);
    let runs: Vec<_> = tree.iter().flat_map(|p| p.runs.iter()).collect();
    assert!(runs.len() >= 12, "{} runs", runs.len());
    assert!(runs.iter().any(|r| r.run.status == Status::Failed));
    assert!(runs.iter().any(|r| r.run.status == Status::Open));
    assert!(runs.iter().any(|r| r.stats.degraded > 0));
}

#[test]
fn demo_run_has_stages_batches_samples_artifacts_and_lineage() {
    let (_d, ws) = demo();
    let run = query::resolve_run(&ws, "cosine-warmup").unwrap();
    let d = query::run_detail(&ws, &run).unwrap();
    let names: Vec<_> = d.stages.iter().map(|s| s.stage_name.as_str()).collect();
    assert_eq!(names, ["prepare", "train", "evaluate"]);
    assert_eq!(d.batches.len(), 8);
    assert_eq!(d.samples.len(), 12);
    assert!(d.artifacts.iter().any(|a| a.artifact_kind == "checkpoint"));
    assert!(d.deployments.iter().any(|x| x.deployment_name == "prod-v3"));
    assert!(!d.relations.is_empty());
    assert!(
        d.metrics
            .iter()
            .any(|m| m.key == "train-loss" && m.count == 320)
    );
    for a in &d.artifacts {
        let path = ws
            .root()
            .join(a.attributes.0["object_path"].as_str().unwrap());
        let (sha, size) = contexta::capture::hash_file(&path).unwrap();
        assert_eq!(Some(sha), a.hash_value);
        assert_eq!(Some(size), a.size_bytes);
    }
}

#[test]
fn series_is_in_step_order_and_tail_is_newest() {
    let (_d, ws) = demo();
    let run = query::resolve_run(&ws, "mnist-classifier.baseline").unwrap();
    let s = query::series(&ws, &run, "train-loss").unwrap();
    assert_eq!(s.len(), 320);
    assert!(s.windows(2).all(|w| w[0].step < w[1].step));
    assert_eq!(s[0].step, 1);
    let page = query::records_page(&ws, &run, &RecordFilter::default(), Anchor::Tail, 5).unwrap();
    assert_eq!(page.rows.len(), 5);
    assert_eq!(page.rows.last().unwrap().seq, page.last_seq);
    assert!(page.more_before);
    let events = RecordFilter {
        types: vec![RecordType::Event],
        ..Default::default()
    };
    let page = query::records_page(&ws, &run, &events, Anchor::Head, 100).unwrap();
    assert!(
        page.rows
            .iter()
            .all(|r| r.record.record_type() == RecordType::Event)
    );
    assert_eq!(
        page.rows.len() as u64,
        query::run_detail(&ws, &run).unwrap().info.stats.by_type[0]
    );
}
