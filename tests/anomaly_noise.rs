//! Anomaly flags without the noise, through the real binary (`contexta anomaly`): a run still
//! writing is not part of anyone's baseline; a learning rate (by its key) and any series that
//! only goes one way (a decayed schedule, a counter) are not scored; an expected range never
//! crosses the metric's natural bounds (a loss below 0, an accuracy above 1).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::Ws;
use contexta::capture::Session;
use contexta::model::Status;

/// Project `p`: six completed runs configured alike, then `odd`, configured to differ (a
/// smaller learning rate, a longer decay, fewer tokens), with a worse loss and accuracy; and
/// `live`, still writing, with values far from all of them.
fn workspace() -> Ws {
    let ws = Ws::new();
    let session = Session::open(&ws.root()).unwrap();
    for i in 0..6 {
        let run = session.start_run("p", &format!("r{i}")).unwrap();
        let j = i as f64;
        for step in 0..5 {
            run.metric("learning-rate", 1e-3 / (1 + step) as f64, Some(step))
                .unwrap();
            run.metric(
                "tokens-seen",
                (1000 + i * 10) as f64 * (step + 1) as f64,
                Some(step),
            )
            .unwrap();
            run.metric("decay", 1.0 - 0.1 * step as f64 - 0.001 * j, Some(step))
                .unwrap();
        }
        run.metric("val-loss", 0.02 + 0.04 * j, Some(5)).unwrap();
        run.metric("val-accuracy", 0.99 - 0.03 * j, Some(5))
            .unwrap();
        run.finish(Status::Completed).unwrap();
        session.flush().unwrap();
    }
    let odd = session.start_run("p", "odd").unwrap();
    for step in 0..5 {
        odd.metric("learning-rate", 1e-5 / (1 + step) as f64, Some(step))
            .unwrap();
        odd.metric("tokens-seen", 10.0 * (step + 1) as f64, Some(step))
            .unwrap();
        odd.metric("decay", 1.0 - 0.2 * step as f64, Some(step))
            .unwrap();
    }
    odd.metric("val-loss", 3.0, Some(5)).unwrap();
    odd.metric("val-accuracy", 0.2, Some(5)).unwrap();
    odd.finish(Status::Completed).unwrap();
    session.flush().unwrap();
    let live = session.start_run("p", "live").unwrap();
    live.metric("val-loss", 40.0, Some(1)).unwrap();
    live.metric("val-accuracy", 0.01, Some(1)).unwrap();
    session.flush().unwrap();
    std::mem::forget(live);
    std::mem::forget(session);
    ws
}

fn scored<'a>(out: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    out["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
}

fn skipped(out: &serde_json::Value, key: &str) -> Option<String> {
    out["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .find(|s| s.starts_with(&format!("{key}:")))
        .map(str::to_string)
}

#[test]
fn schedules_are_not_scored_and_runs_still_writing_are_not_a_baseline() {
    let ws = workspace();
    let out = ws.json(&["anomaly", "p.odd"]);
    // A learning rate by its key, and series that only go one way, are not scored.
    let lr = skipped(&out, "learning-rate").unwrap_or_else(|| panic!("{out:#}"));
    assert!(lr.contains("schedule"), "{lr}");
    for key in ["tokens-seen", "decay"] {
        assert!(scored(&out, key).is_none(), "{key} was scored: {out:#}");
        let why = skipped(&out, key).unwrap_or_else(|| panic!("{key}: {out:#}"));
        assert!(why.contains("only goes one way"), "{why}");
    }
    // What was measured is still scored, against the six finished runs only.
    let loss = scored(&out, "val-loss").unwrap_or_else(|| panic!("{out:#}"));
    assert_eq!(loss["severity"], "error", "{loss}");
    assert_eq!(
        loss["baseline_size"], 6,
        "the run still writing is in the baseline: {loss}"
    );
}

#[test]
fn expected_ranges_never_cross_a_metrics_natural_bounds() {
    let ws = workspace();
    let out = ws.json(&["anomaly", "p.odd"]);
    let loss = scored(&out, "val-loss").unwrap();
    assert!(loss["expected_low"].as_f64().unwrap() >= 0.0, "{loss}");
    let acc = scored(&out, "val-accuracy").unwrap();
    assert!(acc["expected_high"].as_f64().unwrap() <= 1.0, "{acc}");
    assert!(acc["expected_low"].as_f64().unwrap() >= 0.0, "{acc}");
    // Text output shows the same clamped range.
    let text = ws.ok(&["anomaly", "p.odd", "--metric", "val-loss"]);
    assert!(!text.contains("-0."), "{text}");
}
