"""Fixtures: a fresh workspace per test, a clean environment, and the real `contexta` binary to
read back what the client wrote (`tests/python_client.rs` passes it as CONTEXTA_BIN; by hand,
`cargo build` first)."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _binary() -> str:
    explicit = os.environ.get("CONTEXTA_BIN")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("debug", "release"):
        candidate = target / profile / "contexta"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("contexta")
    if found:
        return found
    raise RuntimeError("no contexta binary: run `cargo build` or set CONTEXTA_BIN")


BIN = _binary()

#: Variables that change what the client does; tests set them explicitly when they want them.
CLIENT_ENV = ("CONTEXTA_RUN", "CONTEXTA_WORKSPACE", "RANK", "LOCAL_RANK")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in CLIENT_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ws(tmp_path) -> Path:
    """The `.contexta` folder of a new workspace (created by the first writer)."""
    return tmp_path / ".contexta"


def cli(ws: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLIENT_ENV}
    env["NO_COLOR"] = "1"
    out = subprocess.run(
        [BIN, "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    if check and out.returncode != 0:
        raise AssertionError(f"contexta {' '.join(args)} exited {out.returncode}: {out.stderr}")
    return out


def cli_json(ws: Path, *args: str):
    return json.loads(cli(ws, "--format", "json", *args).stdout)


def records(ws: Path, run: str, *extra: str):
    return cli_json(ws, "records", run, *extra)


def metrics(ws: Path, run: str):
    """(key, value, step tag, display_key tag, stage name) of every metric point, in order."""
    out = []
    for r in records(ws, run, "--type", "metric"):
        p = r["payload"]
        stage = r["envelope"].get("stage_execution_ref")
        out.append(
            (
                p["metric_key"],
                p["value"],
                p.get("tags", {}).get("step"),
                p.get("tags", {}).get("display_key"),
                stage.rsplit(".", 1)[-1] if stage else None,
            )
        )
    return out


def run_of(ws: Path, ref: str):
    return next(r for r in cli_json(ws, "runs") if r["ref"] == ref)


def python_script(tmp_path: Path, body: str, *, env=None, cwd=None, timeout=120):
    """Runs `body` in a new interpreter (this one's, so the built client is importable)."""
    script = tmp_path / f"script_{abs(hash(body))}.py"
    script.write_text(textwrap.dedent(body))
    full_env = {k: v for k, v in os.environ.items() if k not in CLIENT_ENV}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or tmp_path,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
