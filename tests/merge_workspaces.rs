//! `contexta merge`: per-rank workspaces written concurrently by real processes fold into one
//! run with nothing lost or doubled; merging again changes nothing; a killed merge resumes; a
//! conflicting entity becomes a degraded marker; a metric splits by rank.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUN: &str = "p.job";

/// Value of point `n` of `rank`: whole numbers, so a sum is exact in any order.
fn value(rank: u32, n: u64) -> u64 {
    u64::from(rank) * 1_000_000 + n
}

fn ranked_line(rank: u32, n: u64) -> String {
    format!(
        r#"{{"envelope":{{"observed_at":"2026-03-02T09:00:00Z","producer_ref":"test.writer","record_ref":"record:{RUN}.m{n}","record_type":"metric","recorded_at":"2026-03-02T09:00:00Z","run_ref":"run:{RUN}"}},"payload":{{"metric_key":"loss","value":{},"value_type":"float64","tags":{{"step":"{n}","rank":"{rank}"}}}}}}"#,
        value(rank, n)
    )
}

/// A rank's workspace folder with its run declared (`run start`, params as given).
fn rank_ws(dir: &Path, rank: u32, lr: &str) -> PathBuf {
    let root = dir.join(format!("rank{rank}/.contexta"));
    let out = cmd(&root, &["run", "start", "p", "job", "--param", lr])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    root
}

