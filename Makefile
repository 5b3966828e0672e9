# PyTake: `make dev` runs the whole system on embedded defaults; `make test` installs and tests.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PKGS   := -e shared[embedded] -e services/ingress -e services/router -e services/executor \
          -e services/sender -e services/analytics -e tools[dev]
STAMP  := $(VENV)/.installed
# pytest-xdist workers for `make test`; the end-to-end tests all run on one of them.
WORKERS ?= 2

.PHONY: venv console browser dev test test-fast lint fmt bench rebuild-analytics secrets lock clean

venv: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(wildcard */pyproject.toml services/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt $(PKGS) -r requirements-dev.txt
	touch $(STAMP)

# The console (TypeScript, React, Vite; Node.js 20+): built into console/dist, which analytics
# serves under /console/. Rebuilt when its sources or lockfile change.
CONSOLE := console/dist/index.html
CONSOLE_SRC := console/package.json console/package-lock.json console/index.html \
	console/vite.config.ts console/tsconfig.json $(shell find console/src -type f 2>/dev/null)

console: $(CONSOLE)

$(CONSOLE): $(CONSOLE_SRC)
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run build

# Debian's Chromium for the console's browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

dev: $(STAMP) $(CONSOLE)
	$(BIN)/pytake dev

test: $(STAMP) $(CONSOLE) browser
	cd console && npx vitest run
	$(BIN)/python -m pytest --cov --cov-report= -n $(WORKERS) --dist loadgroup $(ARGS)
	$(BIN)/python -m pytake_tools.coverage_report --fail-under 80

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e" $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict shared/src services/*/src tools/src

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

# Empty the analytics projections and replay the topics into them (a running analytics service
# waits, then goes on). Reads DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, PYTAKE_TOPIC_NAMESPACE like the service.
rebuild-analytics: $(STAMP)
	$(BIN)/pytake rebuild analytics --progress $(ARGS)

# An .env for docker compose with a fresh random value for every secret (never overwritten).
secrets: $(STAMP)
	$(BIN)/pytake secrets generate --output .env

# Re-resolve every dependency to its newest version and pin the result.
lock:
	rm -rf /tmp/pytake-lock && $(PYTHON) -m venv /tmp/pytake-lock
	/tmp/pytake-lock/bin/pip install --quiet $(PKGS) -r requirements-dev.txt
	/tmp/pytake-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf /tmp/pytake-lock

clean:
	rm -rf $(VENV) .coverage .coverage.* .pytest_cache .mypy_cache .ruff_cache console/dist console/node_modules
