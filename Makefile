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

.PHONY: help venv requirements plugin demo web down status changelog lint sanity unit fast integration browser molecule test test-builds bench clean

help:
	@echo "make demo   - local server + Webex emulator + site.yml + the CLI sample"
	@echo "make test   - lint, sanity, pytest (unit, integration, browser, security), molecule on OpenBao and Vault (what CI runs; parts side by side)"
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
# A scenario's containers and ports are fixed, so one run of each scenario at a time on this
# machine (another checkout's too): each waits for its scenario's lock in MOLECULE_LOCK_DIR.
MOLECULE_LOCK_DIR ?= /tmp/webex-vault-molecule-locks
molecule: venv
	mkdir -p $(MOLECULE_LOCK_DIR)
	$(if $(filter default,$(MOLECULE_SCENARIOS)),PATH="$(CURDIR)/$(BIN):$$PATH" flock $(MOLECULE_LOCK_DIR)/molecule-default.lock $(BIN)/molecule test)
	for scenario in $(filter-out default,$(MOLECULE_SCENARIOS)); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" flock $(MOLECULE_LOCK_DIR)/molecule-$$scenario.lock $(BIN)/molecule test -s $$scenario || exit 1; \
	done

# What the tests install, built once before they start: the plugin releases (the pinned ones and
# the older one the upgrade tests start from), the HashiCorp Vault server, the Docker engine and
# the test image. Each is reused when already there, and a second build of the same release
# waits for the first.
test-builds: venv
	tools/build-plugin.sh --distribution openbao
	tools/build-plugin.sh --distribution puppetlabs
	tools/build-plugin.sh --distribution puppetlabs --version 3.0.0
	$(if $(filter vault,$(WEBEX_VAULT_TEST_SERVERS)),tools/build-vault.sh)
	tools/ensure-docker.sh
	tools/build-test-image.sh

# make test (what CI runs) in two steps, the parts of each side by side (tools/side-by-side.sh:
# each line prefixed with its part's name, each part's log in .local/test-logs/): the checks
# beside the builds, then two pytest sessions and two chains of Molecule scenarios. They do not
# meet: pytest's servers listen on free ports, each scenario on the range in its molecule.yml.
# A session names folders and test files; a file named in one session is left out of the
# session that names its folder, so that the sessions end together. Every test file runs in
# exactly one session (tests/unit/test_layout.py).
PYTEST_SESSION_1 := tests/browser tests/integration tests/security/test_app_delivery.py \
  tests/security/test_fact_cache.py tests/security/test_admin_handover.py
PYTEST_SESSION_2 := tests/unit tests/emulator tests/security
MOLECULE_CHAIN_1 := $(filter default upgrade,$(MOLECULE_SCENARIOS))
MOLECULE_CHAIN_2 := $(filter-out default upgrade,$(MOLECULE_SCENARIOS))
test: venv
	tools/side-by-side.sh checks '$(MAKE) lint sanity' builds '$(MAKE) test-builds'
	tools/side-by-side.sh \
	  pytest-1 '$(BIN)/pytest --durations=25 $(PYTEST_SESSION_1) $(addprefix --ignore=,$(filter %.py,$(PYTEST_SESSION_2)))' \
	  pytest-2 '$(BIN)/pytest --durations=25 $(PYTEST_SESSION_2) $(addprefix --ignore=,$(filter %.py,$(PYTEST_SESSION_1)))' \
	  molecule-1 '$(MAKE) molecule MOLECULE_SCENARIOS="$(MOLECULE_CHAIN_1)"' \
	  molecule-2 '$(MAKE) molecule MOLECULE_SCENARIOS="$(MOLECULE_CHAIN_2)"'

# Benchmarks (no timing assertions anywhere): writes bench/results/*.json and docs/performance.md.
# BENCH_ARGS=--full adds 10,000 credentials to B3; BENCH_ARGS=--with-b4 times make demo/test.
# The benchmarks' plugin: DISTRIBUTION, else puppetlabs (the one their recorded results used).
BENCH_DISTRIBUTION := $(or $(DISTRIBUTION),puppetlabs)
bench: venv
	tools/fetch-plugin.sh --distribution $(BENCH_DISTRIBUTION) --source build
	WEBEX_VAULT_BENCH_DISTRIBUTION=$(BENCH_DISTRIBUTION) $(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean: down
	rm -rf .local/server .local/downloads .local/run
