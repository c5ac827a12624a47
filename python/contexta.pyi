"""Contexta's Python client: training scripts write straight into the live workspace.

Names follow the reference runtime (`run`, `stage`, `metric`, `event`, `span`,
`register_artifact`); see the README's "From Python" section for the differences.
"""

import os
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, SupportsFloat, Type, Union

__version__: str

#: A metric value: int, float, bool, a numpy scalar, a 0-d numpy array or a one-element
#: torch tensor (anything with ``.item()`` or ``__float__``). NaN and infinity are stored as
#: a ``metric.non_finite`` error marker, never as a point.
Number = Union[int, float, bool, SupportsFloat, Any]
StrPath = Union[str, "os.PathLike[str]"]
JsonValue = Union[None, bool, int, float, str, List[Any], Dict[str, Any]]

class ContextaError(RuntimeError):
    """A workspace or commit problem, or a session used from a forked child."""

class Contexta:
    """A session on one workspace: a writer handle and a background committer.

    ``workspace`` is the ``.contexta`` folder or the folder holding it; else
    ``$CONTEXTA_WORKSPACE``; else the nearest ``.contexta/`` walking up from the current
    folder; else a new ``./.contexta``. ``rank`` (else ``$RANK``, else ``$LOCAL_RANK``) is kept
    on every record as the tag ``rank``. Records are committed at least every
    ``commit_interval`` seconds (and in batches of up to 10,000 while logging fast).

    Each process opens its own session; a forked child that uses its parent's session gets a
    ``ContextaError``.
    """

    def __init__(
        self,
        workspace: Optional[StrPath] = None,
        *,
        rank: Optional[int] = None,
        commit_interval: float = 0.2,
    ) -> None: ...
    @property
    def workspace(self) -> str:
        """The ``.contexta`` folder this session writes into."""
    def run(
        self,
        name: Optional[str] = None,
        project: Optional[str] = None,
        params: Optional[Mapping[str, Any]] = None,
        *,
        description: Optional[str] = None,
    ) -> "Run":
        """Starts the run ``project``/``name`` (resuming it if it exists).

        ``project`` defaults to the current folder's name, ``name`` to ``run-<UTC time>``.
        When ``$CONTEXTA_RUN`` names a run (``contexta run -- CMD`` sets it), attaches to that
        run instead: ``name`` and ``project`` are not used and its status is left to whoever
        started it.
        """
    def flush(self) -> None:
        """Commits everything logged so far (without holding the GIL)."""
    # The reference runtime's context-bound calls: they act on the innermost run or stage
    # entered with ``with`` on this thread, and raise ``ContextaError`` outside one.
    def current_run(self) -> Optional["Run"]: ...
    def current_stage(self) -> Optional["Stage"]: ...
    def metric(self, key: str, value: Number, step: Optional[int] = None) -> None: ...
    def log(self, metrics: Mapping[str, Number], step: Optional[int] = None) -> None: ...
    def event(
        self,
        key: str,
        message: str,
        level: str = "info",
        attributes: Optional[Mapping[str, JsonValue]] = None,
    ) -> None: ...
    def span(self, name: str) -> "Span": ...
    def register_artifact(self, kind: str, path: StrPath, mode: str = "copy") -> str: ...

