//! `doctor`, `artifact verify|get` through the real binary: healthy workspaces exit 0, found
//! problems exit 3 with their codes, `--repair` rebuilds derived tables, a damaged database file
//! is reported without a panic, and a missing artifact body is reported as missing.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/dump.rs"]
mod dump;
#[path = "common/tables.rs"]
mod tables;

use common::Ws;

fn demo() -> Ws {
    let w = Ws::new();
    dump::demo_at(&w.root());
    w
}

fn doctor(w: &Ws, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["--format", "json", "doctor"];
    args.extend_from_slice(extra);
    let o = w.run(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        o.status.code(),
        serde_json::from_slice(&o.stdout).unwrap_or_default(),
    )
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn healthy_workspace_exits_zero() {
    let w = demo();
    let (code, v) = doctor(&w, &[]);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["healthy"], true);
    assert!(v["records"].as_u64().unwrap() > 1000);
    assert!(v["artifacts"].as_u64().unwrap() > 0);
    let text = w.ok(&["doctor"]);
    assert!(text.contains("healthy"), "{text}");
}

#[test]
fn damaged_indexes_exit_three_and_repair_rebuilds_them() {
    let w = demo();
    let before = dump::dump_at(&w.root());
    for t in ["series", "runs_by_start", "run_stats_first"] {
        tables::damage(&w.root(), t);
    }
    let (code, v) = doctor(&w, &[]);
    assert_eq!(code, Some(3));
    let c = codes(&v);
    for want in [
        "series_mismatch",
        "run_list_index_mismatch",
        "run_stats_mismatch",
    ] {
        assert!(c.iter().any(|x| x == want), "{want} not in {c:?}");
    }
    let (code, v) = doctor(&w, &["--repair"]);
    assert_eq!(code, Some(0), "{v:#}");
    assert!(v["repair"]["findings_before"].as_u64().unwrap() >= 3);
    assert_eq!(doctor(&w, &[]).0, Some(0));
    assert_eq!(dump::dump_at(&w.root()), before);
}

