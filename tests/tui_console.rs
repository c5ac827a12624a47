//! The console pane's reactions, on the real app with effects run inline while a writer appends
//! console lines between messages (no threads, no sleeps): it follows new lines, pauses on
//! scrolling up and counts what arrives, follows again on `F`; a redrawn line shows its final
//! state; a burst costs a bounded window; `/` search highlights matches and `n`/`N` step
//! through them; `w` wraps; colours become styles (none under NO_COLOR); `C` explains itself
//! on a run that did not fail.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::headless::{keys, now};

use contexta::model::*;
use contexta::store::{Access, Workspace, WriteOp};
use contexta::tui::app::AppState;
use contexta::tui::headless::{frame_buffer, frame_text};
use contexta::tui::theme::{Role, Theme};
use contexta::tui::worker::Executor;
use ratatui::style::Color;
use std::path::{Path, PathBuf};

struct Console {
    _dir: tempfile::TempDir,
    root: PathBuf,
    ws: Workspace,
    run: Ref,
    next: u32,
}

impl Console {
    fn new(status: Status) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join(".contexta");
        let ws = Workspace::open(&root, Access::Write).unwrap();
        let run = Ref::parse("run:train.live").unwrap();
        let mut entity = Run::new(run.clone(), "live", now());
        entity.status = status;
        if status != Status::Open {
            entity.ended_at = Some(Timestamp(now().0 + 60_000_000));
        }
        ws.write(&[WriteOp::Run(entity)]).unwrap();
        Console {
            _dir: dir,
            root,
            ws,
            run,
            next: 0,
        }
    }

    fn put(&self, lines: Vec<(u32, ConsoleStream, String)>) {
        let lines = lines
            .into_iter()
            .map(|(line, stream, text)| ConsoleLine {
                line,
                stream,
                at: Timestamp(now().0 + i64::from(line)),
                text,
            })
            .collect();
        self.ws
            .write(&[WriteOp::Console(ConsoleBatch {
                run_ref: self.run.clone(),
                lines,
            })])
            .unwrap();
    }

    /// Appends `n` lines `line N`.
    fn append(&mut self, n: u32) {
        let lines = (self.next..self.next + n)
            .map(|i| (i, ConsoleStream::Terminal, format!("line {i}")))
            .collect();
        self.next += n;
        self.put(lines);
    }
}

/// An 80×24 session on `root` after `keys`.
fn start(root: &Path, keys: &str) -> (AppState, Executor) {
    common::headless::start(root, keys, 80, 24)
}

fn screen(app: &AppState) -> String {
    frame_text(app, &Theme::defaults(false)).unwrap()
}

fn title(app: &AppState) -> String {
    screen(app).lines().next().unwrap().to_string()
}

/// Whether `line N` is on screen as a whole line.
fn shows(app: &AppState, n: u32) -> bool {
    let want = format!("line {n}");
    screen(app)
        .lines()
        .any(|l| l.trim_matches(|c| c == '┃' || c == ' ') == want)
}

#[test]
fn follows_new_lines_pauses_on_scroll_up_and_follows_again() {
    let mut c = Console::new(Status::Open);
    c.append(50);
    let (mut app, mut exec) = start(&c.root, "9");
    assert!(app.panes.console.follow);
    assert!(shows(&app, 49), "{}", screen(&app));
    assert!(title(&app).contains("● following"), "{}", title(&app));

    c.append(5);
    keys(&mut app, &mut exec, "<changed>");
    assert!(shows(&app, 54), "{}", screen(&app));

    // Up pauses: new lines are counted, not shown.
    keys(&mut app, &mut exec, "k");
    assert!(!app.panes.console.follow);
    assert!(
        title(&app).contains("‖ paused (F follows)"),
        "{}",
        title(&app)
    );
    c.append(3);
    keys(&mut app, &mut exec, "<changed>");
    assert!(title(&app).contains("‖ paused, 3 new"), "{}", title(&app));
    assert!(!shows(&app, 57), "{}", screen(&app));
    assert!(
        shows(&app, 53),
        "the paused view stays put:\n{}",
        screen(&app)
    );

    // `F` follows again, and `<End>` does too after `g g`.
    keys(&mut app, &mut exec, "F");
    assert!(app.panes.console.follow);
    assert!(shows(&app, 57), "{}", screen(&app));
    keys(&mut app, &mut exec, "g g");
    assert!(shows(&app, 0), "{}", screen(&app));
    keys(&mut app, &mut exec, "<End>");
    assert!(shows(&app, 57) && app.panes.console.follow);
}

