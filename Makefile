# Every target sets itself up: a .venv with the project installed, and the Debian packages of
# Prometheus, Alertmanager, the exporters, Chromium and haproxy when they are missing and apt is usable.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The whole dev install, pinned: `make lock` refreshes it on purpose (after adding a dependency).
CONSTRAINTS := constraints.txt
LOCK_VENV := var/lock-venv
OBS := $(PY) -m observability.cli
HOST ?= 127.0.0.1
PORT ?= 8080
DEBIAN_TOOLS := prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter chromium haproxy
TOOL_BINARIES := prometheus promtool prometheus-alertmanager amtool prometheus-node-exporter prometheus-postgres-exporter chromium haproxy

.PHONY: run test dashboards alerts generate check lint bench demo tools venv clean runbooks-site lock

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

# A fresh venv of '.[dev]' at today's newest versions, frozen (without the project itself).
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q --disable-pip-version-check -U pip
	$(LOCK_VENV)/bin/pip install -q --disable-pip-version-check '.[dev]'
	{ echo "# The whole dev install, pinned. Made by \`make lock\` (pip freeze of a fresh venv of .[dev]);"; \
	  echo "# used by the Makefile's set-up: pip install -c $(CONSTRAINTS) -e '.[dev]'. Do not edit by hand."; \
	  $(LOCK_VENV)/bin/pip freeze --disable-pip-version-check --exclude observability; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)
	rm -rf $(LOCK_VENV)
	@echo "wrote $(CONSTRAINTS): commit it"

venv: $(STAMP)

tools:
	@missing=""; for b in $(TOOL_BINARIES); do command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages for:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBIAN_TOOLS) >/dev/null; \
	  else echo "missing:$$missing (install: apt-get install $(DEBIAN_TOOLS))" >&2; exit 1; fi; \
	fi

# A webhook token is generated once under var/ (mode 600) unless OBS_WEBHOOK_TOKEN(_FILE) is set.
run: $(STAMP)
	@mkdir -p var; test -s var/webhook-token || (umask 077; $(PY) -c 'import secrets; print(secrets.token_urlsafe(32))' > var/webhook-token)
	@if [ -z "$${OBS_WEBHOOK_TOKEN:-}" ]; then export OBS_WEBHOOK_TOKEN_FILE=$${OBS_WEBHOOK_TOKEN_FILE:-var/webhook-token}; fi; \
	exec $(OBS) serve --host $(HOST) --port $(PORT)

test: $(STAMP) tools
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q

dashboards: $(STAMP)
	$(OBS) generate dashboards

alerts: $(STAMP)
	$(OBS) generate alerts

generate: $(STAMP)
	$(OBS) generate all

check: $(STAMP) tools
	$(OBS) check
	$(OBS) check-config

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Each bench records its figures through bench/report.py (profiling.py is its library, not a bench);
# the last step writes BENCHMARKS.md.
bench: $(STAMP) tools
	@$(PY) bench/report.py --reset
	@for b in bench/*.py; do case $$b in bench/report.py|bench/profiling.py) continue;; esac; echo "== $$b"; $(PY) $$b || exit 1; done
	@$(PY) bench/report.py --write BENCHMARKS.md

# Ports: OBS_DEMO_PORTS=19000 make demo (or make demo PORTS=19000) takes 19000, 19001, ...
demo: $(STAMP) tools
	$(OBS) demo $(if $(PORTS),--ports $(PORTS))

runbooks-site: $(STAMP)
	$(OBS) runbooks export var/runbooks-site

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
