#!/usr/bin/env bash
# Benchmarks: figures for closing notes, never assertions in tests. Runs on a stack of its own
# (state emptied first, so "fresh" means a fresh database), stopped afterwards: first each
# component's bench, then the pipeline suite (bench/suite.py), whose JSON goes to bench/results/.
# Sizes: BENCH_BACKLOG (20000), BENCH_STORED (50000), BENCH_LATENCY_SECONDS (60), BENCH_SCALE (5000).
set -uo pipefail
cd "$(dirname "$0")/../.."
cache="${TELEBILL_CACHE:-$HOME/.cache/telebill}"
export TELEBILL_STATE="$cache/bench-state" TELEBILL_STATE_DIR="$cache/bench-state"

if bash deploy/local/infra.sh status >/dev/null 2>&1 || .venv/bin/telebill status >/dev/null 2>&1; then
  echo "a stack is already running: make down first (the bench wants a fresh one)" >&2
  exit 1
fi
.venv/bin/telebill down >/dev/null 2>&1 || true
rm -rf "$TELEBILL_STATE"
trap '.venv/bin/telebill down >/dev/null 2>&1 || true' EXIT
.venv/bin/telebill up || exit 1
rc=0
for bench in bench/[!_]*.py; do
  case "$bench" in bench/suite.py | bench/pipeline_throughput.py) continue ;; esac
  echo "== $bench"
  .venv/bin/python "$bench" || rc=1
done
.venv/bin/python bench/suite.py || rc=1
exit "$rc"
