//! Helpers for tests that drive the real binary.
#![allow(dead_code)]

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

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(name)
}

/// A canonical metric record line for run `p.r`.
pub fn metric_line(run: &str, n: u64, key: &str, value: f64) -> String {
    format!(
        r#"{{"envelope":{{"observed_at":"2026-03-02T09:00:00Z","producer_ref":"test.writer","record_ref":"record:{run}.m{n}","record_type":"metric","recorded_at":"2026-03-02T09:00:00Z","run_ref":"run:{run}"}},"payload":{{"metric_key":"{key}","value":{value},"value_type":"float64","tags":{{"step":"{n}"}}}}}}"#
    )
}
