//! The command tree (clap). Global options come before the command, as in the reference.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The heading global options are listed under in every command's help, after its own options.
const GLOBAL: &str = "Global options (before or after the command)";

#[derive(Parser, Debug)]
#[command(
    name = "contexta",
    version,
    about = "Local-first observability for ML runs: capture, store, query, explore.",
    after_help = "With no command, opens the explorer on the workspace."
)]
pub struct Cli {
    /// Workspace (`.contexta` dir or the folder holding it). Default: $CONTEXTA_WORKSPACE, else
    /// the nearest `.contexta/` walking up from the current directory.
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub workspace: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text, help_heading = GLOBAL)]
    pub format: Format,
    /// Print less (no progress, no summaries).
    #[arg(long, short, global = true, help_heading = GLOBAL)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty workspace here (or at --workspace).
    Init,
    /// Open the explorer (the default command).
    #[command(alias = "explore")]
    Tui(TuiArgs),
    /// Write the demo workspace; --live keeps a run writing; --open also opens the explorer.
    Demo(DemoArgs),
    /// Ingest JSON Lines (canonical records, segment lines, entity lines) from FILE or stdin.
    Ingest(IngestArgs),
    /// List runs (`--where` takes a run query: `status = failed and lr < 0.01`).
    #[command(after_help = RUN_QUERY_HELP)]
    Runs(RunsArgs),
    /// Run a command as a run (`run [OPTIONS] -- CMD [ARGS]...`), or show or write one run.
    Run(RunArgs),
    /// A run's records (canonical JSON with --format json).
    Records(RecordsArgs),
    /// Log a metric or an event from a shell script.
    #[command(subcommand)]
    Log(LogCommand),
    /// Content-addressed artifacts.
    #[command(subcommand)]
    Artifact(ArtifactCommand),
    /// Measure the workspace core on generated data (medians, fixed data sets).
    Bench(BenchArgs),
    /// Two runs side by side: metrics (deltas, verdicts), stages, params, provenance, artifacts.
    Compare {
        /// The left (older, baseline) run. Run: a ref (`run:mnist.baseline`), `project.name`, or a
        /// unique suffix (`baseline`).
        left: String,
        /// The right (newer, candidate) run, in the same forms.
        right: String,
    },
    /// Many runs in one table: metrics and params as columns, best value per column marked.
    CompareMulti {
        /// Two or more runs (refs, `project.name` or unique suffixes); repeats count once.
        #[arg(required = true, num_args = 2..)]
        runs: Vec<String>,
    },
    /// The run with the best latest value of KEY (direction from the key's goal or name).
    Best {
        /// Metric key, e.g. `val-loss`.
        key: String,
        /// Only runs of this project (name or `project:` ref).
        #[arg(long)]
        project: Option<String>,
        /// The metric's latest value within this stage (default: over the whole run).
        #[arg(long)]
        stage: Option<String>,
    },
    /// Findings about a run; exits 3 when one at or above --fail-on exists.
    Diagnostics(DiagnosticsArgs),
    /// The lineage graph around an entity.
    Lineage(LineageArgs),
    /// Reproducibility: audit one run, or diff two runs' environments.
    #[command(subcommand)]
    Provenance(ProvenanceCommand),
    /// One metric across a project's runs (or a run's step series with --run).
    Trend(TrendArgs),
    /// count, mean, std, min, percentiles, max of one metric across runs.
    Aggregate(TrendArgs),
    /// A run's metrics scored against the project's other runs (robust z).
    Anomaly {
        /// The run to score. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix
        /// (`baseline`).
        run: String,
        /// Metric key to score, repeatable (default: every metric of the run).
        #[arg(long = "metric")]
        metrics: Vec<String>,
        /// Baseline project (default: the run's own).
        #[arg(long)]
        project: Option<String>,
        /// Robust z-score at or beyond which a metric is an anomaly.
        #[arg(
            long,
            default_value_t = crate::query::DEFAULT_ANOMALY_THRESHOLD,
            allow_negative_numbers = true,
            value_parser = non_negative,
        )]
        threshold: f64,
    },
    /// Evaluate a threshold rule on a run's metric; exits 3 when it fires.
    Alert {
        /// The run to check. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix
        /// (`baseline`).
        run: String,
        /// Metric key; its latest value is compared (an error when the run lacks it).
        #[arg(long)]
        metric: String,
        /// How the value is compared with --threshold: gt | lt | gte | lte | eq | ne
        #[arg(long)]
        operator: String,
        /// The value the metric is compared with (negative numbers need no `--`).
        #[arg(long, allow_hyphen_values = true)]
        threshold: f64,
        /// Take the metric's latest value within this stage.
        #[arg(long)]
        stage: Option<String>,
        /// Severity reported when the rule fires: info | warning | error
        #[arg(long, default_value = "warning")]
        severity: String,
    },
    /// Search runs or artifacts by text.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Write a report: a run snapshot or a comparison of two runs.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Back the workspace up into one verified archive.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Restore a backup archive (verified before anything is written).
    #[command(subcommand)]
    Restore(RestoreCommand),
    /// Check the workspace's integrity (exit 3 when something is found).
    Doctor(DoctorArgs),
    /// Export data: canonical JSONL, CSV, or OTLP to an OpenTelemetry collector.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Re-apply exported or journaled JSONL without duplicating what is present.
    #[command(subcommand)]
    Recover(RecoverCommand),
    /// Import a workspace written by another system.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Fold per-rank (per-node) workspaces into one; merging a source again adds only what is
    /// new.
    Merge(MergeArgs),
}

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Write an archive: database snapshot, artifact objects, manifest of sizes and SHA-256.
    Create {
        /// A word or two stored in the manifest and the archive's name.
        #[arg(long)]
        label: Option<String>,
        /// Archive file, or a directory for it (default: the workspace's backups/ folder); `-`
        /// writes the archive to standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// If the output path is a symbolic link, write to its target (refused otherwise).
        #[arg(long)]
        follow_symlink: bool,
        /// gzip the archive (also chosen by an output ending in .gz).
        #[arg(long)]
        gzip: bool,
        /// Archive a database that fails its page check as it is, the damage recorded in the
        /// manifest (without it, a damaged database is refused: see `contexta doctor`).
        #[arg(long)]
        allow_damaged: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RestoreCommand {
    /// Verify an archive and restore it into a workspace.
    Apply {
        /// The archive (`.tar` or `.tar.gz`) written by `backup create`.
        archive: PathBuf,
        /// Workspace to restore into (default: the current one).
        #[arg(long, value_name = "PATH")]
        target_workspace: Option<PathBuf>,
        /// Verify hashes and the restored database, write nothing to the target.
        #[arg(long)]
        verify_only: bool,
        /// Replace a non-empty workspace (the old one is kept until the new one checks out).
        #[arg(long)]
        force: bool,
    },
    /// Finish a restore that was interrupted after it set the workspace aside: put the
    /// verified restored copy in place, or put the set-aside workspace back.
    Resume {
        /// Workspace the interrupted restore was restoring into (default: the current one).
        #[arg(long, value_name = "PATH")]
        target_workspace: Option<PathBuf>,
        /// Undo instead: put the set-aside workspace back and discard the restored copy.
        #[arg(long)]
        put_back: bool,
    },
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Rebuild what can be derived from the primary records; report what cannot.
    #[arg(long)]
    pub repair: bool,
    /// Skip re-hashing artifact objects.
    #[arg(long)]
    pub no_artifacts: bool,
}

#[derive(Subcommand, Debug)]
// Parsed once per process: the size of one variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum ExportCommand {
    /// Entity lines and canonical records that `ingest` reads back.
    Jsonl {
        /// Runs to export (default: all).
        runs: Vec<String>,
        /// File to write (default, or `-`: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// If the output path is a symbolic link, write to its target (refused otherwise).
        #[arg(long)]
        follow_symlink: bool,
    },
    /// CSV tables.
    #[command(subcommand)]
    Csv(CsvCommand),
    /// Send spans, metric points, events and degraded markers to an OpenTelemetry collector
    /// (OTLP/HTTP, protobuf). Only what the collector has not acknowledged yet is sent: a
    /// cursor per endpoint and run is kept in $XDG_STATE_HOME/contexta/otlp/.
    Otlp(OtlpArgs),
    /// A Parquet dataset for DuckDB, Spark, Polars, Trino: one table per family, Hive-partitioned
    /// by project (and day for records), zstd. Adds files only; `--since` adds what is new.
    #[cfg(feature = "parquet")]
    Parquet {
        /// Runs to export (default: all; with --where, these and the runs it matches).
        runs: Vec<String>,
        /// Directory of the dataset (created if missing; never a file or a device).
        #[arg(long, short, value_name = "DIR")]
        output: PathBuf,
        /// Export the runs matching this run query (and any RUN named), e.g. `status = failed`
        /// (the language of `contexta runs --where`; see `contexta runs --help`).
        #[arg(long = "where", value_name = "QUERY")]
        where_: Option<String>,
        /// Only what changed at or after TIME (RFC 3339): runs touched since, and records past
        /// what earlier exports into DIR wrote (records recorded since TIME when there are none).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct OtlpArgs {
    /// Runs to export (default: all; with --follow also runs started later).
    pub runs: Vec<String>,
    /// The collector's OTLP/HTTP base URL; /v1/traces, /v1/metrics and /v1/logs are added.
    #[arg(long, value_name = "URL")]
    pub endpoint: String,
    /// Keep sending records as they are written, until interrupted (Ctrl-C or SIGTERM).
    #[arg(long)]
    pub follow: bool,
    /// Retries of a failed request (no connection, timeout, HTTP 429/502/503/504), waiting
    /// 0.5 s, 1 s, 2 s … up to 30 s between them.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,
    /// Most spans, points or log records in one request.
    #[arg(long, value_name = "N", default_value_t = crate::export::otlp::DEFAULT_BATCH,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub batch_size: usize,
    /// Ignore what was sent before and send everything again (same trace and span ids).
    #[arg(long)]
    pub from_start: bool,
}

#[derive(Subcommand, Debug)]
pub enum CsvCommand {
    /// The run list: run_id,name,project_name,status,started_at,ended_at.
    Runs {
        #[command(flatten)]
        filter: RunsArgs,
        /// File to write (default, or `-`: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// If the output path is a symbolic link, write to its target (refused otherwise).
        #[arg(long)]
        follow_symlink: bool,
    },
    /// Two runs' metric deltas: stage_name,metric_key,left_value,right_value,delta,
    /// change_ratio,left_status,right_status,notes (plus change_pct and verdict).
    Compare {
        /// The left (baseline) run. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique
        /// suffix (`baseline`).
        left: String,
        /// The right (candidate) run, in the same forms.
        right: String,
        /// File to write (default, or `-`: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// If the output path is a symbolic link, write to its target (refused otherwise).
        #[arg(long)]
        follow_symlink: bool,
    },
    /// One metric across runs: run_id,run_name,metric_key,project_name,stage_name,value,
    /// captured_at.
    Trend {
        /// Metric key, e.g. `val-loss`.
        key: String,
        /// The metric's latest value within this stage (default: over the whole run).
        #[arg(long)]
        stage: Option<String>,
        #[command(flatten)]
        filter: RunsArgs,
        /// File to write (default, or `-`: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// If the output path is a symbolic link, write to its target (refused otherwise).
        #[arg(long)]
        follow_symlink: bool,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayModeArg {
    Strict,
    Tolerant,
}

#[derive(Subcommand, Debug)]
pub enum RecoverCommand {
    /// Re-apply JSONL; records already present with the same content are skipped.
    Replay {
        /// JSON Lines file (as `export jsonl` writes, or a journal).
        file: PathBuf,
        /// strict: the first bad line aborts and nothing is stored; tolerant: good lines are
        /// stored, bad ones reported and recorded as `import_loss` markers.
        #[arg(long, value_enum, default_value_t = ReplayModeArg::Tolerant)]
        mode: ReplayModeArg,
        /// Longest line accepted, in bytes; a longer line is a bad line.
        #[arg(
            long,
            value_name = "BYTES",
            default_value_t = crate::capture::lines::DEFAULT_MAX_LINE_BYTES,
            value_parser = line_cap,
        )]
        max_line_bytes: usize,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A Python Contexta workspace (`.contexta/` or a folder holding `records/`).
    #[command(name = "contexta-py")]
    ContextaPy {
        /// The reference workspace: its `.contexta/` folder or the folder holding it.
        path: PathBuf,
        /// Python with the `duckdb` module, to read the ledger.
        #[arg(long, default_value = "python3")]
        python: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Summary, stages, metrics with curves, events of note, diagnostics, artifacts, lineage,
    /// provenance.
    Snapshot {
        /// The run to report on. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique
        /// suffix (`baseline`).
        run: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Deltas and verdicts between two runs.
    Compare {
        /// The left (baseline) run. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique
        /// suffix (`baseline`).
        left: String,
        /// The right (candidate) run, in the same forms.
        right: String,
        #[command(flatten)]
        out: ReportOut,
    },
}

#[derive(Args, Debug)]
pub struct ReportOut {
    /// markdown | json | html | csv
    #[arg(long, default_value = "markdown")]
    pub render: String,
    /// Where to write (default: the workspace's reports folder); `-` prints it.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// If the output path is a symbolic link, write to its target (refused otherwise).
    #[arg(long)]
    pub follow_symlink: bool,
}

#[derive(Args, Debug)]
pub struct DiagnosticsArgs {
    /// The run to examine. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix
    /// (`baseline`).
    pub run: String,
    /// info | warning | error
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Compare metrics against this run instead of the project's previous completed run.
    #[arg(long)]
    pub baseline: Option<String>,
    /// An open run idle longer than this is stale.
    #[arg(
        long,
        default_value_t = 600.0,
        value_name = "SECS",
        allow_negative_numbers = true,
        value_parser = non_negative,
    )]
    pub stale_after: f64,
    /// Skip re-hashing artifact files.
    #[arg(long)]
    pub no_verify: bool,
}

#[derive(Args, Debug)]
pub struct LineageArgs {
    /// Any ref (`artifact:…`, `deployment:…`) or a run.
    pub target: String,
    /// upstream | downstream | both (also inbound | outbound)
    #[arg(long, default_value = "both")]
    pub direction: String,
    /// How many relation hops to follow from the target.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// Also `dot` (Graphviz), besides the global --format text|json.
    #[arg(long)]
    pub dot: bool,
}

#[derive(Subcommand, Debug)]
pub enum ProvenanceCommand {
    /// Which reproducibility signals a run carries, with a score.
    Audit {
        /// The run to audit. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix
        /// (`baseline`).
        run: String,
    },
    /// What differs between two runs' environments and code.
    Diff {
        /// The left (baseline) run. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique
        /// suffix (`baseline`).
        left: String,
        /// The right (candidate) run, in the same forms.
        right: String,
    },
}

#[derive(Args, Debug)]
pub struct TrendArgs {
    /// Metric key, e.g. `val-loss`.
    pub key: String,
    /// A run's step series instead of a trend across runs.
    #[arg(long)]
    pub run: Option<String>,
    /// With --run: only the points written by this rank of a merged multi-rank run.
    #[arg(long, requires = "run", value_name = "N")]
    pub rank: Option<u32>,
    /// The metric's latest value within this stage (default: over the whole run).
    #[arg(long)]
    pub stage: Option<String>,
    #[command(flatten)]
    pub runs: RunsArgs,
}

#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Case-insensitive text in run ref, name or project.
    Runs {
        /// Text to look for (case-insensitive).
        text: String,
        /// Only runs of this project (name or `project:` ref).
        #[arg(long)]
        project: Option<String>,
        /// Only runs with this status: open | completed | failed | cancelled
        #[arg(long)]
        status: Option<String>,
        /// Show at most this many matches.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Case-insensitive text in artifact ref, kind or file name.
    Artifacts {
        /// Text to look for (case-insensitive).
        text: String,
        /// Only artifacts of this kind (e.g. `model`, `dataset`).
        #[arg(long)]
        kind: Option<String>,
        /// Show at most this many matches.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

#[derive(Args, Debug, Default)]
pub struct TuiArgs {
    /// Enable mouse (click to focus/select, wheel to scroll).
    #[arg(long)]
    pub mouse: bool,
    /// Render headless at WxH, feed --keys, print the final frame and exit (for tests, scripts).
    #[arg(long, value_name = "WxH")]
    pub headless: Option<String>,
    /// Keys to feed with --headless, e.g. `j j <Enter> :run <Space> baseline <Enter>`.
    #[arg(long, default_value = "")]
    pub keys: String,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep a training run writing in real time until stopped (Ctrl-C) or --duration.
    #[arg(long)]
    pub live: bool,
    /// Write the demo (if missing), start a live run in the background, open the explorer.
    #[arg(long)]
    pub open: bool,
    /// Stop the live run after this many seconds.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = non_negative)]
    pub duration: Option<f64>,
    /// Seconds between live training steps.
    #[arg(
        long,
        default_value_t = 0.25,
        value_name = "SECS",
        allow_negative_numbers = true,
        value_parser = non_negative,
    )]
    pub interval: f64,
    /// Replace an existing demo workspace.
    #[arg(long)]
    pub force: bool,
    /// Name of the live run (default: live-<time>).
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// File to read, or `-` (default) for stdin.
    #[arg(default_value = "-")]
    pub file: String,
    /// Keep reading as the file grows (like `tail -F`).
    #[arg(long)]
    pub follow: bool,
    /// Store the good lines; report each bad one and record it as an `import_loss` marker.
    #[arg(long)]
    pub tolerant: bool,
    /// Longest line accepted, in bytes; a longer line is a bad line (skipped when tolerant).
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = crate::capture::lines::DEFAULT_MAX_LINE_BYTES,
        value_parser = line_cap,
    )]
    pub max_line_bytes: usize,
    /// Map metric keys as Python tools write them (`train/loss` → `train.loss`, `val_acc` →
    /// `val-acc`), keeping the written name in the `display_key` tag.
    #[arg(long)]
    pub map_keys: bool,
}

