//! The explorer's layout at the sizes people use over SSH: the tree, the selected run's charts
//! and its records together from 100×30 up, one pane at a time below, `z` to maximise, `T` to
//! hide the tree, no pane left stale by a resize, names cut to keep their distinguishing end,
//! and markers explained. Effects run inline on temporary workspaces (no threads, no sleeps).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::headless::{demo, keys, now};

use contexta::capture::Session;
use contexta::model::*;
use contexta::tui::action::PaneId;
use contexta::tui::app::{AppState, Load};
use contexta::tui::headless::{HeadlessOptions, drive, frame_text};
use contexta::tui::layout::Mode;
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;
use std::path::Path;

fn start(root: &Path, w: u16, h: u16, keys: &str) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: w,
            height: h,
            keys,
            now: now(),
            label: Some("test".into()),
        },
    )
    .unwrap()
}

fn frame(app: &AppState) -> String {
    frame_text(app, &Theme::defaults(true)).unwrap()
}

/// The records and metrics panes show the selected run's data (not "select a run").
fn assert_run_data_shows(app: &AppState, what: &str) {
    let run = app.shared.run.clone();
    assert!(run.is_some(), "{what}: no run selected");
    let (stream, metrics) = (&app.panes.stream, &app.panes.metrics);
    assert_eq!(stream.run, run, "{what}: records of another run");
    assert_eq!(stream.load, Load::Ready, "{what}: records not loaded");
    assert!(!stream.rows.is_empty(), "{what}: no records");
    assert_eq!(metrics.run, run, "{what}: metrics of another run");
    assert_eq!(metrics.load, Load::Ready, "{what}: metrics not loaded");
    assert!(!metrics.keys.is_empty(), "{what}: no metric keys");
    let text = frame(app);
    assert!(
        !text.contains("select a run in the tree"),
        "{what}:\n{text}"
    );
}

#[test]
fn resizing_never_leaves_a_pane_stale() {
    let (_d, root) = demo();
    // 80×24 shows only the tree: the records and metrics were never loaded.
    let (mut app, mut exec) = start(&root, 80, 24, "");
    assert_eq!(app.screen().mode, Mode::Single);
    assert_eq!(app.panes.stream.load, Load::Idle);
    for (w, h) in [(120, 36), (140, 40), (200, 60)] {
        keys(&mut app, &mut exec, &format!("<resize:{w}x{h}>"));
        assert_run_data_shows(&app, &format!("after a resize to {w}x{h}"));
    }
    // The same from a 120×36 screen whose top shows the overview (the chart hidden).
    let (mut app, mut exec) = start(&root, 120, 36, "2 :run <Space> baseline <Enter>");
    assert!(!app.screen().is_visible(PaneId::Metrics));
    keys(&mut app, &mut exec, "<resize:140x40>");
    assert_run_data_shows(&app, "120x36 with the overview open, then 140x40");
    assert!(
        app.shared
            .run
            .as_ref()
            .unwrap()
            .as_str()
            .ends_with("baseline"),
        "the run chosen before the resize stays"
    );
}

#[test]
fn tree_charts_and_records_show_together_from_100x30() {
    let (_d, root) = demo();
    for (w, h) in [(100, 30), (120, 36), (140, 40), (200, 60)] {
        let (app, _) = start(&root, w, h, "");
        assert_run_data_shows(&app, &format!("{w}x{h}"));
        let text = frame(&app);
        for title in ["Runs", "Metrics", "Records", "Overview"] {
            assert!(
                text.contains(&format!(" {title} ")),
                "{w}x{h}: no {title}\n{text}"
            );
        }
        // The chart is drawn (its axis), not only the key list.
        assert!(text.contains('└'), "{w}x{h}: no chart\n{text}");
    }
    // Below 100 columns: one pane at a time, with tabs naming the keys.
    let (mut app, mut exec) = start(&root, 99, 40, "");
    assert_eq!(app.screen().panes.len(), 1);
    assert!(frame(&app).contains("1 Runs  2 Overview  3 Records  4 Metrics"));
    keys(&mut app, &mut exec, "3");
    assert_eq!(app.screen().panes.len(), 1);
    assert!(app.screen().is_visible(PaneId::Stream));
    assert!(!app.panes.stream.rows.is_empty());
}

#[test]
fn z_maximises_the_focused_pane_and_back() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, 200, 60, "4");
    let normal = app.screen();
    keys(&mut app, &mut exec, "z");
    assert!(app.shared.maximized);
    let max = app.screen();
    assert_eq!(max.panes.len(), 1);
    assert_eq!(max.panes[0].0, PaneId::Metrics);
    assert_eq!((max.panes[0].1.w, max.panes[0].1.h), (200, 59));
    // The grid was asked again at the new size.
    let width = app.panes.metrics.grid.first().map(|s| s.points.len());
    assert!(width.is_some_and(|n| n > 0));
    // Focus moves keep it maximised; z again restores the layout.
    keys(&mut app, &mut exec, "3");
    assert_eq!(app.screen().panes, vec![(PaneId::Stream, max.panes[0].1)]);
    keys(&mut app, &mut exec, "4 z");
    assert!(!app.shared.maximized);
    assert_eq!(app.screen(), normal);
}

