//! `ingest --map-keys`: metric keys in record lines as Python tools write them (`train/loss`,
//! `val_acc`) mapped to canonical keys before the line is checked, the written name kept in the
//! `display_key` tag — the rule the Python client and `log metric --map-key` use
//! (`model::canonical_metric_key`). Two names for one key in one run are refused, as there.

use super::ingest::parse_line;
use crate::model::*;
use crate::store::WriteOp;
use rustc_hash::FxHashMap;
use serde_json::Value;

#[derive(Default)]
pub struct LineKeyMapper {
    /// The keys seen per run (by run ref text).
    runs: FxHashMap<String, MetricKeyMap>,
}

impl LineKeyMapper {
    /// `ingest::parse_line` with the line's metric key mapped first. A key is remembered only
    /// when its line is accepted.
    pub fn parse_line(&mut self, text: &str) -> Result<Option<WriteOp>, ValidationError> {
        let Some((mut line, field, run, written)) = metric_line(text) else {
            return parse_line(text);
        };
        let keys = self.runs.entry(run).or_default();
        let mapped = keys
            .plan([written.as_str()])
            .map_err(|e| ValidationError::new(format!("{field}.metric_key"), e.reason))?
            .remove(0)
            .into_owned();
        let Some(display) = &mapped.display else {
            let op = parse_line(text)?;
            keys.remember([&mapped]);
            return Ok(op);
        };
        let payload = payload_mut(&mut line).expect("metric_line found the payload");
        payload.insert("metric_key".into(), Value::String(mapped.key.clone()));
        let tags = payload
            .entry("tags")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(tags) = tags {
            tags.entry(DISPLAY_KEY_TAG)
                .or_insert_with(|| Value::String(display.clone()));
        }
        let op = parse_line(&line.to_string())?;
        keys.remember([&mapped]);
        Ok(op)
    }
}

/// A record line's JSON, the payload's field path, its run ref and its metric key, when the
/// line is a metric record (bare or in a segment line). Anything else is left to `parse_line`.
fn metric_line(text: &str) -> Option<(Value, &'static str, String, String)> {
    let mut line: Value = serde_json::from_str(text.trim()).ok()?;
    let field = if line.get("envelope").is_some() {
        "payload"
    } else {
        "record.payload"
    };
    let record = if field == "payload" {
        &line
    } else {
        line.get("record")?
    };
    let run = record.pointer("/envelope/run_ref")?.as_str()?.to_string();
    let written = record.pointer("/payload/metric_key")?.as_str()?.to_string();
    payload_mut(&mut line)?;
    Some((line, field, run, written))
}

fn payload_mut(line: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let record = if line.get("envelope").is_some() {
        line
    } else {
        line.get_mut("record")?
    };
    record.get_mut("payload")?.as_object_mut()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(run: &str, key: &str) -> String {
        format!(
            r#"{{"envelope":{{"observed_at":"2026-03-02T09:00:00Z","producer_ref":"t","record_ref":"record:{run}.r1","record_type":"metric","recorded_at":"2026-03-02T09:00:00Z","run_ref":"run:{run}"}},"payload":{{"metric_key":"{key}","value":1.5,"value_type":"float64"}}}}"#
        )
    }

    fn metric(op: Option<WriteOp>) -> MetricPayload {
        match op {
            Some(WriteOp::Record(Record {
                payload: Payload::Metric(m),
                ..
            })) => m,
            other => panic!("not a metric record: {other:?}"),
        }
    }

    #[test]
    fn keys_are_mapped_with_the_written_name_kept() {
        let mut m = LineKeyMapper::default();
        let got = metric(m.parse_line(&line("p.r", "train/loss")).unwrap());
        assert_eq!(got.metric_key, "train.loss");
        assert_eq!(got.tags[DISPLAY_KEY_TAG], "train/loss");
        let canonical = metric(m.parse_line(&line("p.r", "acc")).unwrap());
        assert_eq!(canonical.metric_key, "acc");
        assert!(canonical.tags.is_empty());
        // A segment line too.
        let seg = format!(
            r#"{{"appended_at":"2026-03-02T09:00:00Z","record":{},"sequence":1}}"#,
            line("p.r", "Val_Acc")
        );
        assert_eq!(metric(m.parse_line(&seg).unwrap()).metric_key, "val-acc");
    }

    #[test]
    fn two_names_for_one_key_in_one_run_are_refused_naming_the_field() {
        let mut m = LineKeyMapper::default();
        m.parse_line(&line("p.r", "val_loss")).unwrap();
        let err = m.parse_line(&line("p.r", "val-loss")).unwrap_err();
        assert_eq!(err.field, "payload.metric_key");
        assert!(err.reason.contains("`val-loss` and `val_loss`"), "{err}");
        // Another run is another series.
        m.parse_line(&line("p.other", "val-loss")).unwrap();
        let err = m.parse_line(&line("p.r", "top//1")).unwrap_err();
        assert!(err.reason.contains("`top//1` cannot be mapped"), "{err}");
    }

    #[test]
    fn a_refused_line_does_not_claim_its_key() {
        let mut m = LineKeyMapper::default();
        let bad = line("p.r", "Loss").replace("1.5", "\"x\"");
        assert!(m.parse_line(&bad).is_err());
        m.parse_line(&line("p.r", "loss")).unwrap();
    }

    #[test]
    fn other_lines_pass_through() {
        let mut m = LineKeyMapper::default();
        let entity = r#"{"entity":"project","project_ref":"project:p","name":"p","created_at":"2026-03-02T09:00:00Z"}"#;
        assert!(matches!(
            m.parse_line(entity).unwrap(),
            Some(WriteOp::Project(_))
        ));
        assert!(m.parse_line("  ").unwrap().is_none());
        assert!(m.parse_line("not json").is_err());
    }
}
