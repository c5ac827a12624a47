//! `contexta bench long-run`: the explorer's cost must not grow with a run's length. Two
//! workspaces of one run each, 20 metric keys × 50 steps (1,000 points) and 20 keys × 500,000
//! steps (10 million points, an event every 10,000 records), opened by a headless session that
//! selects the run and shows its records and its metric sparklines: the time until every query
//! has run and the frame is drawn, and the peak RSS of the whole process.

use super::super::Ctx;
use super::super::args::BenchArgs;
use super::bench::{fresh, median, report};
use crate::model::*;
use crate::store::{Access, DB_FILE, Workspace, WriteOp};
use std::path::{Path, PathBuf};
use std::time::Instant;

const KEYS: usize = 20;

/// One run of `KEYS` keys × `steps` steps, written in large transactions; reused when complete.
fn dataset(a: &BenchArgs, steps: u64) -> anyhow::Result<PathBuf> {
    let dir = a.data.join(format!("long-run-{steps}"));
    let root = dir.join(".contexta");
    if root.join(DB_FILE).exists() && dir.join("complete").exists() {
        return Ok(root);
    }
    let root = fresh(&dir)?;
    let ws = Workspace::open(&root, Access::Write)?;
    let project = Ref::build("project", &["long"])?;
    let run_ref = project.child("run", "r")?;
    let start = Timestamp::parse("2026-01-01T00:00:00Z").map_err(anyhow::Error::msg)?;
    let mut run = Run::new(run_ref.clone(), "long run", start);
    run.status = Status::Completed;
    run.ended_at = Some(Timestamp(start.0 + steps as i64 * 1_000_000));
    let stage = run_ref.child("stage", "train")?;
    let keys: Vec<String> = (0..KEYS)
        .map(|k| {
            if k < KEYS / 2 {
                format!("train/m{k:02}")
            } else {
                format!("val/m{k:02}")
            }
        })
        .collect();
    let mut ops = vec![WriteOp::Run(run)];
    let started = Instant::now();
    let mut n: u64 = 0;
    for step in 0..steps {
        let at = Timestamp(start.0 + step as i64 * 1_000_000);
        for (k, key) in keys.iter().enumerate() {
            let env = Envelope::new(
                run_ref.child("record", "pending")?,
                RecordType::Metric,
                run_ref.clone(),
                "bench.writer",
                at,
            )
            .in_stage(Some(&stage));
            let value = ((step as f64) * 0.001 + k as f64).sin() + k as f64;
            ops.push(WriteOp::Captured(Record {
                envelope: env,
                payload: Payload::Metric(MetricPayload::new(key, value, Some(step as i64))),
            }));
            n += 1;
            if n.is_multiple_of(10_000) {
                let env = Envelope::new(
                    run_ref.child("record", "pending")?,
                    RecordType::Event,
                    run_ref.clone(),
                    "bench.writer",
                    at,
                )
                .in_stage(Some(&stage));
                ops.push(WriteOp::Captured(Record {
                    envelope: env,
                    payload: Payload::Event(EventPayload {
                        event_key: "checkpoint".into(),
                        level: Level::Info,
                        message: "saved".into(),
                        subject_ref: None,
                        attributes: JsonMap::default(),
                        origin_marker: CaptureOrigin::ExplicitCapture,
                    }),
                }));
            }
        }
        if ops.len() >= 200_000 {
            ws.write(&ops)?;
            ops.clear();
            eprint!(
                "\rgenerating one run of {KEYS} keys × {steps} steps: {step} ({:.0}s)   ",
                started.elapsed().as_secs_f64()
            );
        }
    }
    ws.write(&ops)?;
    eprintln!();
    std::fs::write(dir.join("complete"), b"")?;
    Ok(root)
}

/// Wall time (ms) and peak RSS (MB) of a headless session that opens the run's records and
/// its metrics pane.
fn session(root: &Path) -> anyhow::Result<(f64, f64)> {
    super::bench::headless_peak(root, "160x48", "3 <PageUp> <PageUp> 4 j j 1")
}

pub fn bench_long_run(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    for steps in [50u64, 500_000] {
        let root = dataset(a, steps)?;
        let mut times = Vec::new();
        let mut peaks = Vec::new();
        for _ in 0..a.reps.min(7) {
            let (ms, mb) = session(&root)?;
            times.push(ms);
            peaks.push(mb);
        }
        let points = steps * KEYS as u64;
        report(
            ctx,
            &format!("explorer on one run of {points} points: settled"),
            median(times),
            "ms",
            "headless: open, select the run, records paged, metrics pane with sparklines",
        );
        report(
            ctx,
            &format!("explorer on one run of {points} points: peak memory"),
            peaks.iter().copied().fold(0.0, f64::max),
            "MB",
            "max RSS of the whole process over the sessions",
        );
    }
    Ok(())
}
