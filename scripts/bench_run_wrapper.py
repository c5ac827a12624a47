#!/usr/bin/env python3
"""`contexta run -- CMD` against CMD alone, in a pseudo-terminal as a user would run them.

1. A child printing N short lines (default 1,000,000), first `seq -f 'line %g' 1 N` (the fastest
   printer there is), then a Python loop of `print('line', i)`, each once bare and once
   under `contexta run`, alternately, REPS times each. Both write to a pty whose other side this
   script drains, like a terminal would, and which is their controlling terminal, as a shell's
   is (so `contexta run` puts it in raw mode, as it does for a user). Prints the median wall time of each, their ratio
   (median of the pairwise ratios), and the median peak RSS of the contexta process (wait4's
   ru_maxrss: the largest of it and what it waited for; `seq` itself stays under 2 MB).
   Each wrapped run is checked: its console must hold all N lines. Also the CPU time (user +
   system, wait4) of each, whose difference is what wrapping costs in CPU, a figure that other
   work on the machine disturbs far less than wall time; and `script(1)`, a pty relay that
   stores nothing, on the same harness, for what the second terminal hop alone costs.
   Then the same three in a real terminal emulator, a tmux pane of 160x48 (a user's terminal,
   which parses and keeps what it is sent, where the harness above only drains): wall time from
   starting the pane's command to its end, REPS times each, alternately.
2. `contexta run -- sleep S+5` at the default --system-interval (2 s): the wrapper's own CPU
   time (user + system of all its threads, from /proc/PID/stat) over S seconds, from 3 s after
   it started (start-up, provenance and the final commit are left out), as a share of one core:
   the cost of sampling and of idling beside a quiet command.

usage: scripts/bench_run_wrapper.py path/to/contexta [N] [REPS] [S]
"""
import fcntl, os, pty, select, shlex, shutil, statistics, subprocess, sys, tempfile, termios, time

