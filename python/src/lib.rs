//! The `contexta` Python module: a thin binding over `contexta::capture`. Validation, key
//! mapping, refs, batching and commits all happen in the Rust capture layer; this crate only
//! converts Python values, maps errors to exceptions, and makes the handles context managers.

mod convert;
mod guard;
mod outcome;
mod run;
mod scope;
mod span;
mod stage;

use guard::ContextaError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Mutex;

// The capture hot path allocates per record; mimalloc is what the `contexta` binary uses too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The run of the module-level shorthands (`contexta.init` / `log` / `finish`).
static CURRENT: Mutex<Option<Py<run::Run>>> = Mutex::new(None);

fn current(py: Python<'_>) -> PyResult<Py<run::Run>> {
    CURRENT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|r| r.clone_ref(py))
        .ok_or_else(|| PyRuntimeError::new_err("no current run: call contexta.init(...) first"))
}

/// Starts a run for the module-level shorthands (as `wandb.init` / `mlflow.start_run`), ending
/// the previous one (completed) if there was one. Returns the run; it is also ended at
/// interpreter exit: completed, or failed / cancelled when the script died of an exception.
#[pyfunction]
#[pyo3(signature = (project=None, name=None, params=None, *, workspace=None, rank=None))]
fn init(
    py: Python<'_>,
    project: Option<String>,
    name: Option<String>,
    params: Option<&Bound<'_, PyAny>>,
    workspace: Option<PathBuf>,
    rank: Option<i64>,
) -> PyResult<Py<run::Run>> {
    finish(py, "completed")?;
    let ctx = Bound::new(
        py,
        run::Contexta::new(py, workspace, rank, run::DEFAULT_COMMIT_INTERVAL)?,
    )?;
    let run = ctx.call_method(
        "run",
        (name, project, params.map(|p| p.clone().unbind())),
        None,
    )?;
    let run: Py<run::Run> = run.cast_into::<run::Run>()?.unbind();
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(run.clone_ref(py));
    Ok(run)
}

/// `Run.log` on the current run.
#[pyfunction]
#[pyo3(signature = (metrics, step=None))]
fn log(
    py: Python<'_>,
    metrics: &Bound<'_, PyAny>,
    step: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    current(py)?.bind(py).call_method1("log", (metrics, step))?;
    Ok(())
}

/// Ends the current run (if any) with `status` and commits everything.
#[pyfunction]
#[pyo3(signature = (status="completed"))]
fn finish(py: Python<'_>, status: &str) -> PyResult<()> {
    let taken = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(run) = taken {
        let status = convert::status(status)?;
        run.get().end(py, status)?;
    }
    Ok(())
}

/// Registered with `atexit`: ends the shorthand run by how the script ended, then commits what
/// every live run buffered.
#[pyfunction]
fn _at_exit(py: Python<'_>) -> PyResult<()> {
    let taken = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(run) = taken {
        let run = run.get();
        if !run.is_ended() {
            // The interpreter sets sys.last_value when the script ends with an uncaught
            // exception, before atexit handlers run.
            let last = py.import("sys")?.getattr("last_value").ok();
            let last_type = last.as_ref().map(|e| e.get_type().into_any());
            let tb = last.as_ref().and_then(|e| e.getattr("__traceback__").ok());
            let end = outcome::ending(py, last_type.as_ref(), last.as_ref(), tb.as_ref())?;
            if let Some(e) = &end.error
                && let Ok(h) = run.handle()
            {
                let _ = h.event_with(
                    outcome::EXCEPTION_EVENT,
                    e.level,
                    &e.summary(),
                    e.attributes(),
                );
            }
            let _ = run.end(py, end.status);
        }
    }
    run::flush_live_runs(py);
    Ok(())
}

#[pymodule]
#[pyo3(name = "contexta")]
fn contexta_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    guard::install_fork_handler();
    m.add_class::<run::Contexta>()?;
    m.add_class::<run::Run>()?;
    m.add_class::<stage::Stage>()?;
    m.add_class::<stage::Batch>()?;
    m.add_class::<stage::Sample>()?;
    m.add_class::<span::Span>()?;
    m.add("ContextaError", m.py().get_type::<ContextaError>())?;
    m.add_function(wrap_pyfunction!(init, m)?)?;
    m.add_function(wrap_pyfunction!(log, m)?)?;
    m.add_function(wrap_pyfunction!(finish, m)?)?;
    let at_exit = wrap_pyfunction!(_at_exit, m)?;
    m.py()
        .import("atexit")?
        .call_method1("register", (at_exit,))?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
