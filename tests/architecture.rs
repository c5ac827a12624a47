//! Layers depend one way only. This walks `src/` and fails on an import that breaks the rules
//! in lib.rs: redb only in store, ratatui/crossterm only in tui, no store access from tui,
//! analysis or report, no printing outside cli, and module imports only down the stack.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Which top-level modules each module may use (`crate::X`).
fn allowed(module: &str) -> &'static [&'static str] {
    match module {
        "model" => &["model"],
        "sanitize" => &[],
        "destination" => &[],
        "store" => &["model", "store"],
        "capture" => &["model", "store", "capture"],
        // Query answers a question whole: it feeds what it reads to the pure analysis, so the
        // CLI, the explorer and reports share one recipe per question.
        "query" => &["model", "store", "analysis", "query"],
        "analysis" => &["model", "analysis"],
        "report" => &["model", "query", "analysis", "report", "sanitize"],
        // Recovery reads and writes through the store, and reuses capture's line parser and
        // entity lines so export, replay and import speak exactly what `ingest` speaks.
        "recovery" => &["model", "store", "capture", "recovery"],
        "watch" => &["watch"],
        "demo" => &["model", "store", "capture", "demo"],
        "tui" => &[
            "model",
            "query",
            "analysis",
            "report",
            "recovery",
            "watch",
            "store",
            "sanitize",
            "tui",
            "demo",
            "destination",
        ],
        "cli" => &[
            "model",
            "store",
            "capture",
            "query",
            "analysis",
            "report",
            "recovery",
            "watch",
            "demo",
            "tui",
            "sanitize",
            "destination",
            "cli",
        ],
        _ => &[],
    }
}

/// Code lines only: comments and doc comments may name anything.
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn layers_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut problems = Vec::new();
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        let module = rel.split(['/', '.']).next().unwrap().to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = code(&std::fs::read_to_string(f).unwrap());
        if module != "store" && text.contains("redb") {
            problems.push(format!("{rel}: names redb outside store"));
        }
        if module != "tui" && (text.contains("ratatui") || text.contains("crossterm")) {
            problems.push(format!("{rel}: names ratatui/crossterm outside tui"));
        }
        if module != "cli" && (text.contains("println!") || text.contains("print!(")) {
            problems.push(format!("{rel}: prints outside cli"));
        }
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + 7..];
            let target: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !allowed(&module).contains(&target.as_str()) {
                problems.push(format!("{rel}: {module} may not use crate::{target}"));
            }
        }
        if module == "tui" {
            for banned in [
                "store::tables",
                "store::write",
                "WriteOp",
                "begin_write",
                "crate::capture",
            ] {
                if text.contains(banned) {
                    problems.push(format!("{rel}: tui must not use {banned}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}
