# The two commands of the README: `make run` (install, build the web app, migrate, demo data,
# serve) and `make test` (install with dev tools, start services, lint, type-check, the web
# app's unit tests, whole test suite with the browser tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev services lint typecheck pytest bench web web-test chromium node

# The web app (web/): built into api/web_dist, which the API serves and the package ships.
WEB_DIST := api/web_dist/index.html
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/postcss.config.cjs web/package.json

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-dev: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'

node:
	@command -v npm >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' \
		|| { echo "The web app needs Node.js 20 or newer with npm (see README: Quick start)." >&2; exit 1; }

$(WEB_DEPS): web/package-lock.json | node
	cd web && npm ci --no-audit --no-fund
	@touch $@

$(WEB_DIST): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build

web: $(WEB_DIST)

web-test: $(WEB_DEPS)
	cd web && npm test

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

run: install web
	$(BIN)/erp db upgrade
	$(BIN)/erp demo
	$(BIN)/erp serve --host $(HOST) --port $(PORT)

services:
	@bash .ci/services

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev services web chromium
	$(BIN)/pytest -n auto --dist loadfile -p no:cacheprovider

test: lint typecheck web-test pytest
