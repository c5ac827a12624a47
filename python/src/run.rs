//! `Contexta` (a session on one workspace) and `Run`.

use crate::convert::{self, KeyCache};
use crate::guard::{Origin, Owned, py_err};
use crate::outcome::{EXCEPTION_EVENT, ending};
use crate::scope::{self, Scope};
use crate::span::Span;
use crate::stage::Stage;
use contexta::capture::{CommitPolicy, IngestMode, RunHandle, Session, provenance};
use contexta::model::{Extension, Status, Timestamp};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Seconds a record waits at most before it is committed: short enough that a point is on the
/// explorer's screen about a quarter of a second after `log()` returned (the explorer wakes on
/// the commit), long enough that a slow logger commits only a few times a second. A fast logger
/// commits by size (10,000 records) instead, so this costs it nothing.
pub const DEFAULT_COMMIT_INTERVAL: f64 = 0.2;

/// The producer stamped on every record the Python client writes.
const PRODUCER: &str = "contexta.python";

/// Every live run of this process, so the interpreter's exit commits what they buffered even
/// when a script never closes them.
static LIVE_RUNS: Mutex<Vec<(Origin, Weak<RunHandle>)>> = Mutex::new(Vec::new());

/// Commits the buffered records of every live run (at interpreter exit). Runs a forked child
/// inherited are skipped: their committer is in the parent.
pub fn flush_live_runs(py: Python<'_>) {
    let runs: Vec<Arc<RunHandle>> = LIVE_RUNS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(origin, _)| !origin.forked())
        .filter_map(|(_, run)| run.upgrade())
        .collect();
    py.detach(|| {
        for run in &runs {
            let _ = run.flush();
        }
    });
}

/// A session on one workspace: a writer handle and a background committer. One per process
/// (a forked child opens its own).
#[pyclass(frozen, module = "contexta")]
pub struct Contexta {
    session: Owned<Arc<Session>>,
    root: PathBuf,
}

#[pymethods]
impl Contexta {
    /// Opens the workspace: `workspace` (the `.contexta` folder or the folder holding it), else
    /// `$CONTEXTA_WORKSPACE`, else the nearest `.contexta/` walking up from the current
    /// folder, else a new `./.contexta`. `rank` (else `$RANK`, else `$LOCAL_RANK`) is kept on
    /// every record. Records are committed at least every `commit_interval` seconds.
    #[new]
    // `commit_interval` is DEFAULT_COMMIT_INTERVAL, written out so Python's signature shows it.
    #[pyo3(signature = (workspace=None, *, rank=None, commit_interval=0.2))]
    pub(crate) fn new(
        py: Python<'_>,
        workspace: Option<PathBuf>,
        rank: Option<i64>,
        commit_interval: f64,
    ) -> PyResult<Self> {
        if !(commit_interval.is_finite() && commit_interval > 0.0 && commit_interval <= 3600.0) {
            return Err(PyValueError::new_err(format!(
                "commit_interval must be a number of seconds in (0, 3600], got {commit_interval}"
            )));
        }
        let cwd = std::env::current_dir()?;
        let root = contexta::store::locate(workspace.as_deref(), &cwd)
            .unwrap_or_else(|| cwd.join(contexta::store::WORKSPACE_DIR));
        let policy = CommitPolicy {
            interval: Duration::from_secs_f64(commit_interval),
            ..CommitPolicy::default()
        };
        let mut session = py
            .detach(|| Session::open_with(&root, policy))
            .map_err(py_err)?;
        session.set_producer(PRODUCER).map_err(py_err)?;
        let rank = rank.map(|r| r.to_string()).or_else(|| {
            ["RANK", "LOCAL_RANK"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        });
        if let Some(rank) = rank {
            session.set_record_tag("rank", &rank).map_err(py_err)?;
        }
        Ok(Contexta {
            session: Owned::new(Arc::new(session)),
            root,
        })
    }

    /// The `.contexta` folder this session writes into.
    #[getter]
    fn workspace(&self) -> String {
        self.root.display().to_string()
    }

    /// Starts a run (or resumes the run of that name), or, when `$CONTEXTA_RUN` names a run
    /// (as `contexta run -- CMD` sets it), attaches to that run: then `name` and `project` are
    /// not used and the run's status is left to whoever started it.
    #[pyo3(signature = (name=None, project=None, params=None, *, description=None))]
    fn run(
        &self,
        py: Python<'_>,
        name: Option<String>,
        project: Option<String>,
        params: Option<&Bound<'_, PyAny>>,
        description: Option<String>,
    ) -> PyResult<Run> {
        let session = self.session.get()?;
        let params = convert::params(params)?;
        let attach = std::env::var("CONTEXTA_RUN")
            .ok()
            .filter(|s| !s.trim().is_empty());
        let (handle, attached) = match attach {
            Some(text) => {
                let rref =
                    contexta::query::resolve_run(session.workspace(), &text).map_err(|e| {
                        crate::guard::ContextaError::new_err(format!("CONTEXTA_RUN={text}: {e}"))
                    })?;
                (session.resume_run(&rref).map_err(py_err)?, true)
            }
            None => {
                let name = name.unwrap_or_else(default_run_name);
                let project = project.unwrap_or_else(default_project);
                (
                    py.detach(|| session.start_run(&project, &name))
                        .map_err(py_err)?,
                    false,
                )
            }
        };
        if !params.is_empty() {
            handle.params(&params);
        }
        if let Some(d) = description {
            handle.describe(&d);
        }
        Ok(Run::new(handle, attached, self.id()))
    }

    /// Commits everything logged so far (waiting for the write lock if another process holds
    /// it; other Python threads keep running).
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let session = self.session.get()?;
        py.detach(|| session.flush()).map_err(py_err)
    }

