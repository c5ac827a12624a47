//! Python values into what the capture API takes. Only conversion lives here: key mapping,
//! validation and the NaN rule are the capture layer's.

use contexta::model::{JsonMap, Level, Status};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

const NUMBER: &str =
    "a number (int, float, bool, a numpy scalar, or a one-element array or tensor)";

/// A metric value: int, float and bool directly; numpy scalars, 0-d arrays and torch scalar
/// tensors through `.item()`; anything else with `__float__` (Decimal, Fraction). Neither
/// numpy nor torch is imported.
/// `name` says what the value is for (`metric "loss"`); it is only built for an error.
pub fn number(name: impl Fn() -> String, v: &Bound<'_, PyAny>) -> PyResult<f64> {
    if v.is_instance_of::<PyFloat>() || v.is_instance_of::<PyInt>() {
        // bool is an int; a huge int overflows a float, which is a value error, not a type one.
        return v
            .extract::<f64>()
            .map_err(|e| PyValueError::new_err(format!("{}: {}", name(), e.value(v.py()))));
    }
    let refuse = |got: String| {
        PyTypeError::new_err(format!("{}: the value must be {NUMBER}, got {got}", name()))
    };
    let type_name = || {
        v.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "an object".into())
    };
    if v.is_instance_of::<PyString>() || v.is_none() {
        return Err(refuse(type_name()));
    }
    if v.hasattr("item")? {
        let item = v
            .call_method0("item")
            .map_err(|e| refuse(format!("{} ({})", type_name(), e.value(v.py()))))?;
        if item.is_instance_of::<PyFloat>() || item.is_instance_of::<PyInt>() {
            return item
                .extract::<f64>()
                .map_err(|e| PyValueError::new_err(format!("{}: {}", name(), e.value(v.py()))));
        }
        let item_type = item
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        return Err(refuse(format!("{} holding {item_type}", type_name())));
    }
    if v.hasattr("__float__")? {
        return v
            .call_method0("__float__")
            .and_then(|f| f.extract::<f64>())
            .map_err(|e| refuse(format!("{} ({})", type_name(), e.value(v.py()))));
    }
    Err(refuse(type_name()))
}

/// A step: an int (or anything with `__index__`, e.g. a numpy integer), never a bool.
pub fn step(v: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let refuse = || {
        let t = v
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        PyTypeError::new_err(format!("step must be an int, got {t}"))
    };
    if v.is_instance_of::<PyBool>() {
        return Err(refuse());
    }
    if v.is_instance_of::<PyInt>() {
        return v.extract::<i64>().map(Some);
    }
    if v.hasattr("__index__")? {
        return v.call_method0("__index__")?.extract::<i64>().map(Some);
    }
    Err(refuse())
}

/// Metric keys as `&str` without re-encoding them on every call. On the stable ABI for
/// Python 3.9, reading a `str` as UTF-8 allocates; training loops pass the same key objects
/// over and over, so the text is cached by object identity (the cache holds a reference, so an
/// identity cannot be reused by another object while cached).
#[derive(Default)]
pub struct KeyCache {
    by_object: Mutex<HashMap<usize, CachedKey>>,
}

/// The key object (held, so its identity stays its own) and its text.
type CachedKey = (Py<PyString>, Box<str>);

/// Keys beyond this many distinct objects are read each time (keys built per call, e.g.
/// f-strings, are new objects every time and would only fill the cache).
const KEY_CACHE_LIMIT: usize = 4096;

