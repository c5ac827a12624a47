//! The metrics pane's charts through the real app, headless (effects inline): the grid (paging,
//! grouping, the glob/regex filter), the full-size chart (cursor, range zoom, pan, Esc back),
//! overlays aligned by step or time, and chart x labels that are the data's own steps.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::headless::keys;

use contexta::capture::Session;
use contexta::model::*;
use contexta::tui::action::{Action, PaneId};
use contexta::tui::app::AppState;
use contexta::tui::headless::{HeadlessOptions, drive, frame_text};
use contexta::tui::key::Key;
use contexta::tui::keymap::{Keymap, Layer, Lookup};
use contexta::tui::panes::metrics::{Mode, XBy};
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;
use std::path::{Path, PathBuf};

/// 20 keys in three groups × 300 steps in run `charts.a` and again (other values) in
/// `charts.b`; `charts.long` has one key, `loss`, at steps 0 … 49,999.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let keys: Vec<String> = (0..8)
        .map(|i| format!("train.m{i:02}"))
        .chain((0..6).map(|i| format!("val.m{i:02}")))
        .chain((0..6).map(|i| format!("system.m{i:02}")))
        .collect();
    for (r, name) in ["a", "b"].iter().enumerate() {
        let run = session.start_run("charts", name).unwrap();
        for step in 0..300i64 {
            for (k, key) in keys.iter().enumerate() {
                let v = (k + 1) as f64 * 10.0 + step as f64 * (r + 1) as f64;
                run.metric(key, v, Some(step)).unwrap();
            }
        }
        run.finish(Status::Completed).unwrap();
    }
    let run = session.start_run("charts", "long").unwrap();
    for step in 0..50_000i64 {
        run.metric("loss", 1.0 + (step as f64 * 0.01).sin(), Some(step))
            .unwrap();
    }
    run.finish(Status::Completed).unwrap();
    session.flush().unwrap();
    drop(session);
    (dir, root)
}

fn start(root: &Path, w: u16, h: u16, keys: &str) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: w,
            height: h,
            keys,
            now: Timestamp::now(),
            label: Some("test".into()),
        },
    )
    .unwrap()
}

fn frame(app: &AppState) -> String {
    frame_text(app, &Theme::defaults(true)).unwrap()
}

const RUN_A: &str = ":run <Space> charts.a <Enter> 4";

#[test]
fn the_grid_groups_keys_pages_with_the_selection_and_loads_each_page() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, 160, 48, RUN_A);
    let m = &app.panes.metrics;
    assert_eq!(m.mode, Mode::Grid);
    // Grouped by prefix (system., train., val.), by name inside a group.
    let order: Vec<&str> = m.keys.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(order[0], "system.m00");
    assert_eq!(order[6], "train.m00");
    assert_eq!(order[19], "val.m05");
    assert_eq!(m.selected.as_deref(), Some("system.m00"));
    let per =
        contexta::tui::panes::metrics::per_page(app.shared.area(PaneId::Metrics).unwrap().inner());
    assert!((2..20).contains(&per), "{per} charts a page");
    // Each chart of the page is loaded, for this run only (nothing marked).
    let page0: Vec<String> = m.grid.iter().map(|l| l.key.clone()).collect();
    assert_eq!(page0.len(), per);
    assert_eq!(page0[0], "system.m00");
    assert!(frame(&app).contains(&format!("page 1/{}", 20_usize.div_ceil(per))));
    // PageDown moves the selection a page: the next page's charts load.
    keys(&mut app, &mut exec, "<PageDown>");
    let m = &app.panes.metrics;
    assert_eq!(m.selected.as_deref(), Some(m.keys[per].key.as_str()));
    assert_eq!(m.grid[0].key, m.keys[per].key);
    assert!(frame(&app).contains("page 2/"));
    // j and l step one chart, k and h back; PageUp returns to the first page.
    keys(&mut app, &mut exec, "j l");
    assert_eq!(
        app.panes.metrics.selected.as_deref(),
        Some(app.panes.metrics.keys[per + 2].key.as_str())
    );
    keys(&mut app, &mut exec, "k h <PageUp>");
    assert_eq!(app.panes.metrics.selected.as_deref(), Some("system.m00"));
    assert_eq!(app.panes.metrics.grid[0].key, "system.m00");
}

