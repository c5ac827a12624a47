//! End to end through the real binary in a real terminal (tmux): the explorer follows a run
//! while another writer appends to it, quits on `q` and on SIGTERM, and leaves the terminal as
//! it found it (main screen, cooked mode, echo). Waits on conditions with a deadline, never on
//! fixed sleeps. Skipped, with a note, when tmux is not installed; failed instead under CI.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::tmux::{Tmux, have_tmux, shell_quote};

use contexta::capture::Session;
use contexta::model::Level;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

/// Writes `tick N` events to `live.writer` every 100 ms until stopped; returns the last N.
fn writer(root: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let session = Session::open(&root).unwrap();
        let run = session.start_run("live", "writer").unwrap();
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            run.event("tick", Level::Info, &format!("tick {n:04}"))
                .unwrap();
            session.flush().unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
        n
    })
}

fn highest_tick(screen: &str) -> u64 {
    screen
        .split("tick ")
        .skip(1)
        .filter_map(|s| s.get(..4)?.parse().ok())
        .max()
        .unwrap_or(0)
}

fn assert_restored(t: &Tmux) {
    let start = Instant::now();
    while t.alternate_on() && start.elapsed() < DEADLINE {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!t.alternate_on(), "still on the alternate screen");
    // Cooked mode and echo are back: `stty -a` prints `icanon` and `echo`, not `-icanon`.
    let before = t.screen().matches("STTY-DONE").count();
    t.type_line("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo STTY-DONE");
    let s = t.wait_for("stty output", |s| {
        s.matches("STTY-DONE").count() >= before + 2
    });
    let last = s
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with("STTY-DONE") && !l.contains("echo STTY-DONE;"))
        .unwrap_or_default();
    assert_eq!(last.trim(), "icanon echo STTY-DONE", "{s}");
}

#[test]
fn follows_a_live_writer_and_restores_the_terminal_on_q_and_sigterm() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(root.clone(), stop.clone());
    // Wait until the writer's run exists, so the explorer opens on it.
    let start = Instant::now();
    while !root.join("contexta.redb").exists() && start.elapsed() < DEADLINE {
        std::thread::sleep(Duration::from_millis(50));
    }
    let bin = env!("CARGO_BIN_EXE_contexta");
    let t = Tmux::new("q");
    t.start();
    t.type_line(&format!(
        "{} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(bin)),
        shell_quote(&root)
    ));
    let first = t.wait_for("the explorer with the writer's ticks", |s| {
        s.contains("Runs") && highest_tick(s) > 0
    });
    assert!(t.alternate_on());
    let seen = highest_tick(&first);
    // Focus the records pane; new ticks must arrive without a key press.
    t.keys("3");
    let later = t.wait_for("newer ticks", |s| highest_tick(s) >= seen + 10);
    assert!(later.contains("following"), "{later}");
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
    assert_restored(&t);

    // SIGTERM (as a supervisor or a dropped SSH session sends) also quits cleanly.
    let pidfile = dir.path().join("pid");
    t.type_line(&format!(
        "sh -c 'echo $$ > {}; exec {} --workspace {} tui'; echo EXIT=$?",
        pidfile.display(),
        bin,
        root.display()
    ));
    t.wait_for("the explorer again", |s| {
        s.contains("Runs") && highest_tick(s) > 0
    });
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    t.wait_for("the shell after SIGTERM", |s| {
        s.matches("EXIT=0").count() >= 2
    });
    assert_restored(&t);

    stop.store(true, Ordering::Relaxed);
    assert!(w.join().unwrap() > 0);
}

#[test]
fn a_panic_restores_the_terminal_and_ends_with_an_error() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = contexta::store::Workspace::open(&root, contexta::store::Access::Write).unwrap();
    contexta::demo::generate(
        &ws,
        contexta::model::Timestamp::parse("2026-11-20T09:00:00Z").unwrap(),
        42,
    )
    .unwrap();
    drop(ws);
    let bin = env!("CARGO_BIN_EXE_contexta");
    let t = Tmux::new("panic");
    t.start();
    t.type_line(&format!(
        "CONTEXTA_TEST_PANIC_AFTER_FRAME=1 {} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(bin)),
        shell_quote(&root)
    ));
    let s = t.wait_for("the shell after the panic", |s| s.contains("EXIT=1"));
    assert!(s.contains("internal failure"), "{s}");
    assert_restored(&t);
}

