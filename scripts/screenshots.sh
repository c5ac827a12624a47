#!/usr/bin/env bash
# Screenshots of the real explorer on the demo workspace, with a live run writing, captured from
# tmux with colours (capture-pane -e) and converted to SVG by scripts/ansi2svg.py.
# Usage: scripts/screenshots.sh [OUT_DIR]   (default: screenshots/)
# Needs: cargo, tmux, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-screenshots}"
mkdir -p "$out"
cargo build --quiet
bin="$PWD/target/debug/contexta"
tmp="$(mktemp -d)"
sock="contexta-shots-$$"
writer=""
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  if [ -n "$writer" ]; then kill "$writer" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

ws="$tmp/.contexta"
"$bin" --workspace "$ws" demo >/dev/null
# A wrapped command, for the console and system panes: coloured output, host samples.
"$bin" --workspace "$ws" run --project shell-jobs --name wrapped-train --system-interval 200ms -- \
  sh -c 'for i in $(seq 1 25); do printf "epoch %2d  loss \033[33m0.%02d\033[0m  acc 0.%02d\n" "$i" "$((99 - 3 * i))" "$((60 + i))"; sleep 0.12; done; printf "\033[32mtraining done\033[0m\n"' \
  >/dev/null 2>&1
# A live training run keeps writing while we take the pictures.
"$bin" --workspace "$ws" demo --live --duration 60 >/dev/null 2>&1 &
writer=$!

# Waits until the screen contains $1 (a fixed string), up to 20 s.
wait_for() {
  for _ in $(seq 200); do
    if tmux -L "$sock" capture-pane -p -t shot | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  tmux -L "$sock" capture-pane -p -t shot >&2
  return 1
}

shoot() { # name, title
  sleep 0.3 # let the last frame land; only for the picture, nothing is asserted
  tmux -L "$sock" capture-pane -e -p -t shot >"$tmp/$1.ansi"
  python3 scripts/ansi2svg.py "$tmp/$1.ansi" "$out/$1.svg" --title "$2"
  echo "wrote $out/$1.svg"
}

TERM=xterm-256color tmux -L "$sock" new-session -d -s shot -x 160 -y 48 \
  "env -u NO_COLOR '$bin' --workspace '$ws' tui"
wait_for "Runs"
sleep 2 # let the live run write a few steps
# The live run (live-DATE-TIME) is in the tree; a cut name keeps its time (…-13-18-58).
wait_for "MNIST classifier                   7"
shoot tree-overview "contexta — run tree, overview, metrics and records (160x48)"

tmux -L "$sock" send-keys -t shot 3
wait_for "following"
shoot record-stream "contexta — record stream following a live run"

tmux -L "$sock" send-keys -t shot 1 ':' 'run' Space 'baseline' Enter
wait_for "mnist-classifier.baseline"
tmux -L "$sock" send-keys -t shot Space ':' 'run' Space 'cosine-warmup' Enter
wait_for "mnist-classifier.cosine-warmup"
tmux -L "$sock" send-keys -t shot Space 4
wait_for "page 1/"
shoot metrics-grid "contexta — the chart grid: a chart per metric, two marked runs overlaid"
# train-loss (the ninth of eleven keys) full size, the cursor moved in with l.
tmux -L "$sock" send-keys -t shot G k k Enter
wait_for "h/l cursor"
for _ in $(seq 24); do tmux -L "$sock" send-keys -t shot l; done
wait_for "│ step"
shoot metrics-chart "contexta — train-loss of two marked runs overlaid, the cursor reading out step, time and values"
tmux -L "$sock" send-keys -t shot Escape
# Back on the grid before the next key: an Escape followed at once by `c` reads as Alt-c.
wait_for "open the selected chart full size"

tmux -L "$sock" send-keys -t shot c
wait_for "overlaid"
shoot compare "contexta — two marked runs compared side by side"

tmux -L "$sock" send-keys -t shot 1 ':' 'run' Space 'wide-resnet' Enter
wait_for "mnist-classifier.wide-resnet"
tmux -L "$sock" send-keys -t shot 6
wait_for "failed_batch"
shoot diagnostics "contexta — diagnostics of a failed run (Enter jumps to the evidence)"

tmux -L "$sock" send-keys -t shot 1 ':' 'run' Space 'baseline' Enter
wait_for "mnist-classifier.baseline"
tmux -L "$sock" send-keys -t shot 7
wait_for "downstream"
shoot lineage "contexta — lineage navigator around a run"

tmux -L "$sock" send-keys -t shot '?'
wait_for "Keys (q or Esc closes)"
shoot help "contexta — help generated from the keymap"

# Smaller terminals: tree, charts and records stacked at 120x36; one pane at a time at 80x24.
tmux -L "$sock" send-keys -t shot q 2 1 # close the help; the overview, not the lineage, as main
tmux -L "$sock" resize-window -t shot -x 120 -y 36
wait_for "Metrics "
wait_for "Records "
shoot stacked-120x36 "contexta at 120x36 — tree, charts and records of the run together"
tmux -L "$sock" resize-window -t shot -x 80 -y 24
wait_for "1 Runs  2 Overview"
tmux -L "$sock" send-keys -t shot 4
wait_for "Metrics "
shoot single-80x24 "contexta at 80x24 — one pane at a time, tabs name the keys"

# The console and system panes of the wrapped command, back at 160x48.
tmux -L "$sock" resize-window -t shot -x 160 -y 48
wait_for "2 Overview"
tmux -L "$sock" send-keys -t shot 1 ':' 'run' Space 'wrapped-train' Enter
wait_for "shell-jobs.wrapped-train"
tmux -L "$sock" send-keys -t shot 9
wait_for "training done"
shoot console "contexta — the console of a wrapped command, colours kept"
tmux -L "$sock" send-keys -t shot 0
wait_for "samples"
shoot system "contexta — host CPU and memory sampled while the command ran"
tmux -L "$sock" send-keys -t shot q q