#[test]
fn the_filter_takes_globs_and_regexes_and_says_when_one_is_wrong() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, 160, 48, RUN_A);
    let visible = |app: &AppState| -> Vec<String> {
        app.panes
            .metrics
            .visible_keys()
            .iter()
            .map(|k| k.key.clone())
            .collect()
    };
    keys(&mut app, &mut exec, "/ val/* <Enter>");
    let v = visible(&app);
    assert_eq!(v.len(), 6);
    assert!(v.iter().all(|k| k.starts_with("val.")), "{v:?}");
    assert_eq!(app.panes.metrics.selected.as_deref(), Some("val.m00"));
    assert!(
        app.panes
            .metrics
            .grid
            .iter()
            .all(|l| l.key.starts_with("val."))
    );
    keys(
        &mut app,
        &mut exec,
        "<Esc> / re:^(train|system)\\.m0[01]$ <Enter>",
    );
    assert_eq!(
        visible(&app),
        ["system.m00", "system.m01", "train.m00", "train.m01"]
    );
    keys(&mut app, &mut exec, "<Esc> / /m05$/ <Enter>");
    assert_eq!(visible(&app), ["system.m05", "train.m05", "val.m05"]);
    keys(&mut app, &mut exec, "<Esc> / re:( <Enter>");
    assert!(visible(&app).is_empty());
    assert!(
        frame(&app).contains("bad pattern `re:(`"),
        "{}",
        frame(&app)
    );
}

#[test]
fn enter_opens_full_size_and_the_cursor_reads_out_step_time_and_value() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, 160, 48, RUN_A);
    keys(&mut app, &mut exec, "<Enter>");
    assert_eq!(app.panes.metrics.mode, Mode::Full);
    assert_eq!(app.panes.metrics.series.len(), 1);
    assert_eq!(app.panes.metrics.view.cursor, None);
    // The first l puts the cursor at the left end, each further l one column right.
    keys(&mut app, &mut exec, "l");
    assert_eq!(app.panes.metrics.view.cursor, Some(0.0));
    keys(&mut app, &mut exec, "l l");
    let c = app.panes.metrics.view.cursor.unwrap();
    assert!(c > 0.0 && c < 299.0, "{c}");
    let r = app.panes.metrics.readout().unwrap();
    let (_, p) = r.values[0];
    assert!((p.step as f64 - c).abs() <= 3.0, "{} vs {c}", p.step);
    // system.m00 is 150 + step in run a (the 15th key in the written order).
    assert_eq!(p.value, 150.0 + p.step as f64);
    let f = frame(&app);
    assert!(f.contains(&format!("│ step {} ·", p.step)), "{f}");
    assert!(f.contains(&format!("{:.4}", p.value)), "{f}");
    keys(&mut app, &mut exec, "h h h h");
    assert_eq!(
        app.panes.metrics.view.cursor,
        Some(0.0),
        "h stops at the left"
    );
    // Esc goes back to the grid; a second Esc leaves the pane.
    keys(&mut app, &mut exec, "<Esc>");
    assert_eq!(app.panes.metrics.mode, Mode::Grid);
    assert_eq!(app.shared.focus, PaneId::Metrics);
    keys(&mut app, &mut exec, "<Esc>");
    assert_eq!(app.shared.focus, PaneId::Tree);
}

#[test]
fn range_zoom_narrows_around_the_cursor_pans_and_resets_on_equals() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, 160, 48, ":run <Space> charts.long <Enter> 4 <Enter>");
    let m = &app.panes.metrics;
    assert_eq!(m.extent(), Some((0.0, 49_999.0)));
    // Move the cursor a few columns in, then narrow twice around it.
    keys(&mut app, &mut exec, "l l l l");
    let cursor = app.panes.metrics.view.cursor.unwrap();
    keys(&mut app, &mut exec, "[ [");
    let (a, b) = app.panes.metrics.view.range.unwrap();
    assert!((b - a - 49_999.0 / 4.0).abs() < 1.0, "{a} {b}");
    assert!(a <= cursor && cursor <= b);
    // The worker cut the series to the range: every point drawn lies in it, and the x labels
    // are the range's own ends.
    let line = &app.panes.metrics.series[0];
    assert!(
        line.points
            .iter()
            .all(|p| a <= p.step as f64 && p.step as f64 <= b)
    );
    assert_eq!(line.total, 50_000);
    let f = frame(&app);
    assert!(f.contains(&format!("{}", b.round() as i64)), "{f}");
    // Pan right moves the range a quarter of its width, ] widens it, = shows everything.
    keys(&mut app, &mut exec, "L");
    let (a2, b2) = app.panes.metrics.view.range.unwrap();
    assert!((a2 - a - (b - a) / 4.0).abs() < 1e-6 && b2 > b);
    keys(&mut app, &mut exec, "]");
    let (a3, b3) = app.panes.metrics.view.range.unwrap();
    assert!(b3 - a3 > b2 - a2);
    keys(&mut app, &mut exec, "=");
    assert_eq!(app.panes.metrics.view.range, None);
    assert_eq!(app.panes.metrics.shown(), Some((0.0, 49_999.0)));
    // `0` is not the metrics' zoom reset any more (it focuses another pane).
    let km = Keymap::defaults();
    let layer = [Layer::Pane(PaneId::Metrics)];
    assert_ne!(
        km.lookup(&layer, &[Key::char('0')]),
        Lookup::Found(Action::parse("zoom reset").unwrap())
    );
}