/// The investigation walk: mark two runs and compare them, open the lineage, then jump from a
/// finding of another run to its record in the stream.
#[test]
fn marks_two_runs_compares_opens_lineage_and_jumps_from_a_finding_to_its_record() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    {
        let ws = contexta::store::Workspace::open(&root, contexta::store::Access::Write).unwrap();
        let at = contexta::model::Timestamp::parse("2026-11-20T09:00:00Z").unwrap();
        contexta::demo::generate(&ws, at, 42).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_contexta");
    let t = Tmux::new("investigate");
    t.start();
    t.type_line(&format!(
        "{} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(bin)),
        shell_quote(&root)
    ));
    t.wait_for("the explorer", |s| {
        s.contains("Runs") && s.contains("Overview")
    });
    for (run, marked) in [("baseline", "1 marked"), ("lr-3e-4", "2 marked")] {
        t.type_line(&format!(":run {run}"));
        t.wait_for(run, |s| {
            s.lines()
                .last()
                .is_some_and(|l| l.contains(&format!("mnist-classifier.{run}")))
        });
        t.keys("Space");
        t.wait_for(marked, |s| s.contains(marked));
    }
    t.keys("c");
    let cmp = t.wait_for("the comparison", |s| {
        s.contains("Compare baseline ⇄ lr-3e-4") && s.contains("overlaid")
    });
    assert!(cmp.contains("train-loss"), "{cmp}");
    t.keys("1");
    t.keys("7");
    t.wait_for("the lineage", |s| {
        s.contains("Lineage") && s.contains("downstream") && s.contains("upstream")
    });
    t.type_line(":run dropout-0-3");
    t.wait_for("dropout-0-3", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("mnist-classifier.dropout-0-3"))
    });
    t.keys("6");
    t.wait_for("its findings", |s| {
        s.contains("Diagnostics dropout-0-3") && s.contains("degraded_record")
    });
    t.keys("Enter");
    let rec = t.wait_for("the record in the stream", |s| {
        s.contains("paused") && s.contains("GPU metrics exporter")
    });
    assert!(rec.contains("Records"), "{rec}");
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
    assert_restored(&t);
}

/// Growing the terminal shows the selected run's records and metrics where they appear (they
/// used to stay on "select a run in the tree" until another run was chosen).
#[test]
fn a_resize_loads_the_panes_it_reveals() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    {
        let ws = contexta::store::Workspace::open(&root, contexta::store::Access::Write).unwrap();
        let at = contexta::model::Timestamp::parse("2026-11-20T09:00:00Z").unwrap();
        contexta::demo::generate(&ws, at, 42).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_contexta");
    let t = Tmux::new("resize");
    t.start_sized(80, 24);
    t.type_line(&format!(
        "{} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(bin)),
        shell_quote(&root)
    ));
    // One pane at a time at 80×24: only the tree.
    let s = t.wait_for("the tree alone", |s| {
        s.contains("Runs") && s.contains("1 Runs  2 Overview")
    });
    assert!(!s.contains("Records ●"), "{s}");
    // The selected run's records and charts, with data, at each size.
    let shows_run = |s: &str| {
        s.contains("Records ● following")
            && s.contains("Metrics 6 keys")
            && s.contains("epoch.completed")
            && s.contains("train-loss")
            && !s.contains("select a run in the tree")
    };
    for (w, h) in [(120, 36), (140, 40)] {
        t.resize(w, h);
        // Drawn at the new size: the top border spans the whole width.
        t.wait_for(&format!("the run's records and metrics at {w}x{h}"), |s| {
            let drawn = s
                .lines()
                .next()
                .is_some_and(|l| l.chars().count() == w as usize);
            drawn && shows_run(s)
        });
    }
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
    assert_restored(&t);
}

