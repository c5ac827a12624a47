//! `log metric --map-key` and `ingest --map-keys` through the real binary: keys as Python tools
//! write them are mapped by the same rule as the Python client, the written name kept; without
//! the flag such keys are refused as before; two names for one key are an error.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;

/// (metric key, value, display_key tag) of a run's metric records, in order.
fn metrics(ws: &Ws, run: &str) -> Vec<(String, f64, Option<String>)> {
    ws.json(&["records", run, "--type", "metric"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let p = &r["payload"];
            (
                p["metric_key"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
                p["tags"]["display_key"].as_str().map(String::from),
            )
        })
        .collect()
}

#[test]
fn log_metric_maps_the_key_only_when_asked() {
    let ws = Ws::new();
    let run = ws.ok(&["run", "start", "p", "r"]).trim().to_string();
    let refused = ws.run(&["log", "metric", &run, "train/loss", "0.5"]);
    // A key that can never be valid is the user's value being wrong: a usage error.
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("metric_key") && err.contains("train/loss"),
        "{err}"
    );

    ws.ok(&[
        "log",
        "metric",
        &run,
        "train/loss",
        "0.5",
        "--step",
        "3",
        "--stage",
        "train",
        "--map-key",
    ]);
    ws.ok(&["log", "metric", &run, "acc", "0.9", "--map-key"]);
    assert_eq!(
        metrics(&ws, &run),
        vec![
            ("train.loss".into(), 0.5, Some("train/loss".into())),
            ("acc".into(), 0.9, None)
        ]
    );
    let bad = ws.run(&["log", "metric", &run, "top//1", "1", "--map-key"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`top//1` cannot be mapped"));
    assert_eq!(metrics(&ws, &run).len(), 2);
}

fn line(n: u64, key: &str) -> String {
    metric_line("p.r", n, "loss", 0.5).replace(
        r#""metric_key":"loss""#,
        &format!(r#""metric_key":"{key}""#),
    )
}

#[test]
fn ingest_maps_keys_only_when_asked() {
    let text = format!(
        "{}\n{}\n{}\n",
        line(1, "train/loss"),
        line(2, "val_acc"),
        line(3, "lr")
    );
    let ws = Ws::new();
    let refused = ws.ingest_text(&text, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("input.jsonl:1"));
    assert_eq!(ws.total_records(), 0);

    let out = ws.ingest_text(&text, &["--map-keys"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        metrics(&ws, "run:p.r"),
        vec![
            ("train.loss".into(), 0.5, Some("train/loss".into())),
            ("val-acc".into(), 0.5, Some("val_acc".into())),
            ("lr".into(), 0.5, None),
        ]
    );
}

#[test]
fn ingest_refuses_two_names_for_one_key_naming_the_line() {
    let text = format!("{}\n{}\n", line(1, "val_loss"), line(2, "val-loss"));
    let ws = Ws::new();
    let out = ws.ingest_text(&text, &["--map-keys"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("input.jsonl:2"), "{err}");
    assert!(err.contains("payload.metric_key"), "{err}");
    assert!(err.contains("`val-loss` and `val_loss`"), "{err}");
    assert_eq!(ws.total_records(), 0, "strict ingest stores nothing");

    // Tolerant: the first name wins, the second line is reported and marked.
    let out = ws.ingest_text(&text, &["--map-keys", "--tolerant"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("input.jsonl:2: field `payload.metric_key`"),
        "{err}"
    );
    let markers = ws.json(&["records", "run:p.r", "--type", "degraded"]);
    assert_eq!(markers.as_array().unwrap().len(), 1);
    assert_eq!(
        metrics(&ws, "run:p.r"),
        vec![("val-loss".into(), 0.5, Some("val_loss".into()))]
    );
}