#[test]
fn a_redrawn_line_shows_its_final_state_and_a_burst_keeps_a_bounded_window() {
    let mut c = Console::new(Status::Open);
    c.append(10);
    c.put(vec![(10, ConsoleStream::Terminal, "epoch 1: 10%".into())]);
    let (mut app, mut exec) = start(&c.root, "9");
    assert!(screen(&app).contains("epoch 1: 10%"));
    c.put(vec![(10, ConsoleStream::Terminal, "epoch 1: 100%".into())]);
    keys(&mut app, &mut exec, "<changed>");
    assert!(screen(&app).contains("epoch 1: 100%"), "{}", screen(&app));
    assert!(!screen(&app).contains("epoch 1: 10%"));

    // 20,000 lines at once: the end shows, and the pane holds a few screens, not all of them.
    c.next = 11;
    c.append(20_000);
    keys(&mut app, &mut exec, "<changed>");
    assert!(shows(&app, 20_010), "{}", screen(&app));
    assert!(title(&app).contains("20.0k lines"), "{}", title(&app));
    assert!(
        app.panes.console.lines.len() <= 256,
        "{} lines held",
        app.panes.console.lines.len()
    );
    // Far up (not held): read on demand.
    keys(&mut app, &mut exec, "g g");
    assert!(shows(&app, 0), "{}", screen(&app));
}

#[test]
fn search_highlights_matches_and_steps_through_them() {
    let mut c = Console::new(Status::Open);
    c.append(300);
    let (mut app, mut exec) = start(&c.root, "9 / line <Space> 1 <Enter>");
    // Following when searched: the newest match (line 199 is the last with "line 1").
    let s = &app.panes.console.search;
    assert_eq!(s.matches.len(), 1 + 10 + 100); // 1, 10–19, 100–199
    assert_eq!(s.current_line(), Some(199));
    assert!(!app.panes.console.follow);
    assert!(shows(&app, 199), "{}", screen(&app));
    assert!(title(&app).contains("/line 1 111/111"), "{}", title(&app));

    // The matched text is highlighted; the current match stronger.
    let theme = Theme::defaults(false);
    let buf = frame_buffer(&app, &theme).unwrap();
    let text = screen(&app);
    let (y, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("line 199"))
        .unwrap();
    let x = row.chars().position(|ch| ch == 'l').unwrap() as u16;
    let cell = &buf[(x, y as u16)];
    assert_eq!(cell.bg, theme.get(Role::MatchCurrent).bg.unwrap());
    let (y2, row2) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("line 198"))
        .unwrap();
    let x2 = row2.chars().position(|ch| ch == 'l').unwrap() as u16;
    assert_eq!(buf[(x2, y2 as u16)].bg, theme.get(Role::Match).bg.unwrap());
    // "line 2" is not a match of "line 1".
    let (y3, row3) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("line 200"))
        .unwrap();
    let x3 = row3.chars().position(|ch| ch == 'l').unwrap() as u16;
    assert_ne!(buf[(x3, y3 as u16)].bg, theme.get(Role::Match).bg.unwrap());

    // `n` wraps to the first match; `N` goes back to the last.
    keys(&mut app, &mut exec, "n");
    assert_eq!(app.panes.console.search.current_line(), Some(1));
    assert!(shows(&app, 1), "{}", screen(&app));
    assert!(screen(&app).contains("search wrapped to the first match"));
    keys(&mut app, &mut exec, "n n");
    assert_eq!(app.panes.console.search.current_line(), Some(11));
    keys(&mut app, &mut exec, "N");
    assert_eq!(app.panes.console.search.current_line(), Some(10));

    // Nothing found: said in the title and the status line.
    keys(&mut app, &mut exec, "/ <C-u> zzz <Enter>");
    assert!(title(&app).contains("/zzz no matches"), "{}", title(&app));
    assert!(
        screen(&app).contains("search: no matches for `zzz`"),
        "{}",
        screen(&app)
    );
    // Esc clears the search.
    keys(&mut app, &mut exec, "<Esc>");
    assert!(app.panes.console.search.text.is_empty());
}

