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

/// The one view file in the state directory.
fn view_files(state: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(state.join("contexta/views")) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => vec![],
    }
}

fn workspace_files(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn marks_filter_and_layout_come_back_on_the_next_start_and_a_corrupt_view_is_ignored() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = demo(dir.path());
    let state = tempfile::tempdir().unwrap();
    let env = format!("XDG_STATE_HOME={}", shell_quote(state.path()));
    let before = workspace_files(&root);

    let t = Tmux::new("views");
    open(&t, &root, &env);
    for (run, marked) in [("baseline", "1 marked"), ("cosine-warmup", "2 marked")] {
        t.type_line(&format!(":run {run}"));
        t.wait_for(run, |s| {
            s.lines()
                .last()
                .is_some_and(|l| l.contains(&format!("mnist-classifier.{run}")))
        });
        t.keys("Space");
        t.wait_for(marked, |s| s.contains(marked));
    }
    t.keys("/");
    t.type_text("project = mnist-classifier");
    t.keys("Enter");
    t.wait_for("the filtered tree", |s| {
        !tree_text(s).contains("retriever") && tree_text(s).contains("wide-resnet")
    });
    // Focus the metrics and maximise them.
    t.keys("4");
    t.keys("z");
    t.wait_for("the metrics maximised", |s| {
        !s.contains("┏ Runs") && !s.contains("┌ Runs")
    });
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
    let files = view_files(state.path());
    assert_eq!(files.len(), 1, "one view file: {files:?}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(saved["tree_filter"], "project = mnist-classifier");
    assert_eq!(saved["layout"]["focus"], "metrics");
    assert_eq!(saved["layout"]["maximized"], true);
    assert_eq!(
        workspace_files(&root),
        before,
        "nothing is written in the workspace"
    );

    // The next start: maximised metrics, and behind them the marks and the filter.
    t.type_line("clear");
    t.type_line(&format!(
        "{env} {} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_contexta"))),
        shell_quote(&root)
    ));
    t.wait_for("the metrics maximised again", |s| {
        s.contains("Metrics") && !s.contains("┏ Runs") && !s.contains("┌ Runs")
    });
    t.keys("z");
    t.keys("1");
    let s = t.wait_for("the marks and the filter", |s| {
        s.contains("/project = ") && s.contains("2 mark")
    });
    let tree = tree_text(&s);
    assert!(
        !tree.contains("retriever") && tree.contains("wide-resnet"),
        "{s}"
    );
    let marked: Vec<&str> = tree.lines().filter(|l| l.contains("*✓")).collect();
    assert_eq!(marked.len(), 2, "{s}");
    assert!(marked.iter().any(|l| l.contains("baseline")), "{s}");
    assert!(marked.iter().any(|l| l.contains("cosine-warmup")), "{s}");
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));

    // A corrupt file is said and ignored: the explorer starts as on a first start.
    std::fs::write(&files[0], "{ not json").unwrap();
    t.type_line("clear");
    t.type_line(&format!(
        "{env} {} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_contexta"))),
        shell_quote(&root)
    ));
    let s = t.wait_for("the warning and the full tree", |s| {
        s.contains("saved view ignored") && tree_text(s).contains("retriever")
    });
    assert!(!s.contains("marked"), "{s}");
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
}

// ---- the fuzzy finder (Ctrl-p), through the reducer with effects run inline ----

use contexta::tui::action::PaneId;
use contexta::tui::app::AppState;
use contexta::tui::app::cmdline::PromptKind;
use contexta::tui::context::Overlay;
use contexta::tui::headless::{HeadlessOptions, drive};

fn explorer(root: &Path, keys: &str) -> AppState {
    drive(
        root,
        &HeadlessOptions {
            width: 160,
            height: 48,
            keys,
            now: contexta::model::Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
            label: Some("test".into()),
        },
    )
    .unwrap()
    .0
}

#[test]
fn the_finder_ranks_runs_metrics_artifacts_and_commands_and_enter_goes_there() {
    let dir = tempfile::tempdir().unwrap();
    let root = demo(dir.path());

    let app = explorer(&root, "<C-p> wdrsn");
    let Some(Overlay::Finder(f)) = &app.overlay else {
        panic!("the finder is open: {:?}", app.overlay)
    };
    assert_eq!(
        f.current().unwrap().text,
        "wide-resnet",
        "fzf-like: a subsequence"
    );

    let app = explorer(&root, "<C-p> wdrsn <Enter>");
    assert!(app.overlay.is_none());
    assert_eq!(
        app.shared.selected.as_ref().unwrap().as_str(),
        "run:mnist-classifier.wide-resnet"
    );
    assert_eq!(
        app.shared.run.as_ref().unwrap().as_str(),
        "run:mnist-classifier.wide-resnet"
    );

    // A metric key of the shown run: charted in the metrics pane.
    let app = explorer(&root, "<C-p> val-loss <Enter>");
    assert_eq!(app.shared.focus, PaneId::Metrics);
    assert_eq!(app.panes.metrics.selected.as_deref(), Some("val-loss"));
    assert!(
        app.panes.metrics.series.iter().any(|l| l.key == "val-loss"),
        "the chart shows it"
    );

    // An artifact: the overview of its run, the artifact highlighted.
    let app = explorer(&root, "<C-p> final.pt <Enter>");
    assert_eq!(app.shared.focus, PaneId::Overview);
    let hl = app.panes.overview.highlight.as_ref().unwrap();
    assert_eq!(hl.kind(), "artifact");

    // A command runs; one that needs words opens the `:` line on it.
    let app = explorer(&root, "<C-p> focus <Space> lineage <Enter>");
    assert_eq!(app.shared.focus, PaneId::Lineage);
    let app = explorer(&root, "<C-p> compare <Enter>");
    let p = app.prompt.as_ref().unwrap();
    assert_eq!((p.kind, p.text.as_str()), (PromptKind::Command, "compare "));

    // Esc closes without going anywhere; nothing matching says so and Enter stays.
    let before = explorer(&root, "");
    let app = explorer(&root, "<C-p> wdrsn <Esc>");
    assert!(app.overlay.is_none());
    assert_eq!(app.shared.selected, before.shared.selected);
    let app = explorer(&root, "<C-p> qqqqqq <Enter>");
    let Some(Overlay::Finder(f)) = &app.overlay else {
        panic!("still open")
    };
    assert!(f.shown.is_empty());
}
