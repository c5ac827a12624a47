//! The record stream's pause counter: "‖ paused, N new" counts the records that arrived since
//! following stopped (scrolling up, `g g`, a jump from a finding), never the records that were
//! already there. Effects run inline; a writer appends between messages (no threads, no sleeps).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::capture::{RunHandle, Session};
use contexta::model::*;
use contexta::store::{Access, Workspace};
use contexta::tui::app::AppState;
use contexta::tui::headless::{HeadlessOptions, drive, frame_text, parse_script, settle};
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;
use std::path::Path;

fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
}

fn start(root: &Path, keys: &str) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: 160,
            height: 48,
            keys,
            now: now(),
            label: Some("test".into()),
        },
    )
    .unwrap()
}

fn keys(app: &mut AppState, exec: &mut Executor, script: &str) {
    for msg in parse_script(script).unwrap() {
        let fx = app.update(msg);
        settle(app, exec, fx);
    }
}

/// The records pane's title.
fn title(app: &AppState) -> String {
    let text = frame_text(app, &Theme::defaults(false)).unwrap();
    let line = text.lines().find(|l| l.contains("Records")).unwrap();
    line[line.find("Records").unwrap()..].to_string()
}

fn write(session: &Session, run: &RunHandle, n: usize) {
    for i in 0..n {
        run.event("tick", Level::Info, &format!("tick {i}"))
            .unwrap();
    }
    session.flush().unwrap();
}

#[test]
fn only_records_that_arrive_while_paused_count_as_new() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("live", "writer").unwrap();
    write(&session, &run, 40);
    let (mut app, mut exec) = start(&root, "3");
    assert!(app.panes.stream.follow);

    // `k` pauses: nothing is new yet; records written now are.
    keys(&mut app, &mut exec, "k");
    assert!(
        title(&app).contains("‖ paused (F follows)"),
        "{}",
        title(&app)
    );
    write(&session, &run, 3);
    keys(&mut app, &mut exec, "<changed>");
    assert_eq!(app.panes.stream.new_while_paused(), 3);
    assert!(title(&app).contains("‖ paused, 3 new"), "{}", title(&app));

    // Following again clears it.
    keys(&mut app, &mut exec, "F");
    assert!(app.panes.stream.follow);
    assert!(title(&app).contains("● following"), "{}", title(&app));

    // `g g` jumps to the oldest records, paused: the records below the window are not new.
    keys(&mut app, &mut exec, "g g <changed>");
    assert!(!app.panes.stream.follow);
    assert_eq!(app.panes.stream.new_while_paused(), 0, "{}", title(&app));
    write(&session, &run, 2);
    keys(&mut app, &mut exec, "<changed>");
    assert_eq!(app.panes.stream.new_while_paused(), 2);
    assert!(title(&app).contains("‖ paused, 2 new"), "{}", title(&app));
}

#[test]
fn a_jump_from_a_finding_into_a_finished_run_has_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    drop(ws);
    let (mut app, mut exec) = start(&root, ":run <Space> dropout-0-3 <Enter> 6 <Enter>");
    assert!(!app.panes.stream.follow, "the jump pauses on the record");
    keys(&mut app, &mut exec, "<changed>");
    assert_eq!(app.panes.stream.new_while_paused(), 0);
    let t = title(&app);
    assert!(t.contains("‖ paused (F follows) 495 total"), "{t}");
    assert!(!t.contains("new"), "{t}");
}
