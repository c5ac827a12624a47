//! The record stream's `/` filter language, turned into a `RecordFilter`:
//! `type:event,span` (or `t:`), `stage:train` (or `s:`), `level:warning` (minimum, or `l:`),
//! `key:train-loss` (or `k:`); any other words are free text matched case-insensitively
//! against key, message and value. An unknown type or level is an error naming the word.
//!
//! Pure: no I/O, no state.

use crate::model::{Level, RecordType, Ref};
use crate::query::RecordFilter;

pub fn parse_record_filter(text: &str, run: Option<&Ref>) -> Result<RecordFilter, String> {
    let mut f = RecordFilter::default();
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let (field, value) = match word.split_once(':') {
            Some((k, v)) if !v.is_empty() => (k, v),
            _ => {
                words.push(word);
                continue;
            }
        };
        match field {
            "type" | "t" => {
                for t in value.split(',') {
                    let ty = RecordType::parse(t).ok_or_else(|| {
                        format!("unknown record type `{t}` (event, metric, span, degraded)")
                    })?;
                    if !f.types.contains(&ty) {
                        f.types.push(ty);
                    }
                }
            }
            "stage" | "s" => {
                let run = run.ok_or("select a run before filtering by stage")?;
                let stage = run
                    .child("stage", value)
                    .map_err(|e| format!("stage `{value}`: {e}"))?;
                f.stage = Some(stage);
            }
            "level" | "l" => {
                f.min_level = Some(Level::parse(value).ok_or_else(|| {
                    format!("unknown level `{value}` (debug, info, warning, error, critical)")
                })?);
            }
            "key" | "k" => f.key = Some(value.to_string()),
            _ => words.push(word),
        }
    }
    if !words.is_empty() {
        f.text = Some(words.join(" "));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_text() {
        let run = Ref::parse("run:p.r").unwrap();
        let f = parse_record_filter("type:event,span level:warn stage:train oom gpu", Some(&run))
            .unwrap();
        assert_eq!(f.types, vec![RecordType::Event, RecordType::Span]);
        assert_eq!(f.min_level, Some(Level::Warning));
        assert_eq!(f.stage.unwrap().as_str(), "stage:p.r.train");
        assert_eq!(f.text.as_deref(), Some("oom gpu"));
        assert!(parse_record_filter("type:bogus", None).is_err());
        assert!(parse_record_filter("", None).unwrap().is_empty());
    }
}
