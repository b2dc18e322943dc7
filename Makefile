# ecsform: `make synth` turns specs/ into Terraform roots in build/; `make test` runs every test.
# Both set up what they need from nothing: the virtual environment, the packages and the Terraform CLI config.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= build
SPECS  ?= specs
ENGINE ?= hcl
# pytest workers: the e2e and terraform tests are I/O- and process-bound
JOBS   ?= 2

# Terraform reads providers from the local mirror when there is one (see generators/tfrc.py).
export TF_CLI_CONFIG_FILE := $(CURDIR)/.terraform.d/terraformrc
export CHECKPOINT_DISABLE := 1
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# jsii prints a banner on every start for a Node.js past its support date (Node 20: 2026-10-30); the CDK engine
# and its tests run on Node 20 here. Unset it (or install Node.js 22) to see the notice.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export NO_MKDOCS_2_WARNING := 1

# uv installs the pinned packages (pip bootstraps it, at the version constraints.txt pins): the environments come up
# in a fraction of pip's time. --compile-bytecode writes the .pyc files at install time, as pip does: where
# PYTHONDONTWRITEBYTECODE is set (it is here), nothing else would, and every process would compile what it imports.
UV  := $(VENV)/bin/uv
UV_INSTALL := $(UV) pip install --quiet --compile-bytecode
PIP  = $(UV_INSTALL) --python $(1) -c requirements/constraints.txt
# checkov lives in its own virtual environment: its pinned dependencies clash with the project's
CHECKOV_VENV ?= .venv-checkov

.PHONY: help setup synth test unit corpus e2e tfrc fmt lint typecheck site docs bench bench-concurrent clean

# every target has a description after "## " (tests/unit/test_cli_surface.py checks that `make help` lists them all)
help: ## list the targets
	@grep -E '^[A-Za-z0-9][A-Za-z0-9_.-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' \
	  '{ name[NR] = $$1; text[NR] = $$2; if (length($$1) > w) w = length($$1) } \
	   END { for (i = 1; i <= NR; i++) printf "  make %-" w "s  %s\n", name[i], text[i] }'

$(UV): requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt uv
	@touch $@

$(VENV)/.base: pyproject.toml requirements/constraints.txt $(UV)
	$(call PIP,$(BIN)/python) -e .
	@# byte-compile ecsform once: start-up is most of a synth, and PYTHONDONTWRITEBYTECODE may forbid the caching
	@$(BIN)/python -m compileall -q generators main.py
	@touch $@

$(VENV)/.dev: $(VENV)/.base
	$(call PIP,$(BIN)/python) -e '.[dev,cdk,cdktf]'
	@touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.txt $(UV)
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(UV_INSTALL) --python $(CHECKOV_VENV)/bin/python -r requirements/checkov.txt
	@touch $@

# the cdktf CLI, for the test that runs `cdktf synth` on cdktf.json (versions pinned in package-lock.json)
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20 or later) is needed for the CDK tests" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.dev $(CHECKOV_VENV)/.installed node_modules/.installed tfrc ## create .venv, .venv-checkov and node_modules (cdktf CLI) with everything the tests need

tfrc: $(VENV)/.base ## write the Terraform CLI config (provider mirror) to .terraform.d/terraformrc
	@$(BIN)/python -m generators.tfrc $(TF_CLI_CONFIG_FILE) >/dev/null

synth: $(VENV)/.base tfrc ## synthesize specs/ into build/ (one Terraform root per spec and environment); writes the Terraform CLI config too
	@$(BIN)/python -m compileall -q generators  # (fast when current; see $(VENV)/.base)
	$(BIN)/python main.py synth $(SPECS) --out $(OUT) --engine $(ENGINE)

# the three environments install side by side (from nothing: npm ci is the longest)
SETUP := $(MAKE) --no-print-directory -j3 setup

test: ## run every test: unit, golden, terraform (fmt/validate/test), checkov, e2e against moto
	@$(SETUP)
	@command -v terraform >/dev/null || { echo "terraform is not on PATH" >&2; exit 1; }
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=20 -m "not corpus"

unit: ## the fast tests only (no terraform, no moto)
	@$(SETUP)
	$(BIN)/python -m pytest -n $(JOBS) -m "not terraform and not e2e and not cdk and not install and not corpus"

corpus: ## validate and import the task definitions of ../shared/corpus (when it is there; .ci/run runs it)
	@$(SETUP)
	$(BIN)/python -m pytest -n $(JOBS) -m corpus tests/corpus

e2e: ## apply every root against a local moto server
	@$(SETUP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -m e2e

fmt: $(VENV)/.dev ## terraform fmt the modules, ruff format the Python
	terraform fmt -recursive modules
	$(BIN)/ruff format .

lint: $(VENV)/.dev ## ruff check, ruff format --check, lint-imports and mypy (make test runs them too: test_lint.py, test_architecture.py, test_types.py)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	@$(MAKE) --no-print-directory typecheck

typecheck: $(VENV)/.dev ## mypy as pyproject.toml configures it (basic everywhere, strict after the rules)
	$(BIN)/mypy

# the peer the synth benchmark compares with (hand-written CDK for Terraform); only `make bench` installs it
PEER_VENV ?= .venv-peer
$(PEER_VENV)/.installed: requirements/peer.txt $(UV)
	@test -x $(PEER_VENV)/bin/python || $(PYTHON) -m venv $(PEER_VENV)
	$(UV_INSTALL) --python $(PEER_VENV)/bin/python -r requirements/peer.txt
	@touch $@

bench: $(VENV)/.base $(PEER_VENV)/.installed ## one table: start-up, synth beside hand-written CDK (cold, warm, unchanged), 1,000-10,000 specs, the writer beside the disk's floor, changed
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

bench-concurrent: $(VENV)/.base ## eight concurrent synths of 3,000 specs into one folder: waits, locks, and the result checked
	$(BIN)/python scripts/bench_concurrent.py

# Terraform state in $(OUT) (local state, its backups and lock, workspaces, .terraform/): never deleted by clean
STATE_FILES = find $(OUT) \( -name '*.tfstate*' -o -name .terraform -o -name terraform.tfstate.d \) -prune -print

clean: ## remove build output and caches (keeps .venv, and an output that holds Terraform state)
	@state="$$($(STATE_FILES) 2>/dev/null | sort)"; \
	if [ -n "$$state" ]; then \
	  echo "kept $(OUT): it holds Terraform state (destroy what it manages, or move the state, first):"; \
	  echo "$$state" | sed 's/^/  /'; \
	else rm -rf $(OUT); fi
	rm -rf .tmp .pytest_cache .hypothesis

site: $(VENV)/.dev ## build the documentation site (MkDocs, strict) into .tmp/site
	$(BIN)/mkdocs build --strict

docs: $(VENV)/.dev ## regenerate docs/rules.md, docs/spec.schema.json and the module inputs/outputs tables
	$(BIN)/python scripts/docs.py
