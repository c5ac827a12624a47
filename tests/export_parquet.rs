//! `export parquet` read back with DuckDB (Python's `duckdb` module, which `.ci/run` installs;
//! skipped with a note when it is missing, failing under CI): row counts per family equal the
//! workspace's, SQL's best run per project equals `contexta best`, a series equals `contexta
//! trend --run`, and a second export with `--since` only adds files.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing
#![cfg(feature = "parquet")]

mod common;
use common::*;
use contexta::model::*;
use contexta::store::{Access, Workspace};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn has_duckdb() -> bool {
    let present = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    tool_or_skip(
        present,
        "python3 with the duckdb module",
        "pip install duckdb",
    )
}

/// Runs `sql` in DuckDB over the dataset in `dir` (each family written a view) and returns its
/// rows.
fn duck(dir: &Path, sql: &str) -> Vec<Vec<Value>> {
    let script = r#"
import duckdb, json, os, sys
d, sql = sys.argv[1], sys.argv[2]
con = duckdb.connect()
for f in ["runs","stages","metrics","events","spans","degraded","artifacts","relations"]:
    if os.path.isdir(f"{d}/{f}"):
        con.execute(f"create view {f} as select * from read_parquet('{d}/{f}/**/*.parquet', hive_partitioning=true, union_by_name=true)")
print(json.dumps(con.execute(sql).fetchall(), default=str))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, dir.to_str().unwrap(), sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Vec<Value>>>(&out.stdout).unwrap()
}

fn count(dir: &Path, family: &str) -> u64 {
    duck(dir, &format!("select count(*) from {family}"))[0][0]
        .as_u64()
        .unwrap()
}

/// The demo workspace plus the reference fixtures imported: every family has rows.
fn populated() -> Ws {
    let w = Ws::new();
    w.ok(&["demo"]);
    let rag = fixture("contexta-py-rag/workspace/.contexta");
    w.ok(&["import", "contexta-py", rag.to_str().unwrap()]);
    let wine = fixture("contexta-py-wine-quality");
    w.ok(&["import", "contexta-py", wine.to_str().unwrap()]);
    w
}

/// What the workspace holds per family, counted through the library.
fn workspace_counts(root: &Path) -> BTreeMap<&'static str, u64> {
    let ws = Workspace::open(root, Access::Read).unwrap();
    let snap = ws.read().unwrap();
    let mut c: BTreeMap<&'static str, u64> = BTreeMap::new();
    for run in snap.all_runs().unwrap() {
        *c.entry("runs").or_default() += 1;
        let r = &run.run_ref;
        *c.entry("stages").or_default() += snap.stages(r).unwrap().len() as u64;
        *c.entry("artifacts").or_default() += snap.artifacts(r).unwrap().len() as u64;
        let s = snap.stats(r).unwrap().unwrap_or_default();
        for (i, f) in ["events", "metrics", "spans", "degraded"]
            .iter()
            .enumerate()
        {
            *c.entry(f).or_default() += s.by_type[i];
        }
    }
    c.insert("relations", snap.relations().unwrap().len() as u64);
    c
}

fn export(w: &Ws, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["export", "parquet", "--output", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    w.json(&args)
}

#[test]
fn every_family_reads_back_in_duckdb_with_the_workspaces_counts_best_runs_and_series() {
    if !has_duckdb() {
        return;
    }
    let w = populated();
    let out = w.dir.path().join("lake");
    let report = export(&w, &out, &[]);
    let want = workspace_counts(&w.root());
    for (family, n) in &want {
        assert!(
            *n > 0,
            "the fixture has no {family}: the check would be empty"
        );
        assert_eq!(count(&out, family), *n, "{family}");
        assert_eq!(report["rows"][family], *n, "{family} in the report");
    }
    // The schema is versioned beside the data and in every file.
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("_contexta_schema.json")).unwrap())
            .unwrap();
    assert_eq!(schema["schema_version"], 1);
    let versions = duck(
        &out,
        &format!(
            "select distinct decode(value) from parquet_kv_metadata('{}/**/*.parquet') where decode(key) = 'contexta.schema_version'",
            out.display()
        ),
    );
    assert_eq!(versions, vec![vec![Value::from("1")]]);

    // Best run by val-accuracy per project: the latest value of each run, highest wins.
    let best = duck(
        &out,
        "with latest as (
             select project, run, arg_max(value, seq) as v from metrics
             where key = 'val-accuracy' group by project, run)
         select project, arg_max(run, v), max(v) from latest group by project order by project",
    );
    assert!(!best.is_empty());
    for row in &best {
        let project = row[0].as_str().unwrap();
        let cli = w.json(&["best", "val-accuracy", "--project", project]);
        assert_eq!(row[1], cli["run"], "best run of {project}");
        assert_eq!(
            row[2].as_f64(),
            cli["value"].as_f64(),
            "best value of {project}"
        );
    }

    // A metric's series equals `trend --run`.
    let run = "run:mnist-classifier.baseline";
    let trend = w.json(&["trend", "train-loss", "--run", run]);
    let sql = duck(
        &out,
        &format!(
            "select step, value from metrics where run = '{run}' and key = 'train-loss' order by step, seq"
        ),
    );
    let points = trend["points"].as_array().unwrap();
    assert!(points.len() > 10);
    assert_eq!(sql.len(), points.len());
    for (row, p) in sql.iter().zip(points) {
        assert_eq!(row[0], p["step"]);
        assert_eq!(row[1].as_f64(), p["value"].as_f64());
    }
}

