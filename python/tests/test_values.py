"""Values and keys: what is accepted, how keys are mapped, and that every bad value raises and
stores nothing of its call."""

import decimal
import fractions
import math

import pytest

import contexta
from conftest import cli_json, metrics, records


class NumpyScalarLike:
    """What numpy's float32/int64 look like to the client: `.item()` gives a Python number."""

    def __init__(self, v):
        self.v = v

    def item(self):
        return self.v


class ArrayLike:
    """A numpy array / torch tensor: `.item()` works for one element only."""

    def __init__(self, *values):
        self.values = values

    def item(self):
        if len(self.values) != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.values[0]

    def __float__(self):
        return float(self.item())


class FloatOnly:
    def __float__(self):
        return 2.5


def test_accepted_values_are_stored_as_floats(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("values", project="p") as run:
        run.log(
            {
                "int": 3,
                "float": 0.5,
                "bool": True,
                "np-scalar": NumpyScalarLike(7),
                "zero-d-array": ArrayLike(1.25),
                "tensor": ArrayLike(True),
                "decimal": decimal.Decimal("0.75"),
                "fraction": fractions.Fraction(1, 4),
                "float-only": FloatOnly(),
            },
            step=0,
        )
    got = {k: v for k, v, *_ in metrics(ws, run.ref)}
    assert got == {
        "int": 3.0,
        "float": 0.5,
        "bool": 1.0,
        "np-scalar": 7.0,
        "zero-d-array": 1.25,
        "tensor": 1.0,
        "decimal": 0.75,
        "fraction": 0.25,
        "float-only": 2.5,
    }


def test_real_numpy_values_when_numpy_is_installed(ws):
    np = pytest.importorskip("numpy")
    ctx = contexta.Contexta(ws)
    with ctx.run("numpy", project="p") as run:
        run.log(
            {"f32": np.float32(0.5), "i64": np.int64(4), "zero-d": np.array(2.0)},
            step=np.int64(3),
        )
        with pytest.raises(TypeError, match="'vector'"):
            run.log({"vector": np.array([1.0, 2.0])})
    assert sorted(metrics(ws, run.ref)) == [
        ("f32", 0.5, "3", None, None),
        ("i64", 4.0, "3", None, None),
        ("zero-d", 2.0, "3", None, None),
    ]


BAD_VALUES = [
    ("a string", "str"),
    (None, "NoneType"),
    ([1.0], "list"),
    ({"x": 1}, "dict"),
    (complex(1, 2), "complex"),
    (object(), "object"),
    (ArrayLike(1.0, 2.0), "ArrayLike"),
    (NumpyScalarLike("text"), "NumpyScalarLike holding str"),
    (b"1.0", "bytes"),
]


@pytest.mark.parametrize("value,type_name", BAD_VALUES, ids=[t for _, t in BAD_VALUES])
def test_every_bad_value_raises_type_error_naming_the_key_and_stores_nothing(ws, value, type_name):
    ctx = contexta.Contexta(ws)
    with ctx.run("bad", project="p") as run:
        with run.stage("train") as train:
            for call in (
                lambda: train.log({"good": 1.0, "bad_key": value, "after": 2.0}, step=1),
                lambda: train.metric("bad_key", value, step=1),
                lambda: run.log({"good": 1.0, "bad_key": value}),
                lambda: run.metric("bad_key", value),
            ):
                with pytest.raises(TypeError) as err:
                    call()
                assert "'bad_key'" in str(err.value)
                assert type_name in str(err.value)
            train.log({"good": 3.0}, step=2)
    # Only the one good call reached the workspace.
    assert metrics(ws, run.ref) == [("good", 3.0, "2", None, "train")]
    assert cli_json(ws, "run", "show", run.ref)["run"]["records"]["total"] == 1


def test_bad_keys_steps_and_containers_raise_and_store_nothing(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("bad-keys", project="p") as run:
        with pytest.raises(TypeError, match="metric keys must be str, got int"):
            run.log({"good": 1.0, 5: 1.0})
        with pytest.raises(TypeError, match="metric keys must be str"):
            run.metric(5, 1.0)
        with pytest.raises(ValueError, match="`1st/loss` cannot be mapped"):
            run.log({"good": 1.0, "1st/loss": 1.0})
        with pytest.raises(ValueError, match="`train//loss` cannot be mapped"):
            run.metric("train//loss", 1.0)
        for step in (True, "3", 1.5):
            with pytest.raises(TypeError, match="step must be an int"):
                run.log({"good": 1.0}, step=step)
        with pytest.raises(TypeError, match="log\\(\\) takes a dict"):
            run.log([("good", 1.0)])
        with pytest.raises(ValueError, match="overflow|too large"):
            run.log({"good": 1.0, "huge": 10**400})
    assert records(ws, run.ref) == []


def test_keys_map_to_canonical_keys_keeping_the_written_name(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("keys", project="p") as run:
        with run.stage("train") as train:
            train.log({"train/loss": 0.5, "val_acc": 0.9, "Loss": 2.0, "lr": 0.1}, step=0)
            train.log({"train/loss": 0.4}, step=1)
    assert metrics(ws, run.ref) == [
        ("train.loss", 0.5, "0", "train/loss", "train"),
        ("val-acc", 0.9, "0", "val_acc", "train"),
        ("loss", 2.0, "0", "Loss", "train"),
        ("lr", 0.1, "0", None, "train"),
        ("train.loss", 0.4, "1", "train/loss", "train"),
    ]
    # Series and summaries are under the canonical key.
    keys = {m["key"]: m["count"] for m in cli_json(ws, "run", "show", run.ref)["metrics"]}
    assert keys == {"train.loss": 2, "val-acc": 1, "loss": 1, "lr": 1}


def test_two_names_for_one_key_are_an_error_not_a_merge(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("collide", project="p") as run:
        run.log({"val_loss": 1.0}, step=0)
        with pytest.raises(ValueError, match="`val-loss` and `val_loss` both map to the metric key `val-loss`"):
            run.log({"acc": 0.5, "val-loss": 2.0}, step=1)
        with pytest.raises(ValueError, match="`Acc` and `acc`"):
            run.log({"acc": 0.5, "Acc": 0.6}, step=1)
        # The stage shares the run's keys.
        with run.stage("eval") as ev:
            with pytest.raises(ValueError, match="`Val_Loss` and `val_loss`"):
                ev.metric("Val_Loss", 1.0)
    assert metrics(ws, run.ref) == [("val-loss", 1.0, "0", "val_loss", None)]


def test_nan_and_infinity_become_error_markers_not_points(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("diverged", project="p") as run:
        run.log({"train/loss": math.nan, "acc": 0.5}, step=4)
        run.metric("grad-norm", math.inf, step=5)
    assert metrics(ws, run.ref) == [("acc", 0.5, "4", None, None)]
    markers = records(ws, run.ref, "--type", "degraded")
    assert [m["payload"]["issue_key"] for m in markers] == ["metric.non_finite"] * 2
    first = markers[0]["payload"]["attributes"]
    assert first["metric_key"] == "train.loss"
    assert first["display_key"] == "train/loss"
    assert first["value"] == "NaN"
    assert first["step"] == 4
    assert markers[1]["payload"]["attributes"]["value"] == "inf"
    findings = cli_json(ws, "diagnostics", run.ref)["issues"]
    assert [(f["code"], f["severity"]) for f in findings] == [("non_finite_metric", "error")] * 2


def test_event_arguments_are_checked(ws):
    ctx = contexta.Contexta(ws)
    with ctx.run("events", project="p") as run:
        with pytest.raises(ValueError, match='level "loud" is not debug'):
            run.event("data.loaded", "x", level="loud")
        with pytest.raises(ValueError, match="event_key"):
            run.event("Data_Loaded", "x")
        with pytest.raises(ValueError, match="finite"):
            run.event("data.loaded", "x", attributes={"ratio": math.nan})
        with pytest.raises(TypeError, match=r'attributes\["obj"\]: must be JSON-able'):
            run.event("data.loaded", "x", attributes={"obj": object()})
        run.event(
            "data.loaded",
            "60000 rows",
            level="warning",
            attributes={"rows": 60000, "split": "train", "ok": True, "shape": [28, 28], "meta": {"a": None}},
        )
    (event,) = records(ws, run.ref, "--type", "event")
    assert event["payload"]["level"] == "warning"
    assert event["payload"]["attributes"] == {
        "rows": 60000,
        "split": "train",
        "ok": True,
        "shape": [28, 28],
        "meta": {},
    }
