#!/usr/bin/env bash
# Runs every test layer against real infrastructure, then stops whatever this run started.
# pytest's exit code 5 ("no tests collected") is a failure here: a green run must have run tests.
#
# Infrastructure that is already running (`make up`, `make demo`) is used as it is. Otherwise this
# run starts its own in a state directory of its own, emptied first: CI runs on the machine a
# session used, after every process of it was killed, and must not depend on what that left.
set -uo pipefail
cd "$(dirname "$0")/../.."
cache="${TELEBILL_CACHE:-$HOME/.cache/telebill}"

stop_pipeline() {
  .venv/bin/python -c "from shared.settings import get_settings; from deploy.ops.processes import stop_all; stop_all(get_settings())" || true
}

infra_was_running=0
if bash deploy/local/infra.sh status >/dev/null 2>&1; then
  infra_was_running=1
elif ! docker info >/dev/null 2>&1; then
  export TELEBILL_STATE="$cache/test-state" TELEBILL_STATE_DIR="$cache/test-state"
  if bash deploy/local/infra.sh status >/dev/null 2>&1; then
    infra_was_running=1 # an earlier test run's, still up: reuse it
  else
    stop_pipeline # what an interrupted test run may have left, before its pid files go
    rm -rf "$TELEBILL_STATE"
  fi
fi

stop_started() {
  # The e2e fixture stops the pipeline processes it started; this is the backstop when the
  # infrastructure itself was started here, so nothing of this run outlives it.
  if [ "$infra_was_running" = 0 ]; then
    stop_pipeline
    bash deploy/local/infra.sh down || true
  fi
}
trap stop_started EXIT

if ! docker info >/dev/null 2>&1; then
  bash deploy/local/infra.sh up || exit 1
fi
bash deploy/local/browser.sh || echo "no headless browser: the dashboard's browser test will fail and say why"
export TELEBILL_ENVIRONMENT=test

run_pytest() {
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
  local rc=$?
  if [ "$rc" = 5 ]; then echo "pytest collected no tests: failing the run"; rc=1; fi
  return "$rc"
}

# Arguments name what to run (`make test-chaos` passes tests/chaos). Without any: every layer, then
# the chaos drill on its own, as it stops and starts the broker and the database server under load
# (TELEBILL_CHAOS=0 leaves it out).
if [ "$#" -gt 0 ]; then
  run_pytest "$@"
  exit $?
fi
run_pytest tests --ignore=tests/chaos
rc=$?
if [ "${TELEBILL_CHAOS:-1}" = 1 ]; then
  run_pytest tests/chaos -s
  chaos_rc=$?
  [ "$rc" = 0 ] && rc=$chaos_rc
fi
exit "$rc"
