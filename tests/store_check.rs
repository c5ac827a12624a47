//! Store integrity checks and repair: a demo workspace is clean; damaged derived tables are
//! found and rebuilt; a snapshot copy holds the same data.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

#[path = "common/tables.rs"]
mod tables;

use contexta::model::*;
use contexta::store::{Access, Workspace};

fn demo() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, ws)
}

fn codes(ws: &Workspace) -> Vec<&'static str> {
    let r = ws.read().unwrap().check().unwrap();
    let mut c: Vec<_> = r.findings.iter().map(|f| f.code).collect();
    c.dedup();
    c
}

#[test]
fn demo_workspace_is_clean() {
    let (_d, ws) = demo();
    let r = ws.read().unwrap().check().unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.records > 1000);
}

#[test]
fn damaged_indexes_are_found_and_rebuilt() {
    let (d, ws) = demo();
    let root = d.path().join(".contexta");
    drop(ws);
    for table in [
        "stage_spans",
        "series",
        "runs_by_start",
        "record_refs",
        "record_ref_spans",
        "relations_in",
        "run_stats_first",
    ] {
        tables::damage(&root, table);
    }
    let ws = Workspace::open(&root, Access::Write).unwrap();
    let found = codes(&ws);
    for code in [
        "stage_index_mismatch",
        "series_mismatch",
        "run_list_index_mismatch",
        "record_ref_index_mismatch",
        "relation_index_mismatch",
        "run_stats_mismatch",
    ] {
        assert!(found.contains(&code), "{code} not in {found:?}");
    }
    let rep = ws.repair().unwrap();
    assert!(rep.not_repaired.is_empty(), "{:?}", rep.not_repaired);
    let r = ws.read().unwrap().check().unwrap();
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn a_damaged_record_block_is_unreadable_and_not_a_gap() {
    let (d, ws) = demo();
    let root = d.path().join(".contexta");
    drop(ws);
    tables::damage(&root, "records_first_row");
    let ws = Workspace::open(&root, Access::Read).unwrap();
    let r = ws.read().unwrap().check().unwrap();
    let unreadable: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "record_unreadable")
        .collect();
    assert_eq!(unreadable.len(), 1, "{:#?}", r.findings);
    assert!(
        unreadable[0].message.contains("record seq 1:"),
        "{:#?}",
        unreadable
    );
    // The rows after it start where the damaged block's records end: no invented gap.
    assert!(
        r.findings.iter().all(|f| f.code != "sequence_gap"),
        "{:#?}",
        r.findings
    );
}

#[test]
fn a_file_snapshot_is_the_whole_database_and_checks_clean() {
    let (d, ws) = demo();
    let dest = d.path().join("copy");
    std::fs::create_dir_all(&dest).unwrap();
    let snap = ws.file_snapshot().unwrap();
    let checked = snap.check().unwrap();
    let mut file = std::fs::File::create(dest.join(contexta::store::DB_FILE)).unwrap();
    let n = std::io::copy(&mut snap.reader(), &mut file).unwrap();
    assert_eq!(n, snap.len());
    drop(file);
    // The image asks for recovery, as a crashed writer's file does; the page check gives it.
    contexta::store::check_pages(&dest).unwrap();
    let copy = Workspace::open(&dest, Access::Read).unwrap();
    let live = ws.read().unwrap().counts().unwrap();
    assert_eq!(copy.read().unwrap().counts().unwrap(), live);
    assert_eq!(checked.counts, live);
    assert_eq!(checked.generation, ws.read().unwrap().generation().unwrap());
    assert!(copy.read().unwrap().check().unwrap().findings.is_empty());
}
