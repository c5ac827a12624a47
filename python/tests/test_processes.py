"""Several processes: two writers into one run at once lose nothing; a forked child is refused
cleanly (and can open its own session); CONTEXTA_RUN attaches, CONTEXTA_WORKSPACE names the
workspace, and the rank is kept on every record."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

import contexta
from conftest import CLIENT_ENV, cli, cli_json, python_script, records, run_of

POINTS_PER_WRITER = 20_000


def wait_for(what, predicate, deadline_s=60.0):
    end = time.monotonic() + deadline_s
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def test_two_processes_log_into_one_run_at_once_and_nothing_is_lost(ws, tmp_path):
    go = tmp_path / "go"
    writer = tmp_path / "writer.py"
    writer.write_text(
        textwrap.dedent(
            f"""
            import os, sys, time, pathlib
            import contexta
            ctx = contexta.Contexta({str(ws)!r})
            with ctx.run("ddp", project="p") as run:
                with run.stage("train") as train:
                    pathlib.Path(sys.argv[1]).touch()          # ready
                    go = pathlib.Path({str(go)!r})
                    deadline = time.monotonic() + 60
                    while not go.exists():                      # start together
                        assert time.monotonic() < deadline, "never told to go"
                        time.sleep(0.001)
                    for step in range({POINTS_PER_WRITER} // 2):
                        train.log({{"train/loss": 1.0 / (step + 1), "acc": 0.5}}, step=step)
            """
        )
    )
    procs = []
    for rank in (0, 1):
        env = {k: v for k, v in os.environ.items() if k not in CLIENT_ENV}
        env["RANK"] = str(rank)
        ready = tmp_path / f"ready-{rank}"
        procs.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, str(writer), str(ready)],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    wait_for("both writers ready", lambda: all(r.exists() for r, _ in procs))
    go.touch()
    for _, p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err

    row = run_of(ws, "run:p.ddp")
    assert row["status"] == "completed"
    assert row["records"]["metric"] == 2 * POINTS_PER_WRITER
    assert row["records"]["duplicates"] == 0
    recs = records(ws, "run:p.ddp", "--type", "metric")
    assert len(recs) == 2 * POINTS_PER_WRITER
    # Gap-free, unique record refs.
    seqs = sorted(int(r["envelope"]["record_ref"].rsplit("seq-", 1)[1]) for r in recs)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    # Each rank's points are all there, in its own order.
    for rank in ("0", "1"):
        mine = [r["payload"] for r in recs if r["payload"]["tags"]["rank"] == rank]
        assert len(mine) == POINTS_PER_WRITER
        loss_steps = [int(p["tags"]["step"]) for p in mine if p["metric_key"] == "train.loss"]
        assert loss_steps == list(range(POINTS_PER_WRITER // 2))


def test_a_forked_child_is_refused_cleanly_and_can_open_its_own_session(ws, tmp_path):
    out = python_script(
        tmp_path,
        f"""
        import os, sys
        import contexta
        WS = {str(ws)!r}
        ctx = contexta.Contexta(WS)
        run = ctx.run("forked", project="p")
        train = run.stage("train")
        train.log({{"loss": 1.0}}, step=0)
        pid = os.fork()
        if pid == 0:
            problems = []
            calls = [
                ("stage.log", lambda: train.log({{"loss": 2.0}}, step=1)),
                ("stage.metric", lambda: train.metric("loss", 2.0, step=1)),
                ("run.log", lambda: run.log({{"loss": 2.0}})),
                ("run.event", lambda: run.event("child.said", "hello")),
                ("run.stage", lambda: run.stage("child")),
                ("span", lambda: train.span("child").__enter__()),
                ("run.flush", run.flush),
                ("run.finish", run.finish),
                ("ctx.run", lambda: ctx.run("other", project="p")),
                ("ctx.flush", ctx.flush),
            ]
            for name, call in calls:
                try:
                    call()
                    problems.append(name + ": no error")
                except contexta.ContextaError as e:
                    text = str(e)
                    if "is a fork of it" not in text or "contexta.Contexta()" not in text:
                        problems.append(name + ": unclear error: " + text)
            # Each process its own session: this one writes.
            with contexta.Contexta(WS).run("child", project="p") as own:
                own.log({{"x": 1.0}}, step=0)
            print("; ".join(problems))
            # A normal interpreter exit: atexit and finalization must not wait for the
            # parent's committer.
            sys.exit(3 if problems else 0)
        _, status = os.waitpid(pid, 0)
        train.log({{"loss": 3.0}}, step=2)
        train.finish()
        run.finish()
        sys.exit(os.waitstatus_to_exitcode(status))
        """,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    steps = [r["payload"]["tags"]["step"] for r in records(ws, "run:p.forked", "--type", "metric")]
    assert steps == ["0", "2"], "nothing of the child's refused calls was written"
    assert run_of(ws, "run:p.forked")["status"] == "completed"
    assert run_of(ws, "run:p.child")["records"]["metric"] == 1


def test_contexta_run_attaches_to_the_run_a_wrapper_started(ws, monkeypatch):
    ref = cli(ws, "run", "start", "mnist", "wrapped").stdout.strip()
    assert ref == "run:mnist.wrapped"
    monkeypatch.setenv("CONTEXTA_RUN", ref)
    ctx = contexta.Contexta(ws)
    with ctx.run("ignored", project="ignored", params={"lr": 0.1}) as run:
        assert run.attached
        assert run.ref == ref
        run.log({"loss": 1.0}, step=0)
    with pytest.raises(RuntimeError):
        with ctx.run() as again:
            raise RuntimeError("child failed")
    assert again.ref == ref
    refs = [r["ref"] for r in cli_json(ws, "runs")]
    assert refs == [ref], "no run of its own was created"
    show = cli_json(ws, "run", "show", ref)
    # The wrapper owns the status; the client recorded the points and the error event.
    assert show["run"]["status"] == "open"
    assert show["run"]["params"] == {"lr": "0.1"}
    assert len(records(ws, ref, "--type", "metric")) == 1
    (event,) = records(ws, ref, "--type", "event")
    assert event["payload"]["attributes"]["type"] == "RuntimeError"


def test_contexta_run_may_name_the_run_by_suffix_and_a_missing_run_is_an_error(ws, monkeypatch):
    cli(ws, "run", "start", "mnist", "by-suffix")
    monkeypatch.setenv("CONTEXTA_RUN", "by-suffix")
    assert contexta.Contexta(ws).run().ref == "run:mnist.by-suffix"
    monkeypatch.setenv("CONTEXTA_RUN", "run:mnist.nowhere")
    with pytest.raises(contexta.ContextaError, match="CONTEXTA_RUN=run:mnist.nowhere"):
        contexta.Contexta(ws).run()


def test_the_workspace_is_found_like_the_cli_finds_it(tmp_path, monkeypatch):
    # $CONTEXTA_WORKSPACE names it.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTEXTA_WORKSPACE", str(elsewhere))
    ctx = contexta.Contexta()
    assert ctx.workspace == str(elsewhere / ".contexta")
    with ctx.run("env", project="p") as run:
        run.log({"x": 1.0})
    assert run_of(elsewhere / ".contexta", run.ref)["records"]["metric"] == 1
    # Without it: the nearest .contexta walking up from the current folder.
    monkeypatch.delenv("CONTEXTA_WORKSPACE")
    deep = elsewhere / "src" / "models"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert contexta.Contexta().workspace == str(elsewhere / ".contexta")
    # An explicit workspace wins; the folder holding .contexta names it too.
    assert contexta.Contexta(workspace=elsewhere).workspace == str(elsewhere / ".contexta")


@pytest.mark.parametrize(
    "env,arg,expected",
    [({"RANK": "3"}, None, "3"), ({"LOCAL_RANK": "1"}, None, "1"), ({"RANK": "3"}, 5, "5")],
)
def test_the_rank_is_kept_on_every_record(ws, tmp_path, monkeypatch, env, arg, expected):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    ctx = contexta.Contexta(ws, rank=arg)
    ckpt = tmp_path / "w.bin"
    ckpt.write_bytes(b"w")
    with ctx.run("ranked", project="p") as run:
        with run.stage("train") as train:
            train.log({"loss": 1.0}, step=0)
            train.event("data.loaded", "ok")
            with train.span("step"):
                pass
            train.metric("bad", float("nan"))
    recs = records(ws, run.ref)
    assert len(recs) == 4
    for r in recs:
        p = r["payload"]
        rank = p["tags"]["rank"] if "metric_key" in p else p["attributes"]["tags"]["rank"]
        assert rank == expected, r


def test_records_written_by_another_process_are_visible_while_the_run_is_live(ws, tmp_path):
    """Leaving a stage commits; the CLI (another process) sees the points at once."""
    ctx = contexta.Contexta(ws, commit_interval=3600)
    with ctx.run("live", project="p") as run:
        with run.stage("train") as train:
            train.log({"loss": 0.5}, step=0)
        assert len(records(ws, run.ref, "--type", "metric")) == 1
        run.log({"loss": 0.25}, step=1)
        run.flush()
        assert len(records(ws, run.ref, "--type", "metric")) == 2
        assert run_of(ws, run.ref)["status"] == "open"
