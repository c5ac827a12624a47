//! Command-line interface: parses arguments, finds the workspace, runs one command, maps errors
//! to exit codes (0 ok, 1 runtime error, 2 usage error, 3 a check found something).

mod args;
mod commands;
mod output;
mod progress;
mod tty;

use anyhow::Context;
pub use args::Cli;
use args::{Command, Format};
use clap::Parser;
use std::path::PathBuf;

/// Exit code for a usage error found after parsing (bad filter value, unknown status …).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let format = cli.format;
    // redb can panic on a damaged file; a damaged workspace must give an error, not a crash
    // report. The hook stays quiet and the message below says what to do.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    std::panic::set_hook(previous);
    let result = match outcome {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown failure".into());
            Err(anyhow::anyhow!(
                "internal failure while reading the workspace ({what}); it may be damaged: run `contexta doctor`"
            ))
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let usage = e.downcast_ref::<UsageError>().is_some();
            let msg = format!("{e:#}");
            let msg = crate::sanitize::sanitize(&msg).into_owned();
            if format == Format::Json {
                eprintln!(
                    "{}",
                    serde_json::json!({"error": {"code": if usage {"usage"} else {"runtime"}, "message": msg}})
                );
            } else {
                eprintln!("error: {msg}");
            }
            if usage { 2 } else { 1 }
        }
    }
}

pub(crate) struct Ctx {
    pub workspace: Option<PathBuf>,
    pub format: Format,
    pub quiet: bool,
    pub style: output::Style,
}

impl Ctx {
    /// The `.contexta` directory for this command (it may not exist yet).
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        crate::store::locate(self.workspace.as_deref(), &cwd).ok_or_else(|| {
            anyhow::anyhow!(
                "no workspace found: no .contexta/ in {} or its parents (use --workspace, or run `contexta init` / `contexta demo`)",
                cwd.display()
            )
        })
    }

    /// The `.contexta` directory, or `./.contexta` when none exists yet (for writers).
    pub fn root_or_here(&self) -> anyhow::Result<PathBuf> {
        match self.root() {
            Ok(r) => Ok(r),
            Err(_) => Ok(std::env::current_dir()?.join(crate::store::WORKSPACE_DIR)),
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
    }
}
