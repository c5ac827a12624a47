"""How a block ends: an exception marks the run (or stage) failed with an error event holding
the type, message and traceback; Ctrl-C marks it cancelled; sys.exit(0) is a normal end."""

import sys

import pytest

import contexta
from conftest import python_script, records, run_of


def exception_events(ws, run):
    return [r for r in records(ws, run, "--type", "event") if r["payload"]["event_key"] == "exception"]


def failing_training_step():
    raise ValueError("loss exploded at step 7")


def test_an_exception_marks_the_run_failed_with_a_traceback_event(ws):
    ctx = contexta.Contexta(ws)
    with pytest.raises(ValueError, match="loss exploded"):
        with ctx.run("crash", project="p") as run:
            run.log({"loss": 1.0}, step=0)
            failing_training_step()
    row = run_of(ws, run.ref)
    assert row["status"] == "failed"
    assert row["ended_at"] is not None
    (event,) = exception_events(ws, run.ref)
    p = event["payload"]
    assert p["level"] == "error"
    assert p["message"] == "ValueError: loss exploded at step 7"
    assert p["attributes"]["type"] == "ValueError"
    assert p["attributes"]["message"] == "loss exploded at step 7"
    tb = p["attributes"]["traceback"]
    assert tb.startswith("Traceback (most recent call last):")
    assert "failing_training_step" in tb
    assert tb.rstrip().endswith("ValueError: loss exploded at step 7")
    # What was logged before the exception is kept.
    assert len(records(ws, run.ref, "--type", "metric")) == 1


def test_an_exception_in_a_stage_fails_the_stage_and_the_run(ws):
    class DataError(Exception):
        pass

    ctx = contexta.Contexta(ws)
    with pytest.raises(DataError):
        with ctx.run("stage-crash", project="p") as run:
            with run.stage("load") as load:
                with load.span("read.shard") as span:
                    raise DataError("shard 3 missing")
    from conftest import cli_json

    show = cli_json(ws, "run", "show", run.ref)
    assert show["run"]["status"] == "failed"
    assert [(s["stage_name"], s["status"]) for s in show["stages"]] == [("load", "failed")]
    events = exception_events(ws, run.ref)
    # One event from the stage (inside it), one from the run.
    assert [e["envelope"].get("stage_execution_ref") for e in events] == [
        "stage:p.stage-crash.load",
        None,
    ]
    assert all(e["payload"]["attributes"]["type"].endswith("DataError") for e in events)
    (span_rec,) = records(ws, run.ref, "--type", "span")
    assert span_rec["payload"]["status"] == "error"
    assert span_rec["payload"]["span_id"] == span.span_id


def test_ctrl_c_marks_the_run_cancelled(ws):
    ctx = contexta.Contexta(ws)
    with pytest.raises(KeyboardInterrupt):
        with ctx.run("interrupted", project="p") as run:
            with run.stage("train"):
                raise KeyboardInterrupt()
    from conftest import cli_json

    show = cli_json(ws, "run", "show", run.ref)
    assert show["run"]["status"] == "cancelled"
    assert show["stages"][0]["status"] == "cancelled"
    levels = {e["payload"]["level"] for e in exception_events(ws, run.ref)}
    assert levels == {"warning"}


def test_sys_exit_zero_is_a_normal_end_and_nonzero_a_failure(ws):
    ctx = contexta.Contexta(ws)
    with pytest.raises(SystemExit):
        with ctx.run("exit-zero", project="p") as ok:
            sys.exit(0)
    with pytest.raises(SystemExit):
        with ctx.run("exit-two", project="p") as bad:
            sys.exit(2)
    assert run_of(ws, ok.ref)["status"] == "completed"
    assert exception_events(ws, ok.ref) == []
    assert run_of(ws, bad.ref)["status"] == "failed"
    assert exception_events(ws, bad.ref)[0]["payload"]["attributes"]["type"] == "SystemExit"


def test_a_script_that_dies_marks_its_shorthand_run_failed(ws, tmp_path):
    out = python_script(
        tmp_path,
        f"""
        import contexta
        contexta.init("p", "dies", workspace={str(ws)!r})
        contexta.log({{"loss": 0.5}}, step=1)
        raise RuntimeError("out of memory")
        """,
    )
    assert out.returncode == 1
    assert "out of memory" in out.stderr
    assert run_of(ws, "run:p.dies")["status"] == "failed"
    (event,) = exception_events(ws, "run:p.dies")
    assert event["payload"]["attributes"]["type"] == "RuntimeError"
    assert "out of memory" in event["payload"]["attributes"]["traceback"]
    assert len(records(ws, "run:p.dies", "--type", "metric")) == 1


def test_a_script_that_ends_without_finish_completes_its_shorthand_run(ws, tmp_path):
    out = python_script(
        tmp_path,
        f"""
        import contexta
        contexta.init("p", "forgets", workspace={str(ws)!r})
        for i in range(1000):
            contexta.log({{"loss": 1 / (i + 1)}}, step=i)
        """,
    )
    assert out.returncode == 0, out.stderr
    assert run_of(ws, "run:p.forgets")["status"] == "completed"
    # Everything buffered was committed at exit.
    assert len(records(ws, "run:p.forgets", "--type", "metric")) == 1000


def test_a_run_left_open_is_still_committed_at_exit(ws, tmp_path):
    out = python_script(
        tmp_path,
        f"""
        import contexta
        run = contexta.Contexta({str(ws)!r}, commit_interval=3600).run("open", project="p")
        run.log({{"loss": 0.1}}, step=0)
        """,
    )
    assert out.returncode == 0, out.stderr
    # Never finished, so still open; but the point is there, though the commit interval
    # was an hour.
    assert run_of(ws, "run:p.open")["status"] == "open"
    assert len(records(ws, "run:p.open", "--type", "metric")) == 1
