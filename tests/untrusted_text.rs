//! Text from a workspace never reaches a terminal raw: every text output, markdown/CSV/HTML
//! reports and the explorer show control characters (ESC, BEL, NUL, C1), bidirectional
//! overrides and zero-width characters as visible escapes; markdown and HTML reports escape
//! HTML in data. JSON output keeps the data exact (JSON escapes control characters itself).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;

const RUN_A_NAME: &str = "run-a\u{1b}]0;pwned\u{7}\u{202e}lanif\u{0}";

/// Entity lines and records whose every free-text field is hostile.
const HOSTILE: &str = r#"{"entity":"project","name":"proj\u001b[31m\u0007","project_ref":"project:hostile","schema_version":"1.0.0","created_at":"2026-03-02T09:00:00Z","extensions":[],"tags":{}}
{"entity":"run","name":"run-a\u001b]0;pwned\u0007\u202elanif\u0000","project_ref":"project:hostile","run_ref":"run:hostile.a","schema_version":"1.0.0","started_at":"2026-03-02T09:00:00Z","ended_at":"2026-03-02T10:00:00Z","status":"completed","params":{"p\u001b[2J":"v\u009b5m"},"extensions":[]}
{"entity":"run","name":"<script>alert(1)</script>\u200b\u2066","project_ref":"project:hostile","run_ref":"run:hostile.b","schema_version":"1.0.0","started_at":"2026-03-02T11:00:00Z","ended_at":"2026-03-02T12:00:00Z","status":"completed","extensions":[]}
{"envelope":{"observed_at":"2026-03-02T09:30:00Z","producer_ref":"test.writer","record_ref":"record:hostile.a.e1","record_type":"event","recorded_at":"2026-03-02T09:30:00Z","run_ref":"run:hostile.a"},"payload":{"event_key":"note","level":"error","message":"msg\u001b[2J\u0000\u0085<img src=x onerror=alert(1)>\u202d [login](https://evil.example) www.evil.example"}}
{"envelope":{"observed_at":"2026-03-02T09:00:00Z","producer_ref":"test.writer","record_ref":"record:hostile.a.m1","record_type":"metric","recorded_at":"2026-03-02T09:00:00Z","run_ref":"run:hostile.a"},"payload":{"metric_key":"loss","value":0.5,"value_type":"float64","tags":{"step":"1"}}}
{"envelope":{"observed_at":"2026-03-02T11:00:00Z","producer_ref":"test.writer","record_ref":"record:hostile.b.m1","record_type":"metric","recorded_at":"2026-03-02T11:00:00Z","run_ref":"run:hostile.b"},"payload":{"metric_key":"loss","value":0.4,"value_type":"float64","tags":{"step":"1"}}}
"#;

