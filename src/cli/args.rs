//! The command tree (clap). Global options come before the command, as in the reference.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    #[arg(long, global = true, value_name = "PATH")]
    pub workspace: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print less (no progress, no summaries).
    #[arg(long, short, global = true)]
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
    /// List runs.
    Runs(RunsArgs),
    /// Show or write one run.
    #[command(subcommand)]
    Run(RunCommand),
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
    Compare { left: String, right: String },
    /// Many runs in one table: metrics and params as columns, best value per column marked.
    CompareMulti {
        #[arg(required = true, num_args = 2..)]
        runs: Vec<String>,
    },
    /// The run with the best latest value of KEY (direction from the key's goal or name).
    Best {
        key: String,
        #[arg(long)]
        project: Option<String>,
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
        run: String,
        #[arg(long = "metric")]
        metrics: Vec<String>,
        /// Baseline project (default: the run's own).
        #[arg(long)]
        project: Option<String>,
        #[arg(long, default_value_t = 2.5)]
        threshold: f64,
    },
    /// Evaluate a threshold rule on a run's metric; exits 3 when it fires.
    Alert {
        run: String,
        #[arg(long)]
        metric: String,
        /// gt | lt | gte | lte | eq | ne
        #[arg(long)]
        operator: String,
        #[arg(long)]
        threshold: f64,
        #[arg(long)]
        stage: Option<String>,
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
    /// Export data: canonical JSONL, or CSV.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Re-apply exported or journaled JSONL without duplicating what is present.
    #[command(subcommand)]
    Recover(RecoverCommand),
    /// Import a workspace written by another system.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Write an archive: database snapshot, artifact objects, manifest of sizes and SHA-256.
    Create {
        #[arg(long)]
        label: Option<String>,
        /// Archive file, or a directory for it (default: the workspace's backups/ folder).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// gzip the archive (also chosen by an output ending in .gz).
        #[arg(long)]
        gzip: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RestoreCommand {
    /// Verify an archive and restore it into a workspace.
    Apply {
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
pub enum ExportCommand {
    /// Entity lines and canonical records that `ingest` reads back.
    Jsonl {
        /// Runs to export (default: all).
        runs: Vec<String>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// CSV tables.
    #[command(subcommand)]
    Csv(CsvCommand),
}

#[derive(Subcommand, Debug)]
pub enum CsvCommand {
    /// The run list: run_id,name,project_name,status,started_at,ended_at.
    Runs {
        #[command(flatten)]
        filter: RunsArgs,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Two runs' metric deltas: stage_name,metric_key,left_value,right_value,delta,
    /// change_ratio,left_status,right_status,notes (plus change_pct and verdict).
    Compare {
        left: String,
        right: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// One metric across runs: run_id,run_name,metric_key,project_name,stage_name,value,
    /// captured_at.
    Trend {
        key: String,
        #[arg(long)]
        stage: Option<String>,
        #[command(flatten)]
        filter: RunsArgs,
        #[arg(long, short)]
        output: Option<PathBuf>,
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
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = ReplayModeArg::Tolerant)]
        mode: ReplayModeArg,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A Python Contexta workspace (`.contexta/` or a folder holding `records/`).
    #[command(name = "contexta-py")]
    ContextaPy {
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
        run: String,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Deltas and verdicts between two runs.
    Compare {
        left: String,
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
}

#[derive(Args, Debug)]
pub struct DiagnosticsArgs {
    pub run: String,
    /// info | warning | error
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Compare metrics against this run instead of the project's previous completed run.
    #[arg(long)]
    pub baseline: Option<String>,
    /// An open run idle longer than this is stale.
    #[arg(long, default_value_t = 600.0, value_name = "SECS")]
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
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// Also `dot` (Graphviz), besides the global --format text|json.
    #[arg(long)]
    pub dot: bool,
}

#[derive(Subcommand, Debug)]
pub enum ProvenanceCommand {
    /// Which reproducibility signals a run carries, with a score.
    Audit { run: String },
    /// What differs between two runs' environments and code.
    Diff { left: String, right: String },
}

#[derive(Args, Debug)]
pub struct TrendArgs {
    pub key: String,
    /// A run's step series instead of a trend across runs.
    #[arg(long)]
    pub run: Option<String>,
    #[arg(long)]
    pub stage: Option<String>,
    #[command(flatten)]
    pub runs: RunsArgs,
}

#[derive(Subcommand, Debug)]
pub enum SearchCommand {
    /// Case-insensitive text in run ref, name or project.
    Runs {
        text: String,
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Case-insensitive text in artifact ref, kind or file name.
    Artifacts {
        text: String,
        #[arg(long)]
        kind: Option<String>,
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
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Seconds between live training steps.
    #[arg(long, default_value_t = 0.25, value_name = "SECS")]
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
    /// Map metric keys as Python tools write them (`train/loss` → `train.loss`, `val_acc` →
    /// `val-acc`), keeping the written name in the `display_key` tag.
    #[arg(long)]
    pub map_keys: bool,
}

#[derive(Args, Debug, Default, Clone)]
pub struct RunsArgs {
    #[arg(long)]
    pub project: Option<String>,
    /// open | completed | failed | cancelled
    #[arg(long)]
    pub status: Option<String>,
    /// Runs started at or after this instant (ISO-8601).
    #[arg(long)]
    pub after: Option<String>,
    #[arg(long)]
    pub before: Option<String>,
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// started_at | ended_at | name
    #[arg(long, default_value = "started_at")]
    pub sort: String,
    #[arg(long)]
    pub desc: bool,
}

#[derive(Subcommand, Debug)]
pub enum RunCommand {
    /// A run's status, timing, stages, metrics, artifacts, lineage.
    Show { run: String },
    /// Start (or resume) a run; prints its ref.
    Start {
        project: String,
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
        run: String,
        #[arg(long, default_value = "completed")]
        status: String,
    },
}

#[derive(Args, Debug)]
pub struct RecordsArgs {
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
        run: String,
        key: String,
        value: f64,
        #[arg(long)]
        step: Option<i64>,
        #[arg(long)]
        stage: Option<String>,
        /// Map KEY as Python tools write it (`train/loss` → `train.loss`), keeping the written
        /// name in the `display_key` tag.
        #[arg(long)]
        map_key: bool,
    },
    /// Log one event.
    Event {
        run: String,
        key: String,
        message: String,
        #[arg(long, default_value = "info")]
        level: String,
        #[arg(long)]
        stage: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ArtifactCommand {
    /// Store a file (hashed) and register it with a run.
    Put {
        kind: String,
        path: PathBuf,
        #[arg(long)]
        run: String,
        #[arg(long)]
        stage: Option<String>,
        /// copy | move | adopt
        #[arg(long, default_value = "copy")]
        mode: String,
    },
    /// List artifacts.
    Ls {
        #[arg(long)]
        run: Option<String>,
        /// Also re-hash each stored object and show its state.
        #[arg(long)]
        verify: bool,
    },
    /// Re-hash stored objects: ok, missing, changed (artifact or run refs; default all).
    Verify { refs: Vec<String> },
    /// Copy an artifact's stored object out, verified.
    Get {
        #[arg(value_name = "REF")]
        artifact: String,
        #[arg(long, short)]
        output: PathBuf,
        /// Replace an existing output file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// capture | ingest | query | runs | size | all (the core), investigate, explorer, backup, import
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
    /// Timed repetitions per figure.
    #[arg(long, default_value_t = 21)]
    pub reps: usize,
}