/// A terminal that knows 16 colours (`TERM=xterm`) gets 16-colour escapes only; one that says
/// it knows 256 keeps crossterm's 256-colour ones.
#[test]
fn a_16_colour_terminal_gets_16_colour_escapes_only() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    {
        let ws = contexta::store::Workspace::open(&root, contexta::store::Access::Write).unwrap();
        let at = contexta::model::Timestamp::parse("2026-11-20T09:00:00Z").unwrap();
        contexta::demo::generate(&ws, at, 42).unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_contexta");
    for (term, sixteen) in [("xterm", true), ("xterm-256color", false)] {
        let t = Tmux::new(&format!("colours-{sixteen}"));
        t.start_sized(120, 36);
        t.type_line(&format!(
            "env -u COLORTERM -u NO_COLOR TERM={term} {} --workspace {} tui; echo EXIT=$?",
            shell_quote(Path::new(bin)),
            shell_quote(&root)
        ));
        t.wait_for("the explorer", |s| s.contains("Records ● following"));
        let s = t.screen_escaped();
        let indexed = s.contains("[38;5;") || s.contains(";38;5;") || s.contains("48;5;");
        let bright = ["[91m", "[92m", "[94m", "[96m", "[36m", "[32m"]
            .iter()
            .any(|c| s.contains(c));
        if sixteen {
            assert!(
                !indexed,
                "TERM={term}: a 256-colour escape reached the screen:\n{s}"
            );
            assert!(bright, "TERM={term}: no colours at all:\n{s}");
        } else {
            assert!(indexed, "TERM={term}: 256-colour escapes expected:\n{s}");
        }
        t.keys("q");
        t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
    }
}

#[test]
fn without_tmux_the_terminal_tests_skip_locally_and_fail_under_ci() {
    let test = "a_panic_restores_the_terminal_and_ends_with_an_error";
    let (passed, out) = common::run_self_without_tools(test, None);
    assert!(
        passed && out.contains("tmux is missing; test skipped"),
        "{out}"
    );
    let (passed, out) = common::run_self_without_tools(test, Some("true"));
    assert!(
        !passed && out.contains("tmux is missing and CI is set"),
        "{out}"
    );
}

/// The chart cursor in a real terminal: `Enter` opens the chart full size, each `l` moves the
/// cursor right and the row under the chart reads out the step, time and value there.
#[test]
fn the_chart_cursor_reads_out_step_time_and_value() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    {
        let session = Session::open(&root).unwrap();
        let run = session.start_run("charts", "cursor").unwrap();
        // value = 2 × step, so a readout's value names its step.
        for step in 0..1000i64 {
            run.metric("loss", step as f64 * 2.0, Some(step)).unwrap();
        }
        run.finish(contexta::model::Status::Completed).unwrap();
        session.flush().unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_contexta");
    let t = Tmux::new("cursor");
    t.start_sized(120, 36);
    t.type_line(&format!(
        "{} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(bin)),
        shell_quote(&root)
    ));
    t.wait_for("the metrics grid", |s| {
        s.contains("Metrics 1 keys") && s.contains("page 1/1")
    });
    t.keys("4");
    t.keys("Enter");
    t.wait_for("the full-size chart", |s| s.contains("h/l cursor"));
    // (step, value) of the readout: `│ step N · +T · HH:MM:SS · V`.
    let readout = |s: &str| -> Option<(i64, f64)> {
        let line = s.lines().find(|l| l.contains("│ step "))?;
        let rest = &line[line.find("│ step ")? + "│ step ".len()..];
        let step = rest.split_whitespace().next()?.parse().ok()?;
        let value = rest
            .split('·')
            .nth(3)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some((step, value))
    };
    t.keys("l");
    let s = t.wait_for("the cursor at the first step", |s| {
        readout(s) == Some((0, 0.0))
    });
    assert!(s.contains("+0ms"), "{s}");
    let mut last = 0;
    for press in 1..=3 {
        t.keys("l");
        let s = t.wait_for(&format!("the cursor after {press} more l"), |s| {
            readout(s).is_some_and(|(step, _)| step > last)
        });
        let (step, value) = readout(&s).unwrap();
        assert_eq!(value, step as f64 * 2.0, "{s}");
        last = step;
    }
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
    assert_restored(&t);
}

/// Runs `contexta run --project live --name NAME -- sh -c SCRIPT` on `root` in the background
/// (its own output goes nowhere: the explorer is what is watched). Killed on drop.
struct Wrapped(std::process::Child);

