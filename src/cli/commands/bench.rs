//! `contexta bench`: the workspace core's speed on fixed, generated data sets, as medians.
//! Data sets are generated once under `--data` and reused. Figures:
//! capture (metric points/s through the capture API into a shared-mode workspace),
//! ingest (`contexta ingest FILE` of realistic canonical records, records/s and CPU per record),
//! query (last 1,000 records of one run and one metric's 10,000-point series from a 10M-record
//! workspace, warm), runs (the `runs` command over 10,000 runs, whole process), size (bytes on
//! disk per metric point through ingest, capture and the shell); backup and import are in
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
use std::time::Instant;

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
        "size: capture",
        median(bytes_per_point),
        "bytes/point",
        "database file length / metric points (capture data set)",
    );
    Ok(())
}

/// Lines made on demand, `line(i)` for i in 0..n, each ended by a newline: a large input
/// without a file.
struct GeneratedLines<F> {
    next: u64,
    n: u64,
    line: F,
    buf: Vec<u8>,
    pos: usize,
}

impl<F: FnMut(u64) -> String> GeneratedLines<F> {
    fn new(n: u64, line: F) -> Self {
        GeneratedLines {
            next: 0,
            n,
            line,
            buf: Vec::new(),
            pos: 0,
        }
    }
}

impl<F: FnMut(u64) -> String> std::io::Read for GeneratedLines<F> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = std::io::BufRead::fill_buf(self)?;
        let k = avail.len().min(out.len());
        out[..k].copy_from_slice(&avail[..k]);
        std::io::BufRead::consume(self, k);
        Ok(k)
    }
}

impl<F: FnMut(u64) -> String> std::io::BufRead for GeneratedLines<F> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos == self.buf.len() && self.next < self.n {
            self.buf.clear();
            self.pos = 0;
            while self.buf.len() < 1 << 16 && self.next < self.n {
                self.buf
                    .extend_from_slice((self.line)(self.next).as_bytes());
                self.buf.push(b'\n');
                self.next += 1;
            }
        }
        Ok(&self.buf[self.pos..])
    }
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

/// File length and allocated bytes (the file is sparse where never written).
fn file_sizes(path: &Path) -> anyhow::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.len(), m.blocks() * 512))
}

const SIZE_KEYS: u64 = 20;
const SIZE_STEPS: u64 = 50_000;
/// Enough that the empty workspace (about 140 KB of table roots) is a small part of the file.
const SHELL_POINTS: u64 = 10_000;

