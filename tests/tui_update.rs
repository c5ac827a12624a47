//! The explorer's reducer: actions and loaded results in, state and effects out. Effects run
//! inline against temporary workspaces (no threads, no terminal, no sleeps).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::capture::Session;
use contexta::model::*;
use contexta::store::{Access, Workspace};
use contexta::tui::action::{Action, PaneId};
use contexta::tui::app::cmdline::PromptKind;
use contexta::tui::app::{AppState, FlashLevel, Msg, WsState};
use contexta::tui::effect::{Effect, Query};
use contexta::tui::headless::{HeadlessOptions, drive, settle};
use contexta::tui::key::Key;
use contexta::tui::keymap::{Keymap, Layer, Lookup};
use contexta::tui::panes::{metrics, stream, tree};
use contexta::tui::worker::Executor;
use std::path::{Path, PathBuf};

fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
}

fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, root)
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

/// Feeds one message and runs what it asks for.
fn send(app: &mut AppState, exec: &mut Executor, msg: Msg) {
    let fx = app.update(msg);
    settle(app, exec, fx);
}

fn keys(app: &mut AppState, exec: &mut Executor, script: &str) {
    for msg in contexta::tui::headless::parse_script(script).unwrap() {
        send(app, exec, msg);
    }
}

#[test]
fn starts_on_the_most_recently_active_run_with_every_visible_pane_loaded() {
    let (_d, root) = demo();
    let (app, _) = start(&root, "");
    assert_eq!(app.ws, WsState::Ready);
    let run = app.shared.run.clone().unwrap();
    assert_eq!(run.as_str(), "run:rag-qa.retriever-v3");
    assert_eq!(app.shared.selected.as_ref(), Some(&run));
    assert!(
        app.panes.tree.expanded.contains(&run),
        "the selected run shows its stages"
    );
    assert!(app.panes.overview.detail.is_some());
    assert!(!app.panes.stream.rows.is_empty());
    assert!(app.panes.stream.follow);
    assert!(!app.panes.metrics.keys.is_empty());
    // The grid starts on its first chart (keys grouped by prefix, then by name).
    assert_eq!(app.panes.metrics.selected.as_deref(), Some("dataset-rows"));
    assert_eq!(app.requests.in_flight(), 0, "every request was answered");
}

#[test]
fn scrolling_up_pauses_follow_and_f_resumes_it() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "3");
    assert_eq!(app.shared.focus, PaneId::Stream);
    let last = app.panes.stream.rows.back().unwrap().seq;
    assert_eq!(app.panes.stream.selected, Some(last));
    keys(&mut app, &mut exec, "k k");
    assert!(!app.panes.stream.follow);
    assert!(app.panes.stream.selected.unwrap() < last);
    keys(&mut app, &mut exec, "F");
    assert!(app.panes.stream.follow);
    assert_eq!(app.panes.stream.selected, Some(last));
    // g g jumps to the oldest record, paused; End follows again.
    keys(&mut app, &mut exec, "g g");
    assert!(!app.panes.stream.follow);
    assert_eq!(app.panes.stream.rows.front().unwrap().seq, 1);
    assert_eq!(app.panes.stream.selected, Some(1));
    keys(&mut app, &mut exec, "<End>");
    assert!(app.panes.stream.follow);
}

#[test]
fn f_asks_for_the_tail() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root, "3 k");
    let fx = app.update(Msg::Action(Action::Follow));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Query(r)] if matches!(r.query, Query::Stream(stream::Query::Records { anchor: contexta::query::Anchor::Tail, .. }))
    ));
}

