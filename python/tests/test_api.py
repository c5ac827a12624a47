"""The rest of the surface: batches, samples, deployments, artifacts, params, the module-level
shorthands, and type stubs that match the module."""

import ast
import inspect
import threading
from pathlib import Path

import pytest

import contexta
from conftest import cli_json, metrics, records, run_of

STUB = Path(__file__).resolve().parents[1] / "contexta.pyi"


def test_batches_samples_and_deployments(ws, tmp_path):
    model = tmp_path / "model.onnx"
    model.write_bytes(b"onnx")
    ctx = contexta.Contexta(ws)
    with ctx.run("rag", project="search") as run:
        with run.stage("eval") as ev:
            with ev.batch("epoch-0") as b0:
                s = b0.sample("prompt-1")
                s.metric("relevance", 0.75)
                s.metric("answer_length", 120)
            b1 = ev.batch("epoch-1")
            b1.finish("failed")
            solo = ev.sample("prompt-2")
            solo.metric("faithfulness", 1)
        art = run.register_artifact("model", model, mode="move")
        dep = run.deployment("prod-v1", artifact=art, status="completed")
    assert b0.ref == "batch:search.rag.eval.epoch-0"
    assert s.ref == "sample:search.rag.eval.epoch-0.prompt-1"
    assert solo.ref == "sample:search.rag.eval.prompt-2"
    assert dep == "deployment:search.prod-v1"
    assert not model.exists(), "move mode moves the file into the store"

    show = cli_json(ws, "run", "show", run.ref)
    assert [(b["batch_name"], b["status"], b["order_index"]) for b in show["batches"]] == [
        ("epoch-0", "completed", 0),
        ("epoch-1", "failed", 1),
    ]
    assert show["samples"] == 2
    (d,) = show["deployments"]
    assert (d["deployment_name"], d["status"], d["artifact_ref"]) == ("prod-v1", "completed", art)
    (a,) = show["artifacts"]
    assert a["artifact_ref"] == art and a["artifact_kind"] == "model"
    per_sample = [
        (r["envelope"]["sample_observation_ref"], r["payload"]["metric_key"], r["payload"]["value"])
        for r in records(ws, run.ref, "--type", "metric")
    ]
    assert per_sample == [
        ("sample:search.rag.eval.epoch-0.prompt-1", "relevance", 0.75),
        ("sample:search.rag.eval.epoch-0.prompt-1", "answer-length", 120.0),
        ("sample:search.rag.eval.prompt-2", "faithfulness", 1.0),
    ]


def test_bad_names_and_arguments_raise_value_errors(ws, tmp_path):
    ctx = contexta.Contexta(ws)
    with ctx.run("names", project="p") as run:
        with pytest.raises(ValueError, match="stage_name"):
            run.stage("Train Stage")
        with pytest.raises(ValueError, match="status \"done\""):
            run.finish("done")
        with pytest.raises(ValueError, match="mode \"link\""):
            run.artifact("model", tmp_path / "x", mode="link")
        with pytest.raises(OSError, match="missing.pt"):
            run.artifact("model", tmp_path / "missing.pt")
        with pytest.raises(ValueError, match="commit_interval"):
            contexta.Contexta(ws, commit_interval=0)
    assert records(ws, run.ref) == []


def test_params_are_kept_as_text(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run(
        "params",
        project="p",
        params={"lr": 3e-4, "layers": 4, "amp": True, "opt": "adam", "sched": None, "betas": (0.9, 0.99)},
        description="a baseline",
    ) as run:
        run.set_params({"seed": 7})
    params = cli_json(ws, "run", "show", run.ref)["run"]["params"]
    assert params == {
        "lr": "0.0003",
        "layers": "4",
        "amp": "true",
        "opt": "adam",
        "betas": "[0.9,0.99]",
        "seed": "7",
    }


def test_module_level_shorthands(ws):
    run = contexta.init("mnist", "shorthand", params={"lr": 0.1}, workspace=ws)
    for step in range(3):
        contexta.log({"train/loss": 1.0 / (step + 1)}, step=step)
    contexta.finish()
    with pytest.raises(RuntimeError, match="contexta.init"):
        contexta.log({"loss": 1.0})
    assert run.ref == "run:mnist.shorthand"
    assert run_of(ws, run.ref)["status"] == "completed"
    assert [m[:3] for m in metrics(ws, run.ref)] == [
        ("train.loss", 1.0, "0"),
        ("train.loss", 0.5, "1"),
        ("train.loss", 1.0 / 3, "2"),
    ]
    # A second init ends the first one.
    first = contexta.init("mnist", "first", workspace=ws)
    second = contexta.init("mnist", "second", workspace=ws)
    contexta.finish("cancelled")
    assert run_of(ws, first.ref)["status"] == "completed"
    assert run_of(ws, second.ref)["status"] == "cancelled"


def test_threads_log_into_one_run(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("threads", project="p") as run:
        stages = [run.stage(f"worker-{i}") for i in range(4)]

        def work(stage):
            for step in range(2000):
                stage.log({"loss": 1.0, "acc": 0.5}, step=step)
            stage.finish()

        threads = [threading.Thread(target=work, args=(s,)) for s in stages]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert run_of(ws, run.ref)["records"]["metric"] == 4 * 2000 * 2


def stub_tree():
    return ast.parse(STUB.read_text())


def test_the_type_stubs_name_exactly_the_public_api():
    tree = stub_tree()
    stub_names = {
        n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))
    } | {
        t.id
        for n in tree.body
        if isinstance(n, (ast.AnnAssign, ast.Assign))
        for t in ([n.target] if isinstance(n, ast.AnnAssign) else n.targets)
        if isinstance(t, ast.Name)
    }
    module_names = {n for n in dir(contexta) if not n.startswith("_")} | {"__version__"}
    module_names.discard("contexta")  # the extension module inside the package
    aliases = {"Number", "StrPath", "JsonValue"}
    assert stub_names - aliases == module_names
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        real = getattr(contexta, cls.name)
        stub_members = {
            m.name for m in cls.body if isinstance(m, ast.FunctionDef) and m.name != "__init__"
        }
        real_members = {
            m for m in dir(real) if not m.startswith("_") or m in ("__enter__", "__exit__")
        }
        real_members -= set(dir(RuntimeError)) if issubclass(real, BaseException) else set()
        assert stub_members == real_members, cls.name


