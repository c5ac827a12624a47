//! The project trends pane: each sparkline fills its column (a bar per run, as wide as the
//! column allows, not one character per run), a cursor (`h`/`l`) shows which run a bar
//! belongs to (its name over the column and in the title, with the selected key's value), and
//! `Enter` opens that run. Effects run inline on the demo workspace.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::headless::{demo, keys, start};

use contexta::tui::action::PaneId;
use contexta::tui::headless::frame_text;
use contexta::tui::theme::Theme;

fn bars(line: &str) -> usize {
    line.chars().filter(|c| ('▁'..='█').contains(c)).count()
}

#[test]
fn sparklines_fill_their_column_at_every_width() {
    let (_d, root) = demo();
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let (app, _) = start(&root, "g g 8", w, h);
        let text = frame_text(&app, &Theme::defaults(false)).unwrap();
        // Every run of the project has val-accuracy except the dataset build: its bars cover
        // five sixths of the trend column, which is about a quarter of the pane: far more
        // than the one bar per run drawn before.
        let row = text
            .lines()
            .find(|l| l.contains("val-accuracy"))
            .unwrap_or_else(|| panic!("{text}"));
        let runs = app.panes.project.runs.len();
        assert_eq!(runs, 6);
        let min = w as usize / 6;
        assert!(
            bars(row) >= min,
            "{w}x{h}: {} bars < {min}\n{text}",
            bars(row)
        );
    }
}

#[test]
fn the_cursor_names_the_run_of_a_bar_and_enter_opens_it() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "g g 8", 160, 48);
    let p = &app.panes.project;
    assert_eq!(
        p.cursor,
        p.runs.len() - 1,
        "the cursor starts on the newest run"
    );
    keys(&mut app, &mut exec, "h h");
    let (run, name) = app.panes.project.cursor_run().unwrap().clone();
    assert_eq!(app.panes.project.cursor, app.panes.project.runs.len() - 3);
    let text = frame_text(&app, &Theme::defaults(false)).unwrap();
    let header = text.lines().find(|l| l.contains("key ")).unwrap();
    assert!(header.contains('▼') && header.contains(&name), "{header}");
    let title = text.lines().next().unwrap();
    assert!(title.contains(&format!("▼ {name} (4 of 6)")), "{title}");
    // Enter opens the run under the cursor, in the tree and the overview.
    keys(&mut app, &mut exec, "<Enter>");
    assert_eq!(app.shared.run.as_ref(), Some(&run));
    assert_eq!(app.shared.selected.as_ref(), Some(&run));
    assert_eq!(app.shared.focus, PaneId::Overview);
    assert_eq!(app.panes.overview.run.as_ref(), Some(&run));
    // `l` stops at the newest run.
    keys(&mut app, &mut exec, "8 l l l l l l");
    assert_eq!(app.panes.project.cursor, app.panes.project.runs.len() - 1);
}