impl KeyCache {
    /// Calls `f` with the points as (key text, value).
    pub fn with_points<R>(
        &self,
        points: &[(Bound<'_, PyString>, f64)],
        f: impl FnOnce(&[(&str, f64)]) -> R,
    ) -> PyResult<R> {
        let mut cache = self.by_object.lock().unwrap_or_else(|e| e.into_inner());
        let mut uncached: Vec<Option<String>> = Vec::with_capacity(points.len());
        for (key, _) in points {
            let id = key.as_ptr() as usize;
            if cache.contains_key(&id) {
                uncached.push(None);
                continue;
            }
            let text = key.to_cow()?.into_owned();
            if cache.len() < KEY_CACHE_LIMIT {
                cache.insert(id, (key.clone().unbind(), text.into_boxed_str()));
                uncached.push(None);
            } else {
                uncached.push(Some(text));
            }
        }
        let texts: Vec<(&str, f64)> = points
            .iter()
            .zip(&uncached)
            .map(|((key, value), own)| match own {
                Some(text) => (text.as_str(), *value),
                None => (&*cache[&(key.as_ptr() as usize)].1, *value),
            })
            .collect();
        Ok(f(&texts))
    }
}

/// The points of a `log({...})` call: every key a `str`, every value a number; the first
/// offender raises `TypeError` naming it, before anything is written.
pub fn points<'py>(metrics: &Bound<'py, PyAny>) -> PyResult<Vec<(Bound<'py, PyString>, f64)>> {
    let mut out = Vec::new();
    let mut push = |k: Bound<'py, PyAny>, v: Bound<'py, PyAny>| -> PyResult<()> {
        let key = k.cast_into::<PyString>().map_err(|e| {
            let k = e.into_inner();
            PyTypeError::new_err(format!(
                "metric keys must be str, got {} ({})",
                k.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                k.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?;
        let value = number(|| format!("metric {}", key_repr(&key)), &v)?;
        out.push((key, value));
        Ok(())
    };
    if let Ok(dict) = metrics.cast::<PyDict>() {
        for (k, v) in dict.iter() {
            push(k, v)?;
        }
    } else if metrics.hasattr("items")? {
        for item in metrics.call_method0("items")?.try_iter()? {
            let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item?.extract()?;
            push(k, v)?;
        }
    } else {
        return Err(PyTypeError::new_err(format!(
            "log() takes a dict of metric name to value, got {}",
            metrics.get_type().name()?
        )));
    }
    Ok(out)
}

fn key_repr(key: &Bound<'_, PyString>) -> String {
    key.repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Run params: strings as they are, bools as `true`/`false`, numbers as Python prints them,
/// lists and dicts as JSON, anything else by `str()`. `None` values are left out.
pub fn params(v: Option<&Bound<'_, PyAny>>) -> PyResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(out);
    };
    let dict = v
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("params must be a dict"))?;
    for (k, v) in dict.iter() {
        let key: String = k.str()?.to_cow()?.into_owned();
        if v.is_none() {
            continue;
        }
        let text = if let Ok(s) = v.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else if v.is_instance_of::<PyBool>() {
            if v.is_truthy()? { "true" } else { "false" }.to_string()
        } else if v.is_instance_of::<PyDict>()
            || v.is_instance_of::<PyList>()
            || v.is_instance_of::<PyTuple>()
        {
            json(&format!("params[{key:?}]"), &v)?.to_string()
        } else {
            v.str()?.to_cow()?.into_owned()
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// Event attributes: JSON-able values (finite numbers; numpy scalars through `.item()`).
pub fn attributes(v: Option<&Bound<'_, PyAny>>) -> PyResult<JsonMap> {
    let mut out = JsonMap::default();
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(out);
    };
    let dict = v
        .cast::<PyDict>()
        .map_err(|_| PyTypeError::new_err("attributes must be a dict"))?;
    for (k, v) in dict.iter() {
        let key = k
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("attribute names must be str"))?
            .to_cow()?
            .into_owned();
        let value = json(&format!("attributes[{key:?}]"), &v)?;
        out.0.insert(key, value);
    }
    Ok(out)
}

fn json(path: &str, v: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if v.is_none() {
        return Ok(Value::Null);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(v.is_truthy()?));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = v.extract::<u64>() {
            return Ok(Value::from(u));
        }
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, item) in d.iter() {
            let k = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("{path}: keys must be str")))?
                .to_cow()?
                .into_owned();
            let value = json(&format!("{path}[{k:?}]"), &item)?;
            map.insert(k, value);
        }
        return Ok(Value::Object(map));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in v.try_iter()?.enumerate() {
            items.push(json(&format!("{path}[{i}]"), &item?)?);
        }
        return Ok(Value::Array(items));
    }
    let f = number(|| path.to_string(), v).map_err(|_| {
        PyTypeError::new_err(format!(
            "{path}: must be JSON-able (str, int, float, bool, None, list, dict), got {}",
            v.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| PyValueError::new_err(format!("{path}: numbers must be finite, got {f}")))
}

pub fn status(s: &str) -> PyResult<Status> {
    Status::parse(s).ok_or_else(|| {
        PyValueError::new_err(format!(
            "status {s:?} is not open, completed, failed or cancelled"
        ))
    })
}

pub fn level(s: &str) -> PyResult<Level> {
    Level::parse(s).ok_or_else(|| {
        PyValueError::new_err(format!(
            "level {s:?} is not debug, info, warning, error or critical"
        ))
    })
}
