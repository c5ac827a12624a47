//! `contexta run -- CMD` with real processes: the console stored as a terminal would show it,
//! exit status to run status, signals passed on, the command's own `contexta log` landing in
//! its run, host metrics, untrusted output kept harmless, and a wrapper killed outright
//! leaving a run that diagnostics calls stale.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use contexta::model::{ConsoleStream, Ref};
use contexta::query;
use contexta::store::{Access, Workspace};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn init() -> Ws {
    let ws = Ws::new();
    ws.ok(&["init"]);
    ws
}

/// `contexta run ARGS -- sh -c SCRIPT`, run in the workspace's folder.
fn wrapped(ws: &Ws, args: &[&str], script: &str) -> std::process::Command {
    let mut a = vec!["run"];
    a.extend_from_slice(args);
    a.extend(["--", "sh", "-c", script]);
    let mut c = ws.cmd(&a);
    c.current_dir(ws.dir.path()).env("BIN", bin());
    c
}

fn only_run(ws: &Ws) -> Ref {
    let runs = ws.json(&["runs"]);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    Ref::parse(runs[0]["ref"].as_str().unwrap()).unwrap()
}

fn status_of(ws: &Ws, run: &Ref) -> String {
    let runs = ws.json(&["runs"]);
    runs.as_array()
        .unwrap()
        .iter()
        .find(|r| r["ref"] == run.as_str())
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn console(ws: &Ws, run: &Ref) -> Vec<contexta::model::ConsoleLine> {
    let w = Workspace::open(&ws.root(), Access::Read).unwrap();
    query::console::lines(&w, run, 0..u32::MAX).unwrap().lines
}

fn console_text(ws: &Ws, run: &Ref) -> Vec<String> {
    console(ws, run).into_iter().map(|l| l.text).collect()
}

/// The `process.exit` event's attributes.
fn exit_event(ws: &Ws, run: &Ref) -> serde_json::Value {
    let recs = ws.json(&["records", run.as_str(), "--type", "event"]);
    recs.as_array()
        .unwrap()
        .iter()
        .find(|r| r["payload"]["event_key"] == "process.exit")
        .unwrap_or_else(|| panic!("no process.exit event in {recs:?}"))["payload"]["attributes"]
        .clone()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

#[test]
fn progress_bar_colours_and_many_lines_then_exit_3() {
    let ws = init();
    let script = r#"
printf 'start\n'
i=0
while [ $i -le 100 ]; do printf '\rprogress %3d%%' $i; i=$((i+1)); done
printf '\n\033[1;32mgreen\033[0m plain\n'
seq -f 'line %g' 1 10000
exit 3
"#;
    let out = wrapped(&ws, &["--project", "p", "--name", "bar"], script)
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", String::from_utf8_lossy(&out.stderr));
    // The user saw the output unchanged.
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("\rprogress  50%") && shown.contains("line 10000"));

    let run = only_run(&ws);
    assert_eq!(run.as_str(), "run:p.bar");
    assert_eq!(status_of(&ws, &run), "failed");
    assert_eq!(exit_event(&ws, &run)["exit_code"], 3);
    let lines = console_text(&ws, &run);
    let mut want = vec![
        "start".to_string(),
        "progress 100%".to_string(),
        "\x1b[0;1;32mgreen\x1b[0m plain".to_string(),
    ];
    want.extend((1..=10000).map(|i| format!("line {i}")));
    assert_eq!(lines.len(), want.len());
    assert_eq!(lines, want, "console is the final state, no bar fragments");
    assert!(
        ws.ok(&["run", "show", "run:p.bar"])
            .contains("console   10003 lines")
    );
}

#[test]
fn true_completes_false_fails_with_its_code() {
    let ws = init();
    let out = ws
        .cmd(&["run", "--name", "t", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let out = ws
        .cmd(&["run", "--project", "p", "--name", "f", "--", "false"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let runs = ws.json(&["runs"]);
    let by_name = |n: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("t")["status"], "completed");
    assert_eq!(by_name("f")["status"], "failed");
    let f = Ref::parse(by_name("f")["ref"].as_str().unwrap()).unwrap();
    assert_eq!(exit_event(&ws, &f)["exit_code"], 1);
}

#[test]
fn a_missing_command_is_a_clear_error_and_leaves_no_run() {
    let ws = init();
    let out = ws
        .cmd(&["run", "--", "no-such-command-xyz", "--flag"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 127);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("command not found: no-such-command-xyz"),
        "{err}"
    );
    assert_eq!(ws.json(&["runs"]), serde_json::json!([]));
    // Nothing after `--` is a usage error.
    let out = ws.cmd(&["run", "--project", "p"]).output().unwrap();
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("give a command after `--`"));
}

#[test]
fn the_older_run_subcommands_still_work_and_do_not_mix_with_a_command() {
    let ws = init();
    let r = ws.ok(&["run", "start", "p", "n"]);
    assert_eq!(r.trim(), "run:p.n");
    ws.ok(&["run", "finish", "run:p.n"]);
    assert!(ws.ok(&["run", "show", "run:p.n"]).contains("completed"));
    let out = ws
        .cmd(&["run", "--project", "x", "start", "p", "m"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
}

#[test]
fn run_help_shows_both_forms() {
    let out = Ws::new().cmd(&["run", "--help"]).output().unwrap();
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

fn spawn_quiet(mut c: std::process::Command) -> Child {
    c.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn sigterm_to_us_reaches_the_command_and_we_exit_with_its_status() {
    let ws = init();
    let dir = ws.dir.path();
    let script = r#"
trap 'echo got-term > trapped; exit 7' TERM
touch ready
while :; do sleep 0.05; done
"#;
    let mut child = spawn_quiet(wrapped(&ws, &["--project", "p", "--name", "sig"], script));
    wait_until("the command to start", 30, || dir.join("ready").exists());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(7));
    assert_eq!(
        std::fs::read_to_string(dir.join("trapped")).unwrap().trim(),
        "got-term"
    );
    let run = only_run(&ws);
    assert_eq!(status_of(&ws, &run), "failed");
    assert_eq!(exit_event(&ws, &run)["exit_code"], 7);
}

#[test]
fn a_command_killed_by_a_signal_fails_with_the_signal_named() {
    let ws = init();
    let out = wrapped(&ws, &["--project", "p", "--name", "k"], "kill -KILL $$")
        .output()
        .unwrap();
    assert_eq!(code(&out), 128 + 9);
    let run = only_run(&ws);
    assert_eq!(status_of(&ws, &run), "failed");
    assert_eq!(exit_event(&ws, &run)["signal"], "SIGKILL");
}

#[test]
fn the_commands_own_log_metric_lands_in_the_same_run() {
    let ws = init();
    let script = r#"
"$BIN" log metric "$CONTEXTA_RUN" loss 0.25 --step 3
"$BIN" log event "$CONTEXTA_RUN" data.loaded "from inside"
"$BIN" log metric reward -0.5
"$BIN" log metric --step 2 tiny -1e-3
"$BIN" log event data.more "no run given" --level warning
"#;
    let out = wrapped(&ws, &["--project", "p", "--name", "inner"], script)
        .env_remove("CONTEXTA_WORKSPACE")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let run = only_run(&ws);
    let metrics = ws.json(&["records", run.as_str(), "--type", "metric", "--key", "loss"]);
    let m = &metrics.as_array().unwrap()[0]["payload"];
    assert_eq!(
        (m["value"].as_f64(), m["tags"]["step"].as_str()),
        (Some(0.25), Some("3"))
    );
    let events = ws.json(&["records", run.as_str(), "--key", "data.loaded"]);
    assert_eq!(events.as_array().unwrap().len(), 1);
    // Without a run: the one CONTEXTA_RUN names (negative values still need no `--`).
    let reward = ws.json(&["records", run.as_str(), "--key", "reward"]);
    assert_eq!(reward[0]["payload"]["value"].as_f64(), Some(-0.5));
    let tiny = ws.json(&["records", run.as_str(), "--key", "tiny"]);
    assert_eq!(tiny[0]["payload"]["value"].as_f64(), Some(-1e-3));
    assert_eq!(tiny[0]["payload"]["tags"]["step"], "2");
    let more = ws.json(&["records", run.as_str(), "--key", "data.more"]);
    assert_eq!(more[0]["payload"]["level"], "warning");
    assert_eq!(
        ws.json(&["runs"]).as_array().unwrap().len(),
        1,
        "no other run"
    );
    // Provenance names the wrapped command, not ours.
    let show = ws.json(&["run", "show", run.as_str()]).to_string();
    assert!(
        show.contains(r#""command":"sh -c '\n\"$BIN\" log metric"#),
        "{show}"
    );
}

#[test]
fn log_without_a_run_outside_a_wrapped_command_is_a_usage_error() {
    let ws = init();
    ws.ok(&["run", "start", "p", "r"]);
    for args in [
        &["log", "metric", "loss", "0.3"][..],
        &["log", "event", "data.loaded", "hello"][..],
    ] {
        let out = ws.cmd(args).env_remove("CONTEXTA_RUN").output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("RUN may be left out only inside `contexta run -- CMD`"),
            "{err}"
        );
    }
    let out = ws
        .cmd(&["log", "metric", "r", "loss", "high"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'high'"));
    let records = ws.json(&["records", "run:p.r"]);
    assert!(
        records.as_array().unwrap().is_empty(),
        "nothing stored: {records}"
    );
}

#[test]
fn system_metrics_are_sampled_with_plausible_values() {
    let ws = init();
    let dir = ws.dir.path();
    // Busy until told to stop, so the process tree has CPU to show.
    let script = "touch started; while [ ! -f stop ]; do :; done";
    let mut child = spawn_quiet(wrapped(
        &ws,
        &[
            "--project",
            "p",
            "--name",
            "sys",
            "--system-interval",
            "100ms",
        ],
        script,
    ));
    wait_until("the command to start", 30, || dir.join("started").exists());
    let run = Ref::parse("run:p.sys").unwrap();
    let points = |key: &str| -> Vec<f64> {
        let Ok(w) = Workspace::open(&ws.root(), Access::Read) else {
            return vec![];
        };
        query::series(&w, &run, key)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.value)
            .collect()
    };
    // A busy loop shows: an idle tree reads about 0 %. On a loaded machine the loop gets only
    // its share of a core, so wait for a sample that clearly is not idle rather than expect
    // a fixed share in the first few.
    wait_until("five CPU samples, one of them busy", 60, || {
        let cpu = points("system.proc.cpu-percent");
        cpu.len() >= 5 && cpu.iter().any(|v| *v > 5.0)
    });
    std::fs::write(dir.join("stop"), "").unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));

    let cores = std::thread::available_parallelism().unwrap().get() as f64;
    let cpu = points("system.proc.cpu-percent");
    assert!(
        cpu.iter().all(|v| (0.0..=100.0 * cores + 5.0).contains(v)),
        "{cpu:?}"
    );
    let rss = points("system.proc.rss-mb");
    assert!(rss.iter().all(|v| *v > 0.0 && *v < 1024.0), "{rss:?}");
    let count = points("system.proc.count");
    assert!(count.iter().all(|v| *v >= 1.0), "{count:?}");
    let mem = points("system.memory.percent");
    assert!(!mem.is_empty() && mem.iter().all(|v| *v > 0.0 && *v <= 100.0));
    for key in [
        "system.cpu.percent",
        "system.memory.used-mb",
        "system.disk.read-mb-per-s",
        "system.disk.write-mb-per-s",
        "system.net.recv-mb-per-s",
        "system.net.sent-mb-per-s",
    ] {
        let v = points(key);
        assert!(!v.is_empty() && v.iter().all(|x| *x >= 0.0), "{key}: {v:?}");
    }
    // No GPU on this machine: no GPU metrics, and no error.
    let w = Workspace::open(&ws.root(), Access::Read).unwrap();
    let keys: Vec<String> = query::metric_list(&w, &run)
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    if !Path::new("/proc/driver/nvidia").exists() {
        assert!(!keys.iter().any(|k| k.contains("gpu")), "{keys:?}");
    }
}

#[test]
fn untrusted_output_is_stored_without_escapes_that_act() {
    let ws = init();
    let script = r#"
printf 'before clear\n'
printf '\033]0;evil title\007\033[2J\033[Hafter clear\n'
printf 'a\342\200\256gnp.exe\n'
printf '\033[31mred\033[0m \033[?1049h\033[5;5Hhidden\033[?1049l done\n'
"#;
    let out = wrapped(&ws, &["--project", "p", "--name", "evil"], script)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let lines = console_text(&ws, &Ref::parse("run:p.evil").unwrap());
    assert!(lines.contains(&"before clear".to_string()), "{lines:?}");
    assert!(lines.contains(&"after clear".to_string()), "{lines:?}");
    assert!(
        lines.contains(&"a\\u{202e}gnp.exe".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"\x1b[0;31mred\x1b[0m  done".to_string()),
        "{lines:?}"
    );
    for l in &lines {
        assert!(!l.contains("evil title") && !l.contains("hidden"), "{l:?}");
        // The only escapes left are SGR sequences.
        let plain = contexta::model::console_plain(l);
        assert!(!plain.chars().any(|c| c.is_control()), "{l:?}");
        assert!(!plain.contains('\u{202e}'));
    }
}

#[test]
fn a_process_left_holding_the_terminal_does_not_keep_us_waiting() {
    // The command exits at once; a child of it that ignores SIGHUP keeps its terminal (or its
    // pipes) open for 20 s. The pumps sleep until something happens, so the command's exit must
    // be what wakes them: we finish soon after it, with everything it printed stored.
    for (name, pipe) in [("pty", false), ("pipes", true)] {
        let ws = init();
        let mut args = vec!["--project", "p", "--name", name];
        if pipe {
            args.push("--pipe");
        }
        let started = Instant::now();
        let out = wrapped(
            &ws,
            &args,
            "(trap '' HUP; exec sleep 20) & echo left-behind",
        )
        .output()
        .unwrap();
        let took = started.elapsed();
        assert_eq!(code(&out), 0, "{name}");
        assert!(
            took < Duration::from_secs(10),
            "{name}: we waited {took:?} for a process the command left behind"
        );
        let run = Ref::parse(&format!("run:p.{name}")).unwrap();
        assert_eq!(console_text(&ws, &run), ["left-behind"], "{name}");
        assert_eq!(status_of(&ws, &run), "completed", "{name}");
    }
}

#[test]
fn a_line_still_being_written_is_stored_while_the_command_is_quiet() {
    // A progress line with no newline yet, then silence: capture must not wait for more output
    // to hand it over; the finished line then replaces it.
    let ws = init();
    let dir = ws.dir.path();
    let script = "printf 'loading 50%%'; touch printed; \
                  while [ ! -e go ]; do sleep 0.05; done; printf '\\rloading 100%%\\n'";
    let mut child = spawn_quiet(wrapped(&ws, &["--project", "p", "--name", "bar"], script));
    let run = Ref::parse("run:p.bar").unwrap();
    wait_until("the unfinished line to be stored", 30, || {
        dir.join("printed").exists()
            && Workspace::open(&ws.root(), Access::Read)
                .ok()
                .and_then(|w| query::console::lines(&w, &run, 0..u32::MAX).ok())
                .is_some_and(|c| c.lines.iter().any(|l| l.text == "loading 50%"))
    });
    std::fs::write(dir.join("go"), "").unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(console_text(&ws, &run), ["loading 100%"]);
}

#[test]
fn pipe_mode_keeps_stdout_and_stderr_apart() {
    let ws = init();
    let out = wrapped(
        &ws,
        &["--pipe", "--project", "p", "--name", "pipes"],
        "echo to-out; echo to-err >&2; echo more-out",
    )
    .output()
    .unwrap();
    assert_eq!(code(&out), 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "to-out\nmore-out\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("to-err\n"));
    let got: Vec<(ConsoleStream, String)> = console(&ws, &Ref::parse("run:p.pipes").unwrap())
        .into_iter()
        .map(|l| (l.stream, l.text))
        .collect();
    let mut sorted = got.clone();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        sorted,
        [
            (ConsoleStream::Stdout, "more-out".to_string()),
            (ConsoleStream::Stderr, "to-err".to_string()),
            (ConsoleStream::Stdout, "to-out".to_string()),
        ]
    );
}

#[test]
fn resume_appends_to_the_same_runs_console() {
    let ws = init();
    let out = wrapped(&ws, &["--project", "p", "--name", "r"], "echo first").output();
    assert_eq!(code(&out.unwrap()), 0);
    let out = wrapped(&ws, &["--resume", "run:p.r"], "echo second; exit 2").output();
    assert_eq!(code(&out.unwrap()), 2);
    let run = only_run(&ws);
    assert_eq!(console_text(&ws, &run), ["first", "second"]);
    assert_eq!(status_of(&ws, &run), "failed");
}

#[test]
fn a_wrapper_killed_outright_leaves_a_run_that_goes_stale() {
    let ws = init();
    let dir = ws.dir.path();
    let script = "echo $$ > pid; while :; do sleep 0.1; done";
    let mut child = spawn_quiet(wrapped(
        &ws,
        &[
            "--project",
            "p",
            "--name",
            "killed",
            "--system-interval",
            "100ms",
        ],
        script,
    ));
    let run = "run:p.killed";
    let stale = |after: &str| -> bool {
        let out = ws
            .cmd(&[
                "--format",
                "json",
                "diagnostics",
                run,
                "--stale-after",
                after,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("stale_run")
    };
    wait_until("the command to start", 30, || dir.join("pid").exists());
    wait_until("a system sample", 30, || {
        Workspace::open(&ws.root(), Access::Read).is_ok_and(|w| {
            query::series(&w, &Ref::parse(run).unwrap(), "system.cpu.percent")
                .is_ok_and(|p| !p.is_empty())
        })
    });
    // Alive, it keeps committing: not stale.
    assert!(!stale("5"));
    child.kill().unwrap(); // SIGKILL: no chance to finish the run
    child.wait().unwrap();
    let pid = std::fs::read_to_string(dir.join("pid")).unwrap();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status();
    assert_eq!(status_of(&ws, &Ref::parse(run).unwrap()), "open");
    wait_until("the run to be reported stale", 60, || stale("1"));
}

/// A tmux server of our own (its own socket), killed on drop: a real terminal for the keys,
/// raw mode and window-size tests.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(tag: &str, dir: &Path) -> Option<Tmux> {
        let present = std::process::Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !tool_or_skip(present, "tmux", "apt-get install tmux") {
            return None;
        }
        let t = Tmux {
            socket: format!("contexta-run-{tag}-{}", std::process::id()),
        };
        let dir = dir.to_str().unwrap();
        t.cmd(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            "-c",
            dir,
            "sh",
        ]);
        Some(t)
    }

    fn cmd(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn type_line(&self, line: &str) {
        self.cmd(&["send-keys", "-t", "t", "-l", line]);
        self.cmd(&["send-keys", "-t", "t", "Enter"]);
    }

    fn wait_for(&self, text: &str) {
        wait_until(text, 30, || {
            self.cmd(&["capture-pane", "-p", "-J", "-t", "t"])
                .contains(text)
        });
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

#[test]
fn in_a_terminal_keys_reach_the_command_ctrl_c_is_its_sigint_and_the_terminal_is_restored() {
    let ws = init();
    let dir = ws.dir.path();
    let Some(t) = Tmux::start("keys", dir) else {
        return;
    };
    let root = ws.root();
    let run = |name: &str| {
        format!(
            "{} --workspace {} run --project p --name {name} -- ",
            bin(),
            root.display()
        )
    };
    t.type_line(&format!(
        "{}sh -c 'read x; echo \"got $x\"; trap \"echo INT-SEEN; exit 5\" INT; while :; do sleep 0.1; done'",
        run("keys")
    ));
    t.wait_for("recording run:p.keys");
    t.type_line("hello");
    t.wait_for("got hello");
    t.cmd(&["send-keys", "-t", "t", "C-c"]);
    t.wait_for("exited with code 5");
    // `sa""ved` prints `saved`, which the typed line itself does not show: waiting for it
    // waits for stty to have written its file.
    t.type_line("echo status=$?; stty -a > stty.txt; echo sa\"\"ved");
    t.wait_for("status=5");
    wait_until("stty output", 30, || dir.join("stty.txt").exists());
    t.wait_for("saved");
    let stty = std::fs::read_to_string(dir.join("stty.txt")).unwrap();
    let words: Vec<&str> = stty.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "{stty}"
    );

    // The window grows while the command runs: it sees the new size.
    t.type_line(&format!(
        "{}sh -c 'stty size; read x; stty size'",
        run("size")
    ));
    t.wait_for("30 100");
    t.cmd(&["resize-window", "-t", "t", "-x", "120", "-y", "40"]);
    t.type_line("");
    t.wait_for("40 120");
    t.wait_for("run:p.size completed");
    let lines = console_text(&ws, &Ref::parse("run:p.keys").unwrap());
    assert!(lines.iter().any(|l| l == "got hello"), "{lines:?}");
    let lines = console_text(&ws, &Ref::parse("run:p.size").unwrap());
    assert_eq!(
        lines.last().map(String::as_str),
        Some("40 120"),
        "{lines:?}"
    );
}

#[test]
fn a_backup_carries_the_console_and_its_restore_reads_it() {
    let ws = init();
    let out = wrapped(
        &ws,
        &["--project", "p", "--name", "b"],
        "echo kept; echo also",
    )
    .output();
    assert_eq!(code(&out.unwrap()), 0);
    let archive = ws.dir.path().join("ws.tar");
    ws.ok(&["backup", "create", "--output", archive.to_str().unwrap()]);
    let target = ws.dir.path().join("restored");
    ws.ok(&[
        "restore",
        "apply",
        archive.to_str().unwrap(),
        "--target-workspace",
        target.to_str().unwrap(),
    ]);
    let w = Workspace::open(&target.join(".contexta"), Access::Read)
        .or_else(|_| Workspace::open(&target, Access::Read))
        .unwrap();
    let v = query::console::lines(&w, &Ref::parse("run:p.b").unwrap(), 0..10).unwrap();
    let texts: Vec<&str> = v.lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["kept", "also"]);
}

/// The committer as the bottleneck: another process holds the workspace's write lock while the
/// command prints more lines than the old in-flight bound (48 batches of 4096) held. The
/// command must be held back, as by a slow terminal, and every line stored once the lock goes.
#[test]
fn a_committer_held_back_slows_the_command_and_loses_no_line() {
    use std::io::Read;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const N: usize = 250_000;
    let ws = init();
    let dir = ws.dir.path().to_path_buf();
    let script =
        format!("echo ready; while [ ! -e go ]; do sleep 0.02; done; seq 1 {N}; touch done");
    let mut child = wrapped(&ws, &["--project", "p", "--name", "held"], &script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // What the command has shown so far (bytes), read as a terminal would.
    let shown = Arc::new(AtomicUsize::new(0));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let shown = shown.clone();
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut buf = [0u8; 64 * 1024];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&buf[..n]);
                shown.store(all.len(), Ordering::SeqCst);
            }
            all
        })
    };
    wait_until("the command to start", 60, || {
        shown.load(Ordering::SeqCst) > 0
    });

    let holder = Workspace::open(&ws.root(), Access::Write).unwrap();
    let mut finished_while_held = false;
    holder
        .write_stream(|_| {
            std::fs::write(dir.join("go"), b"").unwrap();
            // Held until the command finished (it ran free: the old behaviour) or its output
            // stopped advancing for a second (it is held back).
            let deadline = Instant::now() + Duration::from_secs(120);
            let (mut last, mut since) = (0, Instant::now());
            loop {
                if dir.join("done").exists() {
                    finished_while_held = true;
                    return Ok::<(), contexta::store::StoreError>(());
                }
                let now = shown.load(Ordering::SeqCst);
                if now != last {
                    (last, since) = (now, Instant::now());
                } else if since.elapsed() >= Duration::from_secs(1) {
                    return Ok(());
                }
                assert!(Instant::now() < deadline, "neither finished nor held back");
                std::thread::sleep(Duration::from_millis(20));
            }
        })
        .unwrap();
    drop(holder);
    assert!(
        !finished_while_held,
        "the command ran to its end while none of its lines could be stored"
    );
    let status = child.wait().unwrap();
    let shown_text = reader.join().unwrap();
    assert!(status.success());
    assert!(String::from_utf8_lossy(&shown_text).contains(&format!("\n{N}\r\n")));

    let run = only_run(&ws);
    let lines = console_text(&ws, &run);
    let mut want = vec!["ready".to_string()];
    want.extend((1..=N).map(|i| i.to_string()));
    assert_eq!(lines.len(), want.len(), "every line stored");
    assert_eq!(lines, want);
}
