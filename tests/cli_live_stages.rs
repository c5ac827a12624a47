//! Stages of a live run and how long things took, through the real binary: a stage that a
//! shell script's `log … --stage S` opens stays open until its run finishes, and "took" is the
//! same figure in `runs`, `run show` and the explorer.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;

/// (status, ended_at) of each stage of `run`, by name.
fn stages(ws: &Ws, run: &str) -> Vec<(String, String, serde_json::Value)> {
    let show = ws.json(&["run", "show", run]);
    let mut out: Vec<_> = show["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage_name"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
                s["ended_at"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_stage_logged_into_a_live_run_stays_open_until_the_run_finishes() {
    let ws = Ws::new();
    let run = ws.ok(&["run", "start", "p", "r"]).trim().to_string();
    ws.ok(&["log", "metric", &run, "loss", "0.5", "--stage", "train"]);
    ws.ok(&["log", "metric", &run, "loss", "0.4", "--stage", "train"]);
    ws.ok(&[
        "log",
        "event",
        &run,
        "note",
        "evaluating",
        "--stage",
        "eval",
    ]);
    for (name, status, ended) in stages(&ws, &run) {
        assert_eq!(status, "open", "stage {name} of a live run");
        assert!(ended.is_null(), "stage {name} has an end time: {ended}");
    }
    // Diagnostics call an open stage of an open run work in progress, not a finding.
    let diag = ws.json(&["diagnostics", &run]);
    assert!(!diag.to_string().contains("incomplete_stage"), "{diag}");

    ws.ok(&["run", "finish", &run, "--status", "failed"]);
    let run_end = ws.json(&["run", "show", &run])["run"]["ended_at"].clone();
    assert!(run_end.is_string());
    let after = stages(&ws, &run);
    assert_eq!(after.len(), 2);
    for (name, status, ended) in after {
        assert_eq!(status, "failed", "stage {name} ends with its run");
        assert_eq!(ended, run_end, "stage {name} ends when its run does");
    }
}

#[test]
fn a_declared_stage_left_open_is_not_closed_for_its_writer() {
    // Only stages that records opened implicitly end with the run; a stage the writer declared
    // and never finished stays open, and diagnostics report it.
    let ws = Ws::new();
    let text = [
        r#"{"entity":"run","run_ref":"run:p.r","project_ref":"project:p","name":"r","status":"open","started_at":"2026-03-02T08:00:00Z"}"#,
        r#"{"entity":"stage","stage_execution_ref":"stage:p.r.train","run_ref":"run:p.r","stage_name":"train","status":"open","started_at":"2026-03-02T08:00:00Z"}"#,
    ]
    .join("\n");
    assert!(ws.ingest_text(&text, &[]).status.success());
    ws.ok(&["run", "finish", "run:p.r"]);
    let s = stages(&ws, "run:p.r");
    assert_eq!(s[0].1, "open");
    let diag = ws.json(&["diagnostics", "run:p.r"]);
    assert!(diag.to_string().contains("incomplete_stage"), "{diag}");
}

#[test]
fn took_is_the_same_in_the_cli_and_the_explorer() {
    // An open run that started at 08:00 and last wrote at 09:05 (in the past): while it is
    // open it took 1h05m, to its newest record, wherever it is shown.
    let ws = Ws::new();
    let text = [
        r#"{"entity":"run","run_ref":"run:p.live","project_ref":"project:p","name":"live","status":"open","started_at":"2026-03-02T08:00:00Z"}"#.to_string(),
        metric_line("p.live", 1, "loss", 0.5).replace("09:00:00Z", "09:05:00Z"),
    ]
    .join("\n");
    let out = ws.ingest_text(&text, &[]);
    assert!(out.status.success(), "{out:?}");
    let runs = ws.ok(&["runs"]);
    let row = runs.lines().find(|l| l.starts_with("run:p.live")).unwrap();
    assert!(row.contains(" 1h05m "), "runs: {row}");
    assert!(
        ws.ok(&["run", "show", "live"]).contains("duration 1h05m"),
        "run show"
    );
    let frame = ws.ok(&["tui", "--headless", "140x20"]);
    assert!(frame.contains("took 1h05m"), "{frame}");
}
