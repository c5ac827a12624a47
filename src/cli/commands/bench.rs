//! `contexta bench`: the workspace core's speed on fixed, generated data sets, as medians.
//! Data sets are generated once under `--data` and reused. Figures:
//! capture (metric points/s through the capture API into a shared-mode workspace),
//! ingest (canonical JSONL records/s), query (last 1,000 records of one run and one metric's
//! 10,000-point series from a 10M-record workspace, warm), runs (the `runs` command over
//! 10,000 runs, whole process), size (bytes on disk per metric point); backup and import are in
//! `bench_recovery.rs`.

use super::super::Ctx;
use super::super::args::BenchArgs;
use super::super::output;
use crate::capture::ingest::{IngestOptions, ingest};
use crate::capture::{CommitPolicy, Session};
use crate::model::*;
use crate::query::{self, Anchor, RecordFilter};
use crate::store::{Access, DB_FILE, Workspace, WriteOp};
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

pub(super) fn fresh(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(dir.join(".contexta"))
}

pub(super) fn report(ctx: &Ctx, name: &str, value: f64, unit: &str, detail: &str) {
    if ctx.json() {
        output::json_line(
            &serde_json::json!({"bench": name, "median": value, "unit": unit, "detail": detail}),
        );
    } else {
        output::line(&format!("{name:<28} {value:>14.3} {unit:<12} {detail}"));
    }
}

const CAPTURE_POINTS: u64 = 1_000_000;
const CAPTURE_KEYS: u64 = 10;

/// Points/s through `StageHandle::metric`, from the first call until the final flush is durable.
fn bench_capture(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let mut rates = Vec::new();
    let mut bytes_per_point = Vec::new();
    for rep in 0..a.reps.clamp(1, 5) {
        let root = fresh(&a.data.join("capture"))?;
        let session = Session::open_with(&root, CommitPolicy::default())?;
        let run = session.start_run("bench", &format!("capture-{rep}"))?;
        let stage = run.stage("train")?;
        let t = Instant::now();
        for i in 0..CAPTURE_POINTS {
            let key = KEYS[(i % CAPTURE_KEYS) as usize];
            stage.metric(key, (i as f64).sin(), Some((i / CAPTURE_KEYS) as i64))?;
        }
        drop(stage);
        run.finish(Status::Completed)?;
        let secs = t.elapsed().as_secs_f64();
        rates.push(CAPTURE_POINTS as f64 / secs);
        drop(run);
        drop(session);
        let size = std::fs::metadata(root.join(DB_FILE))?.len();
        bytes_per_point.push(size as f64 / CAPTURE_POINTS as f64);
    }
    report(
        ctx,
        "capture",
        median(rates),
        "points/s",
        &format!("{CAPTURE_POINTS} points, {CAPTURE_KEYS} keys, one run, default commit policy"),
    );
    report(
        ctx,
        "size",
        median(bytes_per_point),
        "bytes/point",
        "database file size / metric points (capture data set)",
    );
    Ok(())
}

pub(super) const KEYS: [&str; 10] = [
    "train-loss",
    "val-loss",
    "accuracy",
    "learning-rate",
    "grad-norm",
    "throughput",
    "gpu-util",
    "memory-gb",
    "epoch-time",
    "tokens-per-s",
];

fn metric_line(run: &str, n: u64, key: &str, v: f64, step: u64) -> String {
    format!(
        r#"{{"envelope":{{"completeness_marker":"complete","correlation_refs":{{}},"degradation_marker":"none","extensions":[],"observed_at":"2026-03-02T09:00:{:02}.{:06}Z","producer_ref":"bench.writer","record_ref":"record:{run}.r{n}","record_type":"metric","recorded_at":"2026-03-02T09:00:{:02}.{:06}Z","run_ref":"run:{run}","schema_version":"1.0.0","stage_execution_ref":"stage:{run}.train"}},"payload":{{"aggregation_scope":"step","metric_key":"{key}","tags":{{"step":"{step}"}},"value":{v},"value_type":"float64"}}}}"#,
        n % 60,
        n % 1_000_000,
        n % 60,
        n % 1_000_000
    )
}