#[test]
fn wrap_toggles_between_cut_and_wrapped_long_lines() {
    let c = Console::new(Status::Open);
    let long = format!("start {} end", "x".repeat(150));
    c.put(vec![(0, ConsoleStream::Terminal, long)]);
    let (mut app, mut exec) = start(&c.root, "9");
    let cut = screen(&app);
    assert!(cut.contains("start xxx"), "{cut}");
    assert!(cut.contains("x…┃"), "cut with an ellipsis:\n{cut}");
    assert!(!cut.contains(" end"), "{cut}");
    // Sideways: the end comes into view.
    keys(&mut app, &mut exec, "l l l l l l l l l l l l");
    assert!(screen(&app).contains(" end"), "{}", screen(&app));
    assert!(screen(&app).contains("┃…"), "{}", screen(&app));
    keys(&mut app, &mut exec, "w");
    assert!(app.panes.console.wrap);
    let wrapped = screen(&app);
    assert!(wrapped.contains(" end"), "{wrapped}");
    assert!(!wrapped.contains('…'), "{wrapped}");
    assert!(title(&app).contains("wrap"), "{}", title(&app));
    keys(&mut app, &mut exec, "w");
    assert!(!app.panes.console.wrap);
    assert!(!screen(&app).contains(" end"));
}

#[test]
fn colours_become_styles_and_stderr_is_marked() {
    let c = Console::new(Status::Open);
    c.put(vec![
        (
            0,
            ConsoleStream::Stdout,
            "\u{1b}[0;1;31mERROR\u{1b}[0m plain".into(),
        ),
        (1, ConsoleStream::Stderr, "warned".into()),
    ]);
    let (app, _exec) = start(&c.root, "9");
    let text = screen(&app);
    let (y, row) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("ERROR"))
        .unwrap();
    let x = row.chars().position(|ch| ch == 'E').unwrap() as u16;
    let with = frame_buffer(&app, &Theme::defaults(false)).unwrap();
    assert_eq!(with[(x, y as u16)].fg, Color::Indexed(1));
    assert!(
        with[(x, y as u16)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
    // NO_COLOR: the attribute stays, the colour goes.
    let without = frame_buffer(&app, &Theme::defaults(true)).unwrap();
    assert_eq!(without[(x, y as u16)].fg, Color::Reset);
    assert!(
        without[(x, y as u16)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
    // Stderr has a mark in the gutter, stdout a blank.
    assert!(text.contains("┃▍warned"), "{text}");
    assert!(text.contains("┃ ERROR plain"), "{text}");
}

#[test]
fn console_at_failure_needs_a_failed_run() {
    let mut c = Console::new(Status::Completed);
    c.append(30);
    let (app, _exec) = start(&c.root, "1 j C");
    let text = screen(&app);
    assert!(
        text.contains("did not fail (9 shows its console)"),
        "{text}"
    );
    // From another pane, `C` is about the shown run.
    let (app, _exec) = start(&c.root, "2 C");
    assert!(screen(&app).contains("did not fail"), "{}", screen(&app));
    let mut failed = Console::new(Status::Failed);
    failed.append(30);
    let (app, _exec) = start(&failed.root, "2 C");
    assert_eq!(app.shared.focus, contexta::tui::action::PaneId::Console);
    assert!(shows(&app, 29), "{}", screen(&app));
    let (app, _exec) = start(&failed.root, "1 j C");
    assert_eq!(app.shared.focus, contexta::tui::action::PaneId::Console);
    assert!(!app.panes.console.follow);
    assert!(shows(&app, 29), "{}", screen(&app));
    assert!(
        title(&app).contains("before the failure"),
        "{}",
        title(&app)
    );
}

#[test]
fn a_run_without_console_says_how_to_get_one() {
    let c = Console::new(Status::Open);
    let (app, _exec) = common::headless::start(&c.root, "9", 120, 36);
    assert!(
        screen(&app).contains("no console for this run (contexta run -- CMD stores one)"),
        "{}",
        screen(&app)
    );
}
