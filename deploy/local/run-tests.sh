#!/usr/bin/env bash
# Runs every test layer against real infrastructure, then stops whatever this run started.
# pytest's exit code 5 ("no tests collected") is a failure here: a green run must have run tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
infra_was_running=0
if bash deploy/local/infra.sh status >/dev/null 2>&1; then infra_was_running=1; fi

stop_started() {
  # The e2e fixture stops the pipeline processes it started; this is the backstop when the
  # infrastructure itself was started here, so nothing of this run outlives it.
  if [ "$infra_was_running" = 0 ]; then
    .venv/bin/python -c "from shared.settings import get_settings; from deploy.ops.processes import stop_all; stop_all(get_settings())" || true
    bash deploy/local/infra.sh down || true
  fi
}
trap stop_started EXIT

if ! docker info >/dev/null 2>&1; then
  bash deploy/local/infra.sh up || exit 1
fi
export TELEBILL_ENVIRONMENT=test
.venv/bin/python -m pytest tests -q -p no:cacheprovider "$@"
rc=$?
if [ "$rc" = 5 ]; then echo "pytest collected no tests: failing the run"; rc=1; fi
exit "$rc"
