#!/usr/bin/env bash
# Benchmarks: figures for closing notes, never assertions in tests. Runs on a stack of its own
# (state emptied first, so "fresh" means a fresh database), stopped afterwards: first each
# component's bench, then the pipeline suite (bench/suite.py), whose JSON goes to bench/results/.
# Sizes: BENCH_BACKLOG (20000), BENCH_STORED (50000), BENCH_LATENCY_SECONDS (60), BENCH_SCALE (5000).
set -uo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/own-stack.sh
own_stack bench
rc=0
for bench in bench/[!_]*.py; do
  case "$bench" in bench/suite.py | bench/pipeline_throughput.py) continue ;; esac
  echo "== $bench"
  .venv/bin/python "$bench" || rc=1
done
.venv/bin/python bench/suite.py || rc=1
exit "$rc"