#[test]
fn live_records_append_while_following_and_wait_while_paused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("live", "writer").unwrap();
    for i in 0..5 {
        run.event("tick", Level::Info, &format!("tick {i}"))
            .unwrap();
    }
    session.flush().unwrap();
    let (mut app, mut exec) = start(&root, "3");
    assert_eq!(app.shared.run.as_ref(), Some(run.run_ref()));
    let before = app.panes.stream.rows.len();
    for i in 5..8 {
        run.event("tick", Level::Info, &format!("tick {i}"))
            .unwrap();
    }
    session.flush().unwrap();
    send(&mut app, &mut exec, Msg::Changed);
    assert_eq!(app.panes.stream.rows.len(), before + 3);
    assert_eq!(app.panes.stream.fresh.len(), 3, "new rows are highlighted");
    assert_eq!(
        app.panes.stream.selected,
        app.panes.stream.rows.back().map(|r| r.seq)
    );
    assert!(
        app.panes.tree.fresh.contains_key(run.run_ref()),
        "the tree marks the run"
    );
    // Highlights expire with time.
    send(
        &mut app,
        &mut exec,
        Msg::Clock(Timestamp(now().0 + 5_000_000)),
    );
    assert!(app.panes.stream.fresh.is_empty());

    // Paused: the selection stays where the user put it.
    keys(&mut app, &mut exec, "k k");
    let held = app.panes.stream.selected;
    run.event("tick", Level::Info, "tick 8").unwrap();
    session.flush().unwrap();
    send(&mut app, &mut exec, Msg::Changed);
    assert_eq!(app.panes.stream.selected, held);
    assert!(!app.panes.stream.follow);
}

#[test]
fn record_filter_narrows_the_stream_and_esc_clears_it() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "3 / type:event <Enter>");
    assert_eq!(app.prompt, None);
    assert_eq!(app.panes.stream.filter.types, vec![RecordType::Event]);
    assert!(!app.panes.stream.rows.is_empty());
    assert!(
        app.panes
            .stream
            .rows
            .iter()
            .all(|r| r.record.record_type() == RecordType::Event)
    );
    keys(&mut app, &mut exec, "<Esc>");
    assert!(app.panes.stream.filter.is_empty());
    assert_eq!(
        app.shared.focus,
        PaneId::Stream,
        "the first Esc only clears the filter"
    );
    keys(&mut app, &mut exec, "<Esc>");
    assert_eq!(app.shared.focus, PaneId::Tree);
}

#[test]
fn bad_filter_says_why_in_the_status_line() {
    let (_d, root) = demo();
    let (app, _) = start(&root, "3 :filter <Space> type:bogus <Enter>");
    let flash = app.flash.clone().unwrap();
    assert_eq!(flash.level, FlashLevel::Error);
    assert!(flash.text.contains("bogus"), "{}", flash.text);
}

#[test]
fn tree_filter_and_sort() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "/ wine <Enter>");
    let rows = app.panes.tree.rows(&app.shared.catalog);
    assert!(rows.iter().all(|r| r.node.as_str().contains("wine")));
    assert!(app.shared.run.as_ref().unwrap().as_str().contains("wine"));
    keys(&mut app, &mut exec, ":sort <Space> name <Enter>");
    let names: Vec<String> = app
        .panes
        .tree
        .rows(&app.shared.catalog)
        .iter()
        .filter(|r| r.node.kind() == "run")
        .map(|r| r.node.last().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn marks_hold_runs_and_refuse_other_rows() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "<Space>");
    let first = app.shared.run.clone().unwrap();
    assert!(app.shared.marks.contains(&first));
    keys(&mut app, &mut exec, "g g <Space>");
    assert_eq!(app.shared.marks.len(), 1, "a project cannot be marked");
    assert!(app.flash.as_ref().unwrap().text.contains("select a run"));
    keys(&mut app, &mut exec, "j <Space>");
    assert_eq!(app.shared.marks.len(), 2);
    // Marked runs overlay the grid's charts and the full-size chart.
    keys(&mut app, &mut exec, "4");
    let first_key = app.panes.metrics.grid[0].key.clone();
    assert!(
        app.panes
            .metrics
            .grid
            .iter()
            .filter(|l| l.key == first_key)
            .count()
            >= 2
    );
    keys(&mut app, &mut exec, "<Enter>");
    assert!(
        app.panes.metrics.series.len() >= 2,
        "{}",
        app.panes.metrics.series.len()
    );
    keys(&mut app, &mut exec, "1 u");
    assert!(app.shared.marks.is_empty());
}

