//! `import contexta-py` through the real binary, on the reference fixtures in `tests/fixtures`
//! (used in place, read-only; damaged copies live in temp dirs). The ledger tests need Python's
//! `duckdb` module and are skipped with a note when it is missing; under CI they fail instead.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/dump.rs"]
mod dump;

use common::{Ws, fixture, run_self_without_tools};
use contexta::model::*;
use contexta::store::{Access, Workspace};
use serde_json::Value;
use std::path::Path;

fn has_duckdb() -> bool {
    let present = std::process::Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    common::tool_or_skip(
        present,
        "python3 with the duckdb module",
        "pip install duckdb",
    )
}

fn import(w: &Ws, path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["import", "contexta-py", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    w.json(&args)
}

fn rag() -> std::path::PathBuf {
    fixture("contexta-py-rag/workspace/.contexta")
}

fn open(w: &Ws) -> Workspace {
    Workspace::open(&w.root(), Access::Read).unwrap()
}

fn check_expected_records(ws: &Workspace, expected: &Value, extra_degraded: u64) {
    let snap = ws.read().unwrap();
    for (run, want) in expected["runs"].as_object().unwrap() {
        let stats = snap.stats(&Ref::parse(run).unwrap()).unwrap().unwrap();
        for (i, t) in ["event", "metric", "span", "degraded"].iter().enumerate() {
            let extra = if *t == "degraded" { extra_degraded } else { 0 };
            assert_eq!(
                stats.by_type[i],
                want[t].as_u64().unwrap() + extra,
                "{run} {t}"
            );
        }
    }
}

#[test]
fn reference_workspace_with_ledger_comes_across_and_reimport_changes_nothing() {
    if !has_duckdb() {
        return;
    }
    let w = Ws::new();
    w.ok(&["init"]);
    let r = import(&w, &rag(), &[]);
    assert_eq!(r["ledger"], "read", "{r:#}");
    assert!(r["losses"].as_array().unwrap().is_empty(), "{r:#}");
    assert_eq!(r["records"]["applied"], 65);
    let ents = &r["entities"];
    for (k, n) in [
        ("project", 1),
        ("run", 3),
        ("stage", 12),
        ("sample", 6),
        ("environment", 3),
        ("deployment", 1),
        ("relation", 1),
    ] {
        assert_eq!(ents[k], n, "{k}: {ents}");
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("contexta-py-rag/expected.json")).unwrap(),
    )
    .unwrap();
    let ws = open(&w);
    check_expected_records(&ws, &expected, 0);
    let snap = ws.read().unwrap();
    let p = snap
        .project(&Ref::parse("project:rag-qa").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(p.tags.get("team").map(String::as_str), Some("search"));
    let statuses: Vec<_> = snap
        .all_runs()
        .unwrap()
        .iter()
        .map(|r| (r.name.clone(), r.status, r.inferred))
        .collect();
    assert_eq!(
        statuses,
        [
            ("retriever-v1".into(), Status::Completed, false),
            ("retriever-v2".into(), Status::Completed, false),
            ("retriever-v3".into(), Status::Failed, false)
        ]
    );
    let v3 = Ref::parse("run:rag-qa.retriever-v3").unwrap();
    let st: Vec<_> = snap
        .stages(&v3)
        .unwrap()
        .iter()
        .map(|s| (s.stage_name.clone(), s.status))
        .collect();
    assert_eq!(
        st,
        [
            ("retrieve".into(), Status::Completed),
            ("rerank".into(), Status::Completed),
            ("generate".into(), Status::Failed),
            ("evaluate".into(), Status::Cancelled)
        ]
    );
    assert_eq!(snap.all_deployments().unwrap().len(), 1);
    assert_eq!(snap.relations().unwrap().len(), 1);
    drop(snap);
    drop(ws);
    let before = dump::dump_at(&w.root());
    let again = import(&w, &rag(), &[]);
    assert_eq!(
        (
            again["records"]["applied"].as_u64(),
            again["records"]["skipped"].as_u64()
        ),
        (Some(0), Some(65))
    );
    assert_eq!(dump::dump_at(&w.root()), before);
    let doc = w.run(&["doctor"]);
    assert_eq!(
        doc.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&doc.stdout)
    );
}

