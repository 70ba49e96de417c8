#!/usr/bin/env bash
# Sourced by run-load.sh and run-bench.sh: a fresh stack of their own in $TELEBILL_CACHE/<name>-state
# (emptied first), stopped when the calling script exits. Refuses while another stack runs: both
# would want the same ports.
own_stack() { # name
  local cache="${TELEBILL_CACHE:-$HOME/.cache/telebill}"
  export TELEBILL_STATE="$cache/$1-state" TELEBILL_STATE_DIR="$cache/$1-state"
  if bash deploy/local/infra.sh status >/dev/null 2>&1 || .venv/bin/telebill status >/dev/null 2>&1; then
    echo "a stack is already running: make down first (the $1 run wants a fresh one)" >&2
    exit 1
  fi
  .venv/bin/telebill down >/dev/null 2>&1 || true
  rm -rf "$TELEBILL_STATE"
  trap '.venv/bin/telebill down >/dev/null 2>&1 || true' EXIT
  .venv/bin/telebill up || exit 1
}
