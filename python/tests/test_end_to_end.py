"""The README example end to end, then the CLI and the explorer read back exactly what was
logged."""

import hashlib
import platform

import contexta
from conftest import cli, cli_json, metrics, records, run_of

STEPS = 50


def test_readme_example_is_read_back_exactly(ws, tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes(b"weights" * 1000)

    ctx = contexta.Contexta(workspace=ws)
    assert ctx.workspace == str(ws)
    with ctx.run("baseline", project="mnist", params={"lr": 1e-3, "layers": 3}) as run:
        run.provenance(env=["CUDA_VISIBLE_DEVICES"])
        with run.stage("train") as train:
            for step in range(STEPS):
                train.log({"loss": 1.0 / (step + 1), "acc": step / STEPS}, step=step)
            train.metric("grad-norm", 0.25, step=STEPS - 1)
            train.event(
                "checkpoint.saved", "epoch 3", level="info", attributes={"path": str(checkpoint)}
            )
            with train.span("eval.batch") as outer:
                with train.span("eval.batch.forward") as inner:
                    pass
        artifact = run.artifact("checkpoint", checkpoint, mode="copy")
    assert run.ref == "run:mnist.baseline"

    # The run list: status, counts.
    row = run_of(ws, run.ref)
    assert row["status"] == "completed"
    assert row["ended_at"] is not None
    assert row["records"]["metric"] == 2 * STEPS + 1
    assert row["records"]["event"] == 1
    assert row["records"]["span"] == 2
    assert row["records"]["degraded"] == 0

    # Every metric point, in order, with its step and stage.
    expected = []
    for step in range(STEPS):
        expected.append(("loss", 1.0 / (step + 1), str(step), None, "train"))
        expected.append(("acc", step / STEPS, str(step), None, "train"))
    expected.append(("grad-norm", 0.25, str(STEPS - 1), None, "train"))
    assert metrics(ws, run.ref) == expected

    # The event, with its attributes.
    (event,) = records(ws, run.ref, "--type", "event")
    assert event["payload"]["event_key"] == "checkpoint.saved"
    assert event["payload"]["message"] == "epoch 3"
    assert event["payload"]["attributes"] == {"path": str(checkpoint)}
    assert event["envelope"]["stage_execution_ref"] == "stage:mnist.baseline.train"
    assert event["envelope"]["producer_ref"] == "contexta.python"

    # Spans: nested, timed, ok.
    spans = {s["payload"]["span_name"]: s["payload"] for s in records(ws, run.ref, "--type", "span")}
    assert spans["eval.batch"]["span_id"] == outer.span_id
    assert spans["eval.batch.forward"]["parent_span_id"] == outer.span_id
    assert spans["eval.batch.forward"]["span_id"] == inner.span_id
    assert "parent_span_id" not in spans["eval.batch"]
    assert all(s["status"] == "ok" for s in spans.values())
    assert spans["eval.batch"]["started_at"] <= spans["eval.batch.forward"]["started_at"]
    assert spans["eval.batch.forward"]["ended_at"] <= spans["eval.batch"]["ended_at"]

    # The run as `run show` gives it: params, stage, provenance, artifact.
    show = cli_json(ws, "run", "show", run.ref)
    assert show["run"]["params"] == {"layers": "3", "lr": "0.001"}
    assert [s["stage_name"] for s in show["stages"]] == ["train"]
    assert show["stages"][0]["status"] == "completed"
    (env,) = show["environments"]
    assert env["python_version"] == platform.python_version()
    assert env["environment_variables"] == {"CUDA_VISIBLE_DEVICES": "0,1"}
    assert "pytest" in env["packages"]
    (prov,) = [e for e in env["extensions"] if e["namespace"] == "contexta.provenance"]
    assert prov["fields"]["python_executable"]
    (art,) = show["artifacts"]
    assert art["artifact_ref"] == artifact
    assert art["artifact_kind"] == "checkpoint"
    assert art["hash_value"] == hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    assert checkpoint.exists(), "copy mode leaves the file"


def test_the_explorer_shows_the_run_and_its_keys(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("explorer-check", project="vision") as run:
        with run.stage("train") as train:
            for step in range(5):
                train.log({"train/loss": 1.0 / (step + 1), "val_acc": 0.5}, step=step)
    # The explorer reads through the same query layer as the CLI; its first frame lists the
    # run, and the metrics pane of the run lists its canonical keys.
    frame = cli(ws, "tui", "--headless", "160x40", "--keys", "j 4").stdout
    assert "explorer-check" in frame
    assert "train.loss" in frame
    assert "val-acc" in frame
