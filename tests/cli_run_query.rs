//! `contexta runs --where`: the run query language over the reference fixtures (three rag-qa
//! runs, two wine-quality runs), with expected counts taken from the data itself.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::{Ws, fixture};
use serde_json::Value;

fn fixtures_ws() -> Ws {
    let ws = Ws::new();
    for name in ["contexta-py-rag", "contexta-py-wine-quality"] {
        let seg = fixture(name).join("records/segments/segment-000001.jsonl");
        ws.ok(&["ingest", seg.to_str().unwrap()]);
    }
    ws
}

/// The refs `--where QUERY` lists (JSON output), in start order.
fn refs(ws: &Ws, query: &str) -> Vec<String> {
    ws.json(&["runs", "--where", query])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ref"].as_str().unwrap().to_string())
        .collect()
}

/// Every run with its latest metric values, read through `run show`, to check against.
fn all_runs(ws: &Ws) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for r in ws.json(&["runs"]).as_array().unwrap() {
        let run = r["ref"].as_str().unwrap().to_string();
        let show = ws.json(&["run", "show", &run]);
        out.push((run, show));
    }
    out
}

fn latest(show: &Value, key: &str) -> Option<f64> {
    show["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .map(|m| m["last"].as_f64().unwrap())
}

#[test]
fn fields_select_the_runs_the_data_says() {
    let ws = fixtures_ws();
    let runs = all_runs(&ws);
    assert_eq!(runs.len(), 5);
    let rag: Vec<String> = runs
        .iter()
        .filter(|(_, s)| s["run"]["project"] == "project:rag-qa")
        .map(|(r, _)| r.clone())
        .collect();
    assert_eq!(rag.len(), 3);
    assert_eq!(refs(&ws, "project = rag-qa"), rag);
    assert_eq!(refs(&ws, "not project = rag-qa").len(), 2);
    // A bare word is a name or ref substring, as the tree's `/` always was.
    assert_eq!(refs(&ws, "retriever"), rag);
    assert_eq!(
        refs(&ws, "name ~ retriever-v[12]"),
        ["run:rag-qa.retriever-v1", "run:rag-qa.retriever-v2"]
    );
    assert_eq!(
        refs(&ws, r"name ~ /-v3$/ or ref = wine-quality-clf.svm-baseline"),
        [
            "run:rag-qa.retriever-v3",
            "run:wine-quality-clf.svm-baseline"
        ]
    );
    assert_eq!(refs(&ws, "status = completed").len(), 5);
}

#[test]
fn latest_metrics_by_key_match_run_show() {
    let ws = fixtures_ws();
    let runs = all_runs(&ws);
    for (key, threshold) in [("ndcg-at-5", 0.72), ("mrr", 0.68), ("accuracy", 0.5)] {
        let expected: Vec<String> = runs
            .iter()
            .filter(|(_, s)| latest(s, key).is_some_and(|v| v > threshold))
            .map(|(r, _)| r.clone())
            .collect();
        assert!(!expected.is_empty(), "{key}: the fixture has such runs");
        assert_eq!(
            refs(&ws, &format!("{key} > {threshold}")),
            expected,
            "{key}"
        );
        assert_eq!(
            refs(&ws, &format!("`metrics.{key}` > {threshold}")),
            expected,
            "{key} quoted"
        );
    }
    // A run without the key is no match either way.
    let with_retries: Vec<String> = runs
        .iter()
        .filter(|(_, s)| latest(s, "llm-retries").is_some())
        .map(|(r, _)| r.clone())
        .collect();
    assert_eq!(with_retries, ["run:rag-qa.retriever-v3"]);
    assert_eq!(refs(&ws, "llm-retries != 0"), with_retries);
}

#[test]
fn times_and_durations_select_by_the_stored_instants() {
    let ws = fixtures_ws();
    let runs = all_runs(&ws);
    let started = |s: &Value| s["run"]["started_at"].as_str().unwrap().to_string();
    let expected: Vec<String> = runs
        .iter()
        .filter(|(_, s)| started(s).as_str() >= "2026-03-09")
        .map(|(r, _)| r.clone())
        .collect();
    assert_eq!(expected.len(), 4);
    assert_eq!(refs(&ws, "started >= 2026-03-09"), expected);
    assert_eq!(
        refs(&ws, "started > 2026-03-09").len(),
        3,
        "after that whole day"
    );
    assert_eq!(
        refs(&ws, "started = 2026-03-09"),
        ["run:rag-qa.retriever-v2"]
    );
    // The rag runs took 40, 40 and 31 minutes; the wine runs no time at all.
    assert_eq!(refs(&ws, "duration > 35m").len(), 2);
    assert_eq!(refs(&ws, "duration >= 31m and duration < 1h").len(), 3);
    // Everything in the fixtures is years before "an hour ago".
    assert_eq!(refs(&ws, "started < 1h ago").len(), 5);
    assert!(refs(&ws, "started > yesterday").is_empty());
}

#[test]
fn params_are_read_only_for_runs_that_set_them() {
    let ws = Ws::new();
    for (name, lr) in [("a", "0.1"), ("b", "0.01"), ("c", "1e-3")] {
        ws.ok(&[
            "run",
            "start",
            "sweep",
            name,
            "--param",
            &format!("lr={lr}"),
        ]);
    }
    ws.ok(&["run", "start", "sweep", "no-lr"]);
    assert_eq!(refs(&ws, "lr < 0.05"), ["run:sweep.b", "run:sweep.c"]);
    assert_eq!(refs(&ws, "params.lr = 0.001"), ["run:sweep.c"]);
    assert_eq!(refs(&ws, "lr != 0.1"), ["run:sweep.b", "run:sweep.c"]);
    assert_eq!(refs(&ws, "status = open").len(), 4);
}

#[test]
fn a_parse_error_shows_a_caret_under_the_column_and_exits_2() {
    let ws = fixtures_ws();
    let out = ws.run(&["runs", "--where", "status = failed and"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "error: --where: column 20: expected a field (status, name, lr, …), a word, `not` or `(`, found the end\n  status = failed and\n                     ^\n"
    );
    assert!(out.stdout.is_empty());
    let out = ws.run(&["runs", "--where", "started > soon"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("column 11: expected a time"), "{err}");
    assert!(err.ends_with("  started > soon\n            ^\n"), "{err}");
}

#[test]
fn no_match_says_so_and_lists_nothing() {
    let ws = fixtures_ws();
    let out = ws.run(&["runs", "--where", "status = failed"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "no matches for --where `status = failed`\n"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "the header only: {stdout}");
    assert!(refs(&ws, "zzz-no-such-run").is_empty());
}

#[test]
fn export_takes_the_same_query() {
    let ws = fixtures_ws();
    let out = ws.ok(&[
        "export",
        "csv",
        "runs",
        "--where",
        "project = wine-quality-clf",
    ]);
    assert_eq!(out.lines().count(), 3, "header and two runs: {out}");
}
