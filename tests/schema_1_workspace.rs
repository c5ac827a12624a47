//! A workspace written by the last schema-1 build (one row per record, every record ref in
//! `record_refs`; tests/fixtures/schema-1) through the real binary: read unchanged without
//! being modified, then appended to in schema-2 blocks, duplicates of its old refs still found,
//! the whole still healthy and repairable.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::{Ws, fixture};
use std::io::Read;

/// A temporary workspace holding the schema-1 database.
fn schema_1() -> Ws {
    let w = Ws::new();
    std::fs::create_dir_all(w.root()).unwrap();
    let mut gz = flate2::read::GzDecoder::new(
        std::fs::File::open(fixture("schema-1/contexta.redb.gz")).unwrap(),
    );
    let mut db = Vec::new();
    gz.read_to_end(&mut db).unwrap();
    std::fs::write(w.root().join(contexta::store::DB_FILE), db).unwrap();
    w
}

fn export(w: &Ws) -> String {
    w.ok(&["export", "jsonl", "--output", "-"])
}

fn doctor_codes(w: &Ws) -> Vec<String> {
    let o = w.run(&["--format", "json", "doctor"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn schema_version(w: &Ws) -> u64 {
    let db = redb::Builder::new()
        .set_concurrency_mode(redb::ConcurrencyMode::MultiWriter)
        .open_read_only(w.root().join(contexta::store::DB_FILE))
        .unwrap();
    let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
    let meta: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");
    txn.open_table(meta)
        .unwrap()
        .get("schema_version")
        .unwrap()
        .unwrap()
        .value()
}

#[test]
fn a_schema_1_workspace_reads_as_its_own_build_exported_it_and_stays_untouched() {
    let w = schema_1();
    let db = w.root().join(contexta::store::DB_FILE);
    let before = std::fs::read(&db).unwrap();
    let want = std::fs::read_to_string(fixture("schema-1/export.jsonl")).unwrap();
    assert_eq!(export(&w), want);
    // Reference refs and generated ones both resolve.
    let rec = w.json(&["records", "rag-qa.retriever-v1", "--tail", "1"]);
    assert!(rec.to_string().contains("r00003"), "{rec}");
    let show = w.ok(&["records", "shell-proj.baseline"]);
    assert!(show.contains("données chargées ✓"), "{show}");
    assert!(
        std::fs::read(&db).unwrap() == before,
        "a reader changed the file"
    );
    // `doctor` checks every page (redb's check commits, so it comes last), and still finds
    // only what the old build stored: three repeated refs.
    assert_eq!(doctor_codes(&w), ["duplicate_record_ref"]);
    assert_eq!(schema_version(&w), 1);
}

#[test]
fn appending_to_a_schema_1_workspace_keeps_it_whole_and_finds_old_duplicates() {
    let w = schema_1();
    let old = std::fs::read_to_string(fixture("schema-1/export.jsonl")).unwrap();
    let seg = std::fs::read_to_string(fixture(
        "contexta-py-rag/records/segments/segment-000001.jsonl",
    ))
    .unwrap();
    // Lines 4-6 again (refs the schema-1 build indexed), then new numbered refs.
    let repeats: Vec<&str> = seg.lines().skip(3).take(3).collect();
    let mut input = repeats.join("\n");
    for n in 1..=150 {
        input.push('\n');
        input.push_str(&common::metric_line(
            "rag-qa.retriever-v1",
            n,
            "late-loss",
            n as f64 / 7.0,
        ));
    }
    input.push('\n');
    let o = w.ingest_text(&input, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("3 duplicate record refs"), "{said}");
    w.ok(&[
        "log",
        "metric",
        "shell-proj.baseline",
        "loss",
        "-0.6",
        "--step",
        "6",
    ]);
    assert_eq!(schema_version(&w), contexta::store::SCHEMA_VERSION);

    let now = export(&w);
    // Every record the old build stored is still there, byte for byte, in order (entity
    // lines change: runs grew).
    let records = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(r#"{"envelope""#))
            .map(str::to_string)
            .collect()
    };
    let mut now_records = records(&now).into_iter();
    for line in records(&old) {
        assert!(
            now_records.any(|l| l == line),
            "a record of the schema-1 build changed or moved: {line}"
        );
    }
    assert_eq!(now.lines().count(), old.lines().count() + 3 + 150 + 1);
    assert!(now.contains(r#""record_ref":"record:rag-qa.retriever-v1.m150""#));
    let seq = w.json(&["records", "rag-qa.retriever-v1", "--tail", "1"]);
    assert!(seq.to_string().contains("late-loss"), "{seq}");
    assert_eq!(doctor_codes(&w), ["duplicate_record_ref"]);
    let dup = String::from_utf8(w.run(&["doctor"]).stdout).unwrap();
    assert!(dup.contains("6 records repeat"), "{dup}");

    // Repair rebuilds the ref index (old refs move into spans) without changing anything read.
    let o = w.run(&["doctor", "--repair"]);
    assert!(
        o.status.code() != Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(export(&w), now);
    assert_eq!(doctor_codes(&w), ["duplicate_record_ref"]);
    // The old refs are still found as duplicates after the rebuild.
    let o = w.ingest_text(&repeats.join("\n"), &[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("3 duplicate record refs"));
}

/// The manifest of a backup names the schema of the file it archived: a schema-1 file copied
/// byte for byte is schema 1, whatever this build writes.
#[test]
fn a_backup_of_a_schema_1_workspace_says_schema_1_in_its_manifest() {
    let w = schema_1();
    let out = w.dir.path().join("b.tar");
    let printed = w.ok(&["-q", "backup", "create", "--output", out.to_str().unwrap()]);
    let archive = std::path::PathBuf::from(printed.trim());
    let mut a = tar::Archive::new(std::fs::File::open(&archive).unwrap());
    let mut manifest = String::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_string_lossy() == "MANIFEST.json" {
            e.read_to_string(&mut manifest).unwrap();
        }
    }
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(schema_version(&w), 1, "the backup left the file as it was");
    assert_eq!(m["schema_version"], 1, "{m:#}");
}
