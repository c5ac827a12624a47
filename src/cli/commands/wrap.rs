//! `contexta run [OPTIONS] -- CMD [ARGS]...`: any command becomes a live run. It runs in a
//! pseudo-terminal (or on pipes with `--pipe`) with `CONTEXTA_WORKSPACE` and `CONTEXTA_RUN` set;
//! its output reaches our terminal unchanged and its console is stored with the run; host
//! metrics are sampled alongside; how it ends becomes the run's status and our exit status
//! (its code, or 128 + the signal that killed it). SIGINT, SIGTERM, SIGHUP and SIGQUIT are
//! passed to its process group, and a window size change to its terminal.

use super::super::args::WrapArgs;
use super::super::tty;
use super::super::{Ctx, UsageError};
use crate::capture::gpu::Gpus;
use crate::capture::system::SystemSampler;
use crate::capture::wrap::{self, ChildIo, ConsoleSink, PumpControl};
use crate::capture::{CommitPolicy, RunHandle, Session};
use crate::model::*;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGWINCH};
use signal_hook::iterator::Signals;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::time::Duration;

/// Console lines reach the workspace within ~`interval` + the pump's 50 ms tick.
const POLICY: CommitPolicy = CommitPolicy {
    interval: Duration::from_millis(100),
    max_batch: 16,
    min_gap: Duration::from_millis(50),
};

/// The store's page cache: we only append, and its default (sized for readers and bulk
/// ingest) would grow with everything the command printed.
const CACHE_BYTES: usize = 8 << 20;

/// `2s`, `500ms`, `1.5`, `1m` → a duration between 0.1 s and 5 min (a sample is also the run's
/// heartbeat, so it must come well within the 10 min after which an open run counts as stale).
fn parse_interval(text: &str) -> Result<Duration, UsageError> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let secs = num
        .trim()
        .parse::<f64>()
        .ok()
        .map(|v| v * scale)
        .filter(|s| (0.1..=300.0).contains(s))
        .ok_or_else(|| {
            UsageError(format!(
                "--system-interval: `{text}` is not a duration from 100ms to 5m (e.g. 2s)"
            ))
        })?;
    Ok(Duration::from_secs_f64(secs))
}

fn default_project() -> String {
    std::env::current_dir()
        .ok()
        .and_then(|d| d.file_name().map(|n| slug(&n.to_string_lossy())))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".into())
}

