//! `contexta bench merge`: a simulated distributed job. 8 rank processes (this binary again,
//! `bench merge-writer`) each capture `--rank-points` metric points into their own workspace at
//! the same time, through the capture API with the rank stamped as the Python client does;
//! then the 8 workspaces are merged into one and checked (count and sum of every value per
//! rank, so nothing is lost or doubled), merged again (nothing may change), and the merged
//! workspace is exported to Parquet (records/s, bytes beside the database file).
//! One repetition: the data set is large and the figures are wall times of whole steps.

use super::super::Ctx;
use super::super::args::BenchArgs;
use super::bench::{fresh, report};
use crate::capture::{CommitPolicy, Session};
use crate::model::*;
use crate::recovery::merge::merge;
use crate::store::{Access, Workspace};
use anyhow::Context;
#[cfg(feature = "parquet")]
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

const RANKS: u32 = 8;
const KEYS: [&str; 4] = ["loss", "grad-norm", "lr", "throughput"];
const RANK_ENV: &str = "CONTEXTA_BENCH_RANK";

/// Point `i` of `rank`: a whole number, so sums are exact in any order.
fn value(rank: u32, i: u64, n: u64) -> f64 {
    (u64::from(rank) * n + i) as f64
}

/// The worker: one rank's points into the workspace at `--data`.
pub fn writer(a: &BenchArgs) -> anyhow::Result<()> {
    let rank: u32 = std::env::var(RANK_ENV)
        .context("bench merge-writer is started by bench merge")?
        .parse()?;
    let n = a.rank_points;
    let mut session = Session::open_with(&a.data.join(".contexta"), CommitPolicy::default())?;
    session.set_record_tag("rank", &rank.to_string())?;
    let run = session.start_run("bench", "ddp")?;
    let stage = run.stage("train")?;
    for i in 0..n {
        let key = KEYS[(i % KEYS.len() as u64) as usize];
        stage.metric(key, value(rank, i, n), Some((i / KEYS.len() as u64) as i64))?;
    }
    drop(stage);
    run.finish(Status::Completed)?;
    drop(run);
    session.flush()?;
    Ok(())
}

#[cfg(feature = "parquet")]
fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// (count, sum of values) per rank of the merged run, read back record by record.
fn tally(ws: &Workspace) -> anyhow::Result<Vec<(u64, f64)>> {
    let snap = ws.read()?;
    let run = Ref::parse("run:bench.ddp").map_err(anyhow::Error::msg)?;
    let mut per = vec![(0u64, 0f64); RANKS as usize];
    let mut from = 1u32;
    loop {
        let page = snap.records_in(&run, from, u32::MAX, false, 100_000, |_| true)?;
        let Some(last) = page.last().map(|r| r.seq) else {
            break;
        };
        for row in &page {
            if let (Payload::Metric(m), Some(rank)) = (&row.record.payload, row.record.rank())
                && let Some(slot) = per.get_mut(rank as usize)
            {
                slot.0 += 1;
                slot.1 += m.value;
            }
        }
        from = last + 1;
    }
    Ok(per)
}

pub fn bench_merge(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let n = a.rank_points;
    let base = a.data.join("merge");
    fresh(&base)?;
    let exe = std::env::current_exe()?;
    let t = Instant::now();
    let mut children = vec![];
    let mut sources: Vec<PathBuf> = vec![];
    for rank in 0..RANKS {
        let dir = base.join(format!("rank{rank}"));
        std::fs::create_dir_all(&dir)?;
        sources.push(dir.join(".contexta"));
        children.push(
            std::process::Command::new(&exe)
                .args(["--quiet", "bench", "merge-writer", "--rank-points"])
                .arg(n.to_string())
                .arg("--data")
                .arg(&dir)
                .env(RANK_ENV, rank.to_string())
                .stdin(std::process::Stdio::null())
                .spawn()?,
        );
    }
    for mut c in children {
        anyhow::ensure!(c.wait()?.success(), "a rank writer failed");
    }
    let write_secs = t.elapsed().as_secs_f64();
    let total = n * u64::from(RANKS);
    report(
        ctx,
        "merge: 8 writers",
        total as f64 / write_secs,
        "points/s",
        &format!("{RANKS} processes x {n} points, concurrently, {write_secs:.1} s wall"),
    );

    let target_root = base.join("merged/.contexta");
    let target = Workspace::open(&target_root, Access::Write)?;
    let t = Instant::now();
    let r = merge(&target, &sources, |_| {})?;
    let merge_secs = t.elapsed().as_secs_f64();
    let merged: u64 = r.sources.iter().map(|s| s.records).sum();
    anyhow::ensure!(merged == total, "merged {merged} records, expected {total}");
    report(
        ctx,
        "merge: 8 sources",
        total as f64 / merge_secs,
        "records/s",
        &format!("{total} records into one run, {merge_secs:.1} s wall"),
    );
    let per = tally(&target)?;
    for (rank, (count, sum)) in per.iter().enumerate() {
        let want: f64 = (0..n).map(|i| value(rank as u32, i, n)).sum();
        anyhow::ensure!(
            *count == n && *sum == want,
            "rank {rank}: {count} points summing to {sum}, expected {n} summing to {want}"
        );
    }
    let t = Instant::now();
    let again = merge(&target, &sources, |_| {})?;
    let again_secs = t.elapsed().as_secs_f64();
    let added: u64 = again.sources.iter().map(|s| s.records).sum();
    anyhow::ensure!(added == 0, "merging again appended {added} records");
    report(
        ctx,
        "merge: again (no-op)",
        again_secs * 1000.0,
        "ms",
        "every count and value sum checked per rank; merging again appended 0",
    );

    #[cfg(feature = "parquet")]
    bench_parquet(ctx, &target, &target_root, &base.join("parquet"), total)?;
    Ok(())
}

/// Parquet export of the merged workspace: rows/s, and bytes beside the database file.
#[cfg(feature = "parquet")]
fn bench_parquet(
    ctx: &Ctx,
    target: &Workspace,
    target_root: &Path,
    out: &Path,
    total: u64,
) -> anyhow::Result<()> {
    use crate::recovery::parquet::{ParquetOptions, export_parquet};
    let t = Instant::now();
    let p = export_parquet(
        target,
        &ParquetOptions {
            output: out,
            runs: &[],
            since: None,
        },
        |_| {},
    )?;
    let secs = t.elapsed().as_secs_f64();
    let rows: u64 = p.rows.values().sum();
    let db_bytes = std::fs::metadata(target_root.join(crate::store::DB_FILE))?.len();
    report(
        ctx,
        "parquet export",
        rows as f64 / secs,
        "rows/s",
        &format!("{rows} rows, {} files, {secs:.1} s", p.files),
    );
    let bytes = dir_bytes(out);
    // The reference system keeps records as JSON Lines: the same data as `export jsonl` writes
    // it, counted without touching the disk.
    let mut jsonl = ByteCount(0);
    crate::recovery::export::export_jsonl(target, &[], &mut jsonl)?;
    report(
        ctx,
        "parquet bytes/point",
        bytes as f64 / total as f64,
        "bytes",
        &format!(
            "{bytes} bytes on disk; the database file {db_bytes} bytes ({:.1}/point); as JSONL {} bytes ({:.1}/point)",
            db_bytes as f64 / total as f64,
            jsonl.0,
            jsonl.0 as f64 / total as f64
        ),
    );
    Ok(())
}

/// A writer that only counts.
#[cfg(feature = "parquet")]
struct ByteCount(u64);

#[cfg(feature = "parquet")]
impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
