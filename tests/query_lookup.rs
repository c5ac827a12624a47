//! Finding a record's seq by its ref (the explorer's jump from a finding to its record): refs
//! given by the writer are looked up in the record-ref index, generated ones (`seq-<n>`) carry
//! their seq, and an unknown ref is `None`, not an error.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::capture::Session;
use contexta::model::*;
use contexta::query::{self, Anchor, RecordFilter};
use contexta::store::{Access, Workspace};

fn check_every_record(ws: &Workspace, run: &Ref) {
    let page = query::records_page(ws, run, &RecordFilter::default(), Anchor::Head, 1000).unwrap();
    assert!(!page.rows.is_empty());
    for row in &page.rows {
        let r = &row.record.envelope.record_ref;
        assert_eq!(
            query::record_seq(ws, r).unwrap(),
            Some((run.clone(), row.seq)),
            "{r}"
        );
    }
}

#[test]
fn writer_given_refs_are_found_through_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    let run = Ref::parse("run:mnist-classifier.dropout-0-3").unwrap();
    check_every_record(&ws, &run);
    let missing = Ref::parse("record:mnist-classifier.dropout-0-3.no-such-record").unwrap();
    assert_eq!(query::record_seq(&ws, &missing).unwrap(), None);
}

#[test]
fn generated_refs_carry_their_seq() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let run = session.start_run("p", "r").unwrap();
    for i in 0..5 {
        run.metric("loss", 1.0 / f64::from(i + 1), Some(i64::from(i)))
            .unwrap();
    }
    session.flush().unwrap();
    let run_ref = run.run_ref().clone();
    drop(run);
    drop(session);
    let ws = Workspace::open(&root, Access::Read).unwrap();
    check_every_record(&ws, &run_ref);
    let page =
        query::records_page(&ws, &run_ref, &RecordFilter::default(), Anchor::Head, 1).unwrap();
    assert!(
        page.rows[0]
            .record
            .envelope
            .record_ref
            .last()
            .starts_with("seq-"),
        "capture generates refs from the seq"
    );
    let beyond = run_ref.child("record", "seq-999").unwrap();
    assert_eq!(query::record_seq(&ws, &beyond).unwrap(), None);
}
