//! A run keeps one colour everywhere: its mark in the tree, its line and legend in the metrics
//! overlay, its side in the compare header and overlay chart, its row in a many-run table.
//! Read from the cells of the real frame (headless, effects inline); the colour-blind palette
//! swaps the colours, not the rule.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::model::*;
use contexta::store::{Access, Workspace};
use contexta::tui::app::AppState;
use contexta::tui::headless::{HeadlessOptions, drive, frame_buffer, parse_script, settle};
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, root)
}

fn keys(app: &mut AppState, exec: &mut Executor, script: &str) {
    for msg in parse_script(script).unwrap() {
        let fx = app.update(msg);
        settle(app, exec, fx);
    }
}

/// The foreground colour of the first cell of each place `text` appears (searched in rows
/// `rows`, columns `cols`).
fn colours_of(buf: &Buffer, text: &str, cols: std::ops::Range<u16>) -> Vec<Color> {
    let want: Vec<String> = text.chars().map(|c| c.to_string()).collect();
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        for x in cols.clone() {
            let x = x as usize;
            if x + want.len() <= row.len() && row[x..x + want.len()] == want[..] {
                out.push(buf[(x as u16, y)].fg);
            }
        }
    }
    out
}

/// The colour of a run's `*` in the tree (the tree is the left 38 columns at 160×48).
fn mark_colour(buf: &Buffer, name: &str) -> Color {
    for y in 0..buf.area.height {
        let row: String = (0..38).map(|x| buf[(x, y)].symbol()).collect();
        if let Some(i) = row.find(&format!("*✓ {name}")) {
            let x = row[..i].chars().count() as u16;
            return buf[(x, y)].fg;
        }
    }
    panic!("no marked row for {name}");
}

fn check(theme: &Theme) -> (Color, Color) {
    let (_d, root) = demo();
    let (mut app, mut exec) = drive(
        &root,
        &HeadlessOptions {
            width: 160,
            height: 48,
            // The metrics grid, then train-loss full size (the ninth of eleven keys).
            keys: ":run <Space> baseline <Enter> <Space> :run <Space> lr-3e-4 <Enter> <Space> 4 G k k <Enter>",
            now: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
            label: Some("test".into()),
        },
    )
    .unwrap();
    let buf = frame_buffer(&app, theme).unwrap();
    let (base, lr) = (mark_colour(&buf, "baseline"), mark_colour(&buf, "lr-3e-4"));
    assert_ne!(base, lr, "two marked runs share a colour");
    assert_ne!(base, Color::Reset);
    // The metrics overlay's legend names each run in its colour.
    let right = 38..160;
    assert_eq!(app.panes.metrics.chart_keys(), ["train-loss"]);
    assert_eq!(colours_of(&buf, "━ lr-3e-4", right.clone()), vec![lr]);
    assert_eq!(colours_of(&buf, "━ baseline", right.clone()), vec![base]);
    assert_eq!(colours_of(&buf, "lr-3e-4 (", right.clone()), vec![lr]);
    // The comparison of the two: the header sides and the overlay's legend.
    keys(&mut app, &mut exec, "c");
    let buf = frame_buffer(&app, theme).unwrap();
    assert_eq!(
        mark_colour(&buf, "baseline"),
        base,
        "the tree keeps the colour"
    );
    assert_eq!(colours_of(&buf, "◀ baseline", right.clone()), vec![base]);
    assert_eq!(colours_of(&buf, "lr-3e-4 ▶", right.clone()), vec![lr]);
    // The overlay's legend: a row of its own above the plot, each name in its run's colour.
    assert_eq!(colours_of(&buf, "━ baseline", right.clone()), vec![base]);
    assert_eq!(colours_of(&buf, "━ lr-3e-4", right.clone()), vec![lr]);
    (base, lr)
}

#[test]
fn a_run_keeps_one_colour_in_the_tree_charts_and_compare() {
    check(&Theme::defaults(false));
}

#[test]
fn the_colourblind_palette_swaps_the_colours_not_the_rule() {
    let (cb, errs) = Theme::with_user("theme.toml", "palette = \"colorblind\"\n", false);
    assert!(errs.is_empty(), "{errs:?}");
    let (base, lr) = check(&cb);
    for c in [base, lr] {
        assert!(matches!(c, Color::Indexed(_)), "{c:?}");
    }
}
