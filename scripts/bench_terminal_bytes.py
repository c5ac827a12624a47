#!/usr/bin/env python3
"""Bytes the explorer writes to its terminal per second while following a live run.

Runs the real binary in a pseudo-terminal (160x48) on a fresh demo workspace while
`contexta demo --live` logs about 10 records a second, counts what the explorer writes
over a window, then stops the writer and counts again (idle).

usage: scripts/bench_terminal_bytes.py [path/to/contexta] [seconds]
"""
import fcntl, os, pty, select, shutil, signal, struct, subprocess, sys, tempfile, termios, time

exe = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/release/contexta")
window = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
work = tempfile.mkdtemp(prefix="ctx-bytes-")
ws = os.path.join(work, ".contexta")
subprocess.run([exe, "--workspace", ws, "--quiet", "demo"], check=True)
# One training step per 0.12 s; a step logs ~1.2 records: about 10 records/s.
writer = subprocess.Popen([exe, "--workspace", ws, "--quiet", "demo", "--live", "--name", "follow-me",
                           "--interval", "0.12"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)

pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(exe, [exe, "--workspace", ws, "tui"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
os.kill(pid, signal.SIGWINCH)

def count(seconds):
    total, end = 0, time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.time()))
        if r:
            try:
                total += len(os.read(fd, 65536))
            except OSError:
                break
    return total

count(3.0)  # first frame and settling
# Follow the live run: select it (it is the newest, at the top), focus the record stream.
os.write(fd, b"gg")
time.sleep(0.3)
os.write(fd, b"j3")
count(2.0)
live = count(window)
writer.send_signal(signal.SIGTERM)
writer.wait()
count(2.0)
idle = count(window)
os.write(fd, b"q")
os.waitpid(pid, 0)
shutil.rmtree(work, ignore_errors=True)
print(f"following a run logging ~10 records/s: {live / window:.0f} bytes/s to the terminal ({live} bytes in {window:.0f} s)")
print(f"idle (writer stopped): {idle / window:.0f} bytes/s ({idle} bytes in {window:.0f} s)")
