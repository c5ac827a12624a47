//! `Span`: a timed block. Spans nest the way Python code nests them: a span opened while
//! another span of the same run is open on this thread is its child (as OpenTelemetry's
//! context does), so `with a:` … `with stage.span("b"):` keeps `b` under `a`.

use crate::guard::Owned;
use crate::outcome::ending;
use crate::run::Run;
use crate::stage::Stage;
use contexta::capture::SpanGuard;
use contexta::model::{SpanStatus, Status};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::cell::RefCell;
use std::sync::Mutex;

thread_local! {
    /// The spans open on this thread, innermost last: (run identity, span id).
    static OPEN: RefCell<Vec<(usize, String)>> = const { RefCell::new(Vec::new()) };
}

#[pyclass(frozen, module = "contexta")]
pub struct Span {
    run: Py<Run>,
    stage: Option<Py<Stage>>,
    name: String,
    /// Set when made by `Span.span` (else the innermost open span of the run on this thread).
    parent: Option<String>,
    guard: Mutex<Option<Owned<SpanGuard>>>,
    id: Mutex<Option<String>>,
}

impl Span {
    pub fn new(
        run: Py<Run>,
        stage: Option<Py<Stage>>,
        name: String,
        parent: Option<String>,
    ) -> Span {
        Span {
            run,
            stage,
            name,
            parent,
            guard: Mutex::new(None),
            id: Mutex::new(None),
        }
    }

    fn run_identity(&self) -> usize {
        self.run.as_ptr() as usize
    }
}

#[pymethods]
impl Span {
    /// The span id (`span-…`), once entered.
    #[getter]
    fn span_id(&self) -> Option<String> {
        self.id.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn __enter__(slf: &Bound<'_, Self>) -> PyResult<Py<Self>> {
        let span = slf.get();
        let mut guard = span.guard.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_some() {
            return Err(PyRuntimeError::new_err(format!(
                "span {:?} is already open",
                span.name
            )));
        }
        let me = span.run_identity();
        let parent = span.parent.clone().or_else(|| {
            OPEN.with(|open| {
                open.borrow()
                    .iter()
                    .rev()
                    .find(|(run, _)| *run == me)
                    .map(|(_, id)| id.clone())
            })
        });
        let g = match &span.stage {
            Some(stage) => stage.get().handle()?.span_in(&span.name, parent.as_deref()),
            None => span
                .run
                .get()
                .handle()?
                .span_in(&span.name, parent.as_deref()),
        };
        let id = g.span_id().to_string();
        OPEN.with(|open| open.borrow_mut().push((me, id.clone())));
        *span.id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        *guard = Some(Owned::new(g));
        Ok(slf.clone().unbind())
    }

    /// Ends the span (recorded with status `error` when the block raised, `cancelled` on
    /// Ctrl-C).
    #[pyo3(signature = (exc_type=None, exc=None, tb=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let end = ending(py, exc_type, exc, tb)?;
        let taken = self.guard.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(mut g) = taken else {
            return Ok(false);
        };
        let id = g.span_id().to_string();
        OPEN.with(|open| {
            let mut open = open.borrow_mut();
            if let Some(i) = open.iter().rposition(|(_, s)| *s == id) {
                open.remove(i);
            }
        });
        let status = match end.status {
            Status::Failed => SpanStatus::Error,
            Status::Cancelled => SpanStatus::Cancelled,
            _ => SpanStatus::Ok,
        };
        // In a forked child this refuses, and the guard is leaked rather than recorded.
        g.get_mut()?.set_status(status);
        drop(g);
        Ok(false)
    }

    /// A child span of this one.
    fn span(&self, py: Python<'_>, name: String) -> Span {
        Span::new(
            self.run.clone_ref(py),
            self.stage.as_ref().map(|s| s.clone_ref(py)),
            name,
            self.span_id(),
        )
    }

    fn __repr__(&self) -> String {
        format!("Span({:?})", self.name)
    }
}
