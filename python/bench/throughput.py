"""Speed of the Python client, from a Python loop into a workspace (multi-writer mode, as every
workspace is). Not a test: it prints medians for the README.

    maturin develop --release -m python/Cargo.toml      # into a virtualenv
    cargo build --release                               # the reader for the latency figure
    python python/bench/throughput.py [--reps 5] [--bin target/release/contexta]

Figures:
- log10: `stage.log({10 keys}, step=i)`, points/s from the first call until the final commit is
  durable (`run.finish()` returned);
- metric1: `stage.metric(key, v, step=i)`, one point per call, measured the same way;
- latency: from `log()` returning to the point arriving at a reader in another process
  (`contexta records RUN --follow`, which polls every 100 ms; the explorer is woken by inotify
  instead, within 50 ms of the commit);
- log10 again with a 1 s commit interval, and the latency again with 1 s, to show what the
  default 0.2 s interval costs and buys;
- rust: `contexta bench capture` (the Rust API, 1,000,000 points), one rep interleaved with each
  Python rep, so both see the same machine load.
"""

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import contexta

#: The client's default commit interval (Contexta(commit_interval=...)).
DEFAULT_INTERVAL = 0.2

KEYS = [
    "train/loss",
    "val_loss",
    "accuracy",
    "learning_rate",
    "grad-norm",
    "throughput",
    "gpu_util",
    "memory_gb",
    "epoch_time",
    "tokens_per_s",
]


def fresh(root: Path, name: str) -> Path:
    d = root / name
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d / ".contexta"


def bench_log10(root: Path, calls: int, rep: int, commit_interval: float) -> float:
    ws = fresh(root, f"log10-{rep}-{commit_interval}")
    ctx = contexta.Contexta(ws, commit_interval=commit_interval)
    run = ctx.run(f"log10-{rep}", project="bench")
    train = run.stage("train")
    values = [math.sin(i) for i in range(len(KEYS))]
    t = time.perf_counter()
    for step in range(calls):
        train.log(
            {
                "train/loss": values[0],
                "val_loss": values[1],
                "accuracy": values[2],
                "learning_rate": values[3],
                "grad-norm": values[4],
                "throughput": values[5],
                "gpu_util": values[6],
                "memory_gb": values[7],
                "epoch_time": values[8],
                "tokens_per_s": values[9],
            },
            step=step,
        )
    train.finish()
    run.finish()
    rate = calls * len(KEYS) / (time.perf_counter() - t)
    shutil.rmtree(ws.parent)
    return rate


def bench_metric1(root: Path, points: int, rep: int) -> float:
    ws = fresh(root, f"metric1-{rep}")
    ctx = contexta.Contexta(ws)
    run = ctx.run(f"metric1-{rep}", project="bench")
    train = run.stage("train")
    metric = train.metric
    keys = KEYS
    n = len(keys)
    t = time.perf_counter()
    for i in range(points):
        metric(keys[i % n], 0.5, i // n)
    train.finish()
    run.finish()
    rate = points / (time.perf_counter() - t)
    shutil.rmtree(ws.parent)
    return rate


def bench_rust(root: Path, binary: str) -> float:
    out = subprocess.run(
        [binary, "--format", "json", "bench", "capture", "--reps", "1", "--data", str(root / "rust")],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = next(
        json.loads(line)["median"]
        for line in out.stdout.splitlines()
        if json.loads(line).get("bench") == "capture"
    )
    shutil.rmtree(root / "rust", ignore_errors=True)
    return rate


def bench_latency(root: Path, binary: str, samples: int, commit_interval: float) -> list:
    ws = fresh(root, f"latency-{commit_interval}")
    ctx = contexta.Contexta(ws, commit_interval=commit_interval)
    run = ctx.run("latency", project="bench")
    run.log({"warmup": 0.0}, step=0)
    run.flush()
    follower = subprocess.Popen(
        [binary, "--workspace", str(ws), "--format", "json", "records", run.ref, "--follow", "--key", "probe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    arrivals = {}
    arrived = threading.Condition()

    def read():
        for line in follower.stdout:
            step = int(json.loads(line)["payload"]["tags"]["step"])
            with arrived:
                arrivals[step] = time.monotonic()
                arrived.notify_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    latencies = []
    rng = random.Random(7)
    try:
        for step in range(samples):
            # Points at random moments relative to the committer's and the reader's cycles.
            time.sleep(rng.uniform(0.05, 0.4))
            run.log({"probe": float(step)}, step=step)
            sent = time.monotonic()
            with arrived:
                ok = arrived.wait_for(lambda: step in arrivals, timeout=10)
            if not ok:
                raise RuntimeError(f"point {step} never reached the reader")
            latencies.append((arrivals[step] - sent) * 1000)
    finally:
        follower.kill()
        follower.wait()
        run.finish()
        shutil.rmtree(ws.parent)
    return latencies


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--calls", type=int, default=100_000, help="log() calls of 10 keys per rep")
    ap.add_argument("--points", type=int, default=500_000, help="metric() calls per rep")
    ap.add_argument("--samples", type=int, default=30, help="latency samples")
    ap.add_argument("--bin", default=None, help="contexta binary for the latency reader")
    ap.add_argument("--dir", default=None, help="where to put the workspaces (default: a temp dir)")
    a = ap.parse_args()
    binary = a.bin or shutil.which("contexta") or str(
        Path(__file__).resolve().parents[2] / "target" / "release" / "contexta"
    )
    root = Path(a.dir) if a.dir else Path(tempfile.mkdtemp(prefix="contexta-pybench-"))
    try:
        run_all(a, binary, root)
    finally:
        if not a.dir:
            shutil.rmtree(root, ignore_errors=True)


def run_all(a, binary: str, root: Path):
    print(f"python {sys.version.split()[0]}, contexta {contexta.__version__}, {os.cpu_count()} cpus, data in {root}")

    # Reps interleaved, so a change in machine load hits every figure alike.
    have_binary = Path(binary).exists()
    log10, metric1, slow, rust = [], [], [], []
    for r in range(a.reps):
        log10.append(bench_log10(root, a.calls, r, DEFAULT_INTERVAL))
        metric1.append(bench_metric1(root, a.points, r))
        slow.append(bench_log10(root, a.calls, r, 1.0))
        if have_binary:
            rust.append(bench_rust(root, binary))
    figures = [
        ("log10", log10, "10 keys per log() call"),
        ("metric1", metric1, "one point per metric() call"),
        ("log10 1s", slow, f"log10 with a 1 s commit interval instead of {DEFAULT_INTERVAL} s"),
    ]
    if rust:
        figures.append(("rust", rust, "the Rust API (contexta bench capture), same reps"))
    for name, rates, note in figures:
        print(
            f"{name:<9}{statistics.median(rates):>12,.0f} points/s  median of {a.reps} "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}); {note}"
        )
    if have_binary:
        for interval in (DEFAULT_INTERVAL, 1.0):
            lat = sorted(bench_latency(root, binary, a.samples, interval))
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
            print(
                f"latency  median {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms, max {lat[-1]:.0f} ms"
                f"  (commit interval {interval} s; log() returned -> reader got it; {len(lat)} samples)"
            )
    else:
        print(f"latency  skipped: no contexta binary at {binary} (cargo build --release)")


if __name__ == "__main__":
    main()
