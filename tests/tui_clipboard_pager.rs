//! `y`, and `o`, through the real binary in a real terminal (tmux): `y` sets tmux's buffer
//! through OSC 52 (with `set-clipboard on`); `o` runs `$PAGER` on the selected record while the
//! explorer steps aside (main screen, cooked mode) and takes the terminal back after it, also
//! when the pager fails; `o` after `R` opens the report with `$BROWSER`. The pager and browser
//! are small scripts that write what they got to a file. Waits on conditions with a deadline.
//! Skipped, with a note, when tmux is not installed; failed instead under CI.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::tmux::{Tmux, have_tmux, shell_quote};

use contexta::capture::Session;
use contexta::model::Level;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

const LONG: &str = "START of a long message that no screen shows whole: the loader retried \
    shard 17 after a timeout and continued from step 4,200 with the same seed END";

/// A 120×36 window whose tmux takes OSC 52 into its buffer.
fn start(t: &Tmux) {
    t.start_sized(120, 36);
    t.cmd(&["set", "-g", "set-clipboard", "on"]);
}

/// Waits until `path` holds text that `ok` accepts; returns it.
fn wait_file(path: &Path, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if ok(&text) {
            return text;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}: {text:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn workspace(dir: &Path) -> PathBuf {
    let root = dir.join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("vision", "long-lines").unwrap();
    run.event("short", Level::Info, "ok").unwrap();
    run.event("loader.retry", Level::Warning, LONG).unwrap();
    session.flush().unwrap();
    drop(run);
    drop(session);
    root
}

/// A script that writes its stdin (or, with an argument, the argument) to `out`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&path, perm).unwrap();
    path
}

fn launch(t: &Tmux, env: &str, root: &Path) {
    let bin = env!("CARGO_BIN_EXE_contexta");
    t.type_line(&format!(
        "{env} {} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(bin)),
        shell_quote(root)
    ));
    t.wait_for("the explorer", |s| {
        s.contains("Records") && s.contains("START of")
    });
}

#[test]
fn y_sets_the_tmux_buffer_through_osc52() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = workspace(dir.path());
    let t = Tmux::new("osc52");
    start(&t);
    launch(&t, "", &root);
    t.keys("3");
    t.keys("y");
    let s = t.wait_for("the copy's flash", |s| s.contains("copied record ref"));
    let start = Instant::now();
    let buffer = loop {
        let b = t.cmd(&["show-buffer"]);
        if !b.is_empty() || start.elapsed() > DEADLINE {
            break b;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        buffer.starts_with("record:vision.long-lines."),
        "{buffer:?}\n{s}"
    );
    assert!(s.contains(&format!("copied record ref {buffer} (")), "{s}");
    t.keys("q");
    t.wait_for("the shell", |s| s.contains("EXIT=0"));
}

#[test]
fn o_pages_the_record_and_the_terminal_comes_back_even_when_the_pager_fails() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = workspace(dir.path());
    let out = dir.path().join("paged.txt");
    let pager = script(dir.path(), "pager", &format!("cat > {}", shell_quote(&out)));
    let t = Tmux::new("pager");
    start(&t);
    launch(&t, &format!("PAGER={}", shell_quote(&pager)), &root);
    t.keys("3");
    t.keys("o");
    let paged = wait_file(&out, "the pager's input", |s| s.contains("END"));
    assert!(paged.contains("\"message\": \"START of a long"), "{paged}");
    assert!(paged.contains("record:vision.long-lines."), "{paged}");
    // The explorer is back on its screen, and keys reach it again.
    t.wait_for("the explorer again", |s| {
        s.contains("Records") && s.contains("START of")
    });
    assert!(t.alternate_on());
    t.keys("d");
    t.wait_for("the detail view", |s| s.contains("y copies, o pages"));
    t.keys("Escape");
    // Sent at once, Escape and q reach the explorer as one Alt-q: wait for the close first.
    t.wait_for("the detail view to close", |s| {
        !s.contains("y copies, o pages")
    });
    t.keys("q");
    t.wait_for("the shell", |s| s.contains("EXIT=0"));
    assert!(!t.alternate_on());

    // A pager that fails: its error shows, and the explorer still works.
    launch(&t, "PAGER=false", &root);
    t.keys("3");
    t.keys("o");
    t.wait_for("the pager's failure", |s| {
        s.contains("pager `false` ended with")
    });
    assert!(t.alternate_on());
    t.keys("q");
    t.wait_for("the shell", |s| s.matches("EXIT=0").count() >= 2);
    assert!(!t.alternate_on());
}

#[test]
fn o_after_r_opens_the_report_with_the_browser() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = workspace(dir.path());
    let out = dir.path().join("opened.txt");
    let browser = script(
        dir.path(),
        "browser",
        &format!("printf '%s' \"$1\" > {}", shell_quote(&out)),
    );
    let t = Tmux::new("browser");
    start(&t);
    launch(&t, &format!("BROWSER={}", shell_quote(&browser)), &root);
    t.keys("R");
    t.wait_for("the report", |s| s.contains("report written"));
    t.keys("o");
    let opened = wait_file(&out, "the browser's argument", |s| s.ends_with(".html"));
    assert!(Path::new(&opened).is_file(), "{opened}");
    assert!(opened.starts_with(root.to_str().unwrap()), "{opened}");
    t.wait_for("the flash", |s| {
        s.contains("opened ") && s.contains(".html with")
    });
    t.keys("q");
    t.wait_for("the shell", |s| s.contains("EXIT=0"));
}
