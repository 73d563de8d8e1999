# Developer entry points. Everything runs from the project's own virtualenv in $(VENV).
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV ?= $(shell command -v python3.11 || command -v python3)
# Reinstalled when pyproject.toml changes; otherwise `make venv` does nothing.
STAMP := $(VENV)/.installed

.PHONY: venv run test lint faults bench histories clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[dev,bench]'
	touch $@

# The Temporal dev server and a worker; state in var/ (survives restarts). Ctrl-C stops both.
run: venv
	$(BIN)/ombudsflow run

# The whole suite, then lint. pytest exits 5 when it collects no test: that fails here too.
test: venv
	$(BIN)/python -m pytest -q --durations=15
	$(BIN)/ruff check .
	$(BIN)/mypy .

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy .

# The fault scenarios at full size, on PostgreSQL: 100 cases through killed workers, a Temporal
# server restart, SMTP and database outages, duplicate and racing input; then schemathesis on
# the API with all its checks. Prints the summary table; fails if a case, a task or a notice was
# lost or doubled, or an API answer was not as /openapi.json documents it (or a 5xx). About 17
# minutes on 2 cores.
faults: venv
	$(BIN)/python -m faults

# The benchmarks (BENCHMARKS.md): the case workflow against a bare one on the same server,
# intake latency, open cases at scale, the board over 100,000 cases, replay; prints the table
# of figures against targets. About 8 minutes on 2 cores with 1,000 open cases (SCALE): they
# settle at about 5 a second there, so SCALE=20000 adds about 70 minutes. BENCH_ARGS="--profile
# var/profile" adds flame graphs, "--store postgresql" puts the store on the local PostgreSQL
# (python -m bench --help for the rest).
SCALE ?= 1000
bench: venv
	$(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

# Record the current workflow's histories for the replay tests, as the next version (v2, v3,
# …): the older versions' files stay, since running cases of every version must replay.
histories: venv
	$(BIN)/python -m tests.support.record_histories
	$(BIN)/python -m tests.reporting.record_reporting_histories
	$(BIN)/python -m tests.workflows.record_scheduled_histories

# Build and tool caches and the virtualenv. var/ (your cases and the key ring) is kept:
# delete it by hand to start from nothing.
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
