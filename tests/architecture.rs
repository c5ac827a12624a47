//! Layers depend one way only. This walks `src/` and fails on an import that breaks the rules
//! in lib.rs: redb only in store, ratatui/crossterm only in tui, no store access from tui,
//! analysis or report, no printing outside cli, and module imports only down the stack. Inside
//! the explorer: the reducer (app, shared context, each pane's state) never reaches into
//! renderers or the worker's code, widgets never know a pane, panes never know each other, and
//! every pane module is registered and has its three parts.
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
        // Export reads only through query, like reports, and sends what it maps elsewhere.
        "export" => &["model", "query", "export"],
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
            "export",
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

fn tui_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, code(&std::fs::read_to_string(f).unwrap()))
        })
        .collect()
}

/// The pane a file belongs to (`panes/<pane>/…`), if any.
fn pane_of(rel: &str) -> Option<&str> {
    let rest = rel.strip_prefix("panes/")?;
    rest.split_once('/').map(|(pane, _)| pane)
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap()
}

/// Render code: a pane's `view*.rs`, widgets, chrome, and the frame composition.
fn is_render(rel: &str) -> bool {
    file_name(rel).starts_with("view")
        || rel.starts_with("widgets/")
        || rel.starts_with("chrome/")
        || rel == "render.rs"
}

/// The pure reducer: the app, what panes share, and each pane's state and reactions.
fn is_reducer(rel: &str) -> bool {
    rel.starts_with("app/")
        || [
            "context.rs",
            "effect.rs",
            "action.rs",
            "commands.rs",
            "keymap.rs",
            "key.rs",
            "layout.rs",
        ]
        .contains(&rel)
        || (pane_of(rel).is_some() && !is_render(rel) && file_name(rel) != "fetch.rs")
}

#[test]
fn the_reducer_never_reaches_into_renderers_or_the_worker() {
    let mut problems = Vec::new();
    for (rel, text) in tui_files() {
        if !is_reducer(&rel) {
            continue;
        }
        for banned in [
            "ratatui",
            "crossterm",
            "tui::view",
            "super::view",
            "view::",
            "widgets",
            "theme::",
            "tui::render",
            "chrome",
            "fetch::",
            "worker",
            "Fetch",
        ] {
            if text.contains(banned) {
                problems.push(format!("{rel}: the reducer must not use {banned}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn views_only_read_and_fetchers_only_answer() {
    let mut problems = Vec::new();
    for (rel, text) in tui_files() {
        let name = file_name(&rel);
        if is_render(&rel) {
            for banned in ["Cx<", "Intent", "Requests", "&mut self"] {
                if text.contains(banned) {
                    problems.push(format!("{rel}: a view must only read ({banned})"));
                }
            }
        }
        if pane_of(&rel).is_some() && name == "fetch.rs" {
            for banned in ["Cx<", "Intent", "ratatui", "crossterm", "&mut self"] {
                if text.contains(banned) {
                    problems.push(format!("{rel}: a fetcher only answers queries ({banned})"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn widgets_know_no_pane_and_panes_know_no_other_pane() {
    let panes: std::collections::BTreeSet<String> = tui_files()
        .iter()
        .filter_map(|(rel, _)| pane_of(rel).map(str::to_string))
        .collect();
    let mut problems = Vec::new();
    for (rel, text) in tui_files() {
        if rel.starts_with("widgets/") {
            for banned in ["panes", "tui::app", "tui::context", "tui::view", "chrome"] {
                if text.contains(banned) {
                    problems.push(format!("{rel}: a widget must not use {banned}"));
                }
            }
        }
        if let Some(own) = pane_of(&rel) {
            for other in panes.iter().filter(|p| p.as_str() != own) {
                if text.contains(&format!("panes::{other}")) {
                    problems.push(format!("{rel}: the {own} pane uses the {other} pane"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_pane_module_is_registered_with_its_three_parts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui/panes");
    let registry = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let block = registry.split("panes! {").nth(1).unwrap();
    let block = &block[..block.find('}').unwrap()];
    let mut problems = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !block.contains(&format!("=> {name}::")) {
            problems.push(format!(
                "panes/{name}/ is not registered in panes! (panes/mod.rs)"
            ));
        }
        for part in ["mod.rs", "view.rs", "fetch.rs"] {
            if !p.join(part).exists() {
                problems.push(format!("panes/{name}/ has no {part}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