/// A finite number at or above zero (a negative one is named as such, not as a stray flag).
fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(_) => Err(format!("`{s}` must be a finite number at or above 0")),
        Err(e) => Err(format!("`{s}`: {e}")),
    }
}

/// A line cap: a whole number of bytes, at least 1.
fn line_cap(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{s}` is not a positive number of bytes")),
    }
}

#[derive(Args, Debug, Default, Clone)]
pub struct RunsArgs {
    /// Only runs of this project (name or `project:` ref).
    #[arg(long)]
    pub project: Option<String>,
    /// open | completed | failed | cancelled
    #[arg(long)]
    pub status: Option<String>,
    /// Runs started at or after this instant (ISO-8601).
    #[arg(long)]
    pub after: Option<String>,
    /// Runs started before this instant (ISO-8601).
    #[arg(long)]
    pub before: Option<String>,
    /// At most this many runs.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Skip this many runs first (for paging with --limit).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// started_at | ended_at | name
    #[arg(long, default_value = "started_at")]
    pub sort: String,
    /// Descending order (newest first when sorting by start).
    #[arg(long)]
    pub desc: bool,
    /// Only runs matching this run query, e.g. `status = failed and val-accuracy > 0.9`
    /// (the language of the explorer's `/`; see `contexta runs --help`).
    #[arg(long = "where", value_name = "QUERY")]
    pub where_: Option<String>,
}

/// The run query language, for `contexta runs --help` (the README has the same).
pub const RUN_QUERY_HELP: &str = "\
Run queries (--where, and the explorer's `/` and `:filter`):
  query  = term | query and query | query or query | not query | ( query )
  term   = FIELD OP VALUE | WORD          (a bare WORD: a substring of the name or ref)
  OP     = = != < <= > >= ~ !~            (~ takes a glob, or a regex written /.../)
  FIELD  = status project name ref started ended duration
           params.KEY  metrics.KEY  tags.KEY  or any KEY: the run's param, else its metric
  Quote keys and values with spaces or operators: `val acc` > 0.9, name = \"a b\".
  Times: 2026-11-30, 2026-11-30T12:00:00Z, today, yesterday, now, 2h ago (days are UTC).
  Durations: 90s 10m 1h30m 2d. `and` may be left out: `mnist failed` needs both words.
Examples:
  contexta runs --where 'status = failed and started > 2h ago'
  contexta runs --where 'lr < 0.01 and val-accuracy >= 0.9'
  contexta runs --where 'name ~ cnn-* or metrics.`val/acc` > 0.8'
  contexta runs --where 'duration > 10m and not project = scratch'";

/// `contexta run -- CMD` wraps a command; `contexta run start|finish|show` are the older
/// subcommands. The two forms cannot mix.
#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    override_usage = "contexta run [OPTIONS] -- <CMD> [ARGS]...\n       contexta run <start|finish|show> ..."
)]
pub struct RunArgs {
    #[command(subcommand)]
    pub sub: Option<RunCommand>,
    #[command(flatten)]
    pub wrap: WrapArgs,
}

/// Options of `contexta run -- CMD`.
#[derive(Args, Debug)]
pub struct WrapArgs {
    /// Project of the new run (default: the current folder's name).
    #[arg(long)]
    pub project: Option<String>,
    /// Name of the new run (default: run-<UTC start time>).
    #[arg(long)]
    pub name: Option<String>,
    /// KEY=VALUE, repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Continue this run (its console goes on after its last line) instead of starting one.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["project", "name"])]
    pub resume: Option<String>,
    /// Pipes instead of a pseudo-terminal: stdout and stderr are stored apart, and the command
    /// sees no terminal.
    #[arg(long)]
    pub pipe: bool,
    /// Time between host metric samples (`2s`, `500ms`, `1m`; 0.1 s to 5 min).
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub system_interval: String,
    /// Environment variable to record in the run's provenance (repeatable).
    #[arg(long = "env", value_name = "VAR")]
    pub env: Vec<String>,
    /// The command and its arguments, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Subcommand, Debug)]
pub enum RunCommand {
    /// A run's status, timing, stages, metrics, artifacts, lineage.
    Show {
        /// The run. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix
        /// (`baseline`).
        run: String,
    },
    /// Start (or resume) a run; prints its ref.
    Start {
        /// Project name (made into a lower-kebab ref component: `My Project` → `my-project`).
        project: String,
        /// Run name (made into a ref component the same way); an existing run is resumed.
        name: String,
        /// KEY=VALUE, repeatable.
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// Record host, user, cwd, command and git state.
        #[arg(long)]
        provenance: bool,
    },
    /// Set a run's final status.
    Finish {
        /// The run. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix
        /// (`baseline`).
        run: String,
        /// Final status: completed | failed | cancelled | open
        #[arg(long, default_value = "completed")]
        status: String,
    },
}

#[derive(Args, Debug)]
pub struct RecordsArgs {
    /// The run. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique suffix (`baseline`).
    pub run: String,
    /// event | metric | span | degraded (repeatable or comma-separated)
    #[arg(long = "type", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Stage name or ref.
    #[arg(long)]
    pub stage: Option<String>,
    /// Exact key (metric key, event key, span name, issue key).
    #[arg(long, alias = "metric")]
    pub key: Option<String>,
    /// Only the last N matching records.
    #[arg(long)]
    pub tail: Option<usize>,
    /// Keep printing records as they are committed.
    #[arg(long)]
    pub follow: bool,
}

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Log one metric point.
    Metric {
        /// The run (it must exist: `run start` first). Run: a ref (`run:mnist.baseline`),
        /// `project.name`, or a unique suffix (`baseline`). Left out inside `contexta run --
        /// CMD`: the run it names in $CONTEXTA_RUN.
        run: String,
        /// Metric key, lower-kebab with dots (`val-loss`, `eval.f1`).
        key: String,
        /// The value (negative numbers need no `--`: `log metric RUN reward -0.5`).
        #[arg(allow_hyphen_values = true)]
        value: f64,
        /// Step of the point (default: its index in the series).
        #[arg(long, allow_hyphen_values = true)]
        step: Option<i64>,
        /// Stage name (or `stage:` ref); a new stage stays open until its run finishes.
        #[arg(long)]
        stage: Option<String>,
        /// Map KEY as Python tools write it (`train/loss` → `train.loss`), keeping the written
        /// name in the `display_key` tag.
        #[arg(long)]
        map_key: bool,
    },
    /// Log one event.
    Event {
        /// The run (it must exist: `run start` first). Run: a ref (`run:mnist.baseline`),
        /// `project.name`, or a unique suffix (`baseline`). Left out inside `contexta run --
        /// CMD`: the run it names in $CONTEXTA_RUN.
        run: String,
        /// Event key, lower-kebab with dots (`data.loaded`).
        key: String,
        /// Free text.
        message: String,
        /// debug | info | warning | error | critical
        #[arg(long, default_value = "info")]
        level: String,
        /// Stage name (or `stage:` ref); a new stage stays open until its run finishes.
        #[arg(long)]
        stage: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ArtifactCommand {
    /// Store a file (hashed) and register it with a run.
    Put {
        /// Artifact kind, lower-case with dots or underscores (`model`, `dataset.split`).
        kind: String,
        /// The file to store.
        path: PathBuf,
        /// The run it belongs to. Run: a ref (`run:mnist.baseline`), `project.name`, or a unique
        /// suffix (`baseline`).
        #[arg(long)]
        run: String,
        /// The stage that produced it (name or `stage:` ref).
        #[arg(long)]
        stage: Option<String>,
        /// copy | move | adopt
        #[arg(long, default_value = "copy")]
        mode: String,
    },
    /// List artifacts.
    Ls {
        /// Only this run's artifacts (default: every run's).
        #[arg(long)]
        run: Option<String>,
        /// Also re-hash each stored object and show its state.
        #[arg(long)]
        verify: bool,
    },
    /// Re-hash stored objects: ok, missing, changed (artifact or run refs; default all).
    Verify {
        /// Artifact refs (`artifact:…`) or runs; none means every artifact.
        refs: Vec<String>,
    },
    /// Copy an artifact's stored object out, verified.
    Get {
        /// The artifact's ref (`artifact:…`).
        #[arg(value_name = "REF")]
        artifact: String,
        /// File to write, or `-` for standard output.
        #[arg(long, short)]
        output: PathBuf,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
        /// If the output path is a symbolic link, write to its target (refused otherwise).
        #[arg(long)]
        follow_symlink: bool,
    },
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// capture | ingest | query | runs | size | all (the core), investigate, explorer, charts,
    /// long-run, backup, import, merge (8 rank processes, merged, then exported to Parquet)
    #[arg(default_value = "all")]
    pub what: String,
    /// Where to build the generated data sets (kept for reuse).
    #[arg(long, default_value = "target/bench-data")]
    pub data: PathBuf,
    /// Records in the large query data set.
    #[arg(long, default_value_t = 10_000_000)]
    pub records: u64,
    /// Runs in the large data sets.
    #[arg(long, default_value_t = 10_000)]
    pub runs: u32,
    /// Metric points each rank writes in `bench merge`.
    #[arg(long, default_value_t = 1_000_000)]
    pub rank_points: u64,
    /// Timed repetitions per figure.
    #[arg(long, default_value_t = 21)]
    pub reps: usize,
    /// The reference workspace `bench import` imports (the repository keeps one here).
    #[arg(
        long,
        default_value = "tests/fixtures/contexta-py-rag/workspace/.contexta"
    )]
    pub fixture: PathBuf,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Source workspaces (`.contexta` dirs or the folders holding them), read-only; one still
    /// being written is merged up to its last commit.
    #[arg(required = true, value_name = "SRC")]
    pub sources: Vec<PathBuf>,
    /// The workspace to merge into (created if missing). Default: --workspace, else
    /// $CONTEXTA_WORKSPACE, else the nearest `.contexta/`, else `./.contexta`.
    #[arg(long, value_name = "W")]
    pub into: Option<PathBuf>,
}
