# Get Online. A newcomer needs two commands: `make run` and `make test`. Every install step is here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
VENV_RASA := .venv-rasa
PY        := $(VENV)/bin/python
RASA_PY   := $(VENV_RASA)/bin/python
SPACY_DIR := build/spacy/getonline_en
PIP_FLAGS := --disable-pip-version-check --no-input
export PYTHONPATH := $(CURDIR)

.PHONY: help setup run test unit e2e engine-unit system-packages lint typecheck validate format nlu-report bench bench-compare clean

help:
	@echo "make run        set everything up, then run the bot on http://127.0.0.1:8000/"
	@echo "make test       set everything up, then run the whole test suite"
	@echo "make setup      set up only (environments, trained model, database)"
	@echo "make unit       the unit tests only (under a minute; no model, no engine)"
	@echo "make e2e        the end-to-end tests (the real engine, gateway and Chromium)"
	@echo "make engine-unit the tests of engine/patches.py, in the engine's Python"
	@echo "make nlu-report evaluate the NLU on the held-out set into docs/nlu-report.md"
	@echo "make bench      run the benchmarks under bench/"
	@echo "make bench-compare  our bot against a stock rasa init bot, in one run: the four ratios (~6 min)"
	@echo "make typecheck mypy (strict) over bot/, actions/, engine/ and nlu/"

# --- system programs the tests run ---------------------------------------------------------------
# COMMAND:DEBIAN-PACKAGE. Checked first, in a moment, so a missing one stops `make test` before any
# long step; installed with apt-get as root or with passwordless sudo, else one line says what to install.
SYSTEM_TOOLS ?= /usr/bin/chromium:chromium pdftoppm:poppler-utils pdftotext:poppler-utils \
	pdfinfo:poppler-utils npm:npm
system-packages:
	@scripts/system-packages $(SYSTEM_TOOLS)

# --- environments -------------------------------------------------------------------------------
$(VENV_RASA)/.installed: requirements/engine.in requirements/engine.lock
	@echo "==> Engine environment ($(VENV_RASA), Python 3.10, Rasa 3.6.21): a few minutes the first time"
	@py=$$(scripts/find-python 3.10) && { [ -x $(RASA_PY) ] || $$py -m venv $(VENV_RASA); }
	$(RASA_PY) -m pip install $(PIP_FLAGS) -q pip==24.0
	$(RASA_PY) -m pip install $(PIP_FLAGS) -q -r requirements/engine.in -c requirements/engine.lock
	@touch $@

$(VENV)/.installed: requirements/app.in requirements/app.lock
	@echo "==> App environment ($(VENV), Python 3.11)"
	@py=$$(scripts/find-python 3.11) && { [ -x $(PY) ] || $$py -m venv $(VENV); }
	$(PY) -m pip install $(PIP_FLAGS) -q pip==24.0
	$(PY) -m pip install $(PIP_FLAGS) -q -r requirements/app.in -c requirements/app.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> Test tools from npm (axe-core)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# --- the engine's spaCy pipeline, training data and model ---------------------------------------
$(SPACY_DIR)/meta.json: $(VENV_RASA)/.installed nlu/spacy_pipeline.py nlu/normalise.csv nlu/needs.csv content/places/leeds.csv bot/geo/places.py
	@echo "==> spaCy pipeline from spacy-lookups-data and the repo's data"
	$(RASA_PY) -m nlu.spacy_pipeline $(SPACY_DIR)

# `python -m bot train` generates data from content/, hashes what the model depends on, and trains
# only when that hash has no model yet.
.PHONY: model
model: $(VENV)/.installed $(VENV_RASA)/.installed $(SPACY_DIR)/meta.json
	$(PY) -m bot train

.PHONY: database
database: $(VENV)/.installed
	$(PY) -m bot setup-db

setup: model database

# --- the two commands ---------------------------------------------------------------------------
run: setup
	$(PY) -m bot run

# Under make nothing skips for a missing service either: REQUIRE_SERVICES=0 make test lets the
# PostgreSQL and Redis tests skip on a machine without them.
ifeq ($(REQUIRE_SERVICES),)
REQUIRE_SERVICES := 1
endif
export REQUIRE_SERVICES

# system-packages first: it stops in seconds when a program the tests run is missing.
test: system-packages setup node_modules/.installed lint typecheck validate engine-unit
	$(PY) -m pytest

# The fast loop: no model, no engine, no npm, no services; only the app environment. The unit
# tests' PostgreSQL and Redis halves (two thirds of their time) run in `make test`.
unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q -m "not postgres and not redis"

e2e: system-packages setup node_modules/.installed
	$(PY) -m pytest tests/e2e

# The engine's patches of Rasa internals (engine/patches.py), tested in the engine's own Python.
engine-unit: $(VENV_RASA)/.installed
	TF_CPP_MIN_LOG_LEVEL=3 $(RASA_PY) -W ignore -m unittest discover --start-directory tests/engine --top-level-directory . --quiet

# Stories and rules that name unknown intents or actions fail here, before any test runs.
validate: model
	TF_CPP_MIN_LOG_LEVEL=3 $(RASA_PY) -m rasa data validate --domain domain --data data nlu --config config.yml

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy, strict (pyproject.toml): the app against .venv, then the engine's code against .venv-rasa.
typecheck: $(VENV)/.installed $(VENV_RASA)/.installed
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --python-executable $(RASA_PY) --python-version 3.10 engine nlu

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

nlu-report: setup
	$(RASA_PY) -m nlu.evaluate

bench: setup
	@for script in bench/*.py; do echo "==> $$script"; $(PY) $$script || exit 1; done

# Issue 18's four ratios (saturation, p95 at 50 residents, CPU per turn, engine memory) against a
# stock `rasa init` bot, both measured in this one run (docs/performance.md).
bench-compare: setup
	$(PY) bench/compare.py

clean:
	rm -rf build models var/test-* .pytest_cache
