//! Frames of the real explorer on the fixed demo workspace, rendered headless (effects inline)
//! at 80×24 (one pane at a time), 100×30 and 120×36 (tree, charts and records stacked), 120×24
//! (tree beside one pane), 160×48 and 200×60 (every pane), with a fixed clock and workspace
//! label, pinned with insta. Also: tiny sizes never panic, and hostile text from the workspace
//! is shown escaped, never obeyed.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::capture::Session;
use contexta::model::*;
use contexta::store::{Access, Workspace};
use contexta::tui::{HeadlessOptions, headless_with};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
}

/// One demo workspace for every snapshot (the explorer only reads it).
fn demo_root() -> &'static Path {
    static DEMO: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DEMO
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join(".contexta");
            let ws = Workspace::open(&root, Access::Write).unwrap();
            contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42)
                .unwrap();
            (dir, root)
        })
        .1
}

fn frame(root: &Path, w: u16, h: u16, keys: &str) -> String {
    headless_with(
        root,
        &HeadlessOptions {
            width: w,
            height: h,
            keys,
            now: now(),
            label: Some("~/demo/.contexta".into()),
        },
    )
    .unwrap()
}

macro_rules! snap {
    ($name:ident, $w:expr, $h:expr, $keys:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(frame(demo_root(), $w, $h, $keys));
        }
    };
}

snap!(start_80x24, 80, 24, "");
snap!(start_160x48, 160, 48, "");
snap!(stream_80x24, 80, 24, "3");
snap!(stream_paused_160x48, 160, 48, "3 k k k k k k");
snap!(
    stream_filtered_80x24,
    80,
    24,
    "3 / type:event,degraded <Enter>"
);
snap!(
    stream_empty_filter_80x24,
    80,
    24,
    "3 / key:nothing-has-this-key <Enter>"
);
snap!(record_json_80x24, 80, 24, "3 <Enter>");
// The detail view (a record, a finding, a lineage node) and the wrapped or scrolled stream.
snap!(detail_record_80x24, 80, 24, "3 k d");
snap!(detail_record_120x36, 120, 36, "3 k d");
snap!(detail_record_200x60, 200, 60, "3 k d");
snap!(detail_record_cut_80x24, 80, 24, "3 k d w > j j");
snap!(
    detail_finding_80x24,
    80,
    24,
    ":run <Space> dropout-0-3 <Enter> 6 d"
);
snap!(detail_node_120x36, 120, 36, "7 d");
snap!(stream_wrapped_80x24, 80, 24, "3 w");
snap!(stream_wrapped_120x36, 120, 36, "3 w");
snap!(stream_wrapped_200x60, 200, 60, "3 w");
snap!(stream_scrolled_120x36, 120, 36, "3 > >");
snap!(metrics_80x24, 80, 24, "4");
snap!(
    metrics_overlay_marked_160x48,
    160,
    48,
    "<Space> j j j j <Space> 4 j j j"
);
snap!(metrics_log_smooth_time_80x24, 80, 24, "4 j <Enter> e s x");

// The chart grid (a chart per key, paged) and the full-size chart with the cursor readout.
const GRID: &str = ":run <Space> baseline <Enter> 4";
const CURSOR: &str = ":run <Space> baseline <Enter> 4 G k k <Enter> e l l l l l l l l l l l l";
snap!(metrics_grid_80x24, 80, 24, GRID);
snap!(metrics_grid_120x36, 120, 36, GRID);
snap!(metrics_grid_200x60, 200, 60, GRID);
snap!(
    metrics_grid_filtered_120x36,
    120,
    36,
    ":run <Space> baseline <Enter> 4 / *loss <Enter>"
);
snap!(metrics_cursor_80x24, 80, 24, CURSOR);
snap!(metrics_cursor_120x36, 120, 36, CURSOR);
snap!(metrics_cursor_200x60, 200, 60, CURSOR);
snap!(
    tree_expanded_failed_run_80x24,
    80,
    24,
    ":run <Space> wide-resnet <Enter> l j l"
);
snap!(tree_filtered_80x24, 80, 24, "/ mnist <Enter>");
snap!(
    tree_query_error_80x24,
    80,
    24,
    "/ status <Space> = <Space> failed <Space> and"
);
snap!(finder_80x24, 80, 24, "<C-p> base");
snap!(finder_120x36, 120, 36, "<C-p> val");
snap!(finder_200x60, 200, 60, "<C-p>");
snap!(help_80x24, 80, 24, "?");
snap!(help_160x48, 160, 48, "?");
snap!(command_line_80x24, 80, 24, ":so <Tab>");
snap!(
    degraded_run_overview_160x48,
    160,
    48,
    ":run <Space> dropout-0-3 <Enter>"
);

// Investigation panes.
const COMPARE_TWO: &str = ":compare <Space> baseline <Space> lr-3e-4 <Enter> j j";
const COMPARE_MANY: &str =
    ":compare <Space> baseline <Space> lr-3e-4 <Space> wide-resnet <Enter> l l s";
