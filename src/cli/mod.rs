//! Command-line interface: parses arguments, finds the workspace, runs one command, maps errors
//! to exit codes (0 ok, 1 runtime error, 2 usage error, 3 a check found something).

pub mod alloc_probe;
mod args;
mod commands;
mod output;
mod progress;
mod tty;

use anyhow::Context;
pub use args::Cli;
use args::{Command, Format};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;

/// Exit code for a usage error found after parsing (bad filter value, unknown status …).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// `log metric|event` inside `contexta run -- CMD` may leave the run out: when the arguments
/// do not parse and `CONTEXTA_RUN` is set, they are parsed again with that run as the first
/// positional (right after `metric`/`event`, so options may stand anywhere), and clap's own
/// typing of KEY and VALUE (negative values included) still applies; with the run given too,
/// the second parse has one positional too many and fails, so it never takes another meaning.
/// Outside a wrapped command the first error stands, with a hint when a positional is missing.
fn parse_args() -> Result<Cli, clap::Error> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut e = match Cli::try_parse_from(&args) {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return Err(e);
    }
    let Some(at) = args
        .windows(2)
        .position(|w| w[0] == "log" && (w[1] == "metric" || w[1] == "event"))
    else {
        return Err(e);
    };
    match std::env::var_os("CONTEXTA_RUN").filter(|r| !r.is_empty()) {
        Some(run) => {
            let mut with_run = args.clone();
            with_run.insert(at + 2, run);
            Cli::try_parse_from(with_run)
        }
        None if e.kind() == ErrorKind::MissingRequiredArgument => {
            e.insert(
                clap::error::ContextKind::Suggested,
                clap::error::ContextValue::StyledStrs(vec![
                    "RUN may be left out only inside `contexta run -- CMD`, which sets CONTEXTA_RUN"
                        .into(),
                ]),
            );
            Err(e)
        }
        None => Err(e),
    }
}

pub fn main() -> i32 {
    let cli = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let format = cli.format;
    ignore_file_size_signal();
    // redb can panic on a damaged file; a damaged workspace must give an error, not a crash
    // report. The hook stays quiet and the message below says what to do.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    std::panic::set_hook(previous);
    let result = match outcome {
        Ok(r) => r,
        Err(payload) => match payload.downcast::<output::StdoutStop>() {
            Ok(stop) => match *stop {
                output::StdoutStop::Closed => return 0,
                output::StdoutStop::Failed(e) => {
                    Err(anyhow::Error::new(e).context("writing to standard output"))
                }
            },
            Err(payload) => internal_failure(payload),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) if e.chain().any(crate::destination::is_stdout_closed) => 0,
        Err(e) => {
            let usage = is_usage(&e);
            let mut msg = message(&e);
            if file_too_large(&e) {
                msg = format!(
                    "file too large: {msg} (a file size limit, `ulimit -f`, stopped the write; what was committed before it is kept, and no output file was replaced)"
                );
            }
            // Line by line: a message may show a query with a caret under it.
            let msg = msg
                .split('\n')
                .map(|l| crate::sanitize::sanitize(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n");
            // Not eprintln!: a closed stderr must not turn an error into a panic.
            let mut err = std::io::stderr().lock();
            let _ = if format == Format::Json {
                writeln!(
                    err,
                    "{}",
                    serde_json::json!({"error": {"code": if usage {"usage"} else {"runtime"}, "message": msg}})
                )
            } else {
                writeln!(err, "error: {msg}")
            };
            if usage { 2 } else { 1 }
        }
    }
}

/// Whether an error is the user's value being wrong (exit 2) rather than the workspace or the
/// system failing (exit 1): a `UsageError`, or text typed as a ref that does not parse.
fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.is::<UsageError>()
            || matches!(
                cause.downcast_ref::<crate::query::QueryError>(),
                Some(crate::query::QueryError::Invalid(_))
            )
    })
}

/// The error and its causes joined by ": ", each said once: an error whose text already ends
/// with its cause's (`I/O error on X: File too large`) does not repeat it.
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if msg.ends_with(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

/// A write past `ulimit -f` raises SIGXFSZ, which kills the process mid-write with no word
/// said. With the signal caught, the write fails with EFBIG instead and the command reports
/// "file too large" itself, naming the file, after unwinding normally. (A handler rather
/// than SIG_IGN: installing one is safe code, and either way the write returns EFBIG.)
fn ignore_file_size_signal() {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, seen);
}

/// Whether a file size limit stopped a write somewhere in `e`'s chain. redb reports storage
/// errors as text, so its words are matched too.
fn file_too_large(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::FileTooLarge)
            || c.to_string().contains("File too large")
    })
}

/// A panic from deep inside (redb on a damaged file) as an error the user can act on. The
/// standard library's print macros panic when stdout is closed: that is a quiet end too.
fn internal_failure(payload: Box<dyn std::any::Any + Send>) -> anyhow::Result<i32> {
    let what = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown failure".into());
    if what.starts_with("failed printing to stdout") && what.contains("Broken pipe") {
        return Ok(0);
    }
    Err(anyhow::anyhow!(
        "internal failure while reading the workspace ({what}); it may be damaged: run `contexta doctor`"
    ))
}

