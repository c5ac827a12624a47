//! The reference's own record planes ingest with exactly the counts in their expected.json.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use assert_json_counts::*;
use common::fixture;
use contexta::capture::ingest::{IngestOptions, ingest};
use contexta::model::*;
use contexta::query;
use contexta::store::{Access, Workspace};
use std::io::BufReader;

mod assert_json_counts {
    pub use serde_json::Value;
}

fn ingest_fixture(name: &str) -> (tempfile::TempDir, Workspace, Value) {
    let base = fixture(name);
    let seg = base.join("records/segments/segment-000001.jsonl");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("expected.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
    let f = std::fs::File::open(&seg).unwrap();
    let report = ingest(
        &ws,
        "segment-000001.jsonl",
        BufReader::new(f),
        IngestOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        report.records as u64,
        expected["total_records"].as_u64().unwrap()
    );
    assert!(report.rejected.is_empty());
    (dir, ws, expected)
}

fn check_counts(ws: &Workspace, expected: &Value) {
    let runs = expected["runs"].as_object().unwrap();
    let snap = ws.read().unwrap();
    assert_eq!(snap.run_count().unwrap() as usize, runs.len());
    for (run, counts) in runs {
        let stats = snap.stats(&Ref::parse(run).unwrap()).unwrap().unwrap();
        for t in RecordType::ALL {
            assert_eq!(
                stats.by_type[t.index()],
                counts[t.as_str()].as_u64().unwrap(),
                "{run} {}",
                t.as_str()
            );
        }
        assert_eq!(stats.total(), counts["total"].as_u64().unwrap());
        assert_eq!(stats.duplicates as u64, 0);
    }
    let mut stages: Vec<String> = Vec::new();
    for run in runs.keys() {
        for s in snap.stages(&Ref::parse(run).unwrap()).unwrap() {
            stages.push(s.stage_execution_ref.to_string());
        }
    }
    stages.sort();
    let want: Vec<String> = expected["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(stages, want);
    assert_eq!(expected["duplicates"].as_u64(), Some(0));
}

#[test]
fn rag_fixture_ingests_with_expected_counts() {
    let (_d, ws, expected) = ingest_fixture("contexta-py-rag");
    check_counts(&ws, &expected);
    // Runs and stages were never declared in the record plane: they are inferred.
    let run = query::resolve_run(&ws, "retriever-v2").unwrap();
    let d = query::run_detail(&ws, &run).unwrap();
    assert!(d.info.run.inferred);
    assert!(d.stages.iter().all(|s| s.inferred));
    // Root spans (no parent_span_id) read back, with a derived duration (reference defect §17.1–2).
    let spans = query::records_page(
        &ws,
        &run,
        &query::RecordFilter {
            types: vec![RecordType::Span],
            ..Default::default()
        },
        query::Anchor::Head,
        100,
    )
    .unwrap();
    let root = spans.rows.iter().find_map(|r| match &r.record.payload {
        Payload::Span(s) if s.parent_span_id.is_none() => Some(s.clone()),
        _ => None,
    });
    assert_eq!(root.unwrap().duration_ms(), 40.0 * 60.0 * 1000.0);
    // tags.step integers become steps.
    let lat = query::series(&ws, &run, "retrieval-latency-ms").unwrap();
    assert_eq!(
        lat.iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[test]
fn wine_fixture_ingests_with_expected_counts() {
    let (_d, ws, expected) = ingest_fixture("contexta-py-wine-quality");
    check_counts(&ws, &expected);
}

#[test]
fn records_round_trip_byte_for_byte_as_canonical_json() {
    // Every stored record prints back as the reference's canonical JSON of the same line.
    let base = fixture("contexta-py-rag");
    let text = std::fs::read_to_string(base.join("records/segments/segment-000001.jsonl")).unwrap();
    let (_d, ws, _) = ingest_fixture("contexta-py-rag");
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let want = serde_json::to_string(&v["record"]).unwrap();
        let rref = Ref::parse(v["record"]["envelope"]["record_ref"].as_str().unwrap()).unwrap();
        let run = rref.run_ref().unwrap();
        let page =
            query::records_page(&ws, &run, &Default::default(), query::Anchor::Head, 1000).unwrap();
        let got = page
            .rows
            .iter()
            .find(|r| r.record.envelope.record_ref == rref)
            .unwrap();
        assert_eq!(serde_json::to_string(&got.record.to_json()).unwrap(), want);
    }
}