snap!(compare_two_80x24, 80, 24, COMPARE_TWO);
snap!(compare_two_160x48, 160, 48, COMPARE_TWO);
snap!(compare_many_80x24, 80, 24, COMPARE_MANY);
snap!(compare_many_160x48, 160, 48, COMPARE_MANY);
snap!(
    diagnostics_80x24,
    80,
    24,
    ":run <Space> wide-resnet <Enter> 6"
);
snap!(
    diagnostics_160x48,
    160,
    48,
    ":run <Space> wide-resnet <Enter> 6"
);
snap!(
    finding_jumps_to_record_80x24,
    80,
    24,
    ":run <Space> dropout-0-3 <Enter> 6 <Enter>"
);
snap!(lineage_80x24, 80, 24, ":run <Space> baseline <Enter> 7");
snap!(
    lineage_160x48,
    160,
    48,
    ":run <Space> baseline <Enter> 7 l j"
);
snap!(project_80x24, 80, 24, "g g 8");
snap!(project_160x48, 160, 48, "g g");
// The demo's runs were not wrapped by `contexta run`: the system pane says so.
snap!(system_without_metrics_80x24, 80, 24, "0");

// The layouts: tree, charts and records together from 100×30 up; `z` maximises, `T` hides the
// tree; the overview is a header line until focused.
snap!(start_100x30, 100, 30, "");
snap!(start_120x36, 120, 36, "");
snap!(start_200x60, 200, 60, "");
snap!(overview_focused_120x36, 120, 36, "2");
snap!(metrics_maximized_120x36, 120, 36, "4 z");
snap!(tree_hidden_120x36, 120, 36, "3 T");
snap!(tree_hidden_200x60, 200, 60, "T");
snap!(
    diagnostics_120x36,
    120,
    36,
    ":run <Space> wide-resnet <Enter> 6"
);
snap!(stream_split_120x24, 120, 24, "3");
snap!(help_markers_120x36, 120, 36, "? <C-d> <C-d> <C-d> <C-d>");

/// A failed run with a console (fixed times, written through the store as a capture would):
/// 120 lines of training output with colours, warnings on stderr, a long line, and hostile
/// text a crafted workspace could hold (a title sequence, clear screen, a bidi override). A
/// degraded record at 11:04:08 is followed by 20 more lines, so "the last lines before the
/// failure" of the finding and of the run's end differ.
fn console_root() -> &'static Path {
    static WS: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &WS.get_or_init(|| {
        use contexta::store::WriteOp;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(".contexta");
        let ws = Workspace::open(&root, Access::Write).unwrap();
        let t = |s: &str| Timestamp::parse(s).unwrap();
        let run_ref = Ref::parse("run:train.lr-3e-4").unwrap();
        let project = Project::new(Ref::parse("project:train").unwrap(), "train", t("2026-11-23T11:00:00Z"));
        let mut run = Run::new(run_ref.clone(), "lr-3e-4", t("2026-11-23T11:00:00Z"));
        run.status = Status::Failed;
        run.ended_at = Some(t("2026-11-23T11:05:00Z"));
        let start = t("2026-11-23T11:00:00Z").0;
        let lines: Vec<ConsoleLine> = (0..120u32)
            .map(|i| {
                let (stream, text) = match i {
                    7 => (ConsoleStream::Stderr, "warning: \u{1b}[0;33mlr schedule clipped\u{1b}[0m".to_string()),
                    40 => (ConsoleStream::Stdout, format!("config: {}", "batch_size=256 ".repeat(12))),
                    60 => (ConsoleStream::Stdout, "hostile: \u{1b}]0;pwned title \u{1b}[2J cleared \u{202e}lanif".to_string()),
                    99 => (ConsoleStream::Stderr, "\u{1b}[0;1;31mRuntimeError\u{1b}[0m: CUDA out of memory".to_string()),
                    _ => (
                        ConsoleStream::Stdout,
                        format!("\u{1b}[0;32mepoch {}\u{1b}[0m step {:>4}  loss {:.3}", i / 20, i * 10, 2.0 / f64::from(i + 1)),
                    ),
                };
                ConsoleLine {
                    line: i,
                    stream,
                    // One line every 2.5 s: line 99 at 11:04:07.5, the last at 11:04:57.5.
                    at: Timestamp(start + i64::from(i) * 2_500_000),
                    text,
                }
            })
            .collect();
        let event = Record::from_json_str(
            r#"{"envelope":{"completeness_marker":"partial","correlation_refs":{},"degradation_marker":"partial_failure","extensions":[],"observed_at":"2026-11-23T11:04:08Z","producer_ref":"contexta.test","record_ref":"record:train.lr-3e-4.oom","record_type":"degraded","recorded_at":"2026-11-23T11:04:08Z","run_ref":"run:train.lr-3e-4","schema_version":"1.0.0"},"payload":{"attributes":{},"category":"capture","issue_key":"train.oom","origin_marker":"explicit_capture","severity":"error","summary":"CUDA out of memory; the step was skipped"}}"#,
        )
        .unwrap();
        ws.write(&[
            WriteOp::Project(project),
            WriteOp::Run(run),
            WriteOp::Record(event),
            WriteOp::Console(ConsoleBatch { run_ref, lines }),
        ])
        .unwrap();
        (dir, root)
    })
    .1
}

