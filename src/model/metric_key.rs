//! Metric keys as Python users write them (`train/loss`, `val_acc`, `Loss` — W&B, MLflow,
//! Lightning) mapped to canonical keys (`train.loss`, `val-acc`, `loss`; spec §2.2 allows only
//! lower-case dot tokens without `_`). One mapping for every writer: the Python client, the CLI's
//! `log metric --map-key` and `ingest --map-keys`.
//!
//! The rules, applied character by character, so the result never depends on other keys:
//! ASCII upper case becomes lower case; `/` becomes `.`; `_` and a space become `-`; lower-case
//! letters, digits, `-` and `.` stay. Anything else, an empty segment (`a//b`, `/loss`) or a
//! segment that does not start with a letter (`1st`, `_loss`) cannot be mapped and is refused.

use super::error::{ValidationError, dot_token};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// The field name errors carry.
const FIELD: &str = "metric_key";

/// The tag that keeps the name as written on a point whose key was mapped.
pub const DISPLAY_KEY_TAG: &str = "display_key";

/// The canonical form of a metric key as written; borrowed when it already is canonical.
pub fn canonical_metric_key(written: &str) -> Result<Cow<'_, str>, ValidationError> {
    if dot_token(FIELD, written).is_ok() {
        return Ok(Cow::Borrowed(written));
    }
    let refuse = |why: String| {
        ValidationError::new(
            FIELD,
            format!("`{written}` cannot be mapped to a canonical metric key: {why}"),
        )
    };
    let mut out = String::with_capacity(written.len());
    for ch in written.chars() {
        match ch {
            'A'..='Z' => out.push(ch.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '-' | '.' => out.push(ch),
            '/' => out.push('.'),
            '_' | ' ' => out.push('-'),
            other => {
                return Err(refuse(format!(
                    "the character {other:?} has no canonical form"
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(refuse("it is empty".into()));
    }
    for segment in out.split('.') {
        match segment.bytes().next() {
            None => {
                return Err(refuse(
                    "it has an empty segment (`//`, or `/` or `.` at an end)".into(),
                ));
            }
            Some(b) if !b.is_ascii_lowercase() => {
                return Err(refuse(format!(
                    "the segment `{segment}` does not start with a letter"
                )));
            }
            Some(_) => {}
        }
    }
    Ok(Cow::Owned(out))
}

/// A key ready to store: the canonical key, and the name as written when it differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedKey {
    pub key: String,
    pub display: Option<String>,
}

/// The keys one run has seen, so that two different names for one canonical key are refused
/// instead of silently merged into one series.
#[derive(Debug, Default)]
pub struct MetricKeyMap {
    /// Written name → mapped key.
    by_written: FxHashMap<String, MappedKey>,
    /// Canonical key → the name it was first written as.
    written_of: FxHashMap<String, String>,
}

impl MetricKeyMap {
    /// Maps every name of one call (names seen before are borrowed from the map); on any error
    /// nothing is remembered, so a refused call leaves the map as it was. Call `remember` with
    /// the call's keys once its points are accepted.
    pub fn plan<'a>(
        &self,
        written: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Cow<'_, MappedKey>>, ValidationError> {
        let mut planned: Vec<Cow<'_, MappedKey>> = Vec::new();
        for name in written {
            if let Some(known) = self.by_written.get(name) {
                planned.push(Cow::Borrowed(known));
                continue;
            }
            let key = canonical_metric_key(name)?.into_owned();
            let earlier = self.written_of.get(&key).map(String::as_str).or_else(|| {
                planned
                    .iter()
                    .find(|p| p.key == key)
                    .map(|p| p.display.as_deref().unwrap_or(&p.key))
            });
            if let Some(first) = earlier
                && first != name
            {
                return Err(ValidationError::new(
                    FIELD,
                    format!(
                        "`{name}` and `{first}` both map to the metric key `{key}`; \
                         use one name for one series"
                    ),
                ));
            }
            let display = (key != name).then(|| name.to_string());
            planned.push(Cow::Owned(MappedKey { key, display }));
        }
        Ok(planned)
    }

    /// Remembers the names of an accepted call (those `plan` had not seen).
    pub fn remember<'k>(&mut self, mapped: impl IntoIterator<Item = &'k MappedKey>) {
        for m in mapped {
            let written = m.display.as_deref().unwrap_or(&m.key);
            if !self.by_written.contains_key(written) {
                self.by_written.insert(written.to_string(), m.clone());
                self.written_of
                    .entry(m.key.clone())
                    .or_insert_with(|| written.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(k: &str) -> Result<String, String> {
        canonical_metric_key(k)
            .map(|c| c.into_owned())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn common_spellings_map_to_canonical_keys() {
        assert_eq!(map("train/loss").unwrap(), "train.loss");
        assert_eq!(map("val_acc").unwrap(), "val-acc");
        assert_eq!(map("Loss").unwrap(), "loss");
        assert_eq!(map("Train/Val_Loss").unwrap(), "train.val-loss");
        assert_eq!(map("epoch time").unwrap(), "epoch-time");
        assert_eq!(map("grad-norm").unwrap(), "grad-norm");
        assert_eq!(map("top5.acc").unwrap(), "top5.acc");
    }

    #[test]
    fn canonical_keys_are_borrowed_unchanged() {
        assert!(matches!(
            canonical_metric_key("train.loss").unwrap(),
            Cow::Borrowed("train.loss")
        ));
    }

    #[test]
    fn unmappable_keys_are_refused_naming_the_key() {
        for (bad, why) in [
            ("", "empty"),
            ("train//loss", "empty segment"),
            ("/loss", "empty segment"),
            ("loss/", "empty segment"),
            ("1st", "`1st` does not start with a letter"),
            ("train/_loss", "`-loss` does not start with a letter"),
            ("loss@5", "'@'"),
            ("loßs", "'ß'"),
        ] {
            let err = map(bad).unwrap_err();
            assert!(err.starts_with("metric_key: "), "{err}");
            assert!(err.contains(&format!("`{bad}`")), "{err}");
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn two_names_for_one_key_are_an_error_within_a_call_and_across_calls() {
        let mut keys = MetricKeyMap::default();
        let first: Vec<MappedKey> = keys
            .plan(["train/loss", "acc"])
            .unwrap()
            .into_iter()
            .map(Cow::into_owned)
            .collect();
        assert_eq!(
            first,
            vec![
                MappedKey {
                    key: "train.loss".into(),
                    display: Some("train/loss".into())
                },
                MappedKey {
                    key: "acc".into(),
                    display: None
                }
            ]
        );
        keys.remember(&first);
        let again = keys.plan(["train/loss"]).unwrap();
        assert!(
            matches!(again[0], Cow::Borrowed(_)),
            "a known name is not mapped again"
        );
        assert_eq!(*again[0], first[0]);
        let err = keys.plan(["train.loss"]).unwrap_err().to_string();
        assert!(err.contains("`train.loss` and `train/loss`"), "{err}");
        let err = keys.plan(["Acc"]).unwrap_err().to_string();
        assert!(
            err.contains("`Acc` and `acc` both map to the metric key `acc`"),
            "{err}"
        );
        let err = keys.plan(["val_loss", "val-loss"]).unwrap_err().to_string();
        assert!(err.contains("`val-loss` and `val_loss`"), "{err}");
    }

    #[test]
    fn a_refused_call_is_not_remembered() {
        let mut keys = MetricKeyMap::default();
        assert!(keys.plan(["Loss", "bad!"]).is_err());
        // Nothing of the refused call was stored, so `loss` is still free.
        let ok: Vec<MappedKey> = keys
            .plan(["loss"])
            .unwrap()
            .into_iter()
            .map(Cow::into_owned)
            .collect();
        keys.remember(&ok);
        assert!(keys.plan(["Loss"]).is_err());
    }
}
