#!/usr/bin/env python3
"""Console line → explorer screen: how long after a wrapped command printed a line it is on the
explorer's screen.

`contexta run` wraps a shell loop that prints `tick-<i>-<ns since the epoch>` every 0.25 s; the
real explorer runs in a tmux window (120x36) with its console pane focused; the screen is read
with `tmux capture-pane` every ~10 ms and each tick's latency is the time it was first seen
minus the time in it (one clock, one machine). tmux renders the screen, so a line counts only
once it is really drawn, whatever cells the explorer's diff wrote. Resolution: the poll
interval plus one capture (~10–20 ms).

usage: scripts/bench_console_latency.py [path/to/contexta] [ticks]
"""
import os, re, shutil, statistics, subprocess, sys, tempfile, time

exe = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/contexta")
ticks = int(sys.argv[2]) if len(sys.argv) > 2 else 60
work = tempfile.mkdtemp(prefix="ctx-console-")
ws = os.path.join(work, ".contexta")
gate = os.path.join(work, "go")
sock = f"ctx-console-bench-{os.getpid()}"


def tmux(*args):
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True,
                          env={**os.environ, "TERM": "xterm-256color"}).stdout


script = (f"echo ready; while [ ! -e '{gate}' ]; do sleep 0.05; done; "
          f"for i in $(seq 1 {ticks}); do echo \"tick-$i-$(date +%s%N)\"; sleep 0.25; done")
run = subprocess.Popen([exe, "--workspace", ws, "--quiet", "run", "--project", "bench", "--name",
                        "console", "--", "sh", "-c", script],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    # Wait until the run and its first line are stored, so the explorer opens on it.
    for _ in range(200):
        out = subprocess.run([exe, "--workspace", ws, "--format", "json", "run", "show", "console"],
                             capture_output=True, text=True).stdout
        if '"console_lines": 1' in out:
            break
        time.sleep(0.05)
    tmux("new-session", "-d", "-s", "b", "-x", "120", "-y", "36",
         f"'{exe}' --workspace '{ws}' tui")
    for _ in range(200):
        if "Console" in tmux("capture-pane", "-p", "-t", "b") or "Runs" in tmux("capture-pane", "-p", "-t", "b"):
            break
        time.sleep(0.05)
    time.sleep(1.0)
    tmux("send-keys", "-t", "b", "9")
    time.sleep(0.5)
    open(gate, "w").close()
    seen = {}
    pattern = re.compile(r"tick-(\d+)-(\d{19})")
    deadline = time.time() + ticks * 0.25 + 20
    while len(seen) < ticks and time.time() < deadline:
        screen = tmux("capture-pane", "-p", "-t", "b")
        now = time.time_ns()
        for m in pattern.finditer(screen):
            i = int(m.group(1))
            if i not in seen:
                seen[i] = (now - int(m.group(2))) / 1e6
        time.sleep(0.01)
    tmux("send-keys", "-t", "b", "q")
finally:
    run.wait(timeout=30)
    tmux("kill-server")
    shutil.rmtree(work, ignore_errors=True)

lat = sorted(seen.values())
if not lat:
    sys.exit("no tick reached the screen")
p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
print(f"console line printed → on the explorer's screen, {len(lat)} of {ticks} lines: "
      f"median {statistics.median(lat):.0f} ms, p95 {p95:.0f} ms, max {lat[-1]:.0f} ms "
      f"(load {os.getloadavg()[0]:.1f})")
