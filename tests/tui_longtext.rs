//! Long text in the explorer, in the reducer with effects inline: `w` wraps and `<`/`>` scroll
//! cut text (with `…` where more is hidden) in the record stream, diagnostics and the lineage;
//! `d`/`Enter` shows a record, a finding or a lineage node in full in the detail view; `y`
//! copies through OSC 52 (the exact bytes the terminal gets); `o` asks for a pager or a browser;
//! a mouse click on a wrapped list selects the item drawn on that line.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::headless::{demo, keys, start};

use contexta::capture::Session;
use contexta::model::*;
use contexta::tui::app::{AppState, Msg, Overlay};
use contexta::tui::clipboard::osc52;
use contexta::tui::context::External;
use contexta::tui::headless::frame_text;
use contexta::tui::theme::Theme;
use std::path::PathBuf;

/// A message far wider than any screen, with a distinct start and end.
pub const LONG: &str = "START of a long message: the data loader retried shard 17 of 64 after a timeout; \
    the retry read 1,048,576 bytes in 2.4 s from s3://bucket/datasets/imagenet/train/shard-0017.tar \
    and the checksum matched, so training continued from step 4,200 with the same seed END";

fn workspace_with_a_long_message() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("vision", "long-lines").unwrap();
    run.event("loader.retry", Level::Warning, LONG).unwrap();
    run.event("short", Level::Info, "ok").unwrap();
    run.event("loader.retry", Level::Warning, LONG).unwrap();
    session.flush().unwrap();
    drop(run);
    drop(session);
    (dir, root)
}

fn screen(app: &AppState) -> String {
    frame_text(app, &Theme::defaults(false)).unwrap()
}

fn flash(app: &AppState) -> String {
    app.flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default()
}

/// The stream's lines that show part of the long message.
fn long_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.contains("loader.retry") || l.contains("shard") || l.contains("END"))
        .collect()
}

#[test]
fn w_wraps_the_record_stream_and_cut_messages_keep_an_ellipsis() {
    let (_d, root) = workspace_with_a_long_message();
    let (mut app, mut exec) = start(&root, "3", 120, 36);
    let cut = screen(&app);
    // Cut: the start shows, the end does not, and an ellipsis says there is more.
    assert!(cut.contains("START of a long"), "{cut}");
    assert!(!cut.contains("same seed END"), "{cut}");
    assert!(long_lines(&cut).iter().any(|l| l.contains('…')), "{cut}");

    keys(&mut app, &mut exec, "w");
    assert!(app.panes.stream.view.wrap);
    let wrapped = screen(&app);
    // Wrapped: every word of the message is on screen, on lines under the message column.
    assert!(wrapped.contains("same seed END"), "{wrapped}");
    assert!(
        wrapped.contains("hard-0017.tar and the checksum"),
        "{wrapped}"
    );
    // `<`/`>` say why they do nothing while wrapped.
    keys(&mut app, &mut exec, ">");
    assert!(flash(&app).contains("wrapped"), "{}", flash(&app));

    // `w` again cuts, and `>` scrolls sideways: a marker on the left, later text shown.
    keys(&mut app, &mut exec, "w > > >");
    assert_eq!(app.panes.stream.view.hscroll, 24);
    let scrolled = screen(&app);
    assert!(!scrolled.contains("START of a long"), "{scrolled}");
    assert!(
        long_lines(&scrolled)
            .iter()
            .any(|l| l.contains("…the data loader") && l.ends_with("…┃")),
        "{scrolled}"
    );
    keys(&mut app, &mut exec, "<Left> <Left> <Left>");
    assert_eq!(app.panes.stream.view.hscroll, 0);
    assert!(screen(&app).contains("START of a long"));
}

#[test]
fn enter_and_d_show_the_record_in_full_wrapped_and_y_copies_it() {
    let (_d, root) = workspace_with_a_long_message();
    let (mut app, mut exec) = start(&root, "3 k k d", 80, 24);
    let Some(Overlay::Detail(d)) = &app.overlay else {
        panic!("no detail view: {:?}", app.overlay);
    };
    assert!(d.view.wrap, "the detail view wraps by default");
    assert_eq!(d.copy_what, "record JSON");
    let json = d.copy.clone();
    assert!(json.contains("\"payload\""), "{json}");
    let text = screen(&app);
    assert!(text.contains("START of a long"), "{text}");
    assert!(text.contains("1–19 of 25"), "{text}");
    // j and the page keys scroll the wrapped lines; the end of the message is there.
    keys(&mut app, &mut exec, "j j");
    assert!(screen(&app).contains("3–21 of 25"), "{}", screen(&app));
    keys(&mut app, &mut exec, "<PageDown>");
    let end = screen(&app);
    assert!(end.contains("7–25 of 25"), "{end}");
    assert!(end.contains("same seed END"), "{end}");
    // y copies the JSON shown, as OSC 52, and says what and how much.
    keys(&mut app, &mut exec, "y");
    assert_eq!(exec.terminal.last().unwrap(), &osc52(&json));
    let f = flash(&app);
    assert!(
        f.starts_with("copied record JSON (") && f.contains(" B)"),
        "{f}"
    );
    // o pages the detail text.
    keys(&mut app, &mut exec, "o");
    match exec.external.last() {
        Some(External::Pager { text }) => assert!(text.contains("same seed END")),
        other => panic!("{other:?}"),
    }
    // Enter in the stream opens the same view.
    keys(&mut app, &mut exec, "<Esc> <Enter>");
    assert!(matches!(app.overlay, Some(Overlay::Detail(_))));
}

