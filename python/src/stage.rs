//! `Stage`, and the batches and samples inside a stage.

use crate::convert;
use crate::guard::{Owned, py_err};
use crate::outcome::{EXCEPTION_EVENT, ending};
use crate::run::{Run, ingest_mode, one_point};
use crate::scope::{self, Scope};
use crate::span::Span;
use contexta::capture::StageHandle;
use contexta::model::{BatchExecution, Ref, SampleObservation, Status, canonical_metric_key};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// A stage of a run (`train`, `eval`). As a context manager it ends like a run: completed,
/// failed with an `exception` event, or cancelled on Ctrl-C.
#[pyclass(frozen, module = "contexta")]
pub struct Stage {
    handle: Owned<StageHandle>,
    pub(crate) run: Py<Run>,
    ref_text: String,
    ended: Mutex<bool>,
    /// The next batch's `order_index` when none is given.
    next_batch: AtomicU32,
}

impl Stage {
    pub fn new(handle: StageHandle, run: Py<Run>) -> Stage {
        Stage {
            ref_text: handle.stage_ref().to_string(),
            handle: Owned::new(handle),
            run,
            ended: Mutex::new(false),
            next_batch: AtomicU32::new(0),
        }
    }

    pub(crate) fn handle(&self) -> PyResult<&StageHandle> {
        self.handle.get()
    }

    pub(crate) fn stage_ref(&self) -> &Ref {
        self.handle.stage_ref()
    }

    fn end(&self, status: Status) -> PyResult<()> {
        let h = self.handle()?;
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        if !*ended {
            *ended = true;
            h.finish(status).map_err(py_err)?;
        }
        Ok(())
    }
}

#[pymethods]
impl Stage {
    /// The stage's ref, e.g. `stage:mnist.baseline.train`.
    #[getter(r#ref)]
    fn ref_(&self) -> &str {
        &self.ref_text
    }

    fn __enter__(slf: Py<Self>, py: Python<'_>) -> Py<Self> {
        scope::enter(Scope::Stage(slf.clone_ref(py)));
        slf
    }

    #[pyo3(signature = (exc_type=None, exc=None, tb=None))]
    fn __exit__(
        slf: &Bound<'_, Self>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        scope::leave(slf.as_ptr() as usize);
        let (py, stage) = (slf.py(), slf.get());
        let end = ending(py, exc_type, exc, tb)?;
        if let Some(e) = &end.error {
            stage
                .handle()?
                .event_with(EXCEPTION_EVENT, e.level, &e.summary(), e.attributes())
                .map_err(py_err)?;
        }
        stage.end(end.status)?;
        // Leaving a stage commits what it logged, like leaving a run.
        let h = stage.run.get().handle()?;
        py.detach(|| h.flush()).map_err(py_err)?;
        Ok(false)
    }

    /// Several metric points at one step in this stage (see `Run.log`).
    #[pyo3(signature = (metrics, step=None))]
    fn log(&self, metrics: &Bound<'_, PyAny>, step: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let h = self.handle()?;
        let step = convert::step(step)?;
        let points = convert::points(metrics)?;
        self.run
            .get()
            .keys
            .with_points(&points, |p| h.log(p, step))?
            .map_err(py_err)
    }

    /// One metric point in this stage.
    #[pyo3(signature = (key, value, step=None))]
    fn metric(
        &self,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        step: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let h = self.handle()?;
        let point = one_point(key, value)?;
        let step = convert::step(step)?;
        self.run
            .get()
            .keys
            .with_points(&point, |p| h.log(p, step))?
            .map_err(py_err)
    }

    #[pyo3(signature = (key, message, level="info", attributes=None))]
    fn event(
        &self,
        key: &str,
        message: &str,
        level: &str,
        attributes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let h = self.handle()?;
        let level = convert::level(level)?;
        let attributes = convert::attributes(attributes)?;
        h.event_with(key, level, message, attributes)
            .map_err(py_err)
    }

    /// A timed block in this stage; spans opened inside it are its children.
    fn span(slf: &Bound<'_, Self>, name: String) -> Span {
        let run = slf.get().run.clone_ref(slf.py());
        Span::new(run, Some(slf.clone().unbind()), name, None)
    }

    /// Stores a file and registers it with the run and this stage; returns the artifact ref.
    #[pyo3(signature = (kind, path, mode="copy"))]
    fn artifact(&self, py: Python<'_>, kind: &str, path: PathBuf, mode: &str) -> PyResult<String> {
        let run = self.run.get().handle()?;
        let mode = ingest_mode(mode)?;
        let stage_ref = self.stage_ref().clone();
        let manifest = py
            .detach(|| run.artifact(kind, &path, mode, Some(&stage_ref)))
            .map_err(py_err)?;
        Ok(manifest.artifact_ref.to_string())
    }

