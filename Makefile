# The two commands of the README: `make run` (install, migrate, demo data, serve) and
# `make test` (install with dev tools, start services, lint, type-check, whole test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev services lint typecheck pytest bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'

run: install
	$(BIN)/erp db upgrade
	$(BIN)/erp demo
	$(BIN)/erp serve --host $(HOST) --port $(PORT)

services:
	@bash .ci/services

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev services
	$(BIN)/pytest -n auto -p no:cacheprovider

test: lint typecheck pytest