fn default_name() -> String {
    let now = ::time::OffsetDateTime::now_utc();
    format!(
        "run-{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn say(ctx: &Ctx, text: &str) {
    if !ctx.quiet {
        eprintln!("contexta: {}", crate::sanitize::sanitize(text));
    }
}

pub fn run(ctx: &Ctx, a: WrapArgs) -> anyhow::Result<i32> {
    crate::cli::alloc_probe::release_freed_memory_promptly();
    let Some((program, args)) = a.command.split_first() else {
        return Err(UsageError(
            "give a command after `--` (contexta run [OPTIONS] -- CMD [ARGS]...), or use run start|finish|show".into(),
        )
        .into());
    };
    let interval = parse_interval(&a.system_interval)?;
    let mut params = Vec::new();
    for p in &a.params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--param `{p}` is not KEY=VALUE")))?;
        params.push((k.trim().to_string(), v.trim().to_string()));
    }
    // Before anything is stored: a command that cannot start leaves no run behind.
    let path = match wrap::find_program(program, std::env::var_os("PATH").as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}", crate::sanitize::sanitize(&e.to_string()));
            return Ok(e.exit_code());
        }
    };

    let root = ctx.root_or_here()?;
    let root = std::path::absolute(&root).unwrap_or(root);
    let session = Session::open_with_cache(&root, POLICY, Some(CACHE_BYTES))?;
    let run = match &a.resume {
        Some(text) => {
            let rref = crate::query::resolve_run(session.workspace(), text)?;
            let run = session.resume_run(&rref)?;
            run.finish(Status::Open)?; // open again, no end time
            run
        }
        None => {
            let project = a.project.clone().unwrap_or_else(default_project);
            let name = a.name.clone().unwrap_or_else(default_name);
            session.start_run(&project, &name)?
        }
    };
    for (k, v) in &params {
        run.param(k, v);
    }
    let run_ref = run.run_ref().clone();
    let existing_lines = session.workspace().read()?.console_len(&run_ref)?;
    let gpus = Gpus::open(std::env::var("CUDA_VISIBLE_DEVICES").ok().as_deref());
    let gpu_info = gpus.as_ref().map(|g| g.describe()).unwrap_or_default();
    let env_vars: Vec<&str> = a.env.iter().map(String::as_str).collect();
    wrap::record_provenance(&session, &run_ref, &a.command, &env_vars, &gpu_info)?;
    // The run must exist for the command's own `contexta log "$CONTEXTA_RUN" …`.
    session.flush()?;

    // Caught from here on, so they are forwarded instead of ending us mid-capture.
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH])?;
    let size = tty::window_size().unwrap_or((80, 24));
    let env = [
        (OsString::from("CONTEXTA_WORKSPACE"), root.clone().into()),
        (OsString::from("CONTEXTA_RUN"), run_ref.as_str().into()),
    ];
    let spawned = match wrap::spawn(&path, args, &env, a.pipe, size) {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("could not start {}: {e}", path.display());
            let _ = run.event("process.start", Level::Error, &msg);
            run.finish(Status::Failed)?;
            anyhow::bail!("{msg}");
        }
    };
    say(
        ctx,
        &format!("recording {run_ref} (console and system metrics)"),
    );
    let outcome = supervise(
        &session,
        &run,
        spawned,
        &mut signals,
        interval,
        gpus,
        size,
        existing_lines,
    )?;

    let _ = run.event_with(
        "process.exit",
        outcome.exit.level,
        &outcome.exit.message,
        outcome.exit.attributes.clone(),
    );
    if outcome.capture_failed {
        let _ = run.degraded(
            "console.capture_failed",
            DegradedCategory::Capture,
            Severity::Warning,
            "console capture stopped on output it could not read; the rest was shown, not stored",
        );
    }
    if outcome.dropped > 0 {
        let _ = run.degraded(
            "console.dropped_lines",
            DegradedCategory::Capture,
            Severity::Warning,
            &format!(
                "{} console lines were not stored: the workspace stayed busy",
                outcome.dropped
            ),
        );
    }
    run.finish(outcome.exit.status)?;
    if let Some(e) = session.last_error() {
        anyhow::bail!("storing the run failed: {e}");
    }
    if ctx.json() {
        eprintln!(
            "{}",
            serde_json::json!({
                "ref": run_ref.as_str(),
                "status": outcome.exit.status.as_str(),
                "exit_code": outcome.exit.exit_code,
                "message": outcome.exit.message,
                "console_lines": outcome.lines,
            })
        );
    } else {
        say(
            ctx,
            &format!(
                "{run_ref} {}: {}, {} console lines",
                outcome.exit.status.as_str(),
                outcome.exit.message,
                outcome.lines
            ),
        );
    }
    Ok(outcome.exit.exit_code)
}

struct Supervised {
    exit: wrap::ExitOutcome,
    lines: u32,
    dropped: u64,
    capture_failed: bool,
}

/// Ends the helper threads that would otherwise wait forever (signal forwarding, sampling),
/// also when something panics inside the scope that must join them.
struct StopHelpers {
    signals: signal_hook::iterator::Handle,
    sampler: Option<std::sync::mpsc::Sender<()>>,
}

impl Drop for StopHelpers {
    fn drop(&mut self) {
        self.signals.close();
        self.sampler.take();
    }
}

