//! The console table as the store writes it: one transaction may write many chunks of several
//! runs, interleaved, and redraw a line in a chunk it already moved past; what is read back is
//! exactly the last state of every line.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::model::*;
use contexta::query;
use contexta::store::{Access, Workspace, WriteOp};
use std::collections::BTreeMap;

fn line(n: u32, text: &str) -> ConsoleLine {
    ConsoleLine {
        line: n,
        stream: ConsoleStream::Terminal,
        at: Timestamp(1_800_000_000_000_000 + i64::from(n)),
        text: text.into(),
    }
}

#[test]
fn one_transaction_across_chunks_runs_and_redraws_reads_back_the_last_state() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
    let a = Ref::parse("run:p.a").unwrap();
    let b = Ref::parse("run:p.b").unwrap();
    let batch = |run: &Ref, lines: Vec<ConsoleLine>| {
        WriteOp::Console(ConsoleBatch {
            run_ref: run.clone(),
            lines,
        })
    };
    let mut expect: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut ops = Vec::new();
    // Run a: 300 lines (five chunks of 64), then b: 100, then a redraw of a's line 10 (chunk 0,
    // long written back by then) and of line 130, and a's next lines, all in one transaction.
    let first: Vec<ConsoleLine> = (0..300).map(|i| line(i, &format!("a{i}"))).collect();
    ops.push(batch(&a, first));
    ops.push(batch(
        &b,
        (0..100).map(|i| line(i, &format!("b{i}"))).collect(),
    ));
    ops.push(batch(
        &a,
        vec![
            line(10, "a10 redrawn"),
            line(130, "a130 redrawn"),
            line(300, "a300"),
        ],
    ));
    for i in 0..=300 {
        expect.insert(("a".into(), i), format!("a{i}"));
    }
    expect.insert(("a".into(), 10), "a10 redrawn".into());
    expect.insert(("a".into(), 130), "a130 redrawn".into());
    for i in 0..100 {
        expect.insert(("b".into(), i), format!("b{i}"));
    }
    ws.write(&ops).unwrap();
    // A second transaction continues a's open chunk and redraws in it.
    ws.write(&[batch(
        &a,
        vec![line(301, "a301"), line(300, "a300 redrawn")],
    )])
    .unwrap();
    expect.insert(("a".into(), 301), "a301".into());
    expect.insert(("a".into(), 300), "a300 redrawn".into());

    let r = Workspace::open(&dir.path().join(".contexta"), Access::Read).unwrap();
    let mut got: BTreeMap<(String, u32), String> = BTreeMap::new();
    for (name, run) in [("a", &a), ("b", &b)] {
        for l in query::console::lines(&r, run, 0..u32::MAX).unwrap().lines {
            got.insert((name.into(), l.line), l.text);
        }
    }
    assert_eq!(got, expect);
}