#[test]
fn y_in_the_stream_copies_the_record_ref_and_o_pages_its_json() {
    let (_d, root) = workspace_with_a_long_message();
    let (mut app, mut exec) = start(&root, "3 y", 120, 36);
    let row = app.panes.stream.selected_row().unwrap();
    let r = row.record.envelope.record_ref.to_string();
    assert_eq!(exec.terminal, vec![osc52(&r)]);
    let f = flash(&app);
    assert!(f.contains(&format!("copied record ref {r} (")), "{f}");
    keys(&mut app, &mut exec, "o");
    match exec.external.last() {
        Some(External::Pager { text }) => {
            assert!(
                text.contains(&r) && text.contains("same seed END"),
                "{text}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn o_opens_the_last_written_report_in_a_browser() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "2 o", 120, 36);
    assert!(
        flash(&app).contains("no report written yet"),
        "{}",
        flash(&app)
    );
    assert!(exec.external.is_empty());
    keys(&mut app, &mut exec, "R o");
    match exec.external.last() {
        Some(External::Browser { path }) => {
            assert!(path.exists(), "{}", path.display());
            assert_eq!(path.extension().unwrap(), "html");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_finding_in_full_and_its_evidence_ref_copied() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, ":run <Space> dropout-0-3 <Enter> 6", 120, 36);
    let finding = app.panes.diagnostics.findings[0].clone();
    keys(&mut app, &mut exec, "d");
    let Some(Overlay::Detail(d)) = &app.overlay else {
        panic!("no detail view: {:?}", app.overlay);
    };
    assert!(d.lines.iter().any(|l| l.contains(&finding.summary)));
    assert!(d.lines.iter().any(|l| l.contains(&finding.subject_ref)));
    for e in &finding.evidence {
        assert!(d.lines.iter().any(|l| l.contains(e.as_str())), "{e}");
    }
    let text = screen(&app);
    assert!(text.contains(&finding.code), "{text}");
    keys(&mut app, &mut exec, "<Esc> y");
    let evidence = app.panes.diagnostics.evidence().unwrap();
    assert_eq!(exec.terminal.last().unwrap(), &osc52(evidence.as_str()));
    assert!(
        flash(&app).contains("copied evidence ref"),
        "{}",
        flash(&app)
    );
    // Wrap and scroll act on the diagnostics list too.
    keys(&mut app, &mut exec, "w");
    assert!(app.panes.diagnostics.view.wrap);
    keys(&mut app, &mut exec, "w >");
    assert_eq!(app.panes.diagnostics.view.hscroll, 8);
}

#[test]
fn a_lineage_node_in_full_and_its_ref_copied() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, ":run <Space> baseline <Enter> 7", 120, 36);
    let node = app.panes.lineage.selected_ref().unwrap();
    keys(&mut app, &mut exec, "d");
    let Some(Overlay::Detail(d)) = &app.overlay else {
        panic!("no detail view: {:?}", app.overlay);
    };
    assert!(d.lines[0].contains(&node), "{:?}", d.lines);
    assert!(d.lines.iter().any(|l| l.starts_with("upstream (")));
    assert!(d.lines.iter().any(|l| l.starts_with("downstream (")));
    keys(&mut app, &mut exec, "<Esc> y");
    assert_eq!(exec.terminal.last().unwrap(), &osc52(&node));
    // `>` scrolls refs sideways (h/l still pick the side).
    keys(&mut app, &mut exec, "> >");
    assert_eq!(app.panes.lineage.view.hscroll, 16);
    keys(&mut app, &mut exec, "w");
    assert!(app.panes.lineage.view.wrap);
    let _ = Msg::Quit;
}

/// Diagnostics → `Enter` on a record finding shows one run everywhere, at every size: the
/// records, the status line, and the overview and metrics (when they show, or once focused).
/// They used to keep the run shown before the jump beside the records of the finding's run.
#[test]
fn a_jump_from_a_finding_moves_every_pane_to_its_run_at_every_size() {
    let (_d, root) = demo();
    for (w, h) in [(80, 24), (100, 30), (120, 36), (200, 60)] {
        // Show another run first, so a pane left behind would still show it.
        let (mut app, mut exec) = start(
            &root,
            ":run <Space> baseline <Enter> 2 4 3 :run <Space> dropout-0-3 <Enter> 6",
            w,
            h,
        );
        let finding = app.panes.diagnostics.evidence().unwrap();
        assert_eq!(finding.kind(), "record", "{w}x{h}");
        keys(&mut app, &mut exec, "<Enter>");
        let run = app.shared.run.clone().unwrap();
        assert!(run.as_str().ends_with("dropout-0-3"), "{w}x{h}: {run}");
        assert_eq!(app.panes.stream.run.as_ref(), Some(&run), "{w}x{h}");
        let status = screen(&app).lines().last().unwrap().to_string();
        assert!(status.contains("dropout-0-3"), "{w}x{h}: {status}");
        assert!(!status.contains("baseline"), "{w}x{h}: {status}");
        keys(&mut app, &mut exec, "2");
        assert_eq!(app.panes.overview.run.as_ref(), Some(&run), "{w}x{h}");
        keys(&mut app, &mut exec, "4");
        assert_eq!(app.panes.metrics.run.as_ref(), Some(&run), "{w}x{h}");
        for (key, title) in [("2", "Overview"), ("4", "Metrics")] {
            keys(&mut app, &mut exec, key);
            let text = screen(&app);
            assert!(text.contains(title), "{w}x{h}: {text}");
            assert!(
                !text.contains("Overview mnist-classifier.baseline"),
                "{w}x{h}: {text}"
            );
            let status = text.lines().last().unwrap();
            assert!(status.contains("dropout-0-3"), "{w}x{h}: {status}");
        }
    }
}

/// `y` in the tree (and any pane without rows of its own) copies the selected run's ref.
#[test]
fn y_in_the_tree_copies_the_selected_runs_ref() {
    let (_d, root) = demo();
    let (app, exec) = start(&root, ":run <Space> baseline <Enter> y 2 y", 120, 36);
    let run = app.shared.selected.clone().unwrap();
    assert_eq!(run.as_str(), "run:mnist-classifier.baseline");
    assert_eq!(
        exec.terminal,
        vec![osc52(run.as_str()), osc52(run.as_str())]
    );
    assert!(flash(&app).contains("copied run ref run:mnist-classifier.baseline"));
}

/// In the detail view `G` goes to the last page and `k` moves up from there at once (the
/// scroll never runs past the end, where keys would seem to do nothing).
#[test]
fn the_detail_view_scrolls_within_its_lines() {
    let (_d, root) = workspace_with_a_long_message();
    let (mut app, mut exec) = start(&root, "3 k k d G", 80, 24);
    assert!(screen(&app).contains("7–25 of 25"), "{}", screen(&app));
    keys(&mut app, &mut exec, "k");
    assert!(screen(&app).contains("6–24 of 25"), "{}", screen(&app));
    keys(&mut app, &mut exec, "<PageDown> <PageDown> g g");
    assert!(screen(&app).contains("1–19 of 25"), "{}", screen(&app));
}

#[test]
fn a_click_on_a_wrapped_record_selects_the_record_drawn_on_that_line() {
    use contexta::tui::action::PaneId;
    use contexta::tui::app::{Mouse, MouseKind};
    let (_d, root) = workspace_with_a_long_message();
    let (mut app, mut exec) = start(&root, "3 w", 120, 36);
    app.mouse = true;
    let text = screen(&app);
    let inner = app.screen().area(PaneId::Stream).unwrap().inner();
    let lines: Vec<&str> = text.lines().collect();
    let y_of = |pred: &dyn Fn(&str) -> bool| {
        (inner.y..inner.y + inner.h)
            .find(|y| pred(lines[*y as usize]))
            .unwrap_or_else(|| panic!("not on screen:\n{text}"))
    };
    // The short record, then a line that only continues the long message drawn below it: that
    // line is far past the offset plus the number of records, so only what was drawn says
    // which record it shows.
    let short = y_of(&|l| l.contains(" ok"));
    let continuation = y_of(&|l| l.contains("hard-0017.tar and the checksum"));
    assert!(continuation > short + 3, "{text}");
    let selected_text = |app: &AppState| {
        let seq = app.panes.stream.selected.unwrap();
        let row = app.panes.stream.rows.iter().find(|r| r.seq == seq).unwrap();
        format!("{:?}", row.record)
    };
    let click = |y| {
        Msg::Mouse(Mouse {
            kind: MouseKind::Click,
            x: inner.x + 2,
            y,
        })
    };
    let fx = app.update(click(continuation));
    contexta::tui::headless::settle(&mut app, &mut exec, fx);
    let sel = selected_text(&app);
    assert!(sel.contains("START of a long"), "{sel}");
    screen(&app);
    let fx = app.update(click(short));
    contexta::tui::headless::settle(&mut app, &mut exec, fx);
    assert!(
        selected_text(&app).contains("\"ok\""),
        "{}",
        selected_text(&app)
    );
}