#[test]
fn a_second_export_with_since_adds_only_new_files_and_no_row_twice() {
    if !has_duckdb() {
        return;
    }
    let w = Ws::new();
    w.ok(&["demo"]);
    let out = w.dir.path().join("lake");
    export(&w, &out, &[]);
    let files_before = parquet_files(&out);
    // A second full export into the same dataset would double every row: refused.
    let again = w.run(&["export", "parquet", "--output", out.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--since"));

    let since = Timestamp::now().to_string();
    let lines: Vec<String> = (1..=50)
        .map(|n| {
            metric_line(
                "mnist-classifier.baseline",
                9000 + n,
                "late-metric",
                n as f64,
            )
        })
        .collect();
    let ingest = w.ingest_text(&(lines.join("\n") + "\n"), &[]);
    assert!(ingest.status.success());
    let report = export(&w, &out, &["--since", &since]);
    assert_eq!(report["runs"], 1, "only the run written since: {report}");
    assert_eq!(report["rows"]["metrics"], 50);
    let files_after = parquet_files(&out);
    for (f, bytes) in &files_before {
        assert_eq!(files_after.get(f), Some(bytes), "{f} was rewritten");
    }
    let id = report["export_id"].as_str().unwrap();
    for f in files_after
        .keys()
        .filter(|f| !files_before.contains_key(*f))
    {
        assert!(f.contains(id), "new file {f} carries the new export id");
    }
    let want = workspace_counts(&w.root());
    assert_eq!(count(&out, "metrics"), want["metrics"]);
    let distinct = duck(&out, "select count(distinct (run, seq)) from metrics")[0][0].clone();
    assert_eq!(distinct.as_u64(), Some(want["metrics"]));
    // Entity rows are snapshots: the latest export's row per run is current.
    let runs = duck(
        &out,
        "select count(*) from (select run, arg_max(status, export_id) from runs group by run)",
    );
    assert_eq!(runs[0][0].as_u64(), Some(want["runs"]));

    // Nothing new: a third export writes no record rows.
    let since = Timestamp::now().to_string();
    let report = export(&w, &out, &["--since", &since]);
    assert_eq!(report["rows"]["metrics"], 0, "{report}");
}

/// The refs of the workspace's runs whose status is `status`, sorted.
fn runs_with_status(root: &Path, status: Status) -> Vec<String> {
    let ws = Workspace::open(root, Access::Read).unwrap();
    let mut refs: Vec<String> = ws
        .read()
        .unwrap()
        .all_runs()
        .unwrap()
        .into_iter()
        .filter(|r| r.status == status)
        .map(|r| r.run_ref.to_string())
        .collect();
    refs.sort();
    refs
}

/// The distinct runs of a family in the dataset, sorted.
fn runs_in(dir: &Path, family: &str) -> Vec<String> {
    duck(
        dir,
        &format!("select distinct run from {family} order by run"),
    )
    .into_iter()
    .map(|row| row[0].as_str().unwrap().to_string())
    .collect()
}

#[test]
fn where_selects_the_runs_to_export_and_adds_to_the_runs_named() {
    if !has_duckdb() {
        return;
    }
    let w = Ws::new();
    w.ok(&["demo"]);
    let failed = runs_with_status(&w.root(), Status::Failed);
    let total = workspace_counts(&w.root())["runs"] as usize;
    assert!(
        !failed.is_empty() && failed.len() < total,
        "the demo needs failed and other runs: {failed:?} of {total}"
    );
    let out = w.dir.path().join("failed");
    let report = export(&w, &out, &["--where", "status = failed"]);
    assert_eq!(report["runs"], failed.len() as u64, "{report}");
    assert_eq!(runs_in(&out, "runs"), failed);
    assert_eq!(count(&out, "runs"), failed.len() as u64);
    let metric_runs = runs_in(&out, "metrics");
    assert!(!metric_runs.is_empty());
    assert!(
        metric_runs.iter().all(|r| failed.contains(r)),
        "metrics of a run --where did not match: {metric_runs:?}"
    );

    // A run named beside --where is exported too: either selects.
    let named = "run:mnist-classifier.baseline";
    assert!(!failed.iter().any(|r| r == named));
    let out = w.dir.path().join("either");
    export(&w, &out, &[named, "--where", "status = failed"]);
    let mut want = failed.clone();
    want.push(named.to_string());
    want.sort();
    assert_eq!(runs_in(&out, "runs"), want);
}

#[test]
fn a_where_that_does_not_parse_exits_2_with_a_caret_and_writes_nothing() {
    let w = Ws::new();
    w.ok(&["demo"]);
    let out_dir = w.dir.path().join("lake");
    let out = w.run(&[
        "export",
        "parquet",
        "--output",
        out_dir.to_str().unwrap(),
        "--where",
        "status = failed and",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--where: column 20: expected a field"),
        "{err}"
    );
    assert!(
        err.ends_with("  status = failed and\n                     ^\n"),
        "{err}"
    );
    assert!(!out_dir.exists(), "a usage error wrote the dataset");

    // A query that matches no run exports nothing (not every run).
    let out = w.run(&[
        "export",
        "parquet",
        "--output",
        out_dir.to_str().unwrap(),
        "--where",
        "name = no-such-run",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no matches for --where"));
    assert!(!out_dir.exists(), "an empty match wrote a dataset");
}

fn parquet_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.insert(p.display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn output_must_be_a_directory_never_a_file_or_device() {
    let w = Ws::new();
    w.ok(&["demo"]);
    let file = w.dir.path().join("a-file");
    std::fs::write(&file, "keep me").unwrap();
    let out = w.run(&["export", "parquet", "--output", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must name a directory"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    // A FIFO stands in for a device: refused, and it stays a FIFO.
    let fifo = w.dir.path().join("a-fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    let out = w.run(&["export", "parquet", "--output", fifo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("device, FIFO or socket"));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}