pub(crate) struct Ctx {
    pub workspace: Option<PathBuf>,
    pub format: Format,
    pub quiet: bool,
    pub style: output::Style,
}

impl Ctx {
    /// The workspace named by --workspace or CONTEXTA_WORKSPACE, else the nearest `.contexta/`
    /// walking up; `None` when there is none. One found by walking up must be this user's and
    /// not writable by others (`store::check_discovered`); a named one is trusted.
    fn find(&self) -> anyhow::Result<Option<PathBuf>> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let found = crate::store::locate(self.workspace.as_deref(), &cwd);
        let named = self.workspace.is_some()
            || std::env::var_os("CONTEXTA_WORKSPACE").is_some_and(|v| !v.is_empty());
        if !named {
            // A workspace a restore set aside, nearer than the one found (or than none), is
            // the one meant: say how to finish the restore rather than use another or none.
            let stop = found.as_deref().and_then(|r| r.parent());
            if let Some(e) =
                crate::store::set_aside_on_the_way(&cwd, stop, crate::store::WORKSPACE_DIR)
            {
                return Err(e.into());
            }
            if let Some(root) = &found {
                crate::store::check_discovered(root)?;
            }
        }
        Ok(found)
    }

    /// The `.contexta` directory for this command (it may not exist yet).
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        self.find()?.ok_or_else(|| {
            let cwd = std::env::current_dir().unwrap_or_default();
            anyhow::anyhow!(
                "no workspace found: no .contexta/ in {} or its parents (use --workspace, or run `contexta init` / `contexta demo`)",
                cwd.display()
            )
        })
    }

    /// The `.contexta` directory, or `./.contexta` when none exists yet (for writers). A
    /// refused workspace is an error, never a reason to start a new one beside it.
    pub fn root_or_here(&self) -> anyhow::Result<PathBuf> {
        match self.find()? {
            Some(r) => Ok(r),
            None => Ok(std::env::current_dir()?.join(crate::store::WORKSPACE_DIR)),
        }
    }

    pub fn json(&self) -> bool {
        self.format == Format::Json
    }
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    let ctx = Ctx {
        workspace: cli.workspace,
        format: cli.format,
        quiet: cli.quiet,
        style: output::Style::detect(),
    };
    match cli.command {
        None => commands::open::tui(&ctx, &args::TuiArgs::default()),
        Some(Command::Tui(a)) => commands::open::tui(&ctx, &a),
        Some(Command::Init) => commands::open::init(&ctx),
        Some(Command::Demo(a)) => commands::open::demo(&ctx, &a),
        Some(Command::Ingest(a)) => commands::ingest::run(&ctx, &a),
        Some(Command::Runs(a)) => commands::query::runs(&ctx, &a),
        Some(Command::Run(a)) => match a.sub {
            Some(c) => commands::query::run(&ctx, c),
            None => commands::wrap::run(&ctx, a.wrap),
        },
        Some(Command::Records(a)) => commands::query::records(&ctx, &a),
        Some(Command::Log(c)) => commands::write::log(&ctx, c),
        Some(Command::Artifact(c)) => commands::write::artifact(&ctx, c),
        Some(Command::Bench(a)) => commands::bench::run(&ctx, &a),
        Some(Command::Compare { left, right }) => commands::compare::two(&ctx, &left, &right),
        Some(Command::CompareMulti { runs }) => commands::compare::many(&ctx, &runs),
        Some(Command::Best {
            key,
            project,
            stage,
        }) => commands::compare::best(&ctx, &key, project, stage.as_deref()),
        Some(Command::Diagnostics(a)) => commands::diagnose::run(&ctx, &a),
        Some(Command::Lineage(a)) => commands::lineage::run(&ctx, &a),
        Some(Command::Provenance(c)) => commands::lineage::provenance(&ctx, c),
        Some(Command::Trend(a)) => commands::trends::trend(&ctx, &a),
        Some(Command::Aggregate(a)) => commands::trends::aggregate(&ctx, &a),
        Some(Command::Anomaly {
            run,
            metrics,
            project,
            threshold,
        }) => commands::trends::anomaly(&ctx, &run, &metrics, project, threshold),
        Some(Command::Alert {
            run,
            metric,
            operator,
            threshold,
            stage,
            severity,
        }) => commands::trends::alert(
            &ctx,
            &run,
            &metric,
            &operator,
            threshold,
            stage.as_deref(),
            &severity,
        ),
        Some(Command::Search(c)) => commands::trends::search(&ctx, c),
        Some(Command::Report(c)) => commands::report::run(&ctx, c),
        Some(Command::Backup(c)) => commands::backup::backup(&ctx, c),
        Some(Command::Restore(c)) => commands::backup::restore(&ctx, c),
        Some(Command::Doctor(a)) => commands::doctor::run(&ctx, &a),
        Some(Command::Export(c)) => commands::export::run(&ctx, c),
        Some(Command::Recover(c)) => commands::import::recover(&ctx, c),
        Some(Command::Import(c)) => commands::import::import(&ctx, c),
        Some(Command::Merge(a)) => commands::merge::run(&ctx, &a),
    }
}