#[test]
fn t_hides_the_tree_and_focusing_it_shows_it_again() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, 120, 36, "");
    assert_eq!(app.shared.focus, PaneId::Tree);
    keys(&mut app, &mut exec, "T");
    assert!(app.shared.tree_hidden);
    assert!(!app.screen().is_visible(PaneId::Tree));
    assert_ne!(
        app.shared.focus,
        PaneId::Tree,
        "focus leaves the hidden tree"
    );
    let stream = app.screen().area(PaneId::Stream).unwrap();
    assert_eq!(
        (stream.x, stream.w),
        (0, 120),
        "the records take the tree's columns"
    );
    keys(&mut app, &mut exec, "1");
    assert!(
        app.screen().is_visible(PaneId::Tree),
        "focusing the tree shows it"
    );
    keys(&mut app, &mut exec, "3");
    assert!(
        !app.screen().is_visible(PaneId::Tree),
        "and it hides again after"
    );
    keys(&mut app, &mut exec, "T");
    assert!(!app.shared.tree_hidden);
    assert!(app.screen().is_visible(PaneId::Tree));
}

#[test]
fn names_cut_to_fit_keep_their_distinguishing_end() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    for name in ["live-2026-11-20-13-18-58", "live-2026-11-20-13-19-40"] {
        let run = session.start_run("training", name).unwrap();
        run.event("tick", Level::Info, "hello").unwrap();
        run.finish(Status::Completed).unwrap();
    }
    session.flush().unwrap();
    drop(session);
    let (app, _) = start(&root, 100, 30, "");
    let text = frame(&app);
    let tree: Vec<&str> = text
        .lines()
        .map(|l| l.split('┃').nth(1).unwrap_or(""))
        .collect();
    for end in ["-13-18-58", "-13-19-40"] {
        assert!(
            tree.iter().any(|l| l.contains('…') && l.contains(end)),
            "the tree cuts names keeping {end}:\n{text}"
        );
    }
    assert!(!text.contains("live-2026-1…"), "{text}");
}

#[test]
fn the_tree_legend_explains_its_markers_and_help_explains_all() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, 120, 36, ":run <Space> baseline <Enter> <Space>");
    // The tree's last row (row 33: the body is 35 rows, framed).
    let legend = |app: &AppState| frame(app).lines().nth(33).unwrap().to_string();
    let with_mark = legend(&app);
    assert!(with_mark.contains("* marked"), "{with_mark}");
    keys(&mut app, &mut exec, "u");
    assert!(!legend(&app).contains("* marked"), "only markers shown");
    // The help overlay lists every marker with its meaning.
    keys(&mut app, &mut exec, "?");
    let mut help = String::new();
    for _ in 0..12 {
        help.push_str(&frame(&app));
        keys(&mut app, &mut exec, "<C-d>");
    }
    for (glyph, meaning) in [
        ("*", "a marked run"),
        ("▲", "an error finding"),
        ("△", "a warning finding"),
        ("~", "anomalous"),
        ("!", "degraded records"),
        ("•", "records you have not seen"),
        ("◆", "pinned to the full-size chart"),
    ] {
        assert!(
            help.lines()
                .any(|l| l.contains(&format!("  {glyph} ")) && l.contains(meaning)),
            "help explains {glyph}:\n{help}"
        );
    }
}

#[test]
fn the_charted_metric_is_in_the_list_and_marked() {
    let (_d, root) = demo();
    // At 100×30 the grid shows a page of charts; the selected one is always on it.
    let (mut app, mut exec) = start(&root, 100, 30, "4");
    let titled = |app: &AppState, key: &str| frame(app).lines().any(|l| l.contains(key));
    assert_eq!(app.panes.metrics.selected.as_deref(), Some("dataset-rows"));
    assert!(titled(&app, " dataset-rows "), "{}", frame(&app));
    // Moving the selection past the page turns the page; the last key is shown when selected.
    keys(&mut app, &mut exec, "G");
    let last = app.panes.metrics.selected.clone().unwrap();
    assert_eq!(last, "val-loss");
    assert!(titled(&app, " val-loss "), "{}", frame(&app));
    assert!(!titled(&app, " dataset-rows "), "{}", frame(&app));
    // Pinned keys get ◆ in their chart's title.
    keys(&mut app, &mut exec, "<Space>");
    assert!(titled(&app, "◆val-loss"), "{}", frame(&app));
}
