//! `contexta bench backup|import`: backup and restore throughput on a generated workspace
//! (about 2 million metric records and 160 MB of artifact objects) beside a plain `cp -r` of
//! the same files, and the import of the reference fixture with the share of time spent
//! reading its ledger. Medians; data sets are generated once under `--data` and reused.

use super::super::Ctx;
use super::super::args::BenchArgs;
use crate::model::*;
use crate::recovery::backup::{BackupOptions, create_backup};
use crate::recovery::restore::{RestoreOptions, restore};
use crate::store::{Access, Workspace, WriteOp};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Instant;

const RECORDS: u64 = 2_000_000;
const OBJECTS: u64 = 40;
const OBJECT_BYTES: usize = 4 << 20;

fn dataset(a: &BenchArgs) -> anyhow::Result<PathBuf> {
    let dir = a.data.join("backup");
    let root = dir.join(".contexta");
    if dir.join("complete").exists() {
        return Ok(root);
    }
    let root = super::bench::fresh(&dir)?;
    let ws = Workspace::open(&root, Access::Write)?;
    let base = Timestamp::parse("2026-01-01T00:00:00Z").map_err(anyhow::Error::msg)?;
    let mut ops = Vec::with_capacity(100_000);
    for r in 0..20u64 {
        let rref = Ref::build("run", &["bench-backup", &format!("run-{r:02}")])?;
        let start = Timestamp(base.0 + r as i64 * 3_600_000_000);
        ops.push(WriteOp::Run(Run::new(
            rref.clone(),
            &format!("run {r}"),
            start,
        )));
        for i in 0..RECORDS / 20 {
            let at = Timestamp(start.0 + i as i64 * 1000);
            let envelope = Envelope {
                record_ref: rref.child("record", "pending")?,
                record_type: RecordType::Metric,
                recorded_at: at,
                observed_at: at,
                producer_ref: "bench.writer".into(),
                run_ref: rref.clone(),
                deployment_execution_ref: None,
                stage_execution_ref: None,
                batch_execution_ref: None,
                sample_observation_ref: None,
                operation_context_ref: None,
                correlation_refs: Default::default(),
                completeness_marker: Default::default(),
                degradation_marker: Default::default(),
                schema_version: SCHEMA_VERSION.into(),
                extensions: vec![],
            };
            let payload = Payload::Metric(MetricPayload {
                metric_key: super::bench::KEYS[(i % 10) as usize].into(),
                value: (i as f64 * 0.01).sin(),
                integral: false,
                value_type: "float64".into(),
                unit: None,
                aggregation_scope: AggregationScope::Step,
                subject_ref: None,
                slice_ref: None,
                tags: [("step".to_string(), (i / 10).to_string())].into(),
                summary_basis: None,
            });
            ops.push(WriteOp::Captured(Record { envelope, payload }));
            if ops.len() >= 100_000 {
                ws.write(&ops)?;
                ops.clear();
            }
        }
    }
    ws.write(&ops)?;
    drop(ws);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let src = dir.join("object.bin");
    for n in 0..OBJECTS {
        let mut body = vec![0u8; OBJECT_BYTES];
        for chunk in body.chunks_mut(8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            chunk.copy_from_slice(&seed.to_le_bytes()[..chunk.len()]);
        }
        body[0] = n as u8;
        std::fs::write(&src, &body)?;
        crate::capture::put_object(&root, &src, crate::capture::IngestMode::Move)?;
    }
    std::fs::write(dir.join("complete"), b"")?;
    Ok(root)
}