#[test]
fn command_line_completes_and_remembers() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, ":so <Tab>");
    let p = app.prompt.clone().unwrap();
    assert_eq!(p.kind, PromptKind::Command);
    assert_eq!(p.text, "sort ");
    keys(&mut app, &mut exec, "n <Tab> <Enter>");
    assert_eq!(app.history.entries, vec!["sort name".to_string()]);
    keys(&mut app, &mut exec, ": <Up>");
    assert_eq!(app.prompt.as_ref().unwrap().text, "sort name");
    keys(&mut app, &mut exec, "<Esc>");
    assert!(app.prompt.is_none());
    // :run completes run refs, and resolves a unique suffix.
    keys(&mut app, &mut exec, ":run <Space> svm <Tab>");
    assert_eq!(
        app.prompt.as_ref().unwrap().text,
        "run wine-quality.svm-baseline"
    );
    keys(&mut app, &mut exec, "<Enter>");
    assert_eq!(
        app.shared.run.as_ref().unwrap().as_str(),
        "run:wine-quality.svm-baseline"
    );
    keys(&mut app, &mut exec, ":frobnicate <Enter>");
    assert!(app.flash.as_ref().unwrap().text.contains("unknown command"));
    keys(&mut app, &mut exec, ":q <Enter>");
    assert!(app.quit);
}

#[test]
fn enter_on_a_record_opens_its_json_and_esc_closes() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "3 <Enter>");
    match &app.overlay {
        Some(contexta::tui::app::Overlay::Detail(contexta::tui::context::Detail {
            lines, ..
        })) => {
            assert!(lines.iter().any(|l| l.contains("\"envelope\"")));
            assert!(lines.iter().any(|l| l.contains("\"payload\"")));
        }
        other => panic!("{other:?}"),
    }
    keys(&mut app, &mut exec, "<Esc>");
    assert!(app.overlay.is_none());
}

#[test]
fn stale_results_are_dropped() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "");
    let old = app.update(Msg::Action(Action::Refresh));
    let _new = app.update(Msg::Action(Action::Refresh));
    let tree_req = old
        .into_iter()
        .find(|e| matches!(e, Effect::Query(r) if r.query == Query::Tree(tree::Query::Catalog)))
        .unwrap();
    let msg = exec.run(tree_req).unwrap();
    app.shared.catalog.projects.clear();
    let fx = app.update(msg);
    assert!(fx.is_empty());
    assert!(
        app.shared.catalog.projects.is_empty(),
        "an old answer must not land"
    );
}

#[test]
fn missing_workspace_is_shown_and_retried_until_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let (mut app, mut exec) = start(&root, "");
    assert!(matches!(&app.ws, WsState::Problem(p) if p.label() == "workspace missing"));
    assert!(app.next_wake().is_some(), "a retry is scheduled");
    let fx = app.update(Msg::Clock(Timestamp(now().0 + 2_000_000)));
    assert_eq!(fx, vec![Effect::Open]);
    settle(&mut app, &mut exec, fx);
    assert!(matches!(app.ws, WsState::Problem(_)));
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, now(), 1).unwrap();
    drop(ws);
    send(&mut app, &mut exec, Msg::Changed);
    assert_eq!(app.ws, WsState::Ready);
    assert!(app.shared.run.is_some());
    // The status line ticks "updated Ns ago" for a minute after a change, then sleeps.
    assert!(app.next_wake().is_some());
    send(
        &mut app,
        &mut exec,
        Msg::Clock(Timestamp(now().0 + 120_000_000)),
    );
    assert_eq!(app.next_wake(), None, "no timers once healthy and idle");
}

