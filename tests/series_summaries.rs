//! A long metric series is drawn from its chunk summaries: sparklines and chart lines equal
//! what its points say (every spike kept), a workspace without summaries reads its points
//! instead, and a summary that disagrees with its chunk is a doctor finding that repair fixes.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/tables.rs"]
mod tables;

use contexta::model::*;
use contexta::query;
use contexta::store::{Access, Workspace, WriteOp};

const N: i64 = 300_000;
const SPIKE: i64 = 123_457;
const DIP: i64 = 250_001;

fn value(i: i64) -> f64 {
    match i {
        SPIKE => 50.0,
        DIP => -50.0,
        _ => (i as f64 / 1000.0).sin(),
    }
}

/// A workspace of one run whose key `loss` has `N` points, one spike and one dip.
fn long_run() -> (tempfile::TempDir, Ref) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
    let run = Ref::parse("run:long.r").unwrap();
    let start = Timestamp(1_800_000_000_000_000);
    let mut ops = vec![WriteOp::Run(Run::new(run.clone(), "long", start))];
    for i in 0..N {
        let env = Envelope::new(
            run.child("record", "pending").unwrap(),
            RecordType::Metric,
            run.clone(),
            "test.writer",
            Timestamp(start.0 + i * 1_000),
        );
        ops.push(WriteOp::Captured(Record {
            envelope: env,
            payload: Payload::Metric(MetricPayload::new("loss", value(i), Some(i))),
        }));
        if ops.len() == 50_000 {
            ws.write(&ops).unwrap();
            ops.clear();
        }
    }
    ws.write(&ops).unwrap();
    (dir, run)
}

fn open(dir: &tempfile::TempDir) -> Workspace {
    Workspace::open(&dir.path().join(".contexta"), Access::Read).unwrap()
}

/// The mean of the points whose index lies in `[lo, hi)`.
fn mean(lo: i64, hi: i64) -> f64 {
    (lo..hi).map(value).sum::<f64>() / (hi - lo) as f64
}

fn check_drawing(ws: &Workspace, run: &Ref) {
    let buckets = 40;
    let spark = query::sparklines(ws, run, &["loss".to_string()], buckets).unwrap();
    let spark = &spark[0].1;
    assert_eq!(spark.len(), buckets);
    let per = N / buckets as i64;
    for (b, v) in spark.iter().enumerate() {
        let want = mean(b as i64 * per, (b as i64 + 1) * per);
        // Bucket edges fall on chunk edges (1,024 points) rather than exactly at N/40.
        assert!(
            (v.unwrap() - want).abs() < 0.1,
            "bucket {b}: {v:?} against {want}"
        );
    }
    let line = query::series_lines(ws, &[(run.clone(), "loss".into())], None, 100).unwrap();
    let line = &line[0];
    assert_eq!(line.total, N as usize);
    assert!(line.points.len() <= 200, "{} points", line.points.len());
    assert!(line.points.windows(2).all(|w| w[0].step <= w[1].step));
    for (step, v) in [(SPIKE, 50.0), (DIP, -50.0)] {
        assert!(
            line.points.iter().any(|p| p.step == step && p.value == v),
            "the extreme at step {step} was lost"
        );
    }
    // The last 100,000 points: the dip, not the spike, and nothing before them.
    let tail = query::series_lines(ws, &[(run.clone(), "loss".into())], Some(100_000), 100)
        .unwrap()
        .remove(0);
    assert!(tail.points.iter().all(|p| p.step >= N - 100_000));
    assert!(tail.points.iter().any(|p| p.value == -50.0));
    assert!(!tail.points.iter().any(|p| p.value == 50.0));
}

#[test]
fn a_long_series_draws_from_its_summaries_as_its_points_would_and_keeps_every_spike() {
    let (dir, run) = long_run();
    check_drawing(&open(&dir), &run);
}

#[test]
fn a_workspace_without_summaries_is_drawn_from_its_points() {
    let (dir, run) = long_run();
    tables::damage(&dir.path().join(".contexta"), "series_summaries_gone");
    check_drawing(&open(&dir), &run);
}

#[test]
fn a_summary_that_disagrees_with_its_chunk_is_found_and_repaired() {
    let (dir, _) = long_run();
    let root = dir.path().join(".contexta");
    let doctor = |extra: &[&str]| {
        let o = std::process::Command::new(common::bin())
            .arg("--workspace")
            .arg(&root)
            .args(["--format", "json", "doctor", "--no-artifacts"])
            .args(extra)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code(), v)
    };
    assert_eq!(doctor(&[]).0, Some(0));
    tables::damage(&root, "series_summary_lies");
    let (code, v) = doctor(&[]);
    assert_eq!(code, Some(3), "{v:#}");
    let text = v["findings"].to_string();
    assert!(
        text.contains("series_summary_mismatch") && text.contains("does not match its chunk"),
        "{v:#}"
    );
    let (code, v) = doctor(&["--repair"]);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(doctor(&[]).0, Some(0));
}
