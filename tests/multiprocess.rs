//! Real processes sharing one workspace: two writers and a follower at once lose nothing and
//! keep per-run order gap-free; a writer killed with SIGKILL loses nothing it committed.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn live(ws: &Ws, name: &str, duration: Option<&str>) -> Child {
    let mut args = vec![
        "--quiet",
        "demo",
        "--live",
        "--name",
        name,
        "--interval",
        "0.0005",
    ];
    if let Some(d) = duration {
        args.extend(["--duration", d]);
    }
    ws.cmd(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn records_of(ws: &Ws, run: &str) -> Vec<serde_json::Value> {
    ws.json(&["records", run]).as_array().unwrap().clone()
}

/// Generated refs are `record:<run>.seq-<n>`: they must be exactly 1..=N in order.
fn assert_gap_free(recs: &[serde_json::Value]) {
    for (i, r) in recs.iter().enumerate() {
        let rref = r["envelope"]["record_ref"].as_str().unwrap();
        let n: usize = rref.rsplit("seq-").next().unwrap().parse().unwrap();
        assert_eq!(n, i + 1, "gap or reorder at {rref}");
    }
}

#[test]
fn two_writers_and_a_follower_lose_nothing() {
    let ws = Ws::new();
    ws.ok(&["init"]);
    let mut a = live(&ws, "writer-a", Some("3"));
    let mut b = live(&ws, "writer-b", Some("3"));
    wait_until("writer-a's run", 20, || {
        ws.ok(&["runs"]).contains("writer-a")
    });
    let mut follower = ws
        .cmd(&[
            "--format",
            "json",
            "records",
            "mnist-classifier.writer-a",
            "--follow",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = follower.stdout.take().unwrap();
    let followed = Arc::new(Mutex::new(Vec::<String>::new()));
    let lines = followed.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            lines.lock().unwrap().push(line);
        }
    });
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let stored = records_of(&ws, "mnist-classifier.writer-a").len();
    wait_until("the follower to print the last commit", 20, || {
        followed.lock().unwrap().len() >= stored
    });
    follower.kill().unwrap();
    follower.wait().unwrap();
    reader.join().unwrap();
    let followed = followed.lock().unwrap().clone();

    let ra = records_of(&ws, "mnist-classifier.writer-a");
    let rb = records_of(&ws, "mnist-classifier.writer-b");
    assert!(
        ra.len() > 100 && rb.len() > 100,
        "{} {}",
        ra.len(),
        rb.len()
    );
    assert_gap_free(&ra);
    assert_gap_free(&rb);
    // The follower printed every record of writer-a, in order, exactly once.
    let refs: Vec<String> = followed
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["envelope"]["record_ref"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let want: Vec<String> = ra
        .iter()
        .map(|r| r["envelope"]["record_ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs, want);
    // Both runs finished cleanly.
    let runs = ws.json(&["runs", "--status", "completed"]);
    assert_eq!(runs.as_array().unwrap().len(), 2);
}

#[test]
fn sigkill_loses_nothing_committed() {
    let ws = Ws::new();
    ws.ok(&["init"]);
    let mut w = live(&ws, "doomed", None);
    let mut committed = 0;
    wait_until("a few commits", 30, || {
        committed = if ws.run(&["--format", "json", "runs"]).status.success() {
            ws.total_records()
        } else {
            0
        };
        committed >= 500
    });
    w.kill().unwrap(); // SIGKILL
    w.wait().unwrap();
    // The next reader sees a clean workspace (repairing it if the crash requires).
    let recs = records_of(&ws, "mnist-classifier.doomed");
    assert!(
        recs.len() >= committed as usize,
        "{} < {committed}",
        recs.len()
    );
    assert_gap_free(&recs);
    let runs = ws.json(&["runs"]);
    assert_eq!(runs[0]["status"], "open", "a killed run stays open");
    // And a new writer can keep going.
    ws.ok(&["log", "metric", "doomed", "loss", "0.1"]);
    assert_eq!(
        records_of(&ws, "mnist-classifier.doomed").len(),
        recs.len() + 1
    );
}

#[test]
fn a_nan_metric_becomes_an_error_finding() {
    let ws = Ws::new();
    let run = ws.ok(&["run", "start", "p", "diverged"]);
    let run = run.trim();
    ws.ok(&["log", "metric", run, "loss", "0.5", "--step", "1"]);
    ws.ok(&["log", "metric", run, "loss", "NaN", "--step", "2"]);
    let j = ws.json(&["diagnostics", run]);
    let codes: Vec<&str> = j["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"non_finite_metric"), "{codes:?}");
    assert_eq!(
        ws.run(&["diagnostics", run, "--fail-on", "error"])
            .status
            .code(),
        Some(3)
    );
}
