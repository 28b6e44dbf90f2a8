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

bench: $(STAMP) ## benchmark at scale 1, then 100 (one scale: make bench SCALE=1000); writes bench/results.json
	@for scale in $(or $(SCALE),1 100); do $(BIN)/yotbench bench --scale $$scale $(BENCH_ARGS) || exit 1; done

serve: $(STAMP) ## start a local Prefect server (UI http://127.0.0.1:4200) and serve the nightly schedule
	@export PREFECT_API_URL=http://127.0.0.1:4200/api PREFECT_SERVER_ANALYTICS_ENABLED=false; \
	if ! $(BIN)/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:4200/api/health', timeout=2)" 2>/dev/null; then \
	  echo "starting a Prefect server in the background (stop it with: $(BIN)/prefect server stop)"; \
	  $(BIN)/prefect server start --background >/dev/null; \
	  for i in $$(seq 60); do $(BIN)/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4200/api/health', timeout=2)" 2>/dev/null && break; sleep 1; done; \
	fi; \
	$(BIN)/yotbench serve --data-dir $(DATA)

status: $(STAMP) ## show recent runs, what is published and what awaits correction
	$(BIN)/yotbench status --data-dir $(DATA)

clean-data: ## delete everything derived from data/raw (keeps raw submissions)
	rm -rf $(DATA)/parquet $(DATA)/parquet_history $(DATA)/marts/*.duckdb $(DATA)/quarantine $(DATA)/validation $(DATA)/briefings $(DATA)/ledger.sqlite* $(DATA)/.tmp $(DATA)/run.lock

clean: ## remove the virtual environment
	rm -rf $(VENV)