    /// A batch of this stage (an epoch, a chunk); `order` defaults to the count so far.
    #[pyo3(signature = (name, order=None))]
    fn batch(slf: &Bound<'_, Self>, name: &str, order: Option<u32>) -> PyResult<Batch> {
        let stage = slf.get();
        let order = order.unwrap_or_else(|| stage.next_batch.fetch_add(1, Ordering::Relaxed));
        let b = stage.handle()?.batch(name, order).map_err(py_err)?;
        Ok(Batch {
            ref_text: b.batch_execution_ref.to_string(),
            stage: slf.clone().unbind(),
            batch: Mutex::new(Some(b)),
        })
    }

    /// One observed item (a prompt, an image, a row) in this stage, or in `batch`.
    #[pyo3(signature = (name, batch=None))]
    fn sample(
        slf: &Bound<'_, Self>,
        name: &str,
        batch: Option<&Bound<'_, Batch>>,
    ) -> PyResult<Sample> {
        let batch_ref = match batch {
            Some(b) => Some(
                Ref::parse(&b.get().ref_text).map_err(|e| PyValueError::new_err(e.to_string()))?,
            ),
            None => None,
        };
        let s = slf
            .get()
            .handle()?
            .sample(name, batch_ref.as_ref())
            .map_err(py_err)?;
        Ok(Sample {
            ref_text: s.sample_observation_ref.to_string(),
            stage: slf.clone().unbind(),
            sample: s,
        })
    }

    /// Ends the stage with `status` (completed, failed, cancelled).
    #[pyo3(signature = (status="completed"))]
    fn finish(&self, status: &str) -> PyResult<()> {
        self.end(convert::status(status)?)
    }

    /// The reference runtime's name for `finish`.
    #[pyo3(signature = (*, status="completed"))]
    fn close(&self, status: &str) -> PyResult<()> {
        self.finish(status)
    }

    fn __repr__(&self) -> String {
        format!("Stage({:?})", self.ref_text)
    }
}

/// A batch inside a stage. As a context manager it ends completed, failed or cancelled.
#[pyclass(frozen, module = "contexta")]
pub struct Batch {
    stage: Py<Stage>,
    batch: Mutex<Option<BatchExecution>>,
    ref_text: String,
}

impl Batch {
    fn end(&self, status: Status) -> PyResult<()> {
        let stage = self.stage.get().handle()?;
        let taken = self.batch.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(b) = taken {
            stage.finish_batch(b, status).map_err(py_err)?;
        }
        Ok(())
    }
}

#[pymethods]
impl Batch {
    #[getter(r#ref)]
    fn ref_(&self) -> &str {
        &self.ref_text
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type=None, exc=None, tb=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let end = ending(py, exc_type, exc, tb)?;
        self.end(end.status)?;
        Ok(false)
    }

    /// A sample inside this batch.
    fn sample(&self, py: Python<'_>, name: &str) -> PyResult<Sample> {
        let batch_ref =
            Ref::parse(&self.ref_text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let stage = self.stage.bind(py);
        let s = stage
            .get()
            .handle()?
            .sample(name, Some(&batch_ref))
            .map_err(py_err)?;
        Ok(Sample {
            ref_text: s.sample_observation_ref.to_string(),
            stage: stage.clone().unbind(),
            sample: s,
        })
    }

    #[pyo3(signature = (status="completed"))]
    fn finish(&self, status: &str) -> PyResult<()> {
        self.end(convert::status(status)?)
    }

    /// The reference runtime's name for `finish`.
    #[pyo3(signature = (*, status="completed"))]
    fn close(&self, status: &str) -> PyResult<()> {
        self.finish(status)
    }

    fn __repr__(&self) -> String {
        format!("Batch({:?})", self.ref_text)
    }
}

/// One observed item; its metrics are per-sample (`aggregation_scope` slice).
#[pyclass(frozen, module = "contexta")]
pub struct Sample {
    stage: Py<Stage>,
    sample: SampleObservation,
    ref_text: String,
}

#[pymethods]
impl Sample {
    #[getter(r#ref)]
    fn ref_(&self) -> &str {
        &self.ref_text
    }

    /// A metric about this sample; the key is mapped like `log`'s.
    fn metric(&self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let stage = self.stage.get().handle()?;
        let v = convert::number(|| format!("metric {key:?}"), value)?;
        let key = canonical_metric_key(key).map_err(|e| PyValueError::new_err(e.to_string()))?;
        stage.sample_metric(&self.sample, &key, v).map_err(py_err)
    }

    fn __repr__(&self) -> String {
        format!("Sample({:?})", self.ref_text)
    }
}