fn tree_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => tree_bytes(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

fn timed(reps: usize, mut f: impl FnMut(usize) -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut secs = Vec::new();
    for i in 0..reps {
        let t = Instant::now();
        f(i)?;
        secs.push(t.elapsed().as_secs_f64());
    }
    Ok(super::bench::median(secs))
}

pub fn bench_backup(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let root = dataset(a)?;
    let bytes = tree_bytes(&root.join("artifacts/objects"))
        + std::fs::metadata(root.join(crate::store::DB_FILE))?.len();
    let mb = bytes as f64 / 1e6;
    let reps = a.reps.clamp(1, 3);
    let scratch = a.data.join("backup-scratch");
    let copy = timed(reps, |_| {
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch)?;
        let st = std::process::Command::new("cp")
            .arg("-r")
            .arg(&root)
            .arg(scratch.join("copy"))
            .status()?;
        anyhow::ensure!(st.success(), "cp failed");
        Ok(())
    })?;
    let detail = format!(
        "{mb:.0} MB: database + {OBJECTS} objects of {} MB",
        OBJECT_BYTES >> 20
    );
    super::bench::report(ctx, "plain cp -r", mb / copy, "MB/s", &detail);
    let ws = Workspace::open(&root, Access::Read)?;
    for gzip in [false, true] {
        let name = if gzip {
            "backup create --gzip"
        } else {
            "backup create"
        };
        let mut archive = PathBuf::new();
        let secs = timed(reps, |i| {
            let _ = std::fs::remove_dir_all(&scratch);
            std::fs::create_dir_all(&scratch)?;
            let out = scratch.join(format!("b{i}.tar{}", if gzip { ".gz" } else { "" }));
            let r = create_backup(
                &ws,
                &BackupOptions {
                    label: None,
                    output: Some(out),
                    gzip,
                    allow_damaged: false,
                },
                &mut |_| {},
            )?;
            archive = a.data.join(format!(
                "bench-archive{}",
                if gzip { ".tar.gz" } else { ".tar" }
            ));
            std::fs::rename(&r.path, &archive)?;
            Ok(())
        })?;
        let size = std::fs::metadata(&archive)?.len() as f64 / 1e6;
        super::bench::report(
            ctx,
            name,
            mb / secs,
            "MB/s",
            &format!("{detail}; archive {size:.0} MB"),
        );
        let target = scratch.join("restored/.contexta");
        let secs = timed(reps, |_| {
            let _ = std::fs::remove_dir_all(scratch.join("restored"));
            restore(
                &archive,
                &RestoreOptions {
                    target: target.clone(),
                    verify_only: false,
                    force: false,
                },
                &mut |_| {},
            )?;
            Ok(())
        })?;
        let rname = if gzip {
            "restore apply (gzip)"
        } else {
            "restore apply"
        };
        super::bench::report(
            ctx,
            rname,
            mb / secs,
            "MB/s",
            "verify pass + extract + page check + rename",
        );
        let _ = std::fs::remove_file(&archive);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

pub fn bench_import(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let src = &a.fixture;
    if !src.is_dir() {
        let missing = format!(
            "no reference workspace at {} (run from the repository root, or pass --fixture)",
            src.display()
        );
        // Asked for by name, a missing fixture is an error; within `bench all`, a note.
        if a.what == "import" {
            anyhow::bail!(missing);
        }
        super::bench::report(
            ctx,
            "import contexta-py",
            0.0,
            "ms",
            &format!("skipped: {missing}"),
        );
        return Ok(());
    }
    let mut totals = Vec::new();
    let mut ledger = Vec::new();
    let mut note = String::new();
    for _ in 0..a.reps.clamp(1, 7) {
        let root = super::bench::fresh(&a.data.join("import"))?;
        let ws = Workspace::open(&root, Access::Write)?;
        let r = crate::recovery::import_py::import_contexta_py(&ws, src, "python3")
            .context("importing the fixture")?;
        totals.push(r.total_ms as f64);
        ledger.push(r.ledger_ms as f64);
        note = format!("{} records; ledger {}", r.records.applied, r.ledger);
    }
    let (t, l) = (super::bench::median(totals), super::bench::median(ledger));
    super::bench::report(
        ctx,
        "import contexta-py (rag)",
        t,
        "ms",
        &format!(
            "{:.0}% reading the ledger through python duckdb; {note}",
            if t > 0.0 { 100.0 * l / t } else { 0.0 }
        ),
    );
    Ok(())
}