fn bench_ingest(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let n = 500_000u64;
    let file = a.data.join("ingest.jsonl");
    if !file.exists() {
        std::fs::create_dir_all(&a.data)?;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file)?);
        for i in 0..n {
            let run = format!("bench.run-{}", i / 50_000);
            writeln!(
                w,
                "{}",
                metric_line(&run, i, KEYS[(i % 10) as usize], (i as f64).cos(), i / 10)
            )?;
        }
        w.flush()?;
    }
    let mut rates = Vec::new();
    for _ in 0..a.reps.clamp(1, 5) {
        let root = fresh(&a.data.join("ingest"))?;
        let ws = Workspace::open(&root, Access::Write)?;
        let t = Instant::now();
        let f = std::fs::File::open(&file)?;
        let r = ingest(
            &ws,
            "ingest.jsonl",
            std::io::BufReader::with_capacity(1 << 20, f),
            IngestOptions::default(),
            &mut |_| {},
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        rates.push(r.records as f64 / t.elapsed().as_secs_f64());
    }
    report(
        ctx,
        "ingest",
        median(rates),
        "records/s",
        &format!("{n} canonical metric lines, strict (one transaction), in-process"),
    );
    Ok(())
}

/// 10,000 runs; run 0 holds a 10,000-point series of `train-loss`; `total` records in all.
fn query_dataset(a: &BenchArgs) -> anyhow::Result<PathBuf> {
    let dir = a.data.join(format!("query-{}-{}", a.runs, a.records));
    let root = dir.join(".contexta");
    if root.join(DB_FILE).exists() && dir.join("complete").exists() {
        return Ok(root);
    }
    let root = fresh(&dir)?;
    let ws = Workspace::open(&root, Access::Write)?;
    let per_run = (a.records / a.runs as u64).max(1);
    let base = Timestamp::parse("2026-01-01T00:00:00Z").map_err(anyhow::Error::msg)?;
    let mut ops = Vec::with_capacity(200_000);
    let started = Instant::now();
    for r in 0..a.runs {
        let pref = Ref::build("project", &[&format!("proj-{}", r % 20)])?;
        let rref = pref.child("run", &format!("run-{r:05}"))?;
        let start = Timestamp(base.0 + r as i64 * 60_000_000);
        let mut run = Run::new(rref.clone(), &format!("run {r}"), start);
        run.status = Status::Completed;
        run.ended_at = Some(Timestamp(start.0 + 3_600_000_000));
        ops.push(WriteOp::Run(run));
        let stage = rref.child("stage", "train")?;
        // Run 0 carries one key's 10,000-point series.
        let (keys_here, n) = if r == 0 {
            (1, per_run.max(10_000))
        } else {
            (10, per_run)
        };
        for i in 0..n {
            let key = KEYS[(i % keys_here) as usize];
            let at = Timestamp(start.0 + i as i64 * 1_000_000);
            ops.push(metric_record(
                &rref,
                &stage,
                key,
                (i as f64 * 0.01).sin(),
                i / keys_here,
                at,
            )?);
        }
        if ops.len() >= 100_000 {
            ws.write(&ops)?;
            ops.clear();
            if r % 500 == 0 {
                eprint!(
                    "\rgenerating query data set: {r}/{} runs ({:.0}s)   ",
                    a.runs,
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    ws.write(&ops)?;
    eprintln!();
    std::fs::write(dir.join("complete"), b"")?;
    Ok(root)
}

fn bench_query(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let root = query_dataset(a)?;
    let ws = Workspace::open(&root, Access::Read)?;
    let run = Ref::parse("run:proj-0.run-00000")?;
    let mid = Ref::parse(&format!(
        "run:proj-{}.run-{:05}",
        (a.runs / 2) % 20,
        a.runs / 2
    ))?;
    let mut tail = Vec::new();
    let mut series = Vec::new();
    let mut points = 0;
    for _ in 0..a.reps {
        let t = Instant::now();
        let page = query::records_page(&ws, &mid, &RecordFilter::default(), Anchor::Tail, 1000)?;
        tail.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(page.rows.len(), 1000.min(page.total as usize));
        let t = Instant::now();
        points = ws.read()?.series(&run, "train-loss")?.len();
        series.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let size = std::fs::metadata(root.join(DB_FILE))?.len();
    report(
        ctx,
        "query tail 1000 (warm)",
        median(tail),
        "ms",
        &format!(
            "last 1,000 records of one run, {} records, {} runs, {:.2} GB",
            a.records,
            a.runs,
            size as f64 / 1e9
        ),
    );
    report(
        ctx,
        "query series (warm)",
        median(series),
        "ms",
        &format!("one metric key, {points} points"),
    );
    // Whole process: `contexta runs` and a cold-ish tail, as a user would run them.
    let exe = std::env::current_exe()?;
    let mut runs_ms = Vec::new();
    let mut tail_ms = Vec::new();
    for _ in 0..a.reps {
        let t = Instant::now();
        let st = std::process::Command::new(&exe)
            .arg("--workspace")
            .arg(&root)
            .arg("runs")
            .stdout(std::process::Stdio::null())
            .status()?;
        runs_ms.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(st.success(), "runs failed");
        let t = Instant::now();
        let st = std::process::Command::new(&exe)
            .arg("--workspace")
            .arg(&root)
            .args(["records", mid.as_str(), "--tail", "1000"])
            .stdout(std::process::Stdio::null())
            .status()?;
        tail_ms.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(st.success(), "records failed");
    }
    report(
        ctx,
        "runs (whole process)",
        median(runs_ms),
        "ms",
        &format!("`contexta runs` over {} runs, output to /dev/null", a.runs),
    );
    report(
        ctx,
        "records --tail 1000 (process)",
        median(tail_ms),
        "ms",
        "start, open, read, print to /dev/null",
    );
    let _ = Duration::ZERO;
    Ok(())
}

fn metric_record(
    run: &Ref,
    stage: &Ref,
    key: &str,
    value: f64,
    step: u64,
    at: Timestamp,
) -> anyhow::Result<WriteOp> {
    let env = Envelope::new(
        run.child("record", "pending")?,
        RecordType::Metric,
        run.clone(),
        "bench.writer",
        at,
    )
    .in_stage(Some(stage));
    Ok(WriteOp::Captured(Record {
        envelope: env,
        payload: Payload::Metric(MetricPayload::new(key, value, Some(step as i64))),
    }))
}

/// Two runs of 100 metric keys × 10,000 points, and a lineage graph of 100,000 artifacts
/// (1,000 runs × 100, each derived from two recent ones).
fn investigate_dataset(a: &BenchArgs) -> anyhow::Result<PathBuf> {
    let dir = a.data.join("investigate");
    let root = dir.join(".contexta");
    if dir.join("complete").exists() {
        return Ok(root);
    }
    let root = fresh(&dir)?;
    let ws = Workspace::open(&root, Access::Write)?;
    let base = Timestamp::parse("2026-01-01T00:00:00Z").map_err(anyhow::Error::msg)?;
    for (i, name) in ["left", "right"].iter().enumerate() {
        let run = Ref::parse(&format!("run:bench.{name}"))?;
        let mut r = Run::new(run.clone(), name, base);
        r.status = Status::Completed;
        r.ended_at = Some(Timestamp(base.0 + 20_000_000_000));
        let mut stage =
            StageExecution::new(&run, "train", base).map_err(|e| anyhow::anyhow!("{e}"))?;
        stage.status = Status::Completed;
        stage.ended_at = r.ended_at;
        let sref = stage.stage_execution_ref.clone();
        let mut ops = vec![WriteOp::Run(r), WriteOp::Stage(stage)];
        for step in 0..10_000u64 {
            for k in 0..100 {
                let at = Timestamp(base.0 + (step * 1_000_000 + k) as i64);
                let v = (1.0 + i as f64 * 0.1) / (1.0 + step as f64 * 0.001) + k as f64;
                ops.push(metric_record(
                    &run,
                    &sref,
                    &format!("metric-{k:03}-loss"),
                    v,
                    step,
                    at,
                )?);
            }
            if ops.len() >= 100_000 {
                ws.write(&ops)?;
                ops.clear();
            }
        }
        ws.write(&ops)?;
    }
    let mut ops = Vec::new();
    let mut rng = fastrand::Rng::with_seed(5);
    for r in 0..1000u32 {
        let run = Ref::parse(&format!("run:graph.run-{r:04}"))?;
        let mut rr = Run::new(
            run.clone(),
            &format!("run {r}"),
            Timestamp(base.0 + r as i64 * 1_000_000),
        );
        rr.status = Status::Completed;
        rr.ended_at = Some(rr.started_at);
        ops.push(WriteOp::Run(rr));
        for k in 0..100u32 {
            let n = r * 100 + k;
            let aref = run.child("artifact", &format!("a{k:03}"))?;
            ops.push(WriteOp::Artifact(ArtifactManifest {
                artifact_ref: aref.clone(),
                artifact_kind: "dataset_snapshot".into(),
                created_at: base,
                producer_ref: "bench.writer".into(),
                run_ref: run.clone(),
                location_ref: format!("a{n}.bin"),
                deployment_execution_ref: None,
                stage_execution_ref: None,
                batch_execution_ref: None,
                sample_observation_ref: None,
                operation_context_ref: None,
                hash_value: None,
                size_bytes: Some(n as u64),
                attributes: JsonMap::default(),
                schema_version: SCHEMA_VERSION.into(),
                extensions: vec![],
            }));
            if n > 0 {
                for _ in 0..2 {
                    // Parents among the ~200 artifacts made just before: a pipeline's
                    // lineage is local, so out-degree stays about 2 as in the in-degree.
                    let src = n - 1 - rng.u32(0..n.min(200));
                    let sref = Ref::parse(&format!(
                        "artifact:graph.run-{:04}.a{:03}",
                        src / 100,
                        src % 100
                    ))?;
                    ops.push(WriteOp::Relation(Relation {
                        relation_ref: Ref::parse(&format!("relation:graph.e{n}-{src}"))?,
                        relation_type: RelationType::DerivedFrom,
                        source_ref: sref,
                        target_ref: aref.clone(),
                        recorded_at: base,
                        origin_marker: OriginMarker::Explicit,
                        confidence_marker: Confidence::High,
                        operation_context_ref: None,
                        evidence_refs: vec![],
                        schema_version: SCHEMA_VERSION.into(),
                        extensions: vec![],
                    }));
                }
            }
        }
        if ops.len() > 50_000 {
            ws.write(&ops)?;
            ops.clear();
        }
    }
    ws.write(&ops)?;
    std::fs::write(dir.join("complete"), b"")?;
    Ok(root)
}

fn process_ms(root: &Path, args: &[&str], reps: usize) -> anyhow::Result<f64> {
    let exe = std::env::current_exe()?;
    let mut v = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let out = std::process::Command::new(&exe)
            .arg("--workspace")
            .arg(root)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()?;
        v.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(out.success() || out.code() == Some(3), "{args:?} failed");
    }
    Ok(median(v))
}

fn bench_investigate(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let root = investigate_dataset(a)?;
    let reps = a.reps.min(11);
    report(
        ctx,
        "compare (process)",
        process_ms(
            &root,
            &["--format", "json", "compare", "bench.left", "bench.right"],
            reps,
        )?,
        "ms",
        "two runs, 100 keys x 10,000 points each",
    );
    report(
        ctx,
        "diagnostics (process)",
        process_ms(
            &root,
            &[
                "--format",
                "json",
                "diagnostics",
                "bench.right",
                "--baseline",
                "bench.left",
            ],
            reps,
        )?,
        "ms",
        "100 keys x 10,000 points, with a baseline run",
    );
    let ws = Workspace::open(&root, Access::Read)?;
    let probe = Ref::parse("artifact:graph.run-0500.a050")?;
    let (edges, _) = query::lineage_edges(&ws, &probe, true, true, 5)?;
    drop(ws);
    report(
        ctx,
        "lineage depth 5 (process)",
        process_ms(
            &root,
            &[
                "--format",
                "json",
                "lineage",
                probe.as_str(),
                "--depth",
                "5",
            ],
            reps,
        )?,
        "ms",
        &format!(
            "100,000 artifacts, 200,000 relations; the answer has {} edges",
            edges.len()
        ),
    );
    let html = a.data.join("report.html");
    let html_arg = html.display().to_string();
    let ms = process_ms(
        &root,
        &[
            "report",
            "snapshot",
            "bench.right",
            "--render",
            "html",
            "--output",
            &html_arg,
        ],
        reps,
    )?;
    let size = std::fs::metadata(&html).map(|m| m.len()).unwrap_or(0);
    report(
        ctx,
        "html report (process)",
        ms,
        "ms",
        &format!(
            "snapshot of a run with 100 metrics x 10,000 points: {:.2} MB",
            size as f64 / 1e6
        ),
    );
    let q = query_dataset(a)?;
    report(
        ctx,
        "trend (process)",
        process_ms(&q, &["--format", "json", "trend", "train-loss"], reps)?,
        "ms",
        &format!("one key over {} runs", a.runs),
    );
    Ok(())
}

/// The explorer on the 10M-record workspace: a headless start that runs every startup query,
/// a keypress in the record stream (query + draw), peak memory.
fn bench_explorer(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let root = query_dataset(a)?;
    let exe = std::env::current_exe()?;
    let mut first = Vec::new();
    for _ in 0..a.reps.min(11) {
        let t = Instant::now();
        let st = std::process::Command::new(&exe)
            .arg("--workspace")
            .arg(&root)
            .args(["tui", "--headless", "160x48"])
            .stdout(std::process::Stdio::null())
            .status()?;
        first.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(st.success(), "headless explorer failed");
    }
    report(
        ctx,
        "explorer settled (headless)",
        median(first),
        "ms",
        &format!(
            "start until every startup query, tree flags included, ran inline and the frame is drawn; {} runs, {} records (the real binary's first frame: scripts/bench_first_frame.py)",
            a.runs, a.records
        ),
    );
    // Scroll up through the newest run's stream: each press pages the visible window.
    let times = crate::tui::headless::keypress_times(&root, 160, 48, "3", "k", 200)
        .map_err(anyhow::Error::msg)?;
    report(
        ctx,
        "stream keypress (k)",
        median(times.clone()),
        "ms",
        "select previous record: query of the window + full redraw, 200 presses",
    );
    let times = crate::tui::headless::keypress_times(&root, 160, 48, "3", "<PageUp>", 200)
        .map_err(anyhow::Error::msg)?;
    report(
        ctx,
        "stream keypress (PgUp)",
        median(times),
        "ms",
        "one page up, 200 presses",
    );
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(&exe)
        .arg("--workspace")
        .arg(&root)
        .args([
            "tui",
            "--headless",
            "160x48",
            "--keys",
            "3 <PageUp> <PageUp> 4 1 j j j",
        ])
        .stdout(std::process::Stdio::null())
        .output();
    if let Ok(o) = out {
        let kb: f64 = String::from_utf8_lossy(&o.stderr)
            .trim()
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(f64::NAN);
        report(
            ctx,
            "explorer peak memory",
            kb / 1024.0,
            "MB",
            "max RSS of a headless session (open, page, switch panes)",
        );
    }
    Ok(())
}

/// What `bench` can measure (the argument's values).
const BENCHES: &[&str] = &[
    "all",
    "capture",
    "size",
    "ingest",
    "query",
    "runs",
    "backup",
    "import",
    "explorer",
    "investigate",
];

pub fn run(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<i32> {
    if !BENCHES.contains(&a.what.as_str()) {
        return Err(super::super::UsageError(format!(
            "`{}` is not a benchmark; choose one of {}",
            a.what,
            BENCHES.join(", ")
        ))
        .into());
    }
    if a.what == "explorer" {
        bench_explorer(ctx, a)?;
        return Ok(0);
    }
    if a.what == "investigate" {
        bench_investigate(ctx, a)?;
        return Ok(0);
    }
    let all = a.what == "all";
    if all || a.what == "capture" || a.what == "size" {
        bench_capture(ctx, a)?;
    }
    if all || a.what == "ingest" {
        bench_ingest(ctx, a)?;
    }
    if all || a.what == "query" || a.what == "runs" {
        bench_query(ctx, a)?;
    }
    if all || a.what == "backup" {
        super::bench_recovery::bench_backup(ctx, a)?;
    }
    if all || a.what == "import" {
        super::bench_recovery::bench_import(ctx, a)?;
    }
    Ok(0)
}
