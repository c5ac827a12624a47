//! A long metric series is drawn from its chunk summaries: chart lines keep every spike, the
//! exact first and last points, and only values the series holds, a workspace without summaries reads its points
//! instead, and a summary that disagrees with its chunk is a doctor finding that repair fixes.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/tables.rs"]
mod tables;

use contexta::model::*;
use contexta::query::{self, ChartAsk};
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

/// The true smallest and largest value of the points whose step lies in `[lo, hi)`.
fn range_of(lo: i64, hi: i64) -> (f64, f64) {
    (lo..hi.min(N))
        .map(value)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
}

/// Draws the series 60 columns wide and checks what every chart needs of it. Returns whether
/// it was drawn from summaries (their stand-in points carry no seq).
fn check_drawing(ws: &Workspace, run: &Ref) -> bool {
    let columns = 60;
    let ask = ChartAsk {
        columns,
        ..ChartAsk::default()
    };
    let line = query::series_lines(ws, &[(run.clone(), "loss".into())], &ask)
        .unwrap()
        .remove(0);
    assert_eq!(line.total, N as usize);
    assert!(
        line.points.len() <= 2 * columns,
        "{} points",
        line.points.len()
    );
    assert!(line.points.windows(2).all(|w| w[0].step <= w[1].step));
    // Axes: the series' own first and last points, exactly.
    let (first, last) = (line.first.unwrap(), line.last.unwrap());
    assert_eq!((first.step, first.value), (0, value(0)));
    assert_eq!((last.step, last.value), (N - 1, value(N - 1)));
    for (step, v) in [(SPIKE, 50.0), (DIP, -50.0)] {
        assert!(
            line.points.iter().any(|p| p.step == step && p.value == v),
            "the extreme at step {step} was lost"
        );
    }
    // Every point drawn is a value the series holds in that column: nothing is invented.
    let width = (N - 1) as f64 / columns as f64;
    for p in &line.points {
        let c = ((p.step as f64 / width) as i64).min(columns as i64 - 1);
        let (lo, hi) = range_of(
            (c as f64 * width) as i64,
            ((c + 1) as f64 * width) as i64 + 1,
        );
        assert!(
            lo <= p.value && p.value <= hi,
            "step {} value {} outside its column's {lo}..{hi}",
            p.step,
            p.value
        );
    }
    line.points.iter().any(|p| p.seq == 0)
}

#[test]
fn a_long_series_draws_from_its_summaries_as_its_points_would_and_keeps_every_spike() {
    let (dir, run) = long_run();
    assert!(check_drawing(&open(&dir), &run), "summaries were not used");
}

#[test]
fn a_workspace_without_summaries_is_drawn_from_its_points() {
    let (dir, run) = long_run();
    tables::damage(&dir.path().join(".contexta"), "series_summaries_gone");
    assert!(
        !check_drawing(&open(&dir), &run),
        "summaries that are gone were used"
    );
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
