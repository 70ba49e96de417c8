# The one interface for running things: CI and people call the same targets.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install up down status demo test test-unit test-chaos test-load bench lint

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v python3 >/dev/null || { echo "python3 (3.11+) is required"; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

up: install
	$(VENV)/bin/telebill up

down:
	@if [ -x $(VENV)/bin/telebill ]; then $(VENV)/bin/telebill down; else bash deploy/local/infra.sh down; fi

status: install
	$(VENV)/bin/telebill status

demo: install
	$(VENV)/bin/telebill demo

# Lint (ruff, mypy --strict), then unit, integration and e2e tests against the real broker and
# server. Stops what it started.
test: lint
	bash deploy/local/run-tests.sh $(PYTEST_ARGS)

# The chaos drill alone: 2,000 encounters while every worker is killed and the broker and database restarted.
test-chaos: install
	bash deploy/local/run-tests.sh tests/chaos -s

# Three rounds of 5,000 encounters in bursts of 200 on a fresh stack: every one accounted for, no hang.
test-load: install
	bash deploy/local/run-load.sh

test-unit: install
	$(PY) -m pytest tests/unit -q

bench: install
	bash deploy/local/run-bench.sh

lint: install
	$(VENV)/bin/ruff check shared services deploy tests bench
	$(VENV)/bin/mypy --strict shared services deploy
