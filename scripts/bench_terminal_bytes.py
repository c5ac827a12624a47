#!/usr/bin/env python3
"""Bytes the explorer writes to its terminal per second while following a live run.

Runs the real binary in a pseudo-terminal (160x48) on a fresh demo workspace while
`contexta demo --live` logs about 10 records a second, counts what the explorer writes
over a window, then stops the writer and counts again (idle).

With `--leet`, the writer is LEET's published test size instead: 20 metric keys logged at
10 steps a second (200 records/s), appended to a JSONL file that `contexta ingest --follow`
tails, and the explorer follows that run's record stream.

usage: scripts/bench_terminal_bytes.py [path/to/contexta] [seconds] [--leet]
"""
import fcntl, os, pty, select, shutil, signal, struct, subprocess, sys, tempfile, termios, time

leet = "--leet" in sys.argv
args = [a for a in sys.argv[1:] if a != "--leet"]
exe = os.path.abspath(args[0] if args else "target/release/contexta")
window = float(args[1]) if len(args) > 1 else 20.0
work = tempfile.mkdtemp(prefix="ctx-bytes-")
ws = os.path.join(work, ".contexta")
subprocess.run([exe, "--workspace", ws, "--quiet", "demo"], check=True)
if leet:
    import json, threading
    feed = os.path.join(work, "feed.jsonl")
    stop_feed = threading.Event()

    def produce():
        with open(feed, "a") as f:
            f.write(json.dumps({"entity": "run", "name": "follow-me", "project_ref": "project:leet",
                                "run_ref": "run:leet.follow-me", "schema_version": "1.0.0",
                                "started_at": "2026-12-01T00:00:00Z", "status": "open",
                                "extensions": []}) + "\n")
            step, start = 0, time.time()
            while not stop_feed.is_set():
                at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                for k in range(20):
                    f.write(json.dumps({"envelope": {"observed_at": at, "producer_ref": "bench",
                                        "record_ref": f"record:leet.follow-me.s{step}-k{k}",
                                        "record_type": "metric", "recorded_at": at,
                                        "run_ref": "run:leet.follow-me"},
                                        "payload": {"metric_key": f"train.m{k:02}",
                                                    "value": (step % 100) / 100 + k,
                                                    "value_type": "float64",
                                                    "tags": {"step": str(step)}}}) + "\n")
                f.flush()
                step += 1
                time.sleep(max(0.0, start + step * 0.1 - time.time()))

    open(feed, "w").close()
    producer = threading.Thread(target=produce)
    producer.start()
    writer = subprocess.Popen([exe, "--workspace", ws, "--quiet", "ingest", "--follow", feed],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
else:
    # One training step per 0.12 s; a step logs ~1.2 records: about 10 records/s.
    writer = subprocess.Popen([exe, "--workspace", ws, "--quiet", "demo", "--live", "--name",
                               "follow-me", "--interval", "0.12"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
if leet:
    os.write(fd, b":run leet.follow-me\r")
    time.sleep(0.3)
    os.write(fd, b"3")
else:
    os.write(fd, b"gg")
    time.sleep(0.3)
    os.write(fd, b"j3")
count(2.0)
live = count(window)
writer.send_signal(signal.SIGTERM)
writer.wait()
if leet:
    stop_feed.set()
    producer.join()
count(2.0)
idle = count(window)
os.write(fd, b"q")
os.waitpid(pid, 0)
shutil.rmtree(work, ignore_errors=True)
rate = "200 records/s (20 keys x 10 steps/s)" if leet else "~10 records/s"
print(f"following a run logging {rate}: {live / window:.0f} bytes/s to the terminal ({live} bytes in {window:.0f} s)")
print(f"idle (writer stopped): {idle / window:.0f} bytes/s ({idle} bytes in {window:.0f} s)")
