#!/usr/bin/env bash
# The burst load test on a fresh stack of its own (state emptied first), stopped afterwards.
set -uo pipefail
cd "$(dirname "$0")/../.."
cache="${TELEBILL_CACHE:-$HOME/.cache/telebill}"
export TELEBILL_STATE="$cache/load-state" TELEBILL_STATE_DIR="$cache/load-state"

if bash deploy/local/infra.sh status >/dev/null 2>&1 || .venv/bin/telebill status >/dev/null 2>&1; then
  echo "a stack is already running: make down first (the load test wants a fresh one)" >&2
  exit 1
fi
.venv/bin/telebill down >/dev/null 2>&1 || true
rm -rf "$TELEBILL_STATE"
trap '.venv/bin/telebill down >/dev/null 2>&1 || true' EXIT
.venv/bin/telebill up || exit 1
.venv/bin/python -m tests.load.bursts "${1:-5000}" "${2:-3}"
