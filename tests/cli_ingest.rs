//! `contexta ingest` through the real binary: each error path names file, line and field,
//! exits non-zero and stores nothing; tolerant mode keeps the good lines.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;

fn good(n: u64) -> String {
    metric_line("p.r", n, "loss", 0.5)
}

fn assert_rejected(text: &str, want: &[&str]) {
    let ws = Ws::new();
    ws.ok(&["init"]);
    let out = ws.ingest_text(text, &[]);
    assert_eq!(out.status.code(), Some(1), "should fail: {text}");
    let err = String::from_utf8_lossy(&out.stderr);
    for w in want {
        assert!(err.contains(w), "stderr `{err}` lacks `{w}`");
    }
    assert!(err.contains("input.jsonl:"), "{err}");
    assert_eq!(
        ws.total_records(),
        0,
        "nothing may be stored after a strict failure"
    );
}

#[test]
fn bad_json_names_the_line() {
    assert_rejected(
        &format!("{}\n{{not json\n", good(1)),
        &["input.jsonl:2", "not JSON"],
    );
}

#[test]
fn missing_field_is_named() {
    let line = good(1).replace(r#""producer_ref":"test.writer","#, "");
    assert_rejected(&format!("{}\n{line}\n", good(2)), &[":2:", "producer_ref"]);
}

#[test]
fn invalid_ref_names_field_and_rule() {
    let line = good(3).replace("run:p.r\"", "run:P.r\"");
    assert_rejected(&line, &[":1:", "run_ref", "lower-kebab"]);
}

#[test]
fn unknown_field_is_refused() {
    let line = good(1).replace(r#""metric_key""#, r#""surprise":1,"metric_key""#);
    assert_rejected(&line, &["surprise"]);
}

#[test]
fn bad_enum_value_is_refused() {
    let line = good(1).replace(r#""record_type":"metric""#, r#""record_type":"metrics""#);
    assert_rejected(&line, &["record_type"]);
}

#[test]
fn non_finite_and_bool_values_are_refused() {
    assert_rejected(&good(1).replace("0.5", "true"), &["payload.value"]);
}

#[test]
fn record_outside_its_run_is_refused() {
    let line = good(1).replace("record:p.r.m1", "record:p.other.m1");
    assert_rejected(&line, &["envelope.record_ref", "not under run"]);
}

#[test]
fn bad_entity_line_is_refused() {
    assert_rejected(
        r#"{"entity":"run","run_ref":"run:p.r","project_ref":"project:q","name":"r","status":"open","started_at":"2026-03-02T09:00:00Z"}"#,
        &["run_ref", "not in project"],
    );
    assert_rejected(r#"{"entity":"wizard"}"#, &["entity"]);
    assert_rejected(
        r#"{"entity":"run","run_ref":"run:p.r","project_ref":"project:p","name":"r","status":"completed","started_at":"2026-03-02T09:00:00Z"}"#,
        &["ended_at", "required"],
    );
}

#[test]
fn tolerant_stores_good_lines_and_marks_the_loss() {
    let ws = Ws::new();
    let text = format!("{}\n{{broken\n{}\n", good(1), good(2));
    let out = ws.ingest_text(&text, &["--tolerant"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("input.jsonl:2"));
    let recs = ws.json(&["records", "run:p.r", "--type", "metric"]);
    assert_eq!(recs.as_array().unwrap().len(), 2);
    // The bad line became an import_loss degraded marker.
    let runs = ws.json(&["runs"]);
    let degraded: u64 = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["records"]["degraded"].as_u64().unwrap())
        .sum();
    assert_eq!(degraded, 1);
    let all: Vec<serde_json::Value> = runs
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            ws.json(&["records", r["ref"].as_str().unwrap(), "--type", "degraded"])
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    assert_eq!(all[0]["envelope"]["degradation_marker"], "import_loss");
}

#[test]
fn duplicate_record_refs_are_kept_and_reported() {
    let ws = Ws::new();
    let text = format!("{}\n{}\n", good(1), good(1));
    let out = ws.ingest_text(&text, &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 duplicate"));
    let runs = ws.json(&["runs"]);
    assert_eq!(runs[0]["records"]["total"], 2);
    assert_eq!(runs[0]["records"]["duplicates"], 1);
}

#[test]
fn entity_lines_declare_runs_and_records_infer_the_rest() {
    let ws = Ws::new();
    let text = format!(
        "{}\n{}\n{}\n",
        r#"{"entity":"project","project_ref":"project:p","name":"P","created_at":"2026-03-01T00:00:00Z"}"#,
        r#"{"entity":"run","run_ref":"run:p.r","project_ref":"project:p","name":"Run R","status":"completed","started_at":"2026-03-02T08:00:00Z","ended_at":"2026-03-02T10:00:00Z"}"#,
        metric_line("p.inferred-run", 1, "loss", 1.0)
    );
    assert!(ws.ingest_text(&text, &[]).status.success());
    let runs = ws.json(&["runs"]);
    let by_ref = |r: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|x| x["ref"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(by_ref("run:p.r")["name"], "Run R");
    assert_eq!(by_ref("run:p.r")["inferred"], false);
    assert_eq!(by_ref("run:p.inferred-run")["inferred"], true);
}

#[test]
fn usage_errors_exit_2() {
    let ws = Ws::new();
    ws.ok(&["init"]);
    assert_eq!(
        ws.run(&["runs", "--status", "sleeping"]).status.code(),
        Some(2)
    );
    assert_eq!(ws.run(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(
        ws.run(&["runs", "--after", "yesterday"]).status.code(),
        Some(2)
    );
}

#[test]
fn stdin_and_segment_lines_are_accepted() {
    let ws = Ws::new();
    let seg = fixture("contexta-py-wine-quality/records/segments/segment-000001.jsonl");
    let mut child = ws
        .cmd(&["ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(seg).unwrap())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(ws.total_records(), 22);
}

/// Waits until process `pid` has read `file` up to its current end: the offset of its open
/// descriptor for the file, from `/proc/PID/fdinfo`.
fn wait_until_read_to_end(pid: u32, file: &std::path::Path) {
    let want = file.canonicalize().unwrap();
    let len = std::fs::metadata(file).unwrap().len();
    let offset = || -> Option<u64> {
        for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
            if std::fs::read_link(fd.path()).ok().as_ref() != Some(&want) {
                continue;
            }
            let info = std::fs::read_to_string(format!(
                "/proc/{pid}/fdinfo/{}",
                fd.file_name().to_string_lossy()
            ))
            .ok()?;
            return info
                .lines()
                .find_map(|l| l.strip_prefix("pos:"))
                .and_then(|p| p.trim().parse().ok());
        }
        None
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while offset().is_none_or(|pos| pos < len) {
        assert!(
            std::time::Instant::now() < deadline,
            "the follower never read {} to its end",
            file.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn follow_tails_a_growing_file_and_survives_rotation() {
    use std::io::Write;
    let ws = Ws::new();
    ws.ok(&["init"]);
    let file = ws.dir.path().join("live.jsonl");
    std::fs::write(&file, format!("{}\n", good(1))).unwrap();
    let mut child = ws
        .cmd(&["--quiet", "ingest", file.to_str().unwrap(), "--follow"])
        .spawn()
        .unwrap();
    let wait_for = |n: u64| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if ws.run(&["--format", "json", "runs"]).status.success() && ws.total_records() >= n {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("never saw {n} records");
    };
    wait_for(1);
    // Append, including a line written in two halves.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    writeln!(f, "{}", good(2)).unwrap();
    let third = good(3);
    let (a, b) = third.split_at(40);
    write!(f, "{a}").unwrap();
    f.flush().unwrap();
    // The follower must meet the half line before its end arrives.
    wait_until_read_to_end(child.id(), &file);
    writeln!(f, "{b}").unwrap();
    wait_for(3);
    // Rotate: the file is replaced by a new one, as logrotate does.
    drop(f);
    std::fs::rename(&file, ws.dir.path().join("live.jsonl.1")).unwrap();
    std::fs::write(&file, format!("{}\n", good(4))).unwrap();
    wait_for(4);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(ws.total_records(), 4);
}

/// Every `import_loss` marker in the workspace: (line attribute, summary).
fn loss_markers(ws: &Ws) -> Vec<(u64, String)> {
    let runs = ws.json(&["runs"]);
    let mut out = Vec::new();
    for r in runs.as_array().unwrap() {
        let recs = ws.json(&["records", r["ref"].as_str().unwrap(), "--type", "degraded"]);
        for rec in recs.as_array().unwrap() {
            if rec["envelope"]["degradation_marker"] == "import_loss" {
                out.push((
                    rec["payload"]["attributes"]["line"].as_u64().unwrap(),
                    rec["payload"]["summary"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn metric_count(ws: &Ws) -> usize {
    ws.json(&["records", "run:p.r", "--type", "metric"])
        .as_array()
        .unwrap()
        .len()
}

/// Three good lines around one line of raw bytes `bad` (line 2).
fn with_bad_line(bad: &[u8]) -> Vec<u8> {
    let mut text = format!("{}\n", good(1)).into_bytes();
    text.extend_from_slice(bad);
    text.extend(format!("\n{}\n{}\n", good(2), good(3)).into_bytes());
    text
}

/// A line that is JSON except for two bytes that are not UTF-8.
fn not_utf8_line() -> Vec<u8> {
    let mut line = good(9).into_bytes();
    let at = line.len() - 10;
    line.splice(at..at, [0xff, 0xfe]);
    line
}

/// A line of 5,000 bytes, far over a 1,000-byte cap (a good line is about 300).
fn over_long_line() -> Vec<u8> {
    let mut line = br#"{"pad":""#.to_vec();
    line.extend(std::iter::repeat_n(b'x', 5000));
    line.extend(br#""}"#);
    line
}

fn write_input(ws: &Ws, bytes: &[u8]) -> String {
    let file = ws.dir.path().join("input.jsonl");
    std::fs::write(&file, bytes).unwrap();
    file.to_str().unwrap().to_string()
}

/// Strict: the bad line is named (file:line) and nothing is stored. Tolerant: the other lines
/// are stored, the bad one is named and recorded as an `import_loss` marker for line 2.
fn check_bad_line(bad: &[u8], cap: &[&str], want: &str) {
    let ws = Ws::new();
    ws.ok(&["init"]);
    let file = write_input(&ws, &with_bad_line(bad));
    let mut args = vec!["ingest", file.as_str()];
    args.extend_from_slice(cap);
    let out = ws.run(&args);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("input.jsonl:2:") && err.contains(want),
        "{err}"
    );
    assert_eq!(ws.total_records(), 0, "strict stores nothing");

    args.push("--tolerant");
    let out = ws.run(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("input.jsonl:2:") && err.contains(want),
        "{err}"
    );
    assert_eq!(metric_count(&ws), 3);
    let markers = loss_markers(&ws);
    assert_eq!(markers.len(), 1, "{markers:?}");
    assert_eq!(markers[0].0, 2);
    assert!(markers[0].1.contains(want), "{markers:?}");
}

#[test]
fn invalid_utf8_is_a_bad_line_with_its_number() {
    check_bad_line(&not_utf8_line(), &[], "UTF-8");
}

#[test]
fn an_over_long_line_is_a_bad_line_with_its_number() {
    check_bad_line(
        &over_long_line(),
        &["--max-line-bytes", "1000"],
        "longer than the limit of 1000 bytes",
    );
    // The cap is a whole positive number of bytes.
    let ws = Ws::new();
    assert_eq!(
        ws.run(&["ingest", "-", "--max-line-bytes", "0"])
            .status
            .code(),
        Some(2)
    );
}

/// `recover replay`: strict names file:line; tolerant stores the rest and marks line 2.
fn check_replay(bad: &[u8], cap: &[&str], want: &str) {
    let ws = Ws::new();
    ws.ok(&["init"]);
    let file = write_input(&ws, &with_bad_line(bad));
    let mut args = vec!["recover", "replay", file.as_str()];
    args.extend_from_slice(cap);
    let mut strict = args.clone();
    strict.extend(["--mode", "strict"]);
    let out = ws.run(&strict);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("input.jsonl:2:") && err.contains(want),
        "{err}"
    );
    assert_eq!(ws.total_records(), 0);

    args.extend(["--mode", "tolerant"]);
    let out = ws.run(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("input.jsonl:2:") && err.contains(want),
        "{err}"
    );
    assert_eq!(metric_count(&ws), 3);
    let markers = loss_markers(&ws);
    assert_eq!(markers.len(), 1, "{markers:?}");
    assert_eq!(markers[0].0, 2);
}

#[test]
fn replay_names_invalid_utf8_and_over_long_lines() {
    check_replay(&not_utf8_line(), &[], "UTF-8");
    check_replay(
        &over_long_line(),
        &["--max-line-bytes", "1000"],
        "longer than the limit",
    );
}

#[test]
fn follow_tolerant_skips_invalid_utf8_and_over_long_lines() {
    use std::io::Write;
    let ws = Ws::new();
    ws.ok(&["init"]);
    let file = ws.dir.path().join("live.jsonl");
    std::fs::write(&file, with_bad_line(&not_utf8_line())).unwrap();
    let mut child = ws
        .cmd(&[
            "--quiet",
            "ingest",
            file.to_str().unwrap(),
            "--follow",
            "--tolerant",
            "--max-line-bytes",
            "1000",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let wait_for = |records: usize, markers: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if ws.run(&["--format", "json", "runs"]).status.success()
                && ws.total_records() >= 1
                && metric_count(&ws) >= records
                && loss_markers(&ws).len() >= markers
            {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("never saw {records} records and {markers} markers");
    };
    wait_for(3, 1);
    // An over-long line arrives in pieces, then a good line after it.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    let long = over_long_line();
    f.write_all(&long[..3000]).unwrap();
    f.flush().unwrap();
    f.write_all(&long[3000..]).unwrap();
    writeln!(f).unwrap();
    writeln!(f, "{}", good(4)).unwrap();
    f.flush().unwrap();
    wait_for(4, 2);
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<u64> = loss_markers(&ws).iter().map(|m| m.0).collect();
    assert_eq!(
        lines,
        vec![2, 5],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
