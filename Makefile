# webex-vault: `make demo` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGIN_SOURCE ?= auto
# The demo's server: openbao (default) or vault (HashiCorp Vault, built once into .local/vault/).
SERVER ?= openbao
# The plugin distribution: empty picks the one for the server (docs/servers.md): openbao on
# OpenBao, puppetlabs on HashiCorp Vault.
DISTRIBUTION ?=
PLUGIN_DISTRIBUTION := $(or $(DISTRIBUTION),$(if $(filter vault,$(SERVER)),puppetlabs,openbao))
# The servers the integration, security and Molecule tests run against.
export WEBEX_VAULT_TEST_SERVERS ?= openbao vault

.PHONY: help venv requirements plugin demo web down status changelog lint sanity unit fast integration browser molecule test bench clean

help:
	@echo "make demo   - local server + Webex emulator + site.yml + the CLI sample"
	@echo "make test   - lint, sanity, pytest (unit, integration, browser, security), molecule on OpenBao and Vault (what CI runs)"
	@echo "make fast   - unit and integration tests on OpenBao only (a few minutes; for iterations)"
	@echo "make lint   - ansible-lint, yamllint, ruff, mypy --strict on src/, antsibull-changelog lint"
	@echo "make web    - the web sample on http://localhost:5000/ (after make demo)"
	@echo "make bench  - benchmarks; rewrites docs/performance.md"
	@echo "make down   - stop the local server, emulator, mirror and web app"
	@echo "make changelog    - CHANGELOG.md from changelogs/fragments (antsibull-changelog)"
	@echo "make requirements - the hash-pinned requirement files from requirements/*.in"

# This checkout is the collection webex_vault.oauthapp: ansible.cfg finds it through this link.
COLLECTION_LINK := .local/collections/ansible_collections/webex_vault/oauthapp

venv: $(VENV)/.installed $(COLLECTION_LINK)

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

# tools/venv.sh: pip --require-hashes from requirements/pip.txt and requirements/dev.txt (offline
# from a shared wheelhouse when it has them), then this checkout's packages in editable mode.
$(VENV)/.installed: requirements/pip.txt requirements/dev.txt pyproject.toml dev/pyproject.toml
	PYTHON=$(PYTHON) VENV=$(VENV) tools/venv.sh
	touch $@

# The hash-pinned requirement files from their .in files (pip-compile --generate-hashes).
requirements: venv
	tools/requirements.sh

plugin: venv
	tools/fetch-plugin.sh --distribution $(PLUGIN_DISTRIBUTION) --source $(PLUGIN_SOURCE)

demo: venv
	DISTRIBUTION=$(PLUGIN_DISTRIBUTION) PLUGIN_SOURCE=$(PLUGIN_SOURCE) SERVER=$(SERVER) tools/demo.sh

web: venv
	tools/web-app.sh start

down:
	tools/local-services.sh stop

status:
	tools/local-services.sh status

lint: venv
	$(BIN)/ansible-lint
	$(BIN)/yamllint --strict .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# CHANGELOG.md from changelogs/ (the unreleased version included); see docs/development.md.
changelog: venv
	tools/changelog.sh

# ansible-test sanity for the collection's plugins (Python 3.11, no container).
sanity: venv
	tools/ansible-test.sh

unit: venv
	$(BIN)/pytest tests/unit tests/emulator

fast: venv
	WEBEX_VAULT_TEST_SERVERS=openbao $(BIN)/pytest tests/unit tests/emulator tests/integration

integration: venv
	$(BIN)/pytest tests/integration

browser: venv
	$(BIN)/pytest tests/browser

# Roles in a systemd container (Docker engine and the Debian image are set up when missing).
# The testinfra verifier calls pytest from PATH, hence the venv first on it.
# The `vault` scenario is the default one on HashiCorp Vault; it runs when WEBEX_VAULT_TEST_SERVERS
# names vault. `cluster` is three OpenBao nodes (Raft, TLS) through the loss of the leader.
MOLECULE_SCENARIOS ?= default upgrade $(if $(filter vault,$(WEBEX_VAULT_TEST_SERVERS)),vault) cluster

# Each scenario's first step (tools/molecule-dependency.sh) starts the Docker engine and builds
# the test image when missing; the default scenario runs as plain `molecule test`, the way a
# user runs it after `make venv`.
molecule: venv
	$(if $(filter default,$(MOLECULE_SCENARIOS)),PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test)
	for scenario in $(filter-out default,$(MOLECULE_SCENARIOS)); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test -s $$scenario || exit 1; \
	done

test: lint
	$(MAKE) sanity
	$(BIN)/pytest
	$(MAKE) molecule

# Benchmarks (no timing assertions anywhere): writes bench/results/*.json and docs/performance.md.
# BENCH_ARGS=--full adds 10,000 credentials to B3; BENCH_ARGS=--with-b4 times make demo/test.
# The benchmarks' plugin: DISTRIBUTION, else puppetlabs (the one their recorded results used).
BENCH_DISTRIBUTION := $(or $(DISTRIBUTION),puppetlabs)
bench: venv
	tools/fetch-plugin.sh --distribution $(BENCH_DISTRIBUTION) --source build
	WEBEX_VAULT_BENCH_DISTRIBUTION=$(BENCH_DISTRIBUTION) $(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean: down
	rm -rf .local/server .local/downloads .local/run
