//! How a `with` block ended, from `__exit__`'s arguments: normally (completed), by Ctrl-C
//! (cancelled) or by an exception (failed), with what the error event records.

use contexta::model::{JsonMap, Level, Status};
use pyo3::exceptions::{PyGeneratorExit, PyKeyboardInterrupt, PySystemExit};
use pyo3::prelude::*;

/// The event key of the record a failed or interrupted block leaves.
pub const EXCEPTION_EVENT: &str = "exception";

pub struct Ending {
    pub status: Status,
    /// The error event to record, when the block raised.
    pub error: Option<RaisedError>,
}

pub struct RaisedError {
    pub type_name: String,
    pub message: String,
    pub traceback: String,
    pub level: Level,
}

impl RaisedError {
    /// `ValueError: bad input` (the type alone when the message is empty).
    pub fn summary(&self) -> String {
        if self.message.trim().is_empty() {
            self.type_name.clone()
        } else {
            format!("{}: {}", self.type_name, self.message)
        }
    }

    pub fn attributes(&self) -> JsonMap {
        let mut a = JsonMap::default();
        a.insert("type", self.type_name.clone());
        a.insert("message", self.message.clone());
        a.insert("traceback", self.traceback.clone());
        a
    }
}

pub fn ending(
    py: Python<'_>,
    exc_type: Option<&Bound<'_, PyAny>>,
    exc: Option<&Bound<'_, PyAny>>,
    tb: Option<&Bound<'_, PyAny>>,
) -> PyResult<Ending> {
    let (Some(exc_type), Some(exc)) = (
        exc_type.filter(|t| !t.is_none()),
        exc.filter(|e| !e.is_none()),
    ) else {
        return Ok(Ending {
            status: Status::Completed,
            error: None,
        });
    };
    if exc.is_instance_of::<PySystemExit>() {
        // sys.exit() / sys.exit(0) inside the block is a normal end.
        let code = exc.getattr("code")?;
        if code.is_none() || code.extract::<i64>().is_ok_and(|c| c == 0) {
            return Ok(Ending {
                status: Status::Completed,
                error: None,
            });
        }
    }
    let interrupted =
        exc.is_instance_of::<PyKeyboardInterrupt>() || exc.is_instance_of::<PyGeneratorExit>();
    let module: String = exc_type.getattr("__module__")?.extract()?;
    let qualname: String = exc_type.getattr("__qualname__")?.extract()?;
    let type_name = if module == "builtins" {
        qualname
    } else {
        format!("{module}.{qualname}")
    };
    let traceback: Vec<String> = py
        .import("traceback")?
        .call_method1(
            "format_exception",
            (
                exc_type,
                exc,
                tb.cloned().unwrap_or_else(|| py.None().into_bound(py)),
            ),
        )?
        .extract()?;
    Ok(Ending {
        status: if interrupted {
            Status::Cancelled
        } else {
            Status::Failed
        },
        error: Some(RaisedError {
            type_name,
            message: exc.str()?.to_cow()?.into_owned(),
            traceback: traceback.concat(),
            level: if interrupted {
                Level::Warning
            } else {
                Level::Error
            },
        }),
    })
}