/// Chart x labels read 1 … 49679 for steps 0 … 49999: they were the first and last of the
/// points that survived downsampling. They are the data's own first and last steps.
#[test]
fn chart_x_labels_are_the_datas_own_first_and_last_steps() {
    let (_d, root) = workspace();
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let (app, _) = start(&root, w, h, ":run <Space> charts.long <Enter> 4 <Enter>");
        let f = frame(&app);
        let labels = f
            .lines()
            .find(|l| l.contains("49999"))
            .unwrap_or_else(|| panic!("no 49999 label at {w}x{h}:\n{f}"));
        let words: Vec<&str> = labels
            .split(['│', '┃', ' '])
            .filter(|s| !s.is_empty())
            .collect();
        let at = words.iter().position(|s| *s == "49999").unwrap();
        assert_eq!(words[at - 2], "0", "{w}x{h}: {labels}");
        assert_eq!(words[at - 1], "25000", "{w}x{h}: {labels}");
    }
}

/// Marked runs overlay each chart; by time they align at their own starts.
#[test]
fn overlays_align_by_step_or_by_time() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(
        &root,
        160,
        48,
        ":run <Space> charts.b <Enter> <Space> :run <Space> charts.a <Enter> 4 <Enter>",
    );
    let runs: Vec<&str> = app
        .panes
        .metrics
        .series
        .iter()
        .map(|l| l.run.as_str())
        .collect();
    assert_eq!(runs, ["run:charts.a", "run:charts.b"]);
    assert_eq!(app.panes.metrics.x_by, XBy::Step);
    for l in &app.panes.metrics.series {
        assert_eq!(l.extent(XBy::Step), Some((0.0, 299.0)));
    }
    keys(&mut app, &mut exec, "x");
    assert_eq!(app.panes.metrics.x_by, XBy::Time);
    for l in &app.panes.metrics.series {
        let (a, b) = l.extent(XBy::Time).unwrap();
        assert_eq!(a, 0.0, "each run's time starts at its own first point");
        assert!(b >= 0.0);
        let t0 = l.t0();
        assert!(l.points.iter().all(|p| XBy::Time.x(p, t0) >= 0.0));
    }
    // The grid overlays the marked run too, one line per run for each key.
    keys(&mut app, &mut exec, "<Esc>");
    let k0 = app.panes.metrics.grid[0].key.clone();
    let n = app
        .panes
        .metrics
        .grid
        .iter()
        .filter(|l| l.key == k0)
        .count();
    assert_eq!(n, 2);
}

/// A change elsewhere in the workspace re-reads the run's key summaries only: with every key's
/// count and latest value unchanged, the charts on screen are still right and no series is
/// read again; a key whose summary moved reads the grid again.
#[test]
fn a_change_that_leaves_the_keys_alone_reads_no_series() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, 160, 48, RUN_A);
    // Runs the effects of a "workspace changed" signal; true when one read the grid's series.
    let change = |app: &mut AppState, exec: &mut Executor| -> bool {
        let mut fx = app.update(contexta::tui::app::Msg::Changed);
        let mut asked = false;
        while let Some(e) = fx.pop() {
            asked |= matches!(&e, contexta::tui::effect::Effect::Query(r)
                if matches!(&r.query, contexta::tui::effect::Query::Metrics(
                    contexta::tui::panes::metrics::Query::Grid { .. })));
            if let Some(msg) = exec.run(e) {
                fx.extend(app.update(msg));
            }
        }
        asked
    };
    assert!(
        !change(&mut app, &mut exec),
        "unchanged keys read the series again"
    );
    assert_eq!(
        app.panes.metrics.grid_load,
        contexta::tui::context::Load::Ready
    );
    // What the pane last saw differs from the store (as after a new point): read again.
    app.panes.metrics.keys[0].count -= 1;
    assert!(
        change(&mut app, &mut exec),
        "a moved summary must read the series"
    );
    assert!(!change(&mut app, &mut exec));
}

/// The compare chart opens on the metric whose latest value changed most (relative to its
/// size), not on the alphabetically first one.
#[test]
fn compare_opens_on_the_metric_that_changed_most() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = contexta::store::Workspace::open(&root, contexta::store::Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    drop(ws);
    let (app, _) = start(
        &root,
        160,
        48,
        ":compare <Space> baseline <Space> lr-3e-4 <Enter>",
    );
    let c = app.panes.compare.two().unwrap();
    let change = |m: &contexta::analysis::compare::MetricDelta| match (&m.left, &m.right) {
        (Some(l), Some(r)) => (r.last - l.last).abs() / l.last.abs().max(r.last.abs()),
        _ => 0.0,
    };
    let most = c
        .metrics
        .iter()
        .max_by(|a, b| change(a).total_cmp(&change(b)))
        .unwrap();
    let (_, _, key) = app.panes.compare.selected_metric().unwrap();
    assert_eq!(key, most.key);
    let first = c
        .metrics
        .iter()
        .find(|m| m.left.is_some() && m.right.is_some())
        .unwrap();
    assert_ne!(
        key, first.key,
        "the first metric changed less: the test would prove nothing"
    );
    assert_eq!(
        app.panes.compare.series[0].key, key,
        "its curves are charted"
    );
}