/// Bytes on disk per metric point on each path that stores points: ingest of canonical lines
/// (one run, 20 keys × 50,000 steps), the capture API (the capture data set), and the shell
/// (`contexta log metric`, one process and one commit per point).
fn bench_size(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let points = SIZE_KEYS * SIZE_STEPS;
    let root = fresh(&a.data.join("size-ingest"))?;
    let ws = Workspace::open(&root, Access::Write)?;
    let lines = GeneratedLines::new(points, size_line);
    let r = ingest(&ws, "size", lines, IngestOptions::default(), &mut |_| {})
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(r.records as u64 == points, "ingest stored {}", r.records);
    drop(ws);
    let (len, alloc) = file_sizes(&root.join(DB_FILE))?;
    report(
        ctx,
        "size: ingest",
        len as f64 / points as f64,
        "bytes/point",
        &format!(
            "database file length / points: one run, {SIZE_KEYS} keys x {SIZE_STEPS} steps of canonical metric lines ({:.1} MB; {:.1} bytes/point allocated)",
            len as f64 / 1e6,
            alloc as f64 / points as f64
        ),
    );

    let root = fresh(&a.data.join("size-shell"))?;
    let exe = std::env::current_exe()?;
    let shell = |args: &[&str]| -> anyhow::Result<()> {
        let st = std::process::Command::new(&exe)
            .arg("--workspace")
            .arg(&root)
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(st.success(), "{args:?} failed");
        Ok(())
    };
    shell(&["run", "start", "bench", "shell"])?;
    let (empty, empty_alloc) = file_sizes(&root.join(DB_FILE))?;
    for i in 0..SHELL_POINTS {
        let value = format!("{}", (i as f64 * 0.1).sin());
        let step = i.to_string();
        shell(&[
            "log",
            "metric",
            "bench.shell",
            "loss",
            &value,
            "--step",
            &step,
        ])?;
    }
    let (len, alloc) = file_sizes(&root.join(DB_FILE))?;
    report(
        ctx,
        "size: shell",
        len as f64 / SHELL_POINTS as f64,
        "bytes/point",
        &format!(
            "database file length / points after {SHELL_POINTS} `contexta log metric` processes ({:.1} allocated; {:.1} per point beyond the {empty}-byte workspace with one run and no points)",
            alloc as f64 / SHELL_POINTS as f64,
            alloc.saturating_sub(empty_alloc) as f64 / SHELL_POINTS as f64,
        ),
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

/// Point `i` of the size data set: a canonical metric line of run `bench.size`, key
/// `metric-<i % 20>`, step `i / 20` a second after the one before, refs `r<i>`.
fn size_line(i: u64) -> String {
    let (step, k) = (i / SIZE_KEYS, i % SIZE_KEYS);
    let at = Timestamp(1_772_442_000_000_000 + step as i64 * 1_000_000 + k as i64 * 61);
    format!(
        r#"{{"envelope":{{"completeness_marker":"complete","correlation_refs":{{}},"degradation_marker":"none","extensions":[],"observed_at":"{at}","producer_ref":"bench.writer","record_ref":"record:bench.size.r{i}","record_type":"metric","recorded_at":"{at}","run_ref":"run:bench.size","schema_version":"1.0.0","stage_execution_ref":"stage:bench.size.train"}},"payload":{{"aggregation_scope":"step","metric_key":"metric-{k:02}","tags":{{"step":"{step}"}},"value":{},"value_type":"float64"}}}}"#,
        (i as f64).cos()
    )
}

/// Metric keys of the realistic ingest data set: 20 per run.
pub(super) const REALISTIC_KEYS: [&str; 20] = [
    "train.loss",
    "train.accuracy",
    "train.learning-rate",
    "train.grad-norm",
    "train.tokens-per-s",
    "train.perplexity",
    "val.loss",
    "val.accuracy",
    "val.perplexity",
    "val.bleu",
    "system.gpu-util",
    "system.gpu-memory-gb",
    "system.cpu-util",
    "system.host-memory-gb",
    "system.disk-read-mb",
    "system.net-rx-mb",
    "optim.momentum",
    "optim.weight-decay",
    "optim.loss-scale",
    "data.queue-depth",
];

/// Free text of the data set's events and tags: several scripts, as real runs carry.
const REALISTIC_NOTES: [&str; 4] = ["損失が改善", "Verlust verbessert", "损失下降", "улучшение"];

/// Record `i` of the realistic ingest data set: canonical record JSON of about 600 bytes with
/// unicode text and many keys, as a training job writes it. Runs of 50,000 records; nine in
/// ten records are metrics (20 keys, a step each 20 records), one in ten an event.
pub(super) fn realistic_line(i: u64) -> String {
    let run = format!("nlp-ja.run-{:04}", i / 50_000);
    let n = i % 50_000;
    let step = n / 20;
    let micros = (n % 20) as i64 * 37_129 % 1_000_000;
    let at = 1_772_442_000_000_000 + step as i64 * 1_000_000 + micros;
    let observed = Timestamp(at);
    let recorded = Timestamp(at + 211);
    let note = REALISTIC_NOTES[(i % 4) as usize];
    let envelope = format!(
        r#""envelope":{{"completeness_marker":"complete","correlation_refs":{{"trace_id":"t-{:04}-{:06}"}},"degradation_marker":"none","extensions":[],"observed_at":"{observed}","producer_ref":"trainer.torch","record_ref":"record:{run}.r{n:07}","record_type":"{}","recorded_at":"{recorded}","run_ref":"run:{run}","schema_version":"1.0.0","stage_execution_ref":"stage:{run}.train"}}"#,
        i / 50_000,
        step,
        if n % 10 == 9 { "event" } else { "metric" }
    );
    if n % 10 == 9 {
        format!(
            r#"{{{envelope},"payload":{{"attributes":{{"checkpoint":"ckpt-{step:06}.pt","epoch":{},"val_loss":{}}},"event_key":"checkpoint.saved","level":"info","message":"ステップ {step}: {note}","origin_marker":"explicit_capture"}}}}"#,
            step / 500,
            1.0 / (1.0 + step as f64 * 0.001)
        )
    } else {
        let key = REALISTIC_KEYS[(n % 20) as usize];
        format!(
            r#"{{{envelope},"payload":{{"aggregation_scope":"step","metric_key":"{key}","tags":{{"dataset":"wikitext-日本語","device":"cuda:{}","split":"{}","step":"{step}"}},"unit":"nats","value":{},"value_type":"float64"}}}}"#,
            i % 8,
            if key.starts_with("val") {
                "validation"
            } else {
                "train"
            },
            (1.0 + (n % 20) as f64) / (1.0 + step as f64 * 0.001) + (i as f64 * 0.37).sin() * 0.01
        )
    }
}

const INGEST_RECORDS: u64 = 500_000;

/// Records/s of `contexta ingest FILE` as a whole process (start to exit), strict mode (one
/// transaction), on the realistic data set: 500,000 canonical records of about 600 bytes.
fn bench_ingest(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let file = a.data.join("ingest-realistic.jsonl");
    if !file.exists() {
        std::fs::create_dir_all(&a.data)?;
        let part = a.data.join("ingest-realistic.jsonl.partial");
        let mut w = std::io::BufWriter::new(std::fs::File::create(&part)?);
        for i in 0..INGEST_RECORDS {
            writeln!(w, "{}", realistic_line(i))?;
        }
        w.flush()?;
        drop(w);
        std::fs::rename(&part, &file)?;
    }
    let bytes = std::fs::metadata(&file)?.len();
    let exe = std::env::current_exe()?;
    let mut rates = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..a.reps.clamp(1, 5) {
        let root = fresh(&a.data.join("ingest"))?;
        let t = Instant::now();
        let before = children_cpu();
        let st = std::process::Command::new(&exe)
            .arg("--workspace")
            .arg(&root)
            .arg("ingest")
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .status()?;
        let secs = t.elapsed().as_secs_f64();
        anyhow::ensure!(st.success(), "ingest failed");
        rates.push(INGEST_RECORDS as f64 / secs);
        cpu.push((children_cpu() - before) / INGEST_RECORDS as f64 * 1e6);
    }
    report(
        ctx,
        "ingest (process)",
        median(rates),
        "records/s",
        &format!(
            "`contexta ingest FILE`, whole process, strict: {INGEST_RECORDS} canonical records, {} bytes each on average, unicode, 20 metric keys and events",
            bytes / INGEST_RECORDS
        ),
    );
    report(
        ctx,
        "ingest CPU per record",
        median(cpu),
        "µs",
        "user + system CPU of the ingest process per record (steadier than wall time on a busy machine)",
    );
    Ok(())
}

/// User + system CPU seconds of every waited-for child process so far (`cutime` + `cstime`
/// of /proc/self/stat, in clock ticks); NaN where /proc is missing.
pub(super) fn children_cpu() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // cutime and cstime are fields 16 and 17 (1-based), i.e. 13 and 14 after the name.
    (ticks(13) + ticks(14)) / rustix::param::clock_ticks_per_second() as f64
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
    Ok(())
}

pub(super) fn metric_record(
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
    if let Ok((_, mb)) = headless_peak(&root, "160x48", "3 <PageUp> <PageUp> 4 1 j j j") {
        report(
            ctx,
            "explorer peak memory",
            mb,
            "MB",
            "max RSS of a headless session (open, page, switch panes)",
        );
    }
    Ok(())
}

/// Wall time (ms) and peak RSS (MB, `/usr/bin/time`) of one headless explorer process on
/// `root` at `size` (`160x48`) fed `keys`.
pub(super) fn headless_peak(root: &Path, size: &str, keys: &str) -> anyhow::Result<(f64, f64)> {
    let t = Instant::now();
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(std::env::current_exe()?)
        .arg("--workspace")
        .arg(root)
        .args(["tui", "--headless", size, "--keys", keys])
        .stdout(std::process::Stdio::null())
        .output()?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(
        out.status.success(),
        "headless explorer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kb: f64 = String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(f64::NAN);
    Ok((ms, kb / 1024.0))
}

/// What `bench` can measure (the argument's values).
const BENCHES: &[&str] = &[
    "all",
    "merge",
    "merge-writer",
    "capture",
    "size",
    "ingest",
    "query",
    "runs",
    "backup",
    "import",
    "explorer",
    "investigate",
    "long-run",
    "charts",
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
    if a.what == "long-run" {
        super::bench_long_run::bench_long_run(ctx, a)?;
        return Ok(0);
    }
    if a.what == "charts" {
        super::bench_charts::bench_charts(ctx, a)?;
        return Ok(0);
    }
    if a.what == "investigate" {
        bench_investigate(ctx, a)?;
        return Ok(0);
    }
    if a.what == "merge" {
        super::bench_merge::bench_merge(ctx, a)?;
        return Ok(0);
    }
    if a.what == "merge-writer" {
        super::bench_merge::writer(a)?;
        return Ok(0);
    }
    let all = a.what == "all";
    if all || a.what == "capture" {
        bench_capture(ctx, a)?;
    }
    if all || a.what == "size" {
        bench_size(ctx, a)?;
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
