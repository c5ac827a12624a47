//! One recipe per question: the CLI, the explorer's worker and reports diagnose a run, and the
//! CLI and the explorer's tree flags score anomalies, through the one function in `query` each,
//! so they give the same answer for the same run.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::Ws;
use contexta::analysis::diagnostics::Finding;
use contexta::capture::Session;
use contexta::model::{Ref, Status, Timestamp};
use contexta::tui::app::Msg;
use contexta::tui::effect::{Effect, Payload, Query, Request};
use contexta::tui::panes::tree::RunFlags;
use contexta::tui::panes::{diagnostics, tree};
use contexta::tui::worker::Executor;

/// Project `p`: six completed runs with a `train` stage and a loss near 1, then `outlier`,
/// completed without the stage and with a loss of 9 (an anomaly, a regression against the
/// previous completed run, and a stage its siblings all have).
fn workspace() -> Ws {
    let ws = Ws::new();
    let session = Session::open(&ws.root()).unwrap();
    for i in 0..6 {
        let run = session.start_run("p", &format!("r{i}")).unwrap();
        run.stage("train")
            .unwrap()
            .finish(Status::Completed)
            .unwrap();
        run.metric("loss", 1.0 + i as f64 * 0.01, Some(1)).unwrap();
        run.finish(Status::Completed).unwrap();
        session.flush().unwrap();
    }
    let run = session.start_run("p", "outlier").unwrap();
    run.metric("loss", 9.0, Some(1)).unwrap();
    run.finish(Status::Completed).unwrap();
    session.flush().unwrap();
    ws
}

fn ask(exec: &mut Executor, query: Query) -> Payload {
    match exec.run(Effect::Query(Request { id: 1, query })) {
        Some(Msg::Loaded(l)) => l.result.unwrap(),
        _ => panic!("the worker did not answer"),
    }
}

fn outlier() -> Ref {
    Ref::parse("run:p.outlier").unwrap()
}

#[test]
fn cli_explorer_and_report_diagnose_a_run_alike() {
    let ws = workspace();
    let cli = ws.json(&["diagnostics", "p.outlier"]);
    let cli_codes: Vec<String> = cli["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    // The recipe reads the siblings' stages and the previous completed run.
    assert!(
        cli_codes.iter().any(|c| c == "missing_expected_stage"),
        "{cli:#}"
    );
    assert!(
        cli_codes.iter().any(|c| c == "metric_regression"),
        "{cli:#}"
    );
    assert_eq!(cli["baseline"], "run:p.r5");

    let mut exec = Executor::new(&ws.root());
    let now = Timestamp::now();
    let Payload::Diagnostics(diagnostics::Loaded::Findings(run, found)) = ask(
        &mut exec,
        Query::Diagnostics(diagnostics::Query::Diagnose {
            run: outlier(),
            now,
        }),
    ) else {
        panic!("not findings");
    };
    assert_eq!(run, outlier());
    let explorer_codes: Vec<String> = found.iter().map(|f: &Finding| f.code.clone()).collect();
    assert_eq!(explorer_codes, cli_codes);

    let out = ws.dir.path().join("snapshot.json");
    ws.ok(&[
        "report",
        "snapshot",
        "p.outlier",
        "--render",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let section = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == "Diagnostics")
        .expect("a diagnostics section");
    let report_codes: Vec<String> = section["evidence_links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(report_codes, cli_codes);
}

#[test]
fn cli_anomaly_and_tree_flags_score_alike() {
    let ws = workspace();
    let cli = ws.json(&["anomaly", "p.outlier"]);
    let found = &cli["anomalies"][0];
    assert_eq!(found["key"], "loss", "{cli:#}");
    assert_eq!(found["severity"], "error", "{cli:#}");
    assert_eq!(found["baseline_size"], 6, "{cli:#}");
    let calm = ws.json(&["anomaly", "p.r2"]);
    assert_ne!(calm["anomalies"][0]["severity"], "error", "{calm:#}");

    let mut exec = Executor::new(&ws.root());
    let runs = vec![(outlier(), 1), (Ref::parse("run:p.r2").unwrap(), 1)];
    let Payload::Tree(tree::Loaded::Flags(flags)) = ask(
        &mut exec,
        Query::Tree(tree::Query::Flags {
            runs,
            now: Timestamp::now(),
        }),
    ) else {
        panic!("not flags");
    };
    let anomalies = |name: &str| -> Vec<String> {
        flags
            .iter()
            .find(|f: &&RunFlags| f.run.as_str() == name)
            .unwrap()
            .anomalies
            .clone()
    };
    assert_eq!(anomalies("run:p.outlier"), vec!["loss".to_string()]);
    assert!(anomalies("run:p.r2").is_empty());
}
