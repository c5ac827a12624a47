//! Records stored in blocks (schema 2) read back exactly as written, whatever the commit sizes:
//! any seq range, either direction, any limit; refs (numbered, plain, generated, repeated) find
//! their first record; counts and `check` agree.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::model::*;
use contexta::store::{Access, Workspace, WriteOp};
use proptest::prelude::*;

const RUN: &str = "run:blocks.r";

/// Record `i` of the test run: mostly metrics, some events with long text (so blocks close on
/// size as well as on count), refs numbered, plain, repeated or generated.
fn record(i: u32, token: &str) -> Record {
    let run = Ref::parse(RUN).unwrap();
    let at = Timestamp(1_800_000_000_000_000 + i64::from(i) * 1_003 + i64::from(i % 7) * 900_000);
    let mut env = Envelope::new(
        run.child("record", token).unwrap(),
        if i % 9 == 4 {
            RecordType::Event
        } else {
            RecordType::Metric
        },
        run.clone(),
        if i % 50 < 25 { "a.writer" } else { "b.writer" },
        at,
    )
    .in_stage(Some(
        &run.child("stage", if i % 300 < 150 { "train" } else { "eval" })
            .unwrap(),
    ));
    env.recorded_at = Timestamp(at.0 + i64::from(i % 3) * 17);
    if i.is_multiple_of(11) {
        env.correlation_refs.trace_id = Some(format!("t{}", i / 11));
    }
    let payload = if env.record_type == RecordType::Event {
        Payload::Event(EventPayload {
            event_key: "note.made".into(),
            level: Level::Info,
            message: format!("note {i}: {}", "✓ données ".repeat((i % 40) as usize)),
            subject_ref: None,
            attributes: JsonMap::default(),
            origin_marker: CaptureOrigin::ExplicitCapture,
        })
    } else {
        let mut m = MetricPayload::new(
            ["loss", "acc", "lr"][(i % 3) as usize],
            f64::from(i).sqrt() - 3.0,
            (!i.is_multiple_of(13)).then_some(i64::from(i / 3)),
        );
        m.integral = i.is_multiple_of(17);
        if m.integral {
            m.value = f64::from(i);
        }
        if i.is_multiple_of(5) {
            m.unit = Some("ms".into());
        }
        Payload::Metric(m)
    };
    Record {
        envelope: env,
        payload,
    }
}

fn token(i: u32) -> String {
    match i % 10 {
        0..=5 => format!("r{i:05}"),
        6 => format!("step-{}", i / 10),
        7 => format!("x{}-y", i * 7919 % 1000),
        8 => format!("r{:05}", i.saturating_sub(40)), // repeats an earlier ref
        _ => "pending".into(),                        // generated at commit
    }
}

/// Writes `n` records in commits of the given sizes (cycled); returns what each seq holds.
fn write(ws: &Workspace, n: u32, commits: &[usize]) -> Vec<Record> {
    let mut want = Vec::new();
    let mut i = 0u32;
    let mut c = 0;
    while i < n {
        let size = commits[c % commits.len()].max(1);
        c += 1;
        let mut ops = Vec::new();
        for _ in 0..size {
            if i == n {
                break;
            }
            i += 1;
            let t = token(i);
            let mut r = record(i, &t);
            if t == "pending" {
                ops.push(WriteOp::Captured(r.clone()));
                r.envelope.record_ref = Ref::parse(RUN)
                    .unwrap()
                    .child("record", &format!("seq-{i}"))
                    .unwrap();
            } else {
                ops.push(WriteOp::Record(r.clone()));
            }
            want.push(r);
        }
        ws.write(&ops).unwrap();
    }
    want
}

fn json(rows: &[contexta::store::RecordRow]) -> Vec<(u32, String)> {
    rows.iter()
        .map(|r| (r.seq, r.record.to_json().to_string()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn any_range_reads_back_what_was_written(
        commits in proptest::collection::vec(1usize..300, 1..6),
        ranges in proptest::collection::vec((1u32..700, 0u32..400, proptest::bool::ANY, 1usize..500), 1..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
        let n = 640;
        let want = write(&ws, n, &commits);
        let run = Ref::parse(RUN).unwrap();
        let s = ws.read().unwrap();
        let all = s.records_in(&run, 1, u32::MAX, false, usize::MAX, |_| true).unwrap();
        let expect: Vec<(u32, String)> = want
            .iter()
            .enumerate()
            .map(|(i, r)| (i as u32 + 1, r.to_json().to_string()))
            .collect();
        prop_assert_eq!(json(&all), expect.clone());
        for (lo, len, desc, limit) in ranges {
            let hi = lo.saturating_add(len);
            let got = s.records_in(&run, lo, hi, desc, limit, |_| true).unwrap();
            let mut slice: Vec<(u32, String)> = expect
                .iter()
                .filter(|(seq, _)| *seq >= lo && *seq <= hi)
                .cloned()
                .collect();
            if desc {
                slice.reverse();
            }
            slice.truncate(limit);
            prop_assert_eq!(json(&got), slice);
        }
        // Each ref finds the first record that carried it; generated ones their own seq.
        for (i, r) in want.iter().enumerate() {
            let tok = r.envelope.record_ref.last().to_string();
            let first = want
                .iter()
                .position(|w| w.envelope.record_ref == r.envelope.record_ref)
                .unwrap() as u32
                + 1;
            prop_assert_eq!(s.find_record(&run, &tok).unwrap(), Some(first), "{} at {}", tok, i + 1);
        }
        prop_assert_eq!(s.find_record(&run, "r99999").unwrap(), None);
        let dups = s.duplicates(&run).unwrap();
        let want_dups = want
            .iter()
            .enumerate()
            .filter(|(i, r)| want[..*i].iter().any(|w| w.envelope.record_ref == r.envelope.record_ref))
            .count();
        prop_assert_eq!(dups.len(), want_dups);
        prop_assert_eq!(s.counts().unwrap().records, u64::from(n));
        let check = s.check().unwrap();
        prop_assert!(
            check.findings.iter().all(|f| f.code == "duplicate_record_ref"),
            "{:?}",
            check.findings
        );
    }
}

#[test]
fn blocks_and_ref_spans_keep_a_point_small() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    let run = Ref::parse(RUN).unwrap();
    let stage = run.child("stage", "train").unwrap();
    let n = 200_000u32;
    for chunk in (1..=n).collect::<Vec<_>>().chunks(20_000) {
        let ops: Vec<WriteOp> = chunk
            .iter()
            .map(|i| {
                let at = Timestamp(1_800_000_000_000_000 + i64::from(i / 20) * 1_000_000);
                let env = Envelope::new(
                    run.child("record", &format!("r{i}")).unwrap(),
                    RecordType::Metric,
                    run.clone(),
                    "a.writer",
                    at,
                )
                .in_stage(Some(&stage));
                WriteOp::Record(Record {
                    envelope: env,
                    payload: Payload::Metric(MetricPayload::new(
                        &format!("key-{}", i % 20),
                        f64::from(*i).ln(),
                        Some(i64::from(i / 20)),
                    )),
                })
            })
            .collect();
        ws.write(&ops).unwrap();
    }
    drop(ws);
    let len = std::fs::metadata(root.join(contexta::store::DB_FILE))
        .unwrap()
        .len();
    // Schema 1 took 143 bytes a point here; the goal is at most 80.
    assert!(
        len < u64::from(n) * 80,
        "{} bytes a point",
        len / u64::from(n)
    );
}
