//! Reports through the real binary: every rendering of a snapshot and a comparison, written
//! where asked (or into the workspace's reports folder), self-contained HTML.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;

#[test]
fn snapshot_report_in_every_rendering() {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let dir = ws.dir.path();
    for (render, file) in [
        ("markdown", "r.md"),
        ("json", "r.json"),
        ("html", "r.html"),
        ("csv", "r.csv"),
    ] {
        let out = dir.join(file);
        let printed = ws.ok(&[
            "report",
            "snapshot",
            "cosine-warmup",
            "--render",
            render,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(printed.trim(), out.display().to_string());
        let text = std::fs::read_to_string(&out).unwrap();
        for section in [
            "Run Summary",
            "Stages",
            "Metrics",
            "Events of Note",
            "Diagnostics",
            "Artifacts",
            "Lineage",
            "Provenance",
        ] {
            assert!(text.contains(section), "{render} lacks {section}");
        }
    }
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(
        html.contains("<svg") && html.contains("<polyline"),
        "charts are inline SVG"
    );
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"),
        "no script, no network"
    );
    let csv = std::fs::read_to_string(dir.join("r.csv")).unwrap();
    assert!(csv.starts_with("\"section_title\",\"body\""));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    assert_eq!(
        json["title"],
        "Run Snapshot Report: run:mnist-classifier.cosine-warmup"
    );
    assert_eq!(json["sections"][0]["title"], "Run Summary");
}

#[test]
fn compare_report_defaults_to_the_reports_folder() {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let printed = ws.ok(&[
        "report",
        "compare",
        "baseline",
        "cosine-warmup",
        "--render",
        "html",
    ]);
    let path = std::path::PathBuf::from(printed.trim());
    assert!(
        path.starts_with(ws.root().join("reports")),
        "{}",
        path.display()
    );
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.contains("Metric Deltas") && html.contains("class=\"better\""));
    assert_eq!(
        ws.run(&[
            "report",
            "compare",
            "baseline",
            "cosine-warmup",
            "--render",
            "pdf"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn report_text_from_data_is_escaped() {
    let ws = Ws::new();
    let run = ws.ok(&["run", "start", "p", "hostile"]);
    let run = run.trim();
    ws.ok(&[
        "log",
        "event",
        run,
        "note.added",
        "<script>alert(1)</script> \u{1b}[2J",
        "--level",
        "error",
    ]);
    let out = ws.dir.path().join("h.html");
    ws.ok(&[
        "report",
        "snapshot",
        run,
        "--render",
        "html",
        "--output",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(out).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn csv_exports_of_compare_and_trend() {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let c = ws.ok(&["export", "csv", "compare", "baseline", "cosine-warmup"]);
    let mut lines = c.lines();
    assert_eq!(
        lines.next().unwrap(),
        "stage_name,metric_key,left_value,right_value,delta,change_ratio,left_status,right_status,notes,change_pct,verdict"
    );
    assert!(
        c.lines()
            .any(|l| l.starts_with("train,val-loss,") && l.ends_with(",better"))
    );
    let t = ws.ok(&[
        "export",
        "csv",
        "trend",
        "val-loss",
        "--project",
        "mnist-classifier",
    ]);
    assert_eq!(
        t.lines().next().unwrap(),
        "run_id,run_name,metric_key,project_name,stage_name,value,captured_at"
    );
    // The five training runs (one failed) carry val-loss; the dataset run does not.
    assert_eq!(t.lines().count(), 1 + 5);
}