    /// The innermost run entered with `with` on this thread, if any.
    fn current_run<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        scope::innermost(py, self.id(), true)
    }

    /// The innermost stage entered with `with` on this thread, if it is the innermost scope.
    fn current_stage<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        scope::innermost(py, self.id(), false).filter(|s| s.is_instance_of::<Stage>())
    }

    /// `metric` on the innermost open stage or run (the reference runtime's `ctx.metric`).
    #[pyo3(signature = (key, value, step=None))]
    fn metric(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        step: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.scope(py)?.call_method1("metric", (key, value, step))?;
        Ok(())
    }

    /// `log` on the innermost open stage or run.
    #[pyo3(signature = (metrics, step=None))]
    fn log(
        &self,
        py: Python<'_>,
        metrics: &Bound<'_, PyAny>,
        step: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.scope(py)?.call_method1("log", (metrics, step))?;
        Ok(())
    }

    /// `event` on the innermost open stage or run.
    #[pyo3(signature = (key, message, level="info", attributes=None))]
    fn event(
        &self,
        py: Python<'_>,
        key: &str,
        message: &str,
        level: &str,
        attributes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.scope(py)?
            .call_method1("event", (key, message, level, attributes))?;
        Ok(())
    }

    /// `span` on the innermost open stage or run.
    fn span<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.scope(py)?.call_method1("span", (name,))
    }

    /// `artifact` on the innermost open stage or run; returns the artifact ref.
    #[pyo3(signature = (kind, path, mode="copy"))]
    fn register_artifact<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        path: PathBuf,
        mode: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.scope(py)?.call_method1("artifact", (kind, path, mode))
    }

    fn __repr__(&self) -> String {
        format!("Contexta(workspace={:?})", self.root.display().to_string())
    }
}

impl Contexta {
    /// Identifies this session's runs and stages among the open scopes.
    fn id(&self) -> usize {
        Arc::as_ptr(&*self.session) as usize
    }

    fn scope<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.session.get()?;
        scope::innermost(py, self.id(), false).ok_or_else(|| {
            crate::guard::ContextaError::new_err(
                "no open run: call this inside `with ctx.run(...)` (or use the run's own methods)",
            )
        })
    }
}

/// `run-20261201-153000` (UTC), for a run started without a name.
fn default_run_name() -> String {
    let now = Timestamp::now().to_string();
    let digits: String = now.chars().filter(char::is_ascii_digit).take(14).collect();
    format!("run-{}-{}", &digits[..8], &digits[8..])
}

/// The current folder's name, as `contexta run` uses it.
fn default_project() -> String {
    std::env::current_dir()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !contexta::model::slug(n).is_empty())
        .unwrap_or_else(|| "default".into())
}

/// One run. As a context manager it ends `completed`, `failed` when the block raises (with an
/// `exception` error event holding the type, message and traceback) or `cancelled` on Ctrl-C;
/// leaving it commits everything.
#[pyclass(frozen, module = "contexta")]
pub struct Run {
    pub(crate) handle: Owned<Arc<RunHandle>>,
    /// The session it was made in (which `Contexta` its scope belongs to).
    session_id: usize,
    /// Metric key text by key object, shared by the run's stages.
    pub(crate) keys: KeyCache,
    ref_text: String,
    attached: bool,
    ended: Mutex<Option<Status>>,
}