#[test]
fn corrupted_database_file_is_reported_without_a_panic() {
    let w = demo();
    let db = w.root().join(contexta::store::DB_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    // Damage the start of every page after the header, so some page in use is hit whatever
    // the layout (pages the database does not use yet are never read).
    for page in bytes[4096..].chunks_mut(4096) {
        let n = page.len().min(512);
        for b in &mut page[..n] {
            *b ^= 0x5a;
        }
    }
    std::fs::write(&db, &bytes).unwrap();
    let (code, v) = doctor(&w, &[]);
    assert_eq!(code, Some(3), "{v:#}");
    assert_eq!(codes(&v), ["database_corrupt"]);
    let o = w.run(&["doctor"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("damaged") && out.contains("restore"), "{out}");
}

#[test]
fn missing_and_changed_artifacts_are_reported() {
    let w = demo();
    let arts = w.json(&["artifact", "verify"]);
    let arts = arts.as_array().unwrap();
    assert!(arts.iter().all(|a| a["state"] == "ok"));
    let gone = arts[0]["object_path"].as_str().unwrap();
    std::fs::remove_file(w.root().join(gone)).unwrap();
    let changed = arts
        .iter()
        .find(|a| a["object_path"] != arts[0]["object_path"])
        .unwrap();
    let changed_path = w.root().join(changed["object_path"].as_str().unwrap());
    let mut body = std::fs::read(&changed_path).unwrap();
    body[0] ^= 1;
    std::fs::write(&changed_path, body).unwrap();

    let v = w.json(&["artifact", "verify"]);
    let state = |r: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|a| a["artifact_ref"] == r["artifact_ref"])
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(&arts[0]), "missing");
    assert_eq!(state(changed), "changed");
    let one = w.json(&[
        "artifact",
        "verify",
        arts[0]["artifact_ref"].as_str().unwrap(),
    ]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    let text = w.ok(&["artifact", "ls", "--verify"]);
    assert!(
        text.contains("missing") && text.contains("changed"),
        "{text}"
    );

    let (code, d) = doctor(&w, &[]);
    assert_eq!(code, Some(3));
    let c = codes(&d);
    assert!(
        c.contains(&"artifact_missing".into()) && c.contains(&"artifact_changed".into()),
        "{c:?}"
    );

    // get: a changed body is refused and nothing is written; an intact one is copied.
    let out = w.dir.path().join("out.bin");
    let o = w.run(&[
        "artifact",
        "get",
        changed["artifact_ref"].as_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
    let intact = arts
        .iter()
        .find(|a| {
            a["artifact_ref"] != arts[0]["artifact_ref"]
                && a["artifact_ref"] != changed["artifact_ref"]
        })
        .unwrap();
    w.ok(&[
        "artifact",
        "get",
        intact["artifact_ref"].as_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(w.root().join(intact["object_path"].as_str().unwrap())).unwrap()
    );
    let o = w.run(&[
        "artifact",
        "get",
        intact["artifact_ref"].as_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "an existing output needs --force");
}

#[test]
fn read_commands_on_a_damaged_file_fail_cleanly_without_a_panic() {
    let ws = common::Ws::new();
    ws.ok(&["demo"]);
    let db = ws.root().join("contexta.redb");
    let mut bytes = std::fs::read(&db).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 3..len / 3 + 64 * 1024] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    for args in [
        &["runs"][..],
        &["records", "baseline"],
        &["compare", "baseline", "cosine-warmup"],
        &["run", "show", "baseline"],
    ] {
        let out = ws.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{args:?} exited {:?}: {err}",
            out.status.code()
        );
    }
}

/// Rewrites one stored value through redb itself, so every page checksum stays right while
/// the value no longer decodes (what a writer bug, or damage copied into a fresh file, leaves).
fn plant_undecodable(root: &std::path::Path, table: &str, needle: &[u8]) {
    use redb::{ReadableTable, TableDefinition};
    let db = redb::Database::open(root.join(contexta::store::DB_FILE)).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let def: TableDefinition<(u32, u32), &[u8]> = TableDefinition::new(table);
        let mut t = txn.open_table(def).unwrap();
        let (key, mut bytes) = t
            .iter()
            .unwrap()
            .map(|r| {
                let (k, v) = r.unwrap();
                (k.value(), v.value().to_vec())
            })
            .find(|(_, v)| v.windows(needle.len()).any(|w| w == needle))
            .unwrap();
        let at = bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap();
        bytes[at] = 0xFF; // invalid UTF-8 inside a stored string
        t.insert(key, bytes.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

#[test]
fn values_that_no_longer_decode_are_findings_naming_table_and_key() {
    let w = demo();
    plant_undecodable(&w.root(), "stages", b"prepare");
    let o = w.run(&["export", "jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("utf-8"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (code, v) = doctor(&w, &["--no-artifacts"]);
    assert_eq!(code, Some(3), "{v:#}");
    let bad: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "value_unreadable")
        .collect();
    assert_eq!(bad.len(), 1, "{v:#}");
    let subject = bad[0]["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("stages (run:") && subject.contains("stage:"),
        "{subject}"
    );
    assert!(bad[0]["message"].as_str().unwrap().contains("utf-8"));
    assert_eq!(bad[0]["severity"], "error");
}

#[test]
fn known_damage_is_told_by_reads_until_doctor_passes_again() {
    let w = demo();
    let db = w.root().join(contexta::store::DB_FILE);
    let good = std::fs::read(&db).unwrap();
    let quiet = w.run(&["runs"]);
    assert!(quiet.status.success());
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    plant_undecodable(&w.root(), "stages", b"prepare");
    assert_eq!(doctor(&w, &["--no-artifacts"]).0, Some(3));
    let o = w.run(&["runs"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("known to be damaged") && err.contains("value_unreadable"),
        "{err}"
    );
    // A backup is refused too (the page check alone would pass), unless asked for, and then
    // the manifest says what doctor found.
    let out = w.dir.path().join("archives");
    std::fs::create_dir_all(&out).unwrap();
    let o = w.run(&["backup", "create", "--output", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("contexta doctor"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    let v = w.json(&[
        "backup",
        "create",
        "--allow-damaged",
        "--output",
        out.to_str().unwrap(),
    ]);
    let mut archive = tar::Archive::new(std::fs::File::open(v["path"].as_str().unwrap()).unwrap());
    let manifest = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.path().unwrap().to_string_lossy() == "MANIFEST.json")
        .map(|mut e| {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut e, &mut s).unwrap();
            s
        })
        .unwrap();
    assert!(manifest.contains("value_unreadable"), "{manifest}");
    // Put right (here: the file as it was), doctor passes and the warning is gone.
    std::fs::write(&db, &good).unwrap();
    assert_eq!(doctor(&w, &["--no-artifacts"]).0, Some(0));
    let o = w.run(&["runs"]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_console_chunk_that_no_longer_decodes_is_a_finding() {
    let w = Ws::new();
    let o = w.run(&[
        "run",
        "--pipe",
        "--project",
        "p",
        "--name",
        "echo",
        "--",
        "sh",
        "-c",
        "echo hello",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, v) = doctor(&w, &["--no-artifacts"]);
    assert_eq!(code, Some(0), "{v:#}");
    assert!(
        tables::garble_console(&w.root()) > 0,
        "the run stored no console"
    );
    let (code, v) = doctor(&w, &["--no-artifacts"]);
    assert_eq!(code, Some(3), "{v:#}");
    let bad: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "value_unreadable")
        .collect();
    assert!(
        bad.iter()
            .any(|f| f["subject"].as_str().unwrap().starts_with("console (")),
        "{v:#}"
    );
}
