# The two commands a newcomer needs are `make run` and `make test` (README).
# Everything else is a building block they call, or a benchmark.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYTHONPATH := $(CURDIR)

.PHONY: run test install web train lint typecheck format validate test-unit test-model test-e2e \
        bench bench-nlu bench-safety bench-load bench-insights bench-chaos audit clean

run: install web             ## install on first use, train if needed, serve until Ctrl-C
	$(PY) -m sedorum.server.stack run

test: install web lint typecheck  ## the whole suite: lint, type check, unit, model (validate + stories), end-to-end
	$(PY) -m pytest tests/unit tests/model tests/e2e

install:                     ## virtual environment from the pinned lock (idempotent)
	@bash scripts/install.sh

web:                         ## the chat widget bundle, built from the npm registry (idempotent)
	@bash scripts/build_web.sh

train: install
	$(PY) -m sedorum.server.stack train

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install           ## mypy over sedorum/, actions/, evaluation/, fakes/, tests/ and bench/ (settings in pyproject.toml)
	$(PY) -m mypy

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test-unit: install
	$(PY) -m pytest tests/unit

test-model: install
	$(PY) -m pytest tests/model

test-e2e: install web
	$(PY) -m pytest tests/e2e

bench: bench-nlu bench-safety bench-load bench-insights bench-chaos

bench-nlu: install           ## 5-fold cross-validation of the NLU pipelines -> bench/results/nlu.json
	$(PY) -m bench.bench_nlu

bench-safety: install        ## safety conversations + emergency detector -> bench/results/safety.json (ONLY=fresh_01: one batch)
	$(PY) -m bench.bench_safety $(if $(ONLY),--only $(ONLY))

bench-load: install web      ## this assistant vs a plain `rasa init` bot -> bench/results/load.json
	$(PY) -m bench.bench_load

bench-insights: install web  ## staff insights page over 100,000 conversations, SQLite and PostgreSQL -> bench/results/insights.json
	$(PY) -m bench.bench_insights

bench-chaos: install web     ## processes killed with SIGKILL under load, make run's layout and the replicas -> bench/results/chaos.json
	$(PY) -m bench.bench_chaos $(if $(ONLY),--only $(ONLY))

audit:                       ## known advisories in the pinned lock (separate venv: pip-audit's deps clash with rasa's)
	@bash scripts/audit.sh

clean:
	rm -rf models var .pytest_cache