impl Run {
    fn new(handle: RunHandle, attached: bool, session_id: usize) -> Run {
        let handle = Arc::new(handle);
        {
            let mut live = LIVE_RUNS.lock().unwrap_or_else(|e| e.into_inner());
            live.retain(|(_, w)| w.strong_count() > 0);
            live.push((Origin::here(), Arc::downgrade(&handle)));
        }
        Run {
            ref_text: handle.run_ref().to_string(),
            handle: Owned::new(handle),
            session_id,
            keys: KeyCache::default(),
            attached,
            ended: Mutex::new(None),
        }
    }

    pub(crate) fn handle(&self) -> PyResult<&RunHandle> {
        Ok(self.handle.get()?)
    }

    /// Ends the run once: the status (unless attached), then a commit without the GIL.
    pub(crate) fn end(&self, py: Python<'_>, status: Status) -> PyResult<()> {
        let h = self.handle()?;
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        if ended.is_some() {
            return py.detach(|| h.flush()).map_err(py_err);
        }
        *ended = Some(status);
        drop(ended);
        if self.attached {
            py.detach(|| h.flush()).map_err(py_err)
        } else {
            py.detach(|| h.finish(status)).map_err(py_err)
        }
    }

    pub(crate) fn session_id(&self) -> usize {
        self.session_id
    }

    pub(crate) fn is_ended(&self) -> bool {
        self.ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

#[pymethods]
impl Run {
    /// The run's ref, e.g. `run:mnist.baseline`.
    #[getter(r#ref)]
    fn ref_(&self) -> &str {
        &self.ref_text
    }

    /// Whether this run was attached through `$CONTEXTA_RUN`.
    #[getter]
    fn attached(&self) -> bool {
        self.attached
    }

    fn __enter__(slf: Py<Self>, py: Python<'_>) -> Py<Self> {
        scope::enter(Scope::Run(slf.clone_ref(py)));
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
        let run = slf.get();
        let end = ending(slf.py(), exc_type, exc, tb)?;
        if let Some(e) = &end.error {
            run.handle()?
                .event_with(EXCEPTION_EVENT, e.level, &e.summary(), e.attributes())
                .map_err(py_err)?;
        }
        run.end(slf.py(), end.status)?;
        Ok(false)
    }

    /// A stage of this run (`with run.stage("train") as train:`).
    fn stage(slf: &Bound<'_, Self>, name: &str) -> PyResult<Stage> {
        let handle = slf.get().handle()?.stage(name).map_err(py_err)?;
        Ok(Stage::new(handle, slf.clone().unbind()))
    }

    /// Several run-level metric points at one step: `run.log({"loss": 0.3, "acc": 0.9}, step=10)`.
    /// Keys are mapped to canonical keys (`train/loss` → `train.loss`); all or nothing.
    #[pyo3(signature = (metrics, step=None))]
    fn log(&self, metrics: &Bound<'_, PyAny>, step: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let h = self.handle()?;
        let step = convert::step(step)?;
        let points = convert::points(metrics)?;
        self.keys
            .with_points(&points, |p| h.log(p, step))?
            .map_err(py_err)
    }

    /// One run-level metric point.
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
        self.keys
            .with_points(&point, |p| h.log(p, step))?
            .map_err(py_err)
    }

    /// A structured event (`key` a dotted lower-case name such as `checkpoint.saved`).
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

    /// A timed block (`with run.span("load"):`); spans opened inside it are its children.
    fn span(slf: &Bound<'_, Self>, name: String) -> Span {
        Span::new(slf.clone().unbind(), None, name, None)
    }

    /// Stores a file in the workspace's artifact store (`mode` copy, move or adopt) and
    /// registers it with this run (and `stage`, if given); returns the artifact ref.
    #[pyo3(signature = (kind, path, mode="copy", stage=None))]
    fn artifact(
        &self,
        py: Python<'_>,
        kind: &str,
        path: PathBuf,
        mode: &str,
        stage: Option<&Bound<'_, Stage>>,
    ) -> PyResult<String> {
        let h = self.handle()?;
        let mode = ingest_mode(mode)?;
        let stage_ref = stage.map(|s| s.get().stage_ref().clone());
        let manifest = py
            .detach(|| h.artifact(kind, &path, mode, stage_ref.as_ref()))
            .map_err(py_err)?;
        Ok(manifest.artifact_ref.to_string())
    }

    /// The reference runtime's name for `artifact`.
    #[pyo3(signature = (kind, path, mode="copy", stage=None))]
    fn register_artifact(
        &self,
        py: Python<'_>,
        kind: &str,
        path: PathBuf,
        mode: &str,
        stage: Option<&Bound<'_, Stage>>,
    ) -> PyResult<String> {
        self.artifact(py, kind, path, mode, stage)
    }

    /// Records where this run ran: Python version, platform, installed packages (unless
    /// `packages=False`), host, user, working directory, command line, git commit and dirty
    /// flag, and the environment variables named in `env`.
    #[pyo3(signature = (env=None, packages=true))]
    fn provenance(&self, py: Python<'_>, env: Option<Vec<String>>, packages: bool) -> PyResult<()> {
        let h = self.handle()?;
        let names: Vec<String> = env.unwrap_or_default();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let run_ref = h.run_ref().clone();
        let mut snap = py
            .detach(|| provenance::snapshot(&run_ref, &names, Timestamp::now()))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        snap.python_version = py
            .import("platform")?
            .call_method0("python_version")?
            .extract()?;
        if packages {
            snap.packages = installed_packages(py)?;
        }
        let executable: Option<String> = py.import("sys")?.getattr("executable")?.extract()?;
        if let (Some(exe), Some(ext)) = (
            executable.filter(|e| !e.is_empty()),
            snap.extensions
                .iter_mut()
                .find(|e: &&mut Extension| e.namespace == "contexta.provenance"),
        ) {
            ext.fields.insert("python_executable", exe);
        }
        h.environment(snap).map_err(py_err)?;
        Ok(())
    }

    /// Adds run params (values as text).
    fn set_params(&self, params: &Bound<'_, PyAny>) -> PyResult<()> {
        let h = self.handle()?;
        h.params(&convert::params(Some(params))?);
        Ok(())
    }

    fn describe(&self, text: &str) -> PyResult<()> {
        self.handle()?.describe(text);
        Ok(())
    }

    /// Records a deployment of this run (project-scoped, optionally of an artifact ref);
    /// returns its ref.
    #[pyo3(signature = (name, artifact=None, status="completed"))]
    fn deployment(&self, name: &str, artifact: Option<&str>, status: &str) -> PyResult<String> {
        let h = self.handle()?;
        let status = convert::status(status)?;
        let artifact = artifact
            .map(contexta::model::Ref::parse)
            .transpose()
            .map_err(|e| PyValueError::new_err(format!("artifact: {e}")))?;
        let d = h
            .deployment(name, artifact.as_ref(), status)
            .map_err(py_err)?;
        Ok(d.deployment_execution_ref.to_string())
    }

    /// Commits everything logged so far.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let h = self.handle()?;
        py.detach(|| h.flush()).map_err(py_err)
    }