class Run:
    """One run. ``with ctx.run(...) as run:`` ends it completed; failed, with an
    ``exception`` error event (type, message, traceback), when the block raises; cancelled on
    Ctrl-C. Leaving the block commits everything."""

    @property
    def ref(self) -> str:
        """The run's ref, e.g. ``run:mnist.baseline``."""
    @property
    def attached(self) -> bool:
        """Whether this run was attached through ``$CONTEXTA_RUN``."""
    def __enter__(self) -> "Run": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
    def stage(self, name: str) -> "Stage":
        """A stage (``train``, ``eval``): a lower-kebab name."""
    def log(self, metrics: Mapping[str, Number], step: Optional[int] = None) -> None:
        """Several run-level metric points at one step.

        Keys are mapped to canonical keys (``train/loss`` -> ``train.loss``, ``val_acc`` ->
        ``val-acc``, ``Loss`` -> ``loss``), the name as written kept in the ``display_key``
        tag. All or nothing: a wrong type raises ``TypeError`` naming the key, an unmappable key
        or a second name for one key ``ValueError``, and nothing of the call is written.
        """
    def metric(self, key: str, value: Number, step: Optional[int] = None) -> None:
        """One run-level metric point (keys mapped as in ``log``)."""
    def event(
        self,
        key: str,
        message: str,
        level: str = "info",
        attributes: Optional[Mapping[str, JsonValue]] = None,
    ) -> None:
        """A structured event; ``key`` is a dotted lower-case name (``checkpoint.saved``),
        ``level`` debug, info, warning, error or critical."""
    def span(self, name: str) -> "Span":
        """A timed block: ``with run.span("load"):``."""
    def artifact(
        self,
        kind: str,
        path: StrPath,
        mode: str = "copy",
        stage: Optional["Stage"] = None,
    ) -> str:
        """Stores a file in the workspace (``mode`` copy, move or adopt) and registers it with
        this run; returns the artifact ref."""
    def register_artifact(
        self,
        kind: str,
        path: StrPath,
        mode: str = "copy",
        stage: Optional["Stage"] = None,
    ) -> str:
        """The reference runtime's name for ``artifact``."""
    def provenance(self, env: Optional[List[str]] = None, packages: bool = True) -> None:
        """Records where the run ran: Python version, platform, installed packages, host,
        user, working directory, command line, git commit and dirty flag, and the environment
        variables named in ``env``."""
    def set_params(self, params: Mapping[str, Any]) -> None:
        """Adds run params (stored as text)."""
    def describe(self, text: str) -> None: ...
    def deployment(
        self, name: str, artifact: Optional[str] = None, status: str = "completed"
    ) -> str:
        """Records a deployment of this run (optionally of an artifact ref); returns its ref."""
    def flush(self) -> None:
        """Commits everything logged so far."""
    def finish(self, status: str = "completed") -> None:
        """Ends the run (completed, failed or cancelled) and commits everything."""
    def close(self, *, status: str = "completed") -> None:
        """The reference runtime's name for ``finish``."""

class Stage:
    """A stage of a run; as a context manager it ends like a run."""

    @property
    def ref(self) -> str: ...
    def __enter__(self) -> "Stage": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
    def log(self, metrics: Mapping[str, Number], step: Optional[int] = None) -> None:
        """Several metric points at one step in this stage (see ``Run.log``)."""
    def metric(self, key: str, value: Number, step: Optional[int] = None) -> None: ...
    def event(
        self,
        key: str,
        message: str,
        level: str = "info",
        attributes: Optional[Mapping[str, JsonValue]] = None,
    ) -> None: ...
    def span(self, name: str) -> "Span": ...
    def artifact(self, kind: str, path: StrPath, mode: str = "copy") -> str: ...
    def batch(self, name: str, order: Optional[int] = None) -> "Batch":
        """A batch (an epoch, a chunk); ``order`` defaults to the count so far."""
    def sample(self, name: str, batch: Optional["Batch"] = None) -> "Sample":
        """One observed item (a prompt, an image, a row)."""
    def finish(self, status: str = "completed") -> None: ...
    def close(self, *, status: str = "completed") -> None: ...

class Batch:
    @property
    def ref(self) -> str: ...
    def __enter__(self) -> "Batch": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
    def sample(self, name: str) -> "Sample": ...
    def finish(self, status: str = "completed") -> None: ...
    def close(self, *, status: str = "completed") -> None: ...

class Sample:
    @property
    def ref(self) -> str: ...
    def metric(self, key: str, value: Number) -> None:
        """A metric about this sample (keys mapped as in ``Run.log``)."""

class Span:
    """A timed block. A span opened while another span of the same run is open on this
    thread is its child. Recorded with status ``error`` when the block raises."""

    @property
    def span_id(self) -> Optional[str]: ...
    def __enter__(self) -> "Span": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
    def span(self, name: str) -> "Span":
        """A child span of this one."""

def init(
    project: Optional[str] = None,
    name: Optional[str] = None,
    params: Optional[Mapping[str, Any]] = None,
    *,
    workspace: Optional[StrPath] = None,
    rank: Optional[int] = None,
) -> Run:
    """Starts the run of the module-level shorthands (ending the previous one). It is also
    ended at interpreter exit: completed, or failed/cancelled when the script died of an
    exception."""

def log(metrics: Mapping[str, Number], step: Optional[int] = None) -> None:
    """``Run.log`` on the run ``init`` started."""

def finish(status: str = "completed") -> None:
    """Ends the run ``init`` started."""