#[test]
fn keymap_override_errors_name_file_line_and_key_and_defaults_still_apply() {
    let text = "global = [\n  { on = \"x\", run = \"quit\" },\n  { on = \"<Bogus>\", run = \"quit\" },\n  { on = \"z\", run = \"launch rockets\" },\n  { on = \"q\", run = \"nop\" },\n]\nstream = [ { on = \"w\", run = \"follow\", desc = \"Follow\" } ]\n";
    let (km, errors) = Keymap::with_user("user/keymap.toml", text);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 3);
    assert_eq!(errors[0].key, "<Bogus>");
    assert!(
        errors[0]
            .to_string()
            .starts_with("user/keymap.toml:3: key `<Bogus>`")
    );
    assert_eq!(errors[1].line, 4);
    assert_eq!(errors[1].key, "z");
    let g = [Layer::Global];
    assert_eq!(
        km.lookup(&g, &[Key::char('x')]),
        Lookup::Found(Action::Quit)
    );
    assert_eq!(km.lookup(&g, &[Key::char('q')]), Lookup::Found(Action::Nop));
    assert_eq!(
        km.lookup(&g, &[Key::char('j')]),
        Lookup::Found(Action::parse("select next").unwrap())
    );
    assert_eq!(km.lookup(&g, &[Key::char('g')]), Lookup::Prefix);
    let s = [Layer::Pane(PaneId::Stream), Layer::Global];
    assert_eq!(
        km.lookup(&s, &[Key::char('w')]),
        Lookup::Found(Action::Follow)
    );
    let (_, errors) = Keymap::with_user("k.toml", "global = [ { on = \"q\" } ]\nbogus = []\n");
    assert_eq!(errors.len(), 2, "{errors:?}");
    let (_, errors) = Keymap::with_user("k.toml", "global = [\n");
    assert_eq!(errors.len(), 1);
}

#[test]
fn tab_cycles_focus_and_unbound_keys_do_nothing() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "");
    let mut seen = vec![app.shared.focus];
    for _ in 0..5 {
        keys(&mut app, &mut exec, "<Tab>");
        seen.push(app.shared.focus);
    }
    assert_eq!(
        seen,
        [
            PaneId::Tree,
            PaneId::Overview,
            PaneId::Stream,
            PaneId::Metrics,
            // Alternates of a region (System for the charts, Console for the records) open
            // with their own key, not with Tab.
            PaneId::Tree,
            PaneId::Overview
        ]
    );
    let fx = app.update(Msg::Key(Key::char('Z')));
    assert!(fx.is_empty());
    assert!(app.flash.is_none());
    // A pane-only action elsewhere says why it does nothing.
    keys(&mut app, &mut exec, "3 :expand <Enter>");
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("only in the run tree")
    );
}

#[test]
fn metrics_chart_options_change_state_and_zoom_refetches() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "4 j <Enter> e s x");
    assert_eq!(
        app.panes.metrics.smoothing,
        contexta::tui::panes::metrics::Smoothing::Light
    );
    assert!(app.panes.metrics.log_y);
    assert_eq!(
        app.panes.metrics.x_by,
        contexta::tui::panes::metrics::XBy::Time
    );
    // Narrowing the x range asks for that range (around the cursor), reduced to the width.
    keys(&mut app, &mut exec, "l");
    let fx = app.update(Msg::Key(Key::char('[')));
    assert!(fx.iter().any(|e| matches!(e, Effect::Query(r) if matches!(&r.query, Query::Metrics(metrics::Query::Series { ask, .. }) if ask.range.is_some() && ask.smoothing == Some(0.6)))));
    settle(&mut app, &mut exec, fx);
    keys(&mut app, &mut exec, "j <Space>");
    assert_eq!(app.panes.metrics.pinned.len(), 1);
}

#[test]
fn a_change_during_a_page_read_waits_for_it_instead_of_replacing_it() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "3");
    // Jump to the head: a Head page is now in flight.
    let fx = app.update(Msg::Key(Key::char('g')));
    assert!(fx.is_empty());
    let head = app.update(Msg::Key(Key::char('g')));
    assert_eq!(head.len(), 1);
    // A change arrives before the page: no second records request may replace it.
    let live = app.update(Msg::Changed);
    assert!(
        !live
            .iter()
            .any(|e| matches!(e, Effect::Query(r) if matches!(r.query, Query::Stream(stream::Query::Records { .. })))),
        "{live:?}"
    );
    settle(&mut app, &mut exec, head);
    settle(&mut app, &mut exec, live);
    assert_eq!(
        app.panes.stream.rows.front().unwrap().seq,
        1,
        "the head page landed"
    );
}

