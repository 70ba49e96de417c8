#!/usr/bin/env bash
# Benchmarks: figures for closing notes, never assertions in tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/telebill up
for bench in bench/[!_]*.py; do
  echo "== $bench"
  .venv/bin/python "$bench"
done