exe = os.path.abspath(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 7
idle_s = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
child = ["seq", "-f", "line %g", "1", str(n)]
# What training scripts are, almost always: Python printing a line at a time (stdout on a
# terminal is line-buffered, so one write a line, as `seq`'s).
python_child = [sys.executable, "-c", f"for i in range({n}): print('line', i)"]


def in_tmux(argv):
    """Wall seconds of argv run in a fresh tmux server's 160x48 pane."""
    sock = f"bench-run-wrapper-{os.getpid()}"
    cmd = " ".join(shlex.quote(a) for a in argv) + f"; tmux -L {sock} wait -S done"
    t0 = time.perf_counter()
    subprocess.run(["tmux", "-L", sock, "new", "-d", "-x", "160", "-y", "48", cmd], check=True)
    subprocess.run(["tmux", "-L", sock, "wait", "done"], check=True)
    wall = time.perf_counter() - t0
    subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
    return wall


def cpu_seconds(pid):
    """User + system time of all of pid's threads so far (not its children's)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_pty(argv, window=None):
    """Runs argv on a fresh pty, drains it; returns (wall s, rusage, bytes read, CPU seconds
    of argv's own process over `window`, a (start s, length s) pair, or None)."""
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(master)
        os.close(slave)
        os.execvp(argv[0], argv)
    os.close(slave)
    got = 0
    marks = [] if window else None
    while True:
        wait = 1.0
        if window and len(marks) < 2:
            due = t0 + window[0] + (window[1] if marks else 0)
            if time.perf_counter() >= due:
                marks.append(cpu_seconds(pid))
                continue
            wait = min(wait, due - time.perf_counter())
        r, _, _ = select.select([master], [], [], max(wait, 0))
        if r:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            got += len(chunk)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    os.close(master)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv} failed with {status}")
    return wall, usage, got, (marks[1] - marks[0] if marks and len(marks) == 2 else None)


def quoted(argv):
    return " ".join(shlex.quote(a) for a in argv)


def compare(label, child):
    """Part 1 for one child: bare, wrapped and script(1), on the harness and in tmux."""
    bare, wrapped, ratios, peaks = [], [], [], []
    cpu_bare, cpu_wrapped, relay, relay_ratios = [], [], [], []
    script = shutil.which("script")
    for i in range(reps):
        ws = os.path.join(tmp, f"ws{i}")
        w_bare, u_bare, _, _ = in_pty(child)
        cpu_bare.append(u_bare.ru_utime + u_bare.ru_stime)
        if script:
            w_relay, _, _, _ = in_pty([script, "-qfec", quoted(child), "/dev/null"])
            relay.append(w_relay)
            relay_ratios.append(w_relay / w_bare)
        w_wrap, usage, _, _ = in_pty(
            [exe, "--workspace", ws, "--quiet", "run", "--project", "bench", "--name", "lines", "--"]
            + child
        )
        bare.append(w_bare)
        wrapped.append(w_wrap)
        ratios.append(w_wrap / w_bare)
        peaks.append(usage.ru_maxrss / 1024)
        cpu_wrapped.append(usage.ru_utime + usage.ru_stime)
        check = subprocess.run(
            [exe, "--workspace", ws, "run", "show", "run:bench.lines"],
            capture_output=True, text=True, check=True,
        ).stdout
        if f"console   {n} lines" not in check:
            sys.exit(f"the console of run {i} does not hold {n} lines:\n{check}")
        shutil.rmtree(ws)
    print(f"{n:,} lines to a terminal from {label}, {reps} runs each (medians)")
    print(f"  bare            {statistics.median(bare):.3f} s")
    print(f"  contexta run    {statistics.median(wrapped):.3f} s")
    print(f"  ratio           {statistics.median(ratios):.3f}x  (pairwise; min {min(ratios):.3f}, max {max(ratios):.3f})")
    print(f"  contexta peak RSS {statistics.median(peaks):.1f} MB  (max {max(peaks):.1f})")
    cb, cw = statistics.median(cpu_bare), statistics.median(cpu_wrapped)
    print(f"  CPU (user+sys)  bare {cb:.3f} s, wrapped {cw:.3f} s: ours {cw - cb:.3f} s = {(cw - cb) / n * 1e6:.2f} us a line")
    if relay:
        print(f"  script(1)       {statistics.median(relay):.3f} s  ({statistics.median(relay_ratios):.3f}x bare, pairwise)")

    if shutil.which("tmux"):
        t_bare, t_wrap, t_relay = [], [], []
        for i in range(reps):
            ws = os.path.join(tmp, f"tmux{i}")
            t_bare.append(in_tmux(child))
            t_wrap.append(in_tmux(
                [exe, "--workspace", ws, "--quiet", "run", "--project", "bench", "--name", "lines",
                 "--"] + child))
            if script:
                t_relay.append(in_tmux([script, "-qfec", quoted(child), "/dev/null"]))
            shutil.rmtree(ws, ignore_errors=True)
        mb = statistics.median(t_bare)
        line = (f"  in a tmux pane (160x48): bare {mb:.3f} s, contexta run "
                f"{statistics.median(t_wrap):.3f} s ({statistics.median(t_wrap) / mb:.3f}x)")
        if t_relay:
            line += f", script(1) {statistics.median(t_relay):.3f} s ({statistics.median(t_relay) / mb:.3f}x)"
        print(line)


tmp = tempfile.mkdtemp(prefix="bench-run-wrapper-")
try:
    compare("`seq` (C, a line a microsecond)", child)
    compare("a Python loop of print()", python_child)

    ws = os.path.join(tmp, "idle")
    _, _, _, cpu = in_pty(
        [exe, "--workspace", ws, "--quiet", "run", "--project", "bench", "--name", "idle", "--",
         "sleep", str(idle_s + 5)],
        window=(3.0, idle_s),
    )
    print(f"beside `sleep` at the default 2 s interval, from 3 s to {3 + idle_s:g} s: "
          f"{cpu:.3f} s CPU in {idle_s:g} s = {100 * cpu / idle_s:.2f} % of a core")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
