//! `export jsonl` → `ingest` reproduces the workspace; `recover replay` is idempotent by record
//! ref and content; `export csv runs` is proper CSV.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/dump.rs"]
mod dump;

use common::Ws;

fn demo() -> Ws {
    let w = Ws::new();
    dump::demo_at(&w.root());
    w
}

fn export(w: &Ws, extra: &[&str]) -> std::path::PathBuf {
    let out = w.dir.path().join(format!("export-{}.jsonl", extra.len()));
    let mut args = vec!["export", "jsonl"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--output", out.to_str().unwrap()]);
    w.ok(&args);
    out
}

#[test]
fn export_then_ingest_reproduces_the_workspace() {
    let w = demo();
    let file = export(&w, &[]);
    let fresh = Ws::new();
    let o = fresh.run(&["ingest", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (dump::dump_at(&w.root()), dump::dump_at(&fresh.root()));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    // Stdout works too and gives the same bytes.
    let stdout = w.ok(&["export", "jsonl"]);
    assert_eq!(stdout, std::fs::read_to_string(&file).unwrap());
}

#[test]
fn export_of_one_run_holds_only_that_run() {
    let w = demo();
    let file = export(&w, &["cosine-warmup"]);
    let text = std::fs::read_to_string(file).unwrap();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let run = v
            .pointer("/envelope/run_ref")
            .or_else(|| v.get("run_ref"))
            .and_then(|r| r.as_str());
        if let Some(r) = run {
            assert_eq!(r, "run:mnist-classifier.cosine-warmup", "{line}");
        }
    }
    let fresh = Ws::new();
    fresh.ok(&[
        "ingest",
        w.dir.path().join("export-1.jsonl").to_str().unwrap(),
    ]);
    let runs = fresh.json(&["runs"]);
    assert_eq!(runs.as_array().unwrap().len(), 1);
}

#[test]
fn replay_skips_identical_records_and_keeps_changed_ones_as_duplicates() {
    let w = demo();
    let file = export(&w, &[]);
    let before = dump::dump_at(&w.root());
    let r = w.json(&[
        "recover",
        "replay",
        file.to_str().unwrap(),
        "--mode",
        "strict",
    ]);
    assert_eq!(r["applied"], 0, "{r:#}");
    assert!(r["skipped"].as_u64().unwrap() > 1000);
    assert_eq!(dump::dump_at(&w.root()), before);

    // Into an empty workspace: everything applies once; a second replay changes nothing.
    let fresh = Ws::new();
    let r = fresh.json(&["recover", "replay", file.to_str().unwrap()]);
    assert_eq!(r["skipped"], 0);
    let once = dump::dump_at(&fresh.root());
    assert_eq!(once, before);
    fresh.json(&["recover", "replay", file.to_str().unwrap()]);
    assert_eq!(dump::dump_at(&fresh.root()), once);

    // Same ref, different content: kept and reported as a duplicate.
    let line = common::metric_line("p.r", 1, "loss", 0.5);
    let changed = common::metric_line("p.r", 1, "loss", 0.25);
    let f = fresh.dir.path().join("j.jsonl");
    std::fs::write(&f, format!("{line}\n{line}\n{changed}\n")).unwrap();
    let r = fresh.json(&["recover", "replay", f.to_str().unwrap()]);
    // The input holds the same record twice: both are kept, as the reference keeps a re-run.
    assert_eq!(
        (
            r["applied"].as_u64(),
            r["skipped"].as_u64(),
            r["duplicates"].as_u64()
        ),
        (Some(3), Some(0), Some(2)),
        "{r:#}"
    );
    let r = fresh.json(&["recover", "replay", f.to_str().unwrap()]);
    assert_eq!(
        (r["applied"].as_u64(), r["skipped"].as_u64()),
        (Some(0), Some(3)),
        "{r:#}"
    );
}

#[test]
fn strict_replay_stores_nothing_on_a_bad_line_tolerant_marks_it_once() {
    let w = Ws::new();
    w.ok(&["init"]);
    let f = w.dir.path().join("bad.jsonl");
    let good = common::metric_line("p.r", 1, "loss", 0.5);
    std::fs::write(&f, format!("{good}\n{{\"envelope\": 3}}\n")).unwrap();
    let o = w.run(&["recover", "replay", f.to_str().unwrap(), "--mode", "strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(":2:"));
    assert!(w.json(&["runs"]).as_array().unwrap().is_empty());
    for _ in 0..2 {
        let r = w.json(&[
            "recover",
            "replay",
            f.to_str().unwrap(),
            "--mode",
            "tolerant",
        ]);
        assert_eq!(r["rejected"].as_array().unwrap().len(), 1);
    }
    // One good record, one import_loss marker however often it is replayed.
    assert_eq!(w.total_records(), 2);
}

#[test]
fn csv_runs_export_quotes_properly() {
    let w = Ws::new();
    let run = w.ok(&["run", "start", "proj", "base, \"quoted\" line"]);
    let _ = run;
    let out = w.ok(&["export", "csv", "runs"]);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "run_id",
            "name",
            "project_name",
            "status",
            "started_at",
            "ended_at"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][1], "base, \"quoted\" line");
    assert_eq!(&rows[0][2], "proj");
    assert_eq!(&rows[0][3], "open");
    let demo = demo();
    let out = demo.ok(&["export", "csv", "runs", "--status", "failed"]);
    assert!(
        out.lines().count() >= 2 && out.lines().skip(1).all(|l| l.contains(",failed,")),
        "{out}"
    );
}

#[test]
fn export_carries_a_wrapped_commands_console_and_ingest_restores_it() {
    let w = Ws::new();
    // 300 lines (more than one console entity line), colours, stderr kept apart with --pipe.
    let o = w.run(&[
        "run",
        "--pipe",
        "--project",
        "p",
        "--name",
        "noisy",
        "--",
        "sh",
        "-c",
        "for i in $(seq 1 299); do echo \"line $i\"; done; printf '\\033[1;31mboom\\033[0m\\n' >&2",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = export(&w, &[]);
    let text = std::fs::read_to_string(&file).unwrap();
    let console: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["entity"] == "console")
        .collect();
    assert_eq!(console.len(), 2, "256 lines to an entity line");
    assert_eq!(console[0]["run_ref"], "run:p.noisy");
    let n: usize = console
        .iter()
        .map(|c| c["lines"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 300);

    let fresh = Ws::new();
    fresh.ok(&["ingest", file.to_str().unwrap()]);
    let read = |root: &std::path::Path| {
        let ws = contexta::store::Workspace::open(root, contexta::store::Access::Read).unwrap();
        let run = contexta::model::Ref::parse("run:p.noisy").unwrap();
        contexta::query::console::lines(&ws, &run, 0..1_000).unwrap()
    };
    let (a, b) = (read(&w.root()), read(&fresh.root()));
    assert_eq!(a.total, 300);
    assert_eq!(a, b, "the console reads the same after export and ingest");
    let boom = b.lines.iter().find(|l| l.text.contains("boom")).unwrap();
    assert_eq!(boom.stream, contexta::model::ConsoleStream::Stderr);
    assert!(
        boom.text.contains("\u{1b}["),
        "colours kept: {:?}",
        boom.text
    );
    // And a second export of the copy is the same file.
    let again = fresh.dir.path().join("again.jsonl");
    fresh.ok(&["export", "jsonl", "--output", again.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(again).unwrap(), text);
}