impl Wrapped {
    fn start(root: &Path, name: &str, script: &str) -> Wrapped {
        let child = Command::new(env!("CARGO_BIN_EXE_contexta"))
            .arg("--workspace")
            .arg(root)
            .args(["run", "--project", "live", "--name", name, "--", "sh", "-c"])
            .arg(script)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Wrapped(child)
    }
}

impl Drop for Wrapped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The highest `line N` on the screen.
fn highest_line(screen: &str) -> u32 {
    screen
        .split("line ")
        .skip(1)
        .filter_map(|s| {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// Opens the explorer on `root` in a new 120×36 tmux window once `contexta run` has stored
/// the child's first line (`ready`), and focuses the console.
fn explorer_on_console(t: &Tmux, root: &Path) {
    let start = Instant::now();
    loop {
        let ws = contexta::store::Workspace::open(root, contexta::store::Access::Read);
        let ready = ws.ok().is_some_and(|ws| {
            let run = contexta::model::Ref::parse("run:live.console").ok();
            run.is_some_and(|r| {
                contexta::query::console::tail(&ws, &r, 1).is_ok_and(|v| v.total > 0)
            })
        });
        if ready {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the wrapped command never printed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    t.start_sized(120, 36);
    t.type_line(&format!(
        "{} --workspace {} tui; echo EXIT=$?",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_contexta"))),
        shell_quote(root)
    ));
    t.wait_for("the explorer", |s| s.contains("Runs"));
    t.keys("9");
    t.wait_for("the console pane", |s| {
        s.contains("Console") && s.contains("ready")
    });
}

#[test]
fn the_console_pane_follows_a_running_command() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let gate = dir.path().join("go");
    // The command prints `ready`, waits until the explorer shows it, then 200 lines over ~4 s.
    let script = format!(
        "echo ready; while [ ! -e {} ]; do sleep 0.05; done; for i in $(seq 1 200); do echo line $i; sleep 0.02; done",
        shell_quote(&gate)
    );
    let _run = Wrapped::start(&root, "console", &script);
    let t = Tmux::new("console");
    explorer_on_console(&t, &root);
    std::fs::write(&gate, b"").unwrap();
    // Lines arrive without a key press: first part of them, then the last.
    let first = t.wait_for("the first lines", |s| highest_line(s) > 0);
    let seen = highest_line(&first);
    assert!(
        seen < 200,
        "the command finished before the console showed any of it live:\n{first}"
    );
    let last = t.wait_for("line 200", |s| highest_line(s) == 200);
    assert!(last.contains("● following"), "{last}");
    // Scrolling up pauses; F follows again.
    t.keys("k");
    t.wait_for("paused", |s| s.contains("‖ paused"));
    t.keys("F");
    t.wait_for("following again", |s| s.contains("● following"));
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
}

#[test]
fn hostile_console_output_is_stored_and_shown_harmless() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let gate = dir.path().join("go");
    // A window title (OSC 0), a clear screen and a right-to-left override, after `ready`.
    let script = format!(
        "echo ready; while [ ! -e {} ]; do sleep 0.05; done; printf 'title:\\033]0;pwned-title\\007 clear:\\033[2J bidi:\\342\\200\\256evil\\n'; echo done-hostile",
        shell_quote(&gate)
    );
    let mut run = Wrapped::start(&root, "console", &script);
    let t = Tmux::new("hostile");
    explorer_on_console(&t, &root);
    let title_before = t.cmd(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    std::fs::write(&gate, b"").unwrap();
    let s = t.wait_for("the hostile line", |s| s.contains("done-hostile"));
    run.0.wait().unwrap();
    // The bidi override shows as its escape, the title never reached tmux, and the explorer's
    // frame is whole (the clear screen was never sent to our terminal).
    assert!(s.contains("bidi:\\u{202e}evil"), "{s}");
    assert!(!s.contains('\u{202e}'), "{s}");
    assert!(!s.contains("pwned-title"), "{s}");
    let title_after = t.cmd(&["display-message", "-p", "-t", "t", "#{pane_title}"]);
    assert_eq!(title_after, title_before);
    assert!(!title_after.contains("pwned"), "{title_after}");
    assert!(s.contains("Runs") && s.contains("Console"), "{s}");
    assert!(!t.screen_escaped().contains("\x1b]0;"));
    t.keys("q");
    t.wait_for("the shell after quitting", |s| s.contains("EXIT=0"));
}