#[test]
fn without_duckdb_the_ledger_tests_skip_locally_and_fail_under_ci() {
    let test = "reference_workspace_with_ledger_comes_across_and_reimport_changes_nothing";
    let (passed, out) = run_self_without_tools(test, None);
    assert!(
        passed && out.contains("duckdb module is missing; test skipped"),
        "{out}"
    );
    let (passed, out) = run_self_without_tools(test, Some("true"));
    assert!(
        !passed && out.contains("duckdb module is missing and CI is set"),
        "{out}"
    );
}

#[test]
fn without_a_usable_ledger_the_record_plane_comes_across_and_the_loss_is_said() {
    let dir = tempfile::tempdir().unwrap();
    // A Python that cannot import duckdb (site-packages off), and no Python at all.
    let nodb = dir.path().join("python-no-duckdb");
    std::fs::write(&nodb, "#!/bin/sh\nexec python3 -S \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&nodb, std::fs::Permissions::from_mode(0o755)).unwrap();
    for python in [nodb.to_str().unwrap(), "/nonexistent/python3"] {
        let w = Ws::new();
        w.ok(&["init"]);
        let r = import(&w, &rag(), &["--python", python]);
        let ledger = r["ledger"].as_str().unwrap();
        assert!(ledger.contains("could not be read"), "{ledger}");
        assert_eq!(r["records"]["applied"], 65);
        let losses = r["losses"].as_array().unwrap();
        assert!(
            losses
                .iter()
                .any(|l| l.as_str().unwrap().contains("lost project names")),
            "{losses:?}"
        );
        assert_eq!(r["records"]["markers"], 3, "one import_loss marker per run");
        let ws = open(&w);
        let snap = ws.read().unwrap();
        assert!(snap.all_runs().unwrap().iter().all(|r| r.inferred));
    }
}

#[test]
fn record_plane_alone_imports_with_inferred_runs_and_markers() {
    let w = Ws::new();
    w.ok(&["init"]);
    let src = fixture("contexta-py-wine-quality");
    let r = import(&w, &src, &[]);
    assert!(r["ledger"].as_str().unwrap().contains("no ledger"));
    assert_eq!(r["records"]["applied"], 22);
    assert!(
        r["inferred"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "run:wine-quality-clf.svm-baseline")
    );
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("expected.json")).unwrap()).unwrap();
    check_expected_records(&open(&w), &expected, 1);
    let before = dump::dump_at(&w.root());
    import(&w, &src, &[]);
    assert_eq!(dump::dump_at(&w.root()), before);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
            let mut p = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            p.set_readonly(false);
            std::fs::set_permissions(&dest, p).unwrap();
        }
    }
}

#[test]
fn truncated_last_segment_line_is_reported_as_a_loss() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("ref/.contexta");
    copy_dir(&rag(), &src);
    let seg = src.join("records/segments/segment-000001.jsonl");
    let bytes = std::fs::read(&seg).unwrap();
    std::fs::write(&seg, &bytes[..bytes.len() - 200]).unwrap();
    let w = Ws::new();
    w.ok(&["init"]);
    let r = import(&w, &src, &["--python", "/nonexistent/python3"]);
    assert_eq!(r["records"]["applied"], 64);
    let losses: Vec<&str> = r["losses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        losses.iter().any(|l| l.contains("line 65 is truncated")),
        "{losses:?}"
    );
    let ws = open(&w);
    let snap = ws.read().unwrap();
    let v3 = Ref::parse("run:rag-qa.retriever-v3").unwrap();
    let tail = snap.tail(&v3, 5).unwrap();
    assert!(tail.iter().any(|row| matches!(&row.record.payload, Payload::Degraded(d) if d.issue_key == "import.truncated_line")));
    // The marker is dated at the run's last record, so it never stretches the run to today.
    for row in &tail {
        if row.record.envelope.degradation_marker == Degradation::ImportLoss {
            assert!(
                row.record
                    .envelope
                    .observed_at
                    .to_string()
                    .starts_with("2026-03-16")
            );
        }
    }
    drop(snap);
    drop(ws);
    let before = dump::dump_at(&w.root());
    import(&w, &src, &["--python", "/nonexistent/python3"]);
    assert_eq!(dump::dump_at(&w.root()), before);
}