/// Runs the pumps, the sampler, stdin and signal forwarding until the command has exited and
/// its output is drained. Our terminal is in raw mode only in here.
#[allow(clippy::too_many_arguments)]
fn supervise(
    session: &Session,
    run: &RunHandle,
    spawned: wrap::Spawned,
    signals: &mut Signals,
    interval: Duration,
    gpus: Option<Gpus>,
    size: (u16, u16),
    existing_lines: u32,
) -> anyhow::Result<Supervised> {
    let wrap::Spawned { mut child, io } = spawned;
    let pid = child.id();
    let group = rustix::process::Pid::from_raw(pid as i32);
    let sink = ConsoleSink::new(session, run.run_ref().clone(), existing_lines);
    let ctl = PumpControl::default();
    let sampler = SystemSampler::new(pid, gpus);
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let signal_handle = signals.handle();

    let (pty, pipes) = match io {
        ChildIo::Pty(p) => (Some(p), None),
        ChildIo::Pipes { stdout, stderr } => (None, Some((stdout, stderr))),
    };
    let raw = match &pty {
        Some(pty) if tty::stdin_is_our_terminal() => {
            forward_stdin(pty, true);
            tty::RawMode::enter().ok()
        }
        Some(pty) => {
            forward_stdin(pty, false);
            None
        }
        None => None,
    };

    let status = std::thread::scope(|s| {
        let stop = StopHelpers {
            signals: signal_handle,
            sampler: Some(stop_tx),
        };
        let mut pumps = Vec::new();
        if let Some(pty) = &pty {
            pumps.push(s.spawn(|| {
                wrap::pump_pty(pty, &mut std::io::stdout(), size, &sink, &ctl);
            }));
        }
        if let Some((stdout, stderr)) = pipes {
            let (sink, ctl) = (&sink, &ctl);
            pumps.push(s.spawn(move || {
                let out = &mut std::io::stdout();
                wrap::pump_pipe(stdout, out, ConsoleStream::Stdout, size, sink, ctl)
            }));
            pumps.push(s.spawn(move || {
                let out = &mut std::io::stderr();
                wrap::pump_pipe(stderr, out, ConsoleStream::Stderr, size, sink, ctl)
            }));
        }
        s.spawn(|| wrap::sample_until(run, sampler, interval, stop_rx));
        let (pty, ctl) = (&pty, &ctl);
        s.spawn(move || {
            for sig in signals.forever() {
                if sig == SIGWINCH {
                    if let (Some(pty), Some((cols, rows))) = (pty, tty::window_size()) {
                        let _ = pty.resize(pty_process::Size::new(rows, cols));
                        ctl.resized(cols, rows);
                    }
                } else if let Some(sig) = rustix::process::Signal::from_named_raw(sig)
                    && let Some(group) = group
                {
                    let _ = rustix::process::kill_process_group(group, sig);
                }
            }
        });
        let status = child.wait();
        ctl.child_exited();
        for p in pumps {
            let _ = p.join();
        }
        drop(stop);
        status
    });
    drop(raw);
    let status = status?;
    Ok(Supervised {
        exit: wrap::exit_outcome(status),
        lines: sink.lines(),
        dropped: sink.dropped(),
        capture_failed: sink.failed(),
    })
}

/// Copies our stdin to the command's terminal, on a thread of its own that is never joined
/// (a read from a terminal cannot be interrupted; the thread ends with us). Without a terminal
/// of ours, end of input becomes the command's end of file (Ctrl-D).
fn forward_stdin(pty: &pty_process::blocking::Pty, interactive: bool) {
    use std::os::fd::AsFd;
    let Ok(fd) = pty.as_fd().try_clone_to_owned() else {
        return;
    };
    let mut to_child = std::fs::File::from(fd);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut buf = [0u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Ok(0) | Err(_) => {
                    if !interactive {
                        let _ = to_child.write_all(&[4]);
                    }
                    return;
                }
                Ok(n) => {
                    if to_child.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            }
        }
    });
}
