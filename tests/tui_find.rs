//! Finding things in the explorer, end to end in tmux: the run query language in the tree's
//! `/` (matches, "no matches", a parse error pointing at its column).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::tmux::{Tmux, have_tmux, shell_quote};
use std::path::{Path, PathBuf};

/// The demo workspace (13 runs in three projects) at a fixed instant.
fn demo(dir: &Path) -> PathBuf {
    let root = dir.join(".contexta");
    let ws = contexta::store::Workspace::open(&root, contexta::store::Access::Write).unwrap();
    let at = contexta::model::Timestamp::parse("2026-11-20T09:00:00Z").unwrap();
    contexta::demo::generate(&ws, at, 42).unwrap();
    root
}

fn open(t: &Tmux, root: &Path, env: &str) {
    t.start_sized(160, 48);
    t.type_line(&format!(
        "{env} {} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_contexta"))),
        shell_quote(root)
    ));
    t.wait_for("the explorer", |s| {
        s.contains("Runs") && s.contains("Overview")
    });
}

/// The tree's rows (its left column), for looking runs up by name.
fn tree_text(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.chars().take(44).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_query_typed_in_the_tree_filters_it_and_errors_point_at_the_column() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = demo(dir.path());
    let t = Tmux::new("query");
    open(&t, &root, "");
    t.wait_for("the demo runs", |s| tree_text(s).contains("baseline"));

    // Metrics are read for the query (the worker), then the one run above 0.97 stays.
    t.keys("/");
    t.type_text("val-accuracy > 0.97 and project = mnist-classifier");
    t.keys("Enter");
    let s = t.wait_for("one run left", |s| {
        let tree = tree_text(s);
        tree.contains("cosine-warmup") && !tree.contains("baseline")
    });
    let tree = tree_text(&s);
    for gone in [
        "lr-3e-4",
        "dropout-0-3",
        "wide-resnet",
        "retriever",
        "svm-baseline",
    ] {
        assert!(!tree.contains(gone), "{gone} should be filtered out:\n{s}");
    }

    // Old habits: a bare word still matches names.
    t.keys("/");
    t.keys("C-u");
    t.type_text("retriever");
    t.keys("Enter");
    let s = t.wait_for("the three retrievers", |s| {
        let tree = tree_text(s);
        tree.contains("retriever-v1") && tree.contains("retriever-v3") && !tree.contains("baseline")
    });
    assert!(tree_text(&s).contains("retriever-v2"), "{s}");

    // A mistake shows its column while typed, and the tree shows nothing rather than all.
    t.keys("/");
    t.keys("C-u");
    t.type_text("status = failed and");
    let s = t.wait_for("the column in the prompt", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("✗ column 20: expected"))
    });
    assert!(s.contains("query: column 20"), "{s}");
    assert!(!tree_text(&s).contains("baseline"), "{s}");
    t.keys("Enter");
    t.wait_for("the error flashed", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("filter: column 20"))
    });

    // Nothing matching says so.
    t.keys("/");
    t.keys("C-u");
    t.type_text("status = failed and started > 2026-12-01");
    t.keys("Enter");
    t.wait_for("no matches", |s| {
        s.contains("no matches for status = failed")
    });

    // And the failed run is found when it exists.
    t.keys("/");
    t.keys("C-u");
    t.type_text("status = failed");
    t.keys("Enter");
    let s = t.wait_for("the failed run", |s| tree_text(s).contains("wide-resnet"));
    assert!(!tree_text(&s).contains("cosine-warmup"), "{s}");
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
}