fn cmd(root: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.arg("--workspace")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// One writer process per rank: a shell loop ingesting `chunks` files of `per_chunk` points,
/// one process and one commit per chunk, as a training job commits while it runs.
fn writer(dir: &Path, root: &Path, rank: u32, chunks: u64, per_chunk: u64) -> Child {
    let mut files = vec![];
    for c in 0..chunks {
        let f = dir.join(format!("rank{rank}-chunk{c}.jsonl"));
        let text: Vec<String> = (c * per_chunk + 1..=(c + 1) * per_chunk)
            .map(|n| ranked_line(rank, n))
            .collect();
        std::fs::write(&f, text.join("\n") + "\n").unwrap();
        files.push(f);
    }
    let script = files
        .iter()
        .map(|f| {
            format!(
                "'{}' --quiet --workspace '{}' ingest '{}' || exit 1",
                bin(),
                root.display(),
                f.display()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

fn merge(target: &Path, sources: &[PathBuf]) -> serde_json::Value {
    let mut args = vec!["--format", "json", "merge"];
    let srcs: Vec<String> = sources.iter().map(|s| s.display().to_string()).collect();
    args.extend(srcs.iter().map(String::as_str));
    let t = target.display().to_string();
    args.extend(["--into", &t]);
    let out = Command::new(bin())
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "merge failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn records(root: &Path) -> Vec<serde_json::Value> {
    let out = cmd(root, &["--format", "json", "records", RUN])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// (count, sum of values, distinct refs) of the run's metric points, per rank.
fn tally(root: &Path) -> (BTreeMap<u32, (u64, u64)>, usize) {
    let recs = records(root);
    let mut per: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut refs = std::collections::BTreeSet::new();
    for r in &recs {
        refs.insert(r["envelope"]["record_ref"].as_str().unwrap().to_string());
        if r["envelope"]["record_type"] != "metric" {
            continue;
        }
        let rank: u32 = r["payload"]["tags"]["rank"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let e = per.entry(rank).or_default();
        e.0 += 1;
        e.1 += r["payload"]["value"].as_f64().unwrap() as u64;
    }
    (per, refs.len())
}

fn expected(ranks: u32, points: u64) -> BTreeMap<u32, (u64, u64)> {
    (0..ranks)
        .map(|r| (r, (points, (1..=points).map(|n| value(r, n)).sum())))
        .collect()
}

fn export(root: &Path) -> String {
    let out = cmd(root, &["export", "jsonl"]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn three_ranks_written_concurrently_merge_into_one_run_with_nothing_lost_or_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let (ranks, chunks, per_chunk) = (3u32, 8u64, 250u64);
    let sources: Vec<PathBuf> = (0..ranks)
        .map(|r| rank_ws(dir.path(), r, "lr=0.1"))
        .collect();
    let mut writers: Vec<Child> = (0..ranks)
        .map(|r| writer(dir.path(), &sources[r as usize], r, chunks, per_chunk))
        .collect();
    let target = dir.path().join("merged/.contexta");
    // Merge while the ranks write: each pass takes each source up to its last commit.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut passes = 0;
    while writers.iter_mut().any(|w| w.try_wait().unwrap().is_none()) {
        assert!(Instant::now() < deadline, "writers did not finish");
        merge(&target, &sources);
        passes += 1;
    }
    for w in &mut writers {
        assert!(w.wait().unwrap().success());
    }
    merge(&target, &sources);
    let (per, refs) = tally(&target);
    assert_eq!(
        per,
        expected(ranks, chunks * per_chunk),
        "after {passes} live passes"
    );
    assert_eq!(refs as u64, u64::from(ranks) * chunks * per_chunk);
    let runs = cmd(&target, &["--format", "json", "runs"])
        .output()
        .unwrap();
    let runs: serde_json::Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(
        runs.as_array().unwrap().len(),
        1,
        "one run, not one per rank"
    );
    assert_eq!(runs[0]["records"]["duplicates"], 0);

    // Merging the same sources again changes nothing.
    let before = export(&target);
    let again = merge(&target, &sources);
    for s in again["sources"].as_array().unwrap() {
        assert_eq!(s["records"], 0);
        assert_eq!(s["entities"], 0);
    }
    assert_eq!(export(&target), before);
}

#[test]
fn a_killed_merge_resumes_where_its_last_commit_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<PathBuf> = (0..2)
        .map(|r| {
            let root = rank_ws(dir.path(), r, "lr=0.1");
            assert!(
                writer(dir.path(), &root, r, 2, 300)
                    .wait()
                    .unwrap()
                    .success()
            );
            root
        })
        .collect();
    let target = dir.path().join("merged/.contexta");
    let t = target.display().to_string();
    // Batches of 100 records; the process aborts (as a kill would) after three of them.
    let out = Command::new(bin())
        .args(["merge", &sources[0].display().to_string()])
        .arg(&sources[1])
        .args(["--into", &t])
        .env("CONTEXTA_MERGE_BATCH", "100")
        .env("CONTEXTA_MERGE_ABORT_AFTER", "3")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the merge was to be interrupted");
    let (partial, _) = tally(&target);
    assert_eq!(partial.values().map(|v| v.0).sum::<u64>(), 300);
    let report = merge(&target, &sources);
    assert_eq!(report["sources"][0]["records"], 300, "{report}");
    assert_eq!(report["sources"][1]["records"], 600, "{report}");
    let (per, refs) = tally(&target);
    assert_eq!(per, expected(2, 600));
    assert_eq!(refs, 1200);
}

#[test]
fn a_conflicting_entity_becomes_one_degraded_marker_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let a = rank_ws(dir.path(), 0, "lr=0.1");
    let b = rank_ws(dir.path(), 1, "lr=0.2");
    let out = cmd(&b, &["run", "finish", RUN, "--status", "completed"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let target = dir.path().join("merged/.contexta");
    let report = merge(&target, &[a.clone(), b.clone()]);
    let conflicts = &report["sources"][1]["conflicts"];
    assert_eq!(conflicts[0]["entity"], "run:p.job", "{report}");
    assert_eq!(conflicts[0]["fields"][0], "params.lr");
    merge(&target, &[a, b]);
    let markers: Vec<serde_json::Value> = records(&target)
        .into_iter()
        .filter(|r| r["payload"]["issue_key"] == "merge_conflict")
        .collect();
    assert_eq!(markers.len(), 1, "merging again adds no second marker");
    assert_eq!(markers[0]["payload"]["subject_ref"], "run:p.job");
    assert_eq!(
        markers[0]["payload"]["attributes"]["fields"][0],
        "params.lr"
    );
    let run = cmd(&target, &["--format", "json", "run", "show", RUN])
        .output()
        .unwrap();
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        run["run"]["params"]["lr"], "0.1",
        "the first copy stays: {run}"
    );
    assert_eq!(
        markers[0]["payload"]["attributes"]["source_copy"]["params"]["lr"], "0.2",
        "the marker keeps the other copy"
    );
    // Status and end time come from the latest writer: rank 1 finished.
    assert_eq!(run["run"]["status"], "completed");
    assert!(run["run"]["ended_at"].is_string());
}

#[test]
fn a_merged_metric_splits_by_rank_and_each_rank_keeps_its_series() {
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<PathBuf> = (0..2)
        .map(|r| {
            let root = rank_ws(dir.path(), r, "lr=0.1");
            assert!(writer(dir.path(), &root, r, 1, 5).wait().unwrap().success());
            root
        })
        .collect();
    let target = dir.path().join("merged/.contexta");
    merge(&target, &sources);
    let series = |root: &Path, rank: Option<&str>| -> Vec<(i64, f64)> {
        let mut args = vec!["--format", "json", "trend", "loss", "--run", RUN];
        if let Some(r) = rank {
            args.extend(["--rank", r]);
        }
        let out = cmd(root, &args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap()))
            .collect()
    };
    for (r, src) in sources.iter().enumerate() {
        assert_eq!(series(&target, Some(&r.to_string())), series(src, None));
    }
    assert_eq!(series(&target, None).len(), 10);
    let out = cmd(&target, &["trend", "loss", "--run", RUN, "--rank", "7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ranks that did: 0, 1"));
}

#[test]
fn a_workspace_is_refused_as_its_own_source_and_a_missing_source_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let a = rank_ws(dir.path(), 0, "lr=0.1");
    let out = Command::new(bin())
        .args(["merge", &a.display().to_string(), "--into"])
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be merged into itself"));
    let missing = dir.path().join("nowhere");
    let out = Command::new(bin())
        .args(["merge", &missing.display().to_string(), "--into"])
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere"));
}