    /// Ends the run with `status` (completed, failed, cancelled) and commits everything.
    #[pyo3(signature = (status="completed"))]
    fn finish(&self, py: Python<'_>, status: &str) -> PyResult<()> {
        let status = convert::status(status)?;
        self.end(py, status)
    }

    /// The reference runtime's name for `finish`.
    #[pyo3(signature = (*, status="completed"))]
    fn close(&self, py: Python<'_>, status: &str) -> PyResult<()> {
        self.finish(py, status)
    }

    fn __repr__(&self) -> String {
        format!("Run({:?})", self.ref_text)
    }
}

/// One `(key, value)` as a one-point `log` call.
pub(crate) fn one_point<'py>(
    key: &Bound<'py, PyAny>,
    value: &Bound<'py, PyAny>,
) -> PyResult<Vec<(Bound<'py, PyString>, f64)>> {
    let key = key.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "metric keys must be str, got {}",
            key.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    let v = convert::number(
        || {
            format!(
                "metric {}",
                key.repr().map(|r| r.to_string()).unwrap_or_default()
            )
        },
        value,
    )?;
    Ok(vec![(key.clone(), v)])
}

pub(crate) fn ingest_mode(mode: &str) -> PyResult<IngestMode> {
    IngestMode::parse(mode)
        .ok_or_else(|| PyValueError::new_err(format!("mode {mode:?} is not copy, move or adopt")))
}

/// `{name: version}` of the installed distributions, through `importlib.metadata`.
fn installed_packages(py: Python<'_>) -> PyResult<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    let dists = py
        .import("importlib.metadata")?
        .call_method0("distributions")?;
    for dist in dists.try_iter()? {
        let dist = dist?;
        let name: Option<String> = dist
            .getattr("metadata")?
            .call_method1("get", ("Name",))?
            .extract()?;
        let version: Option<String> = dist.getattr("version")?.extract().ok();
        if let (Some(n), Some(v)) = (name, version)
            && !n.trim().is_empty()
            && !v.trim().is_empty()
        {
            // The first on sys.path wins, as for `import`.
            out.entry(n.trim().to_string())
                .or_insert_with(|| v.trim().to_string());
        }
    }
    Ok(out)
}
