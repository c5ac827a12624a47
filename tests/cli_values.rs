//! Values on the command line through the real binary: negative numbers, what a missing metric
//! means, best-value marks, usage errors (exit 2) and suggestions for a mistyped run.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;

/// A workspace with run `p.r` started through the CLI; returns its ref.
fn started(ws: &Ws, project: &str, name: &str) -> String {
    ws.ok(&["run", "start", project, name]).trim().to_string()
}

#[test]
fn negative_numbers_need_no_double_dash() {
    let ws = Ws::new();
    let run = started(&ws, "p", "r");
    ws.ok(&["log", "metric", &run, "reward", "-0.5"]);
    ws.ok(&["log", "metric", &run, "reward", "-1e-3", "--step", "-2"]);
    ws.ok(&["log", "metric", &run, "reward", "--step", "3", "-2.5"]);
    let trend = ws.json(&["trend", "reward", "--run", &run]);
    let mut points: Vec<(i64, f64)> = trend["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap()))
        .collect();
    points.sort_by_key(|p| p.0);
    assert_eq!(points, vec![(-2, -1e-3), (0, -0.5), (3, -2.5)]);
    // A negative threshold; the latest reward (-2.5) is below it, so the rule fires.
    let out = ws.run(&[
        "alert",
        &run,
        "--metric",
        "reward",
        "--operator",
        "lt",
        "--threshold",
        "-1",
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    // Where a negative value makes no sense it is refused as such (usage error), not taken for
    // an unknown flag.
    let out = ws.run(&["diagnostics", &run, "--stale-after", "-5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at or above 0"));
}

/// (exit code, stderr) of a command.
fn fails(ws: &Ws, args: &[&str]) -> (Option<i32>, String) {
    let out = ws.run(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_metric_is_an_error_never_a_pass() {
    let ws = Ws::new();
    let run = started(&ws, "p", "r");
    ws.ok(&["log", "metric", &run, "val-loss", "0.5"]);
    ws.ok(&["log", "metric", &run, "accuracy", "0.9"]);
    let (code, err) = fails(
        &ws,
        &[
            "alert",
            &run,
            "--metric",
            "val-los",
            "--operator",
            "gt",
            "--threshold",
            "1",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("no metric `val-los` in run run:p.r; it has: accuracy, val-loss"),
        "{err}"
    );
    // The same metric asked in a stage the run never had.
    let (code, err) = fails(
        &ws,
        &[
            "alert",
            &run,
            "--metric",
            "val-loss",
            "--operator",
            "gt",
            "--threshold",
            "1",
            "--stage",
            "eval",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("no metric `val-loss` in stage `eval`"),
        "{err}"
    );
    // A present metric still evaluates.
    let out = ws.run(&[
        "alert",
        &run,
        "--metric",
        "val-loss",
        "--operator",
        "gt",
        "--threshold",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0));

    let (code, err) = fails(&ws, &["trend", "val-los"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no metric `val-los` in run run:p.r"), "{err}");
    let (code, err) = fails(
        &ws,
        &["--format", "json", "trend", "val-los", "--run", &run],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("it has: accuracy, val-loss"), "{err}");
    let (code, err) = fails(&ws, &["trend", "val-loss", "--project", "elsewhere"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no run matches"), "{err}");
    assert!(ws.ok(&["trend", "val-loss"]).contains("0.5"));
}

#[test]
fn compare_multi_marks_a_best_value_only_for_keys_with_a_direction() {
    let ws = Ws::new();
    let a = started(&ws, "p", "a");
    let b = started(&ws, "p", "b");
    for (run, loss, throughput) in [(&a, "0.5", "100"), (&b, "0.4", "200")] {
        ws.ok(&["log", "metric", run, "val-loss", loss]);
        ws.ok(&["log", "metric", run, "throughput", throughput]);
    }
    let text = ws.ok(&["compare-multi", &a, &b]);
    let row = |key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(key))
            .unwrap_or_else(|| panic!("no {key} row in\n{text}"))
            .to_string()
    };
    assert!(row("val-loss").contains("0.4000 *"), "{text}");
    assert!(!row("throughput").contains('*'), "{text}");
    let j = ws.json(&["compare-multi", &a, &b]);
    let best = |key: &str| {
        j["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["key"] == key)
            .unwrap()["best"]
            .clone()
    };
    assert_eq!(best("val-loss"), 1);
    assert!(best("throughput").is_null());
}

#[test]
fn usage_errors_exit_2_everywhere() {
    let ws = Ws::new();
    let run = started(&ws, "p", "r");
    ws.ok(&["log", "metric", &run, "loss", "0.5"]);
    let file = ws.dir.path().join("model.bin");
    std::fs::write(&file, b"weights").unwrap();
    let file = file.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["bench", "nonsense"],
        &["log", "metric", &run, "Bad Key", "1"],
        &["log", "event", &run, "Bad Key", "hello"],
        &["artifact", "put", "Bad Kind", file, "--run", &run],
        &["lineage", "artifact:Not-Kebab"],
        &["runs", "--project", "Bad Project"],
        &["trend", "loss", "--stage", "Bad Stage"],
        &["best", "loss", "--project", "Bad Project"],
        &["tui", "--headless", "80x24", "--keys", "<NoSuchKey>"],
    ];
    for args in cases {
        let (code, err) = fails(&ws, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    // Nothing was written by the refused commands.
    assert_eq!(ws.total_records(), 1);
    // Something missing in the workspace is a runtime error (1), not a usage error.
    assert_eq!(fails(&ws, &["run", "show", "run:p.missing"]).0, Some(1));
}

#[test]
fn explorer_report_with_an_unknown_format_is_an_error_listing_the_formats() {
    let ws = Ws::new();
    let run = started(&ws, "p", "r");
    ws.ok(&["log", "metric", &run, "loss", "0.5"]);
    let out = ws
        .cmd(&[
            "tui",
            "--headless",
            "200x30",
            "--keys",
            ": r e p o r t <Space> p d f <Enter>",
        ])
        .current_dir(ws.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let frame = String::from_utf8_lossy(&out.stdout);
    assert!(frame.contains("unknown report format `pdf`"), "{frame}");
    assert!(frame.contains("html, markdown (md), json, csv"), "{frame}");
    assert!(
        !ws.dir.path().join("pdf").exists(),
        "a file named pdf was written"
    );
    let reports = ws.root().join("reports");
    let written = std::fs::read_dir(&reports).map_or(0, |d| d.count());
    assert_eq!(written, 0, "no report may be written");
}

#[test]
fn a_run_name_that_matches_nothing_suggests_the_closest_names() {
    let ws = Ws::new();
    started(&ws, "mnist", "baseline");
    started(&ws, "mnist", "wide-resnet");
    started(&ws, "wine", "svm-baseline");
    let err = |args: &[&str]| {
        let (code, err) = fails(&ws, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        err
    };
    // A typo in the name.
    let e = err(&["run", "show", "basline"]);
    assert!(
        e.contains("no run matches `basline`; did you mean run:mnist.baseline?"),
        "{e}"
    );
    // A typo in a full ref.
    let e = err(&["run", "show", "run:mnist.baselin"]);
    assert!(e.contains("did you mean run:mnist.baseline?"), "{e}");
    // Part of a name, in any command that takes a run.
    let e = err(&["compare", "resnet", "baseline"]);
    assert!(e.contains("did you mean run:mnist.wide-resnet?"), "{e}");
    // Several close names, nearest first.
    let e = err(&["diagnostics", "baselin"]);
    assert!(
        e.contains("did you mean one of run:mnist.baseline, run:wine.svm-baseline?"),
        "{e}"
    );
    // Nothing close: no guess.
    let e = err(&["run", "show", "transformer"]);
    assert!(!e.contains("did you mean"), "{e}");
}