#[test]
fn mouse_clicks_focus_and_select_and_the_wheel_scrolls() {
    use contexta::tui::app::{Mouse, MouseKind};
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "");
    app.mouse = true;
    let screen = app.screen();
    let stream = screen.area(PaneId::Stream).unwrap().inner();
    let click = |x, y| {
        Msg::Mouse(Mouse {
            kind: MouseKind::Click,
            x,
            y,
        })
    };
    // A click lands on what the last frame showed.
    contexta::tui::headless::frame_text(&app, &contexta::tui::theme::Theme::defaults(false))
        .unwrap();
    send(&mut app, &mut exec, click(stream.x + 2, stream.y));
    assert_eq!(app.shared.focus, PaneId::Stream);
    let top = app.panes.stream.rows[app.panes.stream.offset].seq;
    assert_eq!(app.panes.stream.selected, Some(top));
    assert!(!app.panes.stream.follow);
    let wheel = Msg::Mouse(Mouse {
        kind: MouseKind::ScrollDown,
        x: stream.x + 2,
        y: stream.y,
    });
    send(&mut app, &mut exec, wheel);
    assert!(app.panes.stream.selected.unwrap() > top);
    let tree = screen.area(PaneId::Tree).unwrap().inner();
    send(&mut app, &mut exec, click(tree.x + 3, tree.y + 1));
    assert_eq!(app.shared.focus, PaneId::Tree);
    assert_eq!(
        app.panes.tree.selected_kind(&app.shared),
        Some(contexta::tui::panes::tree::RowKind::Run)
    );
}

#[test]
fn a_workspace_deleted_and_recreated_while_open_is_reported_then_reopened() {
    let (d, root) = demo();
    let (mut app, mut exec) = start(&root, "");
    assert_eq!(app.ws, WsState::Ready);
    std::fs::remove_dir_all(&root).unwrap();
    send(&mut app, &mut exec, Msg::Changed);
    assert!(
        matches!(&app.ws, WsState::Problem(p) if p.label() == "workspace missing"),
        "{:?}",
        app.ws
    );
    assert!(
        !app.shared.catalog.projects.is_empty(),
        "what was loaded stays on screen"
    );
    // Re-created with different content: the explorer must read the new file, not the old one.
    let session = Session::open(&root).unwrap();
    let run = session.start_run("fresh", "start").unwrap();
    run.event("hello", Level::Info, "new workspace").unwrap();
    session.flush().unwrap();
    send(&mut app, &mut exec, Msg::Changed);
    assert_eq!(app.ws, WsState::Ready);
    assert_eq!(app.shared.catalog.projects.len(), 1);
    assert_eq!(
        app.shared.catalog.projects[0].runs[0].run.run_ref,
        *run.run_ref()
    );
    assert_eq!(
        app.shared.run.as_ref(),
        Some(run.run_ref()),
        "the vanished selection moved on"
    );
    assert!(app.panes.overview.detail.is_some());
    drop(d);
}

#[test]
fn growing_the_terminal_fills_the_taller_stream() {
    let (_d, root) = demo();
    let (mut app, mut exec) = drive(
        &root,
        &HeadlessOptions {
            width: 80,
            height: 24,
            keys: "3",
            now: now(),
            label: None,
        },
    )
    .unwrap();
    let before = app.panes.stream.rows.len();
    send(&mut app, &mut exec, Msg::Resize(200, 60));
    assert!(app.panes.stream.rows.len() > before);
    assert!(app.panes.stream.rows.len() >= app.shared.pane_height(PaneId::Stream));
    assert!(app.panes.stream.follow, "still following the tail");
}
