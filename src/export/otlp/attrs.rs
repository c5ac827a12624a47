//! OTLP attribute values from ours: strings, numbers and JSON values (attributes maps of spans,
//! events and degraded markers), with nested objects and arrays kept as key-value lists and
//! arrays rather than flattened to text.

use opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value,
};

pub fn any(v: Value) -> AnyValue {
    AnyValue { value: Some(v) }
}

pub fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(any(v)),
        ..Default::default()
    }
}

pub fn text(key: &str, v: impl Into<String>) -> KeyValue {
    kv(key, Value::StringValue(v.into()))
}

pub fn int(key: &str, v: i64) -> KeyValue {
    kv(key, Value::IntValue(v))
}

/// A JSON value as an OTLP value: integers that fit stay integers, `null` becomes an empty
/// value (OTLP's way to say "present, no value").
pub fn json(v: &serde_json::Value) -> AnyValue {
    use serde_json::Value as J;
    match v {
        J::Null => AnyValue { value: None },
        J::Bool(b) => any(Value::BoolValue(*b)),
        J::Number(n) => match n.as_i64() {
            Some(i) => any(Value::IntValue(i)),
            None => any(Value::DoubleValue(n.as_f64().unwrap_or(f64::NAN))),
        },
        J::String(s) => any(Value::StringValue(s.clone())),
        J::Array(a) => any(Value::ArrayValue(ArrayValue {
            values: a.iter().map(json).collect(),
        })),
        J::Object(o) => any(Value::KvlistValue(KeyValueList {
            values: o
                .iter()
                .map(|(k, v)| KeyValue {
                    key: k.clone(),
                    value: Some(json(v)),
                    ..Default::default()
                })
                .collect(),
        })),
    }
}

/// Every entry of a JSON attributes map, each under `prefix` + its key.
pub fn json_map<'a>(
    prefix: &'a str,
    map: impl IntoIterator<Item = (&'a String, &'a serde_json::Value)> + 'a,
) -> impl Iterator<Item = KeyValue> + 'a {
    map.into_iter().map(move |(k, v)| KeyValue {
        key: format!("{prefix}{k}"),
        value: Some(json(v)),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_keep_their_shape() {
        let v = serde_json::json!({"n": 3, "x": 0.5, "ok": true, "l": [1, "a"], "none": null});
        let Some(Value::KvlistValue(list)) = json(&v).value else {
            panic!("an object is a key-value list");
        };
        let get = |k: &str| {
            list.values
                .iter()
                .find(|e| e.key == k)
                .and_then(|e| e.value.clone())
                .unwrap()
                .value
        };
        assert_eq!(get("n"), Some(Value::IntValue(3)));
        assert_eq!(get("x"), Some(Value::DoubleValue(0.5)));
        assert_eq!(get("ok"), Some(Value::BoolValue(true)));
        assert_eq!(get("none"), None);
        let Some(Value::ArrayValue(a)) = get("l") else {
            panic!("an array stays an array");
        };
        assert_eq!(a.values.len(), 2);
    }
}
