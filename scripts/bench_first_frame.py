#!/usr/bin/env python3
"""Process start to first complete frame of the real explorer, in a pseudo-terminal.

Starts `contexta --workspace WS tui` in a 160x48 pty and waits until the screen shows a
complete frame: the run tree with a run row, the record stream with rows, and the live status.
Prints the median of N starts.

usage: scripts/bench_first_frame.py path/to/contexta WORKSPACE [N]
"""
import fcntl, os, pty, re, select, signal, statistics, struct, sys, termios, time

exe, ws = os.path.abspath(sys.argv[1]), sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 11
ansi = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")

def one():
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.execv(exe, [exe, "--workspace", ws, "tui"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    seen = b""
    took = None
    deadline = t0 + 10
    while time.perf_counter() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                seen += os.read(fd, 1 << 16)
            except OSError:
                break
            text = ansi.sub(b"", seen)
            # A complete frame: tree rows with record counts, the record stream with rows, the
            # status line's live indicator.
            if b"Records" in text and b"live" in text and re.search(rb"\d\d:\d\d:\d\d ", text):
                took = time.perf_counter() - t0
                break
    os.write(fd, b"q")
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    return took

times = [t for t in (one() for _ in range(n)) if t is not None]
if not times:
    sys.exit("no complete frame seen")
print(f"first complete frame: median {statistics.median(times) * 1000:.1f} ms over {len(times)} starts "
      f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")
