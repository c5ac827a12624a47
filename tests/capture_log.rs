//! The capture API pieces the Python client stands on: `log` with keys as written (mapped, the
//! written name kept, all or nothing), record tags on every record, nested spans, and handles
//! that outlive the `Session` value.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::capture::Session;
use contexta::model::*;
use contexta::query::{self, Anchor, RecordFilter};
use contexta::store::{Access, Workspace};
use std::path::Path;

fn records(root: &Path, run: &Ref) -> Vec<Record> {
    let ws = Workspace::open(root, Access::Read).unwrap();
    query::records_page(&ws, run, &RecordFilter::default(), Anchor::Head, 10_000)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.record)
        .collect()
}

fn metrics(recs: &[Record]) -> Vec<&MetricPayload> {
    recs.iter()
        .filter_map(|r| match &r.payload {
            Payload::Metric(m) => Some(m),
            _ => None,
        })
        .collect()
}

#[test]
fn log_maps_written_keys_and_keeps_the_written_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    let train = run.stage("train").unwrap();
    train
        .log(
            &[("train/loss", 0.5), ("val_acc", 0.9), ("lr", 0.1)],
            Some(3),
        )
        .unwrap();
    run.log(&[("Loss", 2.0)], None).unwrap();
    let run_ref = run.run_ref().clone();
    run.finish(Status::Completed).unwrap();
    drop((train, run, session));

    let recs = records(&root, &run_ref);
    let m = metrics(&recs);
    let got: Vec<(&str, f64, Option<&str>, Option<i64>)> = m
        .iter()
        .map(|m| {
            (
                m.metric_key.as_str(),
                m.value,
                m.tags.get(DISPLAY_KEY_TAG).map(String::as_str),
                m.tagged_step(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("train.loss", 0.5, Some("train/loss"), Some(3)),
            ("val-acc", 0.9, Some("val_acc"), Some(3)),
            ("lr", 0.1, None, Some(3)),
            ("loss", 2.0, Some("Loss"), None),
        ]
    );
    // One call, one observation time.
    let stage_points: Vec<_> = recs
        .iter()
        .filter(|r| r.envelope.stage_execution_ref.is_some())
        .map(|r| r.envelope.observed_at)
        .collect();
    assert_eq!(stage_points.len(), 3);
    assert!(stage_points.iter().all(|t| *t == stage_points[0]));
}

#[test]
fn a_refused_log_call_stores_nothing_of_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    run.log(&[("val_loss", 1.0)], Some(0)).unwrap();
    let err = run
        .log(&[("acc", 0.5), ("val-loss", 2.0)], Some(1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`val-loss` and `val_loss` both map to the metric key `val-loss`"),
        "{err}"
    );
    let err = run
        .log(&[("acc", 0.5), ("top/1st", 2.0)], Some(1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`top/1st`"), "{err}");
    // `acc` was part of two refused calls, so it is still free to be written as `Acc`.
    run.log(&[("Acc", 0.7)], Some(2)).unwrap();
    let run_ref = run.run_ref().clone();
    run.finish(Status::Completed).unwrap();
    drop((run, session));
    let recs = records(&root, &run_ref);
    let keys: Vec<_> = metrics(&recs)
        .iter()
        .map(|m| (m.metric_key.clone(), m.value))
        .collect();
    assert_eq!(
        keys,
        vec![("val-loss".to_string(), 1.0), ("acc".to_string(), 0.7)]
    );
}

#[test]
fn log_turns_a_non_finite_value_into_an_error_marker_naming_the_written_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    run.log(&[("train/loss", f64::NAN), ("acc", 0.5)], Some(7))
        .unwrap();
    let run_ref = run.run_ref().clone();
    run.finish(Status::Completed).unwrap();
    drop((run, session));
    let recs = records(&root, &run_ref);
    let marker = recs
        .iter()
        .find_map(|r| match &r.payload {
            Payload::Degraded(d) => Some(d),
            _ => None,
        })
        .expect("a degraded marker");
    assert_eq!(marker.issue_key, "metric.non_finite");
    assert_eq!(marker.attributes.0["metric_key"], "train.loss");
    assert_eq!(marker.attributes.0[DISPLAY_KEY_TAG], "train/loss");
    assert_eq!(marker.attributes.0["step"], 7);
    assert_eq!(metrics(&recs).len(), 1);
}

#[test]
fn record_tags_reach_every_record_type() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let mut session = Session::open(&root).unwrap();
    session.set_record_tag("rank", "3").unwrap();
    assert!(session.set_record_tag("rank", " ").is_err());
    let run = session.start_run("p", "r").unwrap();
    // Settings are fixed once a run has started: records already built would disagree.
    assert!(session.set_record_tag("node", "a").is_err());
    run.metric("loss", 1.0, Some(0)).unwrap();
    run.event("data.loaded", Level::Info, "ok").unwrap();
    drop(run.span("load"));
    run.degraded(
        "gpu.lost",
        DegradedCategory::Capture,
        Severity::Warning,
        "gpu 1 gone",
    )
    .unwrap();
    let run_ref = run.run_ref().clone();
    run.finish(Status::Completed).unwrap();
    drop((run, session));
    let recs = records(&root, &run_ref);
    assert_eq!(recs.len(), 4);
    for r in &recs {
        let rank = match &r.payload {
            Payload::Metric(m) => m.tags.get("rank").cloned(),
            Payload::Event(e) => e.attributes.0["tags"]["rank"].as_str().map(String::from),
            Payload::Span(s) => s.attributes.0["tags"]["rank"].as_str().map(String::from),
            Payload::Degraded(d) => d.attributes.0["tags"]["rank"].as_str().map(String::from),
        };
        assert_eq!(rank.as_deref(), Some("3"), "{:?}", r.payload);
    }
}

#[test]
fn nested_spans_keep_their_parent_and_handles_outlive_the_session_value() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    let stage = run.stage("eval").unwrap();
    // The handles own their share of the session: dropping the value changes nothing.
    drop(session);
    let run_ref = run.run_ref().clone();
    let (outer_id, inner_id, sibling_id);
    {
        let outer = stage.span("eval.batch");
        outer_id = outer.span_id().to_string();
        let inner = outer.child("eval.batch");
        inner_id = inner.span_id().to_string();
        let sibling = stage.span_in("eval.metrics", Some(&outer_id));
        sibling_id = sibling.span_id().to_string();
    }
    assert_ne!(outer_id, inner_id, "same name, same instant, distinct ids");
    stage.finish(Status::Completed).unwrap();
    run.finish(Status::Completed).unwrap();
    drop((stage, run));
    let recs = records(&root, &run_ref);
    let spans: Vec<&SpanPayload> = recs
        .iter()
        .filter_map(|r| match &r.payload {
            Payload::Span(s) => Some(s),
            _ => None,
        })
        .collect();
    let parent_of = |id: &str| {
        spans
            .iter()
            .find(|s| s.span_id == id)
            .map(|s| s.parent_span_id.clone())
            .expect("span stored")
    };
    assert_eq!(parent_of(&outer_id), None);
    assert_eq!(parent_of(&inner_id), Some(outer_id.clone()));
    assert_eq!(parent_of(&sibling_id), Some(outer_id.clone()));
}
