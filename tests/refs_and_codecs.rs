//! Property tests: refs print back exactly what parsed; canonical record JSON round-trips
//! through the store unchanged; timestamps order as instants.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

#[path = "common/tables.rs"]
mod tables;

use contexta::model::*;
use contexta::store::{Access, Workspace, WriteOp};
use proptest::prelude::*;

fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}"
}

proptest! {
    #[test]
    fn valid_refs_round_trip(p in component(), r in component(), s in component()) {
        for text in [format!("project:{p}"), format!("run:{p}.{r}"), format!("stage:{p}.{r}.{s}")] {
            let parsed = Ref::parse(&text).unwrap();
            prop_assert_eq!(parsed.to_string(), text.clone());
            prop_assert_eq!(Ref::parse(&parsed.to_string()).unwrap(), parsed);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_and_valid_means_round_trip(text in "\\PC{0,40}") {
        if let Ok(r) = Ref::parse(&text) {
            prop_assert_eq!(r.to_string(), text);
        }
    }

    #[test]
    fn timestamps_round_trip_and_order(a in 0i64..4_000_000_000_000_000, b in 0i64..4_000_000_000_000_000) {
        let (ta, tb) = (Timestamp(a), Timestamp(b));
        let pa = Timestamp::parse(&ta.to_string()).unwrap();
        prop_assert_eq!(pa, ta);
        prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
    }
}

fn metric(
    run: &str,
    n: u32,
    key: &str,
    value: f64,
    step: Option<i64>,
    unit: Option<&str>,
) -> Record {
    let mut tags = std::collections::BTreeMap::new();
    if let Some(s) = step {
        tags.insert("step".to_string(), s.to_string());
    }
    tags.insert("device".to_string(), "gpu0".to_string());
    let t = Timestamp::parse("2026-03-02T09:00:00.5Z").unwrap();
    let run = Ref::parse(run).unwrap();
    Record {
        envelope: Envelope {
            record_ref: run.child("record", &format!("m{n}")).unwrap(),
            record_type: RecordType::Metric,
            recorded_at: Timestamp(t.0 + n as i64),
            observed_at: t,
            producer_ref: "prop.test".into(),
            run_ref: run.clone(),
            deployment_execution_ref: None,
            stage_execution_ref: Some(run.child("stage", "train").unwrap()),
            batch_execution_ref: Some(run.child("batch", "train.epoch-1").unwrap()),
            sample_observation_ref: None,
            operation_context_ref: None,
            correlation_refs: CorrelationRefs {
                trace_id: Some("t1".into()),
                session_id: None,
            },
            completeness_marker: Completeness::Complete,
            degradation_marker: Degradation::None,
            schema_version: "1.0.0".into(),
            extensions: vec![],
        },
        payload: Payload::Metric(MetricPayload {
            metric_key: key.into(),
            value,
            integral: false,
            value_type: "float64".into(),
            unit: unit.map(str::to_string),
            aggregation_scope: AggregationScope::Step,
            subject_ref: None,
            slice_ref: None,
            tags,
            summary_basis: None,
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn stored_records_read_back_identical(
        values in proptest::collection::vec((-1e9f64..1e9, proptest::option::of(-1000i64..1000), proptest::bool::ANY), 1..40)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(&dir.path().join(".contexta"), Access::Write).unwrap();
        let recs: Vec<Record> = values
            .iter()
            .enumerate()
            .map(|(i, (v, step, unit))| metric("run:p.r", i as u32, if i % 2 == 0 { "loss" } else { "acc" }, *v, *step, unit.then_some("ms")))
            .collect();
        let ops: Vec<WriteOp> = recs.iter().map(|r| WriteOp::Record(r.clone())).collect();
        ws.write(&ops).unwrap();
        let run = Ref::parse("run:p.r").unwrap();
        let back = ws.read().unwrap().records_in(&run, 1, u32::MAX, false, 1000, |_| true).unwrap();
        prop_assert_eq!(back.len(), recs.len());
        for (i, (row, want)) in back.iter().zip(&recs).enumerate() {
            prop_assert_eq!(row.seq as usize, i + 1);
            prop_assert_eq!(row.record.to_json(), want.to_json());
        }
        // The series index agrees with the records, step rule included.
        let loss = ws.read().unwrap().series(&run, "loss").unwrap();
        let want_loss: Vec<_> = values.iter().step_by(2).collect();
        prop_assert_eq!(loss.len(), want_loss.len());
        for (k, (p, (v, step, _))) in loss.iter().zip(want_loss).enumerate() {
            prop_assert_eq!(p.value, *v);
            prop_assert_eq!(p.step, step.unwrap_or(k as i64));
        }
    }
}

#[test]
fn newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    drop(Workspace::open(&root, Access::Write).unwrap());
    // Simulate a future contexta by writing a newer schema key straight into the database.
    tables::set_schema_version(&root, contexta::store::SCHEMA_VERSION + 1);
    let err = Workspace::open(&root, Access::Read)
        .err()
        .expect("must refuse");
    let msg = err.to_string();
    let newer = format!("schema {}", contexta::store::SCHEMA_VERSION + 1);
    assert!(
        msg.contains("newer contexta") && msg.contains(&newer),
        "{msg}"
    );
    assert!(Workspace::open(&root, Access::Write).is_err());
}