macro_rules! console_snap {
    ($name:ident, $w:expr, $h:expr, $keys:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(frame(console_root(), $w, $h, $keys));
        }
    };
}

// The console pane: following (its end), paused at a failure, searched, wrapped, scrolled.
console_snap!(console_80x24, 80, 24, "9");
console_snap!(console_120x36, 120, 36, "9");
console_snap!(console_200x60, 200, 60, "9");
console_snap!(console_at_run_failure_120x36, 120, 36, "1 j C");
console_snap!(console_at_finding_80x24, 80, 24, "6 C");
console_snap!(
    console_search_80x24,
    80,
    24,
    "9 / loss <Space> 0.02 <Enter> n"
);
console_snap!(console_no_match_80x24, 80, 24, "9 / no-such-text <Enter>");
console_snap!(
    console_wrap_80x24,
    80,
    24,
    "9 g g j j j j j j j j j j j j j j j j j j j j j j j j j j j j w"
);
console_snap!(
    console_scrolled_right_80x24,
    80,
    24,
    "9 g g j j j j j j j j j j j j j j j j j j j j j j j j j j j j l l"
);

#[test]
fn console_text_from_the_workspace_is_shown_escaped() {
    for keys in ["9 g g", "9 :filter <Space> hostile <Enter>"] {
        let text = frame(console_root(), 200, 60, keys);
        assert!(
            !text.contains('\x1b'),
            "raw ESC reached the screen:\n{text}"
        );
        assert!(
            !text.contains('\u{202e}'),
            "a raw bidi override reached the screen:\n{text}"
        );
        if keys != "9 g g" {
            assert!(text.contains("\\x1b]0;pwned title"), "{text}");
            assert!(text.contains("\\x1b[2J cleared"), "{text}");
            assert!(text.contains("\\u{202e}lanif"), "{text}");
        }
    }
}

#[test]
fn missing_workspace_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = frame(&dir.path().join(".contexta"), 80, 24, "");
    let status = text.lines().last().unwrap();
    assert!(status.contains("workspace missing"), "{text}");
    // The tree says why it is empty instead of "loading…" (no snapshot: the text holds the
    // temporary path, which wraps differently from machine to machine).
    assert!(
        text.lines().nth(1).unwrap().contains("workspace missing"),
        "{text}"
    );
}

#[test]
fn tiny_and_odd_sizes_never_panic() {
    for (w, h) in [
        (1, 1),
        (10, 5),
        (20, 3),
        (59, 8),
        (80, 24),
        (99, 30),
        (100, 30),
        (120, 24),
        (140, 36),
        (200, 60),
    ] {
        let text = frame(
            demo_root(),
            w,
            h,
            "3 <Enter> <Esc> 4 ? <Esc> 1 j l 6 7 l <Enter> 1 g g 8 :compare <Space> baseline <Space> lr-3e-4 <Enter> z 3 T 1 j z T 2",
        );
        assert_eq!(text.lines().count(), h as usize, "{w}x{h}");
    }
    let resized = frame(
        demo_root(),
        80,
        24,
        "<resize:1x1> 3 j <resize:10x5> 4 <resize:200x60>",
    );
    assert_eq!(resized.lines().count(), 60);
}

#[test]
fn hostile_text_renders_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("evil", "titles").unwrap();
    run.event(
        "pwn",
        Level::Error,
        "boom \x1b]0;pwned\x07 then \x1b[2J cleared",
    )
    .unwrap();
    session.flush().unwrap();
    drop(run);
    drop(session);
    for keys in ["3", "3 <Enter>", "2"] {
        let text = frame(&root, 160, 48, keys);
        assert!(
            !text.contains('\x1b'),
            "raw ESC reached the screen:\n{text}"
        );
        assert!(
            !text.contains('\x07'),
            "raw BEL reached the screen:\n{text}"
        );
        if keys == "3" {
            assert!(text.contains("\\x1b]0;pwned\\x07"), "{text}");
            assert!(text.contains("\\x1b[2J"), "{text}");
        }
    }
}

#[test]
fn readme_key_table() {
    let km = contexta::tui::keymap::Keymap::defaults();
    let table = contexta::tui::keymap::markdown_table(&km);
    insta::assert_snapshot!(table);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(table.trim_end()),
        "README.md's key table is out of date: paste the snapshot's table into its Explorer section"
    );
}
