# Developer entry points. Everything runs from the project's own virtualenv in $(VENV).
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV ?= $(shell command -v python3.11 || command -v python3)
# Reinstalled when pyproject.toml changes; otherwise `make venv` does nothing.
STAMP := $(VENV)/.installed

.PHONY: venv run test lint faults histories clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

# The Temporal dev server and a worker; state in var/ (survives restarts). Ctrl-C stops both.
run: venv
	$(BIN)/ombudsflow run

# The whole suite, then lint. pytest exits 5 when it collects no test: that fails here too.
test: venv
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check .
	$(BIN)/mypy .

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy .

# The fault scenarios at full size, on PostgreSQL: 100 cases through killed workers, a Temporal
# server restart, SMTP and database outages, duplicate and racing input; prints the summary
# table and fails if a case, a task or a notice was lost or doubled. About 15 minutes.
faults: venv
	$(BIN)/python -m faults

# Re-record the workflow histories that the replay tests read.
histories: venv
	$(BIN)/python -m tests.record_histories

# Build and tool caches and the virtualenv. var/ (your cases and the key ring) is kept:
# delete it by hand to start from nothing.
clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
