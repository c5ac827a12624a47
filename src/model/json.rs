//! Free-form JSON values inside the model (`attributes`, `extensions`). In JSON they are plain
//! maps; in postcard (which cannot describe self-typed values) they travel as JSON text.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonMap(pub BTreeMap<String, serde_json::Value>);

impl JsonMap {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn insert(&mut self, k: impl Into<String>, v: impl Into<serde_json::Value>) {
        self.0.insert(k.into(), v.into());
    }
    /// Reference rule: attribute values are JSON with finite numbers only.
    pub fn check(&self, field: &str) -> Result<(), String> {
        fn finite(v: &serde_json::Value) -> bool {
            match v {
                serde_json::Value::Number(n) => n.as_f64().is_none_or(f64::is_finite),
                serde_json::Value::Array(a) => a.iter().all(finite),
                serde_json::Value::Object(o) => o.values().all(finite),
                _ => true,
            }
        }
        for (k, v) in &self.0 {
            if k.trim().is_empty() {
                return Err(format!("{field}: keys must be non-blank"));
            }
            if !finite(v) {
                return Err(format!("{field}.{k}: numbers must be finite"));
            }
        }
        Ok(())
    }
}

impl Serialize for JsonMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            self.0.serialize(s)
        } else {
            let text = serde_json::to_string(&self.0).map_err(serde::ser::Error::custom)?;
            s.serialize_str(&text)
        }
    }
}

impl<'de> Deserialize<'de> for JsonMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            Ok(JsonMap(BTreeMap::deserialize(d)?))
        } else {
            let text = String::deserialize(d)?;
            serde_json::from_str(&text)
                .map(JsonMap)
                .map_err(serde::de::Error::custom)
        }
    }
}

/// `extensions`: namespaced field bags (spec §1.2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub namespace: String,
    pub fields: JsonMap,
    #[serde(default)]
    pub readonly_fields: Vec<String>,
}

pub fn check_extensions(field: &str, exts: &[Extension]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    for e in exts {
        let ns_ok = e.namespace.len() <= 128
            && e.namespace.split('.').count() >= 2
            && e.namespace.split('.').all(|seg| {
                seg.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !ns_ok {
            return Err(format!(
                "{field}: namespace `{}` must be dotted lower-case segments (at least two)",
                e.namespace
            ));
        }
        if !seen.insert(&e.namespace) {
            return Err(format!("{field}: namespace `{}` repeated", e.namespace));
        }
        if e.fields.is_empty() {
            return Err(format!("{field}.{}: fields must not be empty", e.namespace));
        }
        for r in &e.readonly_fields {
            if !e.fields.0.contains_key(r) {
                return Err(format!(
                    "{field}.{}: readonly field `{r}` is not among fields",
                    e.namespace
                ));
            }
        }
    }
    Ok(())
}

/// A JSON value in canonical form: object keys sorted, nulls dropped at every level (spec §2.3).
pub fn canonical(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, canonical(v)))
                .collect(),
        ),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(canonical).collect())
        }
        other => other,
    }
}

/// An entity as canonical JSON: nulls dropped, and our additions (`params`, `inferred`) left
/// out when empty so the reference reads the line unchanged.
pub fn entity_json<T: serde::Serialize>(entity: &T) -> serde_json::Value {
    let mut v = canonical(serde_json::to_value(entity).unwrap_or_default());
    if let Some(obj) = v.as_object_mut() {
        if obj
            .get("params")
            .is_some_and(|p| p.as_object().is_some_and(|m| m.is_empty()))
        {
            obj.remove("params");
        }
        if obj.get("inferred") == Some(&serde_json::Value::Bool(false)) {
            obj.remove("inferred");
        }
    }
    v
}
