# yotbench — `make run` sets everything up and runs the pipeline on the embedded sample;
# `make test` sets everything up and runs the tests. `make help` lists every target.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data

.DEFAULT_GOAL := help
.PHONY: help setup run test lint format bench serve status clean clean-data

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) ## create .venv and install pinned dependencies

run: $(STAMP) ## run the nightly pipeline once on data/ (writes the embedded sample if raw/ is empty)
	$(BIN)/yotbench run --data-dir $(DATA) --sample-if-empty

test: $(STAMP) ## run the test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff (Python) and sqlfluff (SQL)
	$(BIN)/ruff check yotbench flows tests bench
	$(BIN)/ruff format --check yotbench flows tests bench
	$(BIN)/sqlfluff lint sql

format: $(STAMP) ## format Python with ruff
	$(BIN)/ruff format yotbench flows tests bench
	$(BIN)/ruff check --fix yotbench flows tests bench

status: $(STAMP) ## show recent runs, what is published and what awaits correction
	$(BIN)/yotbench status --data-dir $(DATA)

clean-data: ## delete everything derived from data/raw (keeps raw submissions)
	rm -rf $(DATA)/parquet $(DATA)/parquet_history $(DATA)/marts/*.duckdb $(DATA)/quarantine $(DATA)/validation $(DATA)/briefings $(DATA)/ledger.sqlite* $(DATA)/.tmp $(DATA)/run.lock

clean: ## remove the virtual environment
	rm -rf $(VENV)
