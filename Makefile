# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
PYTEST  := $(PY) -m pytest -q -p no:cacheprovider
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
export TQDM_DISABLE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning
# TensorFlow and BLAS: one thread per op pool fits these 2-core machines best.
export OMP_NUM_THREADS ?= 1
export TF_INTRA_OP_PARALLELISM_THREADS ?= 2
export TF_INTER_OP_PARALLELISM_THREADS ?= 1

STORIES := tests/stories

.PHONY: help setup web-deps browser-deps nlp train run validate lint unit stories integration \
        browser scaleout test nlu-eval bench purge lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

setup: ## Create the venv and install the exact pins (only when a lock file changed)
	@scripts/setup_venv.sh

web-deps: ## The widget's npm packages (socket.io-client, axe-core), as locked
	@scripts/ensure_web_deps.sh

browser-deps: web-deps ## Debian's Chromium for the browser tests (no browser download)
	@scripts/ensure_chromium.sh

nlp: setup ## Build the clinical spaCy pipeline from its pattern files (var/nlp/clinic_en)
	@$(PY) -m clinical_nlp.build --out var/nlp/clinic_en

train: nlp ## Train the model, only when data, domain or config changed (Rasa's fingerprint)
	@$(RASA) train --quiet --out models --domain domain

run: train web-deps ## Start everything on embedded defaults (Ctrl-C stops it all)
	@$(PY) -m scripts.run_all

validate: setup ## Check the training data and domain (any warning fails)
	@$(PY) -m scripts.validate_data

lint: setup ## Static checks
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/mypy

unit: setup ## Unit tests of the Python code (no servers)
	@$(PYTEST) tests/unit

stories: train ## End-to-end test stories against the trained model
	@$(RASA) test core --stories $(STORIES) --fail-on-prediction-errors --out results/stories --quiet
	@grep -q "None of the test stories failed" results/stories/failed_test_stories.yml

integration: train web-deps ## Real action and Rasa servers, talked to over REST and WhatsApp stand-ins
	@$(PYTEST) tests/integration

browser: train browser-deps ## The widget and the console in Debian's Chromium
	@$(PYTEST) tests/browser

scaleout: train ## Two replicas over PostgreSQL and Redis (skipped, and says so, if they are absent)
	@if $(PY) -m scripts.backing_services; then $(PYTEST) tests/scaleout; fi

test: setup validate lint unit train stories integration browser scaleout ## Everything, as CI runs it

nlu-eval: train ## 5-fold cross-validation of intents and the response selector
	@$(RASA) test nlu --cross-validation --folds 5 --out results/nlu
	@$(PY) -m scripts.nlu_report results/nlu

bench: train ## Compare with a stock `rasa init` bot; writes bench/results.md (BENCH_ARGS="--quick")
	@$(PY) -m bench $(BENCH_ARGS)

purge: setup ## Delete conversations and bookings older than config/privacy.yml's retention
	@$(PY) -m privacy purge

lock: ## Re-resolve requirements*.in into the lock files (all packages together)
	@$(VENV)/bin/pip-compile --quiet --no-emit-index-url --no-emit-find-links --strip-extras --allow-unsafe -o requirements.lock requirements.in
	@$(VENV)/bin/pip-compile --quiet --no-emit-index-url --no-emit-find-links --strip-extras --allow-unsafe -o requirements-dev.lock requirements-dev.in

clean: ## Remove trained models and test output (keeps the venv and var/)
	rm -rf models results test-output