#[test]
fn artifact_bindings_and_bodies_come_across_verified() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join(".contexta");
    std::fs::create_dir_all(src.join("records/segments")).unwrap();
    std::fs::write(
        src.join("records/segments/segment-000001.jsonl"),
        format!("{}\n", common::metric_line("p.r", 1, "loss", 0.5)),
    )
    .unwrap();
    let body = b"model weights";
    let sha = hex::encode(Sha256::digest(body));
    let bind = |key: &str, with_body: bool| {
        let aref = format!("artifact:p.r.{key}");
        let safe = format!("artifact__p.r.{key}");
        let h = hex::encode(Sha256::digest(aref.as_bytes()));
        if with_body {
            let d = src.join(format!("artifacts/objects/model_bundle/{}", &h[..2]));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(format!("{safe}.bin")), body).unwrap();
        }
        let b = serde_json::json!({
            "artifact_ref": aref, "artifact_kind": "model_bundle", "binding_id": "binding-1",
            "source_name": "model.bin", "ingest_mode": "copy", "size_bytes": body.len(),
            "hash_algorithm": "sha256", "hash_value": sha, "layout_version": "v1",
            "created_at": "2026-03-02T09:00:00Z",
            "manifest_snapshot": {"artifact_ref": aref, "artifact_kind": "model_bundle",
                "created_at": "2026-03-02T09:00:00Z", "producer_ref": "sdk.python.local",
                "run_ref": "run:p.r", "location_ref": "model.bin", "hash_value": null,
                "size_bytes": null, "stage_execution_ref": null, "attributes": {},
                "schema_version": "1.0.0", "extensions": []}});
        let d = src.join("artifacts/bindings");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join(format!("{safe}.binding.json")),
            serde_json::to_string_pretty(&b).unwrap(),
        )
        .unwrap();
    };
    bind("model", true);
    bind("lost", false);
    let w = Ws::new();
    w.ok(&["init"]);
    let r = import(&w, &src, &["--python", "/nonexistent/python3"]);
    assert_eq!(r["artifacts"], 2);
    assert!(r["losses"].as_array().unwrap().iter().any(|l| {
        l.as_str()
            .unwrap()
            .contains("artifact:p.r.lost: body not found")
    }));
    let v = w.json(&["artifact", "verify"]);
    let states: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["artifact_ref"].as_str().unwrap().into(),
                a["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("artifact:p.r.lost".to_string(), "no_body".to_string()),
            ("artifact:p.r.model".into(), "ok".into())
        ]
    );
    let before = dump::dump_at(&w.root());
    import(&w, &src, &["--python", "/nonexistent/python3"]);
    assert_eq!(dump::dump_at(&w.root()), before);
}

/// `bench import` imports the fixture it is given (by default the repository's own, relative
/// to the current directory); the binary names no path outside the repository.
#[test]
fn bench_import_reads_the_fixture_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let bench = |fixture: &Path| {
        std::process::Command::new(common::bin())
            .args(["bench", "import", "--reps", "1", "--data"])
            .arg(dir.path().join("data"))
            .arg("--fixture")
            .arg(fixture)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = bench(&rag());
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("import contexta-py (rag)"),
        "{out:?}"
    );
    let missing = dir.path().join("nowhere/.contexta");
    let out = bench(&missing);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no reference workspace at") && err.contains("nowhere"),
        "{err}"
    );
}