def test_the_stub_signatures_match_the_module():
    """Parameter names and defaults of every function and method agree with the binding."""
    tree = stub_tree()

    def stub_params(fn):
        args = fn.args
        names = [a.arg for a in args.args]
        defaults = [ast.literal_eval(d) for d in args.defaults]
        kw = {a.arg: ast.literal_eval(d) for a, d in zip(args.kwonlyargs, args.kw_defaults)}
        return names, defaults, kw

    def real_params(obj):
        sig = inspect.signature(obj)
        names = [p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        defaults = [
            p.default
            for p in sig.parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty
        ]
        kw = {p.name: p.default for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY}
        return names, defaults, kw

    checked = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            assert stub_params(node) == real_params(getattr(contexta, node.name)), node.name
            checked += 1
        if isinstance(node, ast.ClassDef):
            cls = getattr(contexta, node.name)
            for m in node.body:
                if not isinstance(m, ast.FunctionDef) or m.name in ("__enter__", "__exit__"):
                    continue
                if any(isinstance(d, ast.Name) and d.id == "property" for d in m.decorator_list):
                    continue
                target = cls if m.name == "__init__" else getattr(cls, m.name)
                names, defaults, kw = stub_params(m)
                real_names, real_defaults, real_kw = real_params(target)
                names = names[1:]  # self
                assert (names, defaults, kw) == (real_names, real_defaults, real_kw), (
                    f"{node.name}.{m.name}"
                )
                checked += 1
    assert checked > 30


def test_a_reference_runtime_script_runs_after_changing_the_import(ws, tmp_path):
    """The reference's context-bound style: `ctx.metric(...)` inside `with ctx.run(...)` writes
    into the innermost open stage or run (spec §11), and scopes end with `close(status=...)`."""
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"w")
    ctx = contexta.Contexta(workspace=ws)
    with pytest.raises(contexta.ContextaError, match="no open run"):
        ctx.metric("loss", 0.5)
    with ctx.run("Baseline Run") as run:
        assert ctx.current_run().ref == run.ref
        assert ctx.current_stage() is None
        ctx.metric("loss", 0.5)
        with run.stage("train") as train:
            assert ctx.current_stage().ref == train.ref
            ctx.metric("loss", 0.25)
            ctx.event("epoch.done", message="epoch 1", level="info")
            ctx.register_artifact("model", str(weights))
        ev = run.stage("eval")
        ev.close(status="failed")
    assert ctx.current_run() is None
    assert run.ref.endswith(".baseline-run")
    assert metrics(ws, run.ref) == [
        ("loss", 0.5, None, None, None),
        ("loss", 0.25, None, None, "train"),
    ]
    (event,) = records(ws, run.ref, "--type", "event")
    assert event["envelope"]["stage_execution_ref"] == train.ref
    show = cli_json(ws, "run", "show", run.ref)
    assert [(s["stage_name"], s["status"]) for s in show["stages"]] == [
        ("train", "completed"),
        ("eval", "failed"),
    ]
    assert show["artifacts"][0]["stage_execution_ref"] == train.ref


def test_open_scopes_are_per_thread_and_per_session(ws, tmp_path):
    ctx = contexta.Contexta(ws)
    other = contexta.Contexta(tmp_path / "other")
    seen = {}
    with ctx.run("main-thread", project="p") as run:
        assert other.current_run() is None

        def worker():
            seen["run"] = ctx.current_run()

        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["run"] is None
