#!/usr/bin/env bash
# The burst load test on a fresh stack of its own (state emptied first), stopped afterwards.
set -uo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/own-stack.sh
own_stack load
.venv/bin/python -m tests.load.bursts "${1:-5000}" "${2:-3}"