fn hostile() -> Ws {
    let ws = Ws::new();
    let out = ws.ingest_text(HOSTILE, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ws
}

/// A character that must never reach a terminal as itself: a control character other than
/// the newlines and tabs of our own layout, a bidirectional control or a zero-width character.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

fn assert_clean(what: &str, text: &str) {
    let bad: Vec<String> = text
        .chars()
        .filter(|c| forbidden(*c))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    assert!(bad.is_empty(), "{what} printed {bad:?} raw:\n{text}");
}

/// Runs a command and returns stdout and stderr, asserting success.
fn both(ws: &Ws, args: &[&str]) -> String {
    let out = ws.run(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {err}");
    String::from_utf8_lossy(&out.stdout).into_owned() + &err
}

#[test]
fn text_output_of_every_command_shows_hostile_characters_escaped() {
    let ws = hostile();
    for args in [
        vec!["runs"],
        vec!["run", "show", "hostile.a"],
        vec!["records", "hostile.a"],
        vec!["compare", "hostile.a", "hostile.b"],
        vec!["compare-multi", "hostile.a", "hostile.b"],
        vec!["search", "runs", "run"],
        vec!["best", "loss"],
        vec!["trend", "loss"],
        vec!["export", "csv", "runs"],
        vec!["export", "csv", "compare", "hostile.a", "hostile.b"],
        vec!["export", "csv", "trend", "loss"],
        vec!["report", "snapshot", "hostile.a", "--output", "-"],
        vec![
            "report",
            "compare",
            "hostile.a",
            "hostile.b",
            "--output",
            "-",
        ],
        vec![
            "report",
            "compare",
            "hostile.a",
            "hostile.b",
            "--render",
            "csv",
            "--output",
            "-",
        ],
        vec![
            "report",
            "snapshot",
            "hostile.a",
            "--render",
            "csv",
            "--output",
            "-",
        ],
    ] {
        let text = both(&ws, &args);
        assert_clean(&format!("{args:?}"), &text);
    }
    // The names are shown, escaped, not dropped: a reader can tell them apart.
    let header = both(&ws, &["compare-multi", "hostile.a", "hostile.b"]);
    let first = header.lines().next().unwrap();
    assert!(
        first.contains(r"run-a\x1b]0;pwned\x07\u{202e}lanif\x00"),
        "{first}"
    );
    assert!(first.contains(r"\u{200b}\u{2066}"), "{first}");
}

#[test]
fn markdown_reports_escape_html_and_control_characters() {
    let ws = hostile();
    for args in [
        vec!["report", "snapshot", "hostile.a", "--output", "-"],
        vec!["report", "snapshot", "hostile.b", "--output", "-"],
        vec![
            "report",
            "compare",
            "hostile.a",
            "hostile.b",
            "--output",
            "-",
        ],
    ] {
        let md = both(&ws, &args);
        assert_clean(&format!("{args:?}"), &md);
        for markup in ["<script", "</script", "<img", "](https://", " www.evil"] {
            assert!(
                !md.contains(markup),
                "{args:?} renders {markup} as markup:\n{md}"
            );
        }
    }
    let md = both(
        &ws,
        &[
            "report",
            "compare",
            "hostile.a",
            "hostile.b",
            "--output",
            "-",
        ],
    );
    assert!(
        md.contains(r"&lt;script&gt;alert\(1\)&lt;/script&gt;"),
        "{md}"
    );
}

#[test]
fn html_reports_carry_no_control_characters() {
    let ws = hostile();
    for args in [
        vec![
            "report",
            "snapshot",
            "hostile.a",
            "--render",
            "html",
            "--output",
            "-",
        ],
        vec![
            "report",
            "compare",
            "hostile.a",
            "hostile.b",
            "--render",
            "html",
            "--output",
            "-",
        ],
    ] {
        let html = both(&ws, &args);
        // The document's own final newline aside, not one control character.
        let body = html.trim_end_matches('\n');
        assert!(
            !body.chars().any(|c| c.is_control()),
            "{args:?} holds control characters"
        );
        assert_clean(&format!("{args:?}"), &html);
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(html.contains(r"\x1b]0;pwned"), "escaped, still readable");
    }
}

#[test]
fn the_explorer_shows_hostile_names_escaped() {
    let ws = hostile();
    // The tree, a run's records (the hostile event), and the compare pane of both runs.
    for keys in ["", "j", "j 3", "j 3 <Enter>", "<Space> j <Space> 5", "j 8"] {
        let frame = both(&ws, &["tui", "--headless", "160x40", "--keys", keys]);
        assert_clean(&format!("explorer after {keys:?}"), &frame);
    }
    // Shown escaped, not dropped: the newest run's overview and the tree's other run (whose
    // escaped name is cut to the tree's width keeping its end, where names differ).
    let frame = both(&ws, &["tui", "--headless", "160x40", "--keys", ""]);
    assert!(frame.contains(r"</script>\u{200b}"), "{frame}");
    assert!(frame.contains(r"{202e}lanif\x00"), "{frame}");
}

#[test]
fn json_output_keeps_the_data_exact() {
    let ws = hostile();
    let runs = ws.json(&["runs"]);
    let names: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&RUN_A_NAME), "{names:?}");
}
