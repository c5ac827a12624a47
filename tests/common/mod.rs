//! Helpers for tests that drive the real binary.
#![allow(dead_code)]

pub mod headless;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_contexta")
}

pub struct Ws {
    pub dir: tempfile::TempDir,
}

impl Ws {
    pub fn new() -> Ws {
        Ws {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn root(&self) -> PathBuf {
        self.dir.path().join(".contexta")
    }
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.arg("--workspace")
            .arg(self.root())
            .args(args)
            .env("NO_COLOR", "1");
        c.stdin(Stdio::null());
        c
    }
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--format", "json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).unwrap()
    }
    pub fn ingest_text(&self, text: &str, extra: &[&str]) -> Output {
        let file = self.dir.path().join("input.jsonl");
        std::fs::write(&file, text).unwrap();
        let mut a = vec!["ingest", file.to_str().unwrap()];
        a.extend_from_slice(extra);
        self.run(&a)
    }
    pub fn total_records(&self) -> u64 {
        let runs = self.json(&["runs"]);
        runs.as_array()
            .unwrap()
            .iter()
            .map(|r| r["records"]["total"].as_u64().unwrap())
            .sum()
    }
}

/// A reference fixture kept in the repository (`tests/fixtures/`, copied unchanged from what
/// the reference package wrote), so a fresh clone alone runs every test.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A canonical metric record line for run `p.r`.
pub fn metric_line(run: &str, n: u64, key: &str, value: f64) -> String {
    format!(
        r#"{{"envelope":{{"observed_at":"2026-03-02T09:00:00Z","producer_ref":"test.writer","record_ref":"record:{run}.m{n}","record_type":"metric","recorded_at":"2026-03-02T09:00:00Z","run_ref":"run:{run}"}},"payload":{{"metric_key":"{key}","value":{value},"value_type":"float64","tags":{{"step":"{n}"}}}}}}"#
    )
}

/// Whether this is a CI run: `CI` set, and not empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether a test that needs an outside tool can run. Where the tool is missing, a developer's
/// run skips the test with a note; a CI run fails instead, since a skipped test would pass
/// there without testing anything (`.ci/run` installs the tools).
pub fn tool_or_skip(present: bool, what: &str, install: &str) -> bool {
    if present {
        return true;
    }
    assert!(
        !in_ci(),
        "{what} is missing and CI is set: this test fails rather than skips ({install})"
    );
    eprintln!("note: {what} is missing; test skipped ({install})");
    false
}

/// Runs one test of the current test binary by name in a child process, with `PATH` emptied
/// (so outside tools are missing) and `CI` as given; returns its exit status and all output.
pub fn run_self_without_tools(test: &str, ci: Option<&str>) -> (bool, String) {
    let empty = tempfile::tempdir().unwrap();
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env("PATH", empty.path())
        .stdin(Stdio::null());
    match ci {
        Some(v) => c.env("CI", v),
        None => c.env_remove("CI"),
    };
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
