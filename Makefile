# Everyday commands. Works on a fresh machine with only python3 (>= 3.11) and GNU make:
# uv is bootstrapped into .tools/ (a plain venv), the project into .venv/ from uv.lock,
# and aws-sam-cli into .tools/sam/ (never into the runtime venv).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

# ---------------------------------------------------------------------------------------- settings
PYTHON          ?= python3
UV_VERSION      := 0.13.9
SAM_CLI_VERSION := 1.170.0

PORT        ?= 3000
ARGS        ?=
PYTEST_ARGS ?=

TOOLS    := $(CURDIR)/.tools
UV       := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
VENV     := $(CURDIR)/.venv
SYNCED   := $(VENV)/.synced
SAM_HOME := $(TOOLS)/sam
SAM      := $(SAM_HOME)/bin/sam
SAM_STAMP := $(SAM_HOME)/.aws-sam-cli-$(SAM_CLI_VERSION)
NODE_HARNESS := tests/e2e/node
NODE_STAMP := $(NODE_HARNESS)/node_modules/.installed

# The interpreter the project venv is built with: the current python3 unless told otherwise
# (e.g. `make setup UV_PYTHON=python3.12`).
ifndef UV_PYTHON
UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null)
endif
export UV_PYTHON
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# uv tools (aws-sam-cli) live inside .tools as well
export UV_TOOL_DIR := $(SAM_HOME)/tools
export UV_TOOL_BIN_DIR := $(SAM_HOME)/bin
export SAM_CLI_TELEMETRY := 0

# `sam build` needs the template's runtime (python3.13) on PATH: pyenv's 3.13 if there is one,
# else whatever python3.13 is found. Override with `make build PYTHON313=/path/to/python3.13`.
PYTHON313 ?= $(or $(lastword $(sort $(wildcard \
                 $(shell pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 \
                 $(HOME)/.pyenv/versions/3.13*/bin/python3.13))), \
                 $(shell command -v python3.13 2>/dev/null))

.PHONY: node node-harness requirements help setup serve test reliability lint fmt lock openapi validate build sam clean distclean bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# ------------------------------------------------------------------------------------------- setup
$(UV_STAMP):
	@echo ">> bootstrapping uv $(UV_VERSION) into .tools/"
	rm -rf "$(TOOLS)/bin" "$(TOOLS)/lib" "$(TOOLS)/lib64" "$(TOOLS)/include" "$(TOOLS)/pyvenv.cfg" "$(TOOLS)"/.uv-*
	$(PYTHON) -m venv "$(TOOLS)"
	"$(TOOLS)/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	"$(TOOLS)/bin/python" -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	"$(UV)" --version
	touch "$@"

# The package __init__ files are here so that a package directory created after the first sync gets
# the editable install rebuilt (see [tool.uv] cache-keys in pyproject.toml).
$(SYNCED): uv.lock pyproject.toml $(UV_STAMP) $(wildcard layers/shared/*/__init__.py local/*/__init__.py)
	@echo ">> syncing .venv from uv.lock"
	"$(UV)" sync --frozen
	touch "$@"

setup: $(SYNCED) ## bootstrap uv into .tools/ and sync .venv from uv.lock (no-op when up to date)

lock: $(UV_STAMP) ## re-resolve uv.lock after editing pyproject.toml
	"$(UV)" lock

# -------------------------------------------------------------------------------------- day to day
serve: setup ## run the local API on PORT (default 3000); extra arguments via ARGS=
	"$(VENV)/bin/python" -m oauth_authz_local serve --port $(PORT) $(ARGS)

# aws-sam-cli too: tests/template checks the template as SAM's transform turns it into CloudFormation.
test: setup $(SAM_STAMP) $(NODE_STAMP) ## run pytest; extra arguments via PYTEST_ARGS= (e.g. PYTEST_ARGS="-n auto -m 'not e2e'")
	"$(VENV)/bin/pytest" -p no:cacheprovider $(PYTEST_ARGS)

# octokit for the web flow's end-to-end tests, at package-lock.json's versions (node_modules is git-ignored).
$(NODE_STAMP): $(NODE_HARNESS)/package.json $(NODE_HARNESS)/package-lock.json
	cd $(NODE_HARNESS) && npm ci --no-audit --no-fund --loglevel=error
	touch "$@"

node node-harness: $(NODE_STAMP) ## install the end-to-end tests' node harness (octokit) from its lock file

# Never part of `make test`: timings belong here, as ratios against baselines taken in the same run.
bench: setup ## benchmarks (7-10 min): bench/RESULTS.md + results.json; fails when a DynamoDB budget is exceeded
	"$(VENV)/bin/python" -m bench $(ARGS)

# The fast part (in-process faults and hostile input) also runs in `make test`; `--long` adds the races over
# HTTP, the load run, kill -9 and restart, and fuzzing over HTTP. Ends with a summary of what was tried.
reliability: setup ## races, faults, load, kill -9, hostile input (issue 6), with a summary; PYTEST_ARGS= too
	"$(VENV)/bin/pytest" -p no:cacheprovider -m reliability --long $(PYTEST_ARGS)

# What the Lambda layer installs: the `layer` dependency group at uv.lock's versions, with hashes, minus what
# the Lambda runtime ships (boto3, botocore and their dependencies). layers/shared/Makefile installs it.
LAYER_EXPORT = "$(UV)" export --frozen --only-group layer --no-emit-project --format requirements-txt \
	--no-header $(foreach p,boto3 botocore s3transfer jmespath python-dateutil six urllib3,--no-emit-package $(p))
LAYER_REQUIREMENTS := layers/shared/requirements.txt

requirements: $(UV_STAMP) ## write layers/shared/requirements.txt from uv.lock (after `make lock`)
	{ echo "# Generated by \`make requirements\` from uv.lock (the \`layer\` group): do not edit."; \
	  $(LAYER_EXPORT); } > $(LAYER_REQUIREMENTS)

lint: setup ## ruff, ruff format --check, mypy; uv.lock matches pyproject.toml; the layer's requirements match uv.lock
	"$(UV)" lock --check
	@{ echo "# Generated by \`make requirements\` from uv.lock (the \`layer\` group): do not edit."; \
	   $(LAYER_EXPORT); } | diff -u $(LAYER_REQUIREMENTS) - \
	   || { echo "$(LAYER_REQUIREMENTS) is out of step with uv.lock: run make requirements" >&2; exit 1; }
	"$(VENV)/bin/ruff" check .
	"$(VENV)/bin/ruff" format --check .
	"$(VENV)/bin/mypy"

openapi: setup ## regenerate openapi.json from the handlers' route declarations and models
	"$(VENV)/bin/python" -m oauth_authz_local openapi --write

fmt: setup ## format and apply safe lint fixes
	"$(VENV)/bin/ruff" check --fix .
	"$(VENV)/bin/ruff" format .

# ------------------------------------------------------------------------------------------- SAM
$(SAM_STAMP): $(UV_STAMP)
	@echo ">> installing aws-sam-cli $(SAM_CLI_VERSION) as a uv tool into .tools/sam/"
	rm -f "$(SAM_HOME)"/.aws-sam-cli-*
	"$(UV)" tool install --force "aws-sam-cli==$(SAM_CLI_VERSION)"
	"$(SAM)" --version
	touch "$@"

sam: $(SAM_STAMP) ## install aws-sam-cli into .tools/sam/ (no-op when installed)

validate: $(SAM_STAMP) ## sam validate --lint
	"$(SAM)" validate --lint

# After the build, every built function is imported by python3.13 with only its folder, the built layer and
# what the Lambda runtime ships (boto3 at uv.lock's version, installed into .tools/lambda-runtime).
LAMBDA_RUNTIME := $(TOOLS)/lambda-runtime
BOTO3_VERSION = $(shell awk '/^name = "boto3"$$/ {getline; gsub(/"/, "", $$3); print $$3}' uv.lock)

build: $(SAM_STAMP) ## sam build (needs python3.13 for the Lambda runtime), then import every built function
	@test -n "$(strip $(PYTHON313))" || { echo "make build: no python3.13 found (pyenv or PATH); set PYTHON313=" >&2; exit 1; }
	PATH="$(patsubst %/,%,$(dir $(strip $(PYTHON313)))):$$PATH" "$(SAM)" build
	test -f "$(LAMBDA_RUNTIME)/.boto3-$(BOTO3_VERSION)" || { rm -rf "$(LAMBDA_RUNTIME)"; \
	  "$(strip $(PYTHON313))" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
	    --target "$(LAMBDA_RUNTIME)" "boto3==$(BOTO3_VERSION)" && touch "$(LAMBDA_RUNTIME)/.boto3-$(BOTO3_VERSION)"; }
	"$(strip $(PYTHON313))" -I tests/support/layer_smoke.py .aws-sam/build "$(LAMBDA_RUNTIME)"

# ----------------------------------------------------------------------------------------- cleanup
clean: ## remove build output and caches (keeps .venv, .tools and .local-data)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache build dist
	find . -path ./.venv -prune -o -path ./.tools -prune -o -path ./.git -prune -o \
	    -type d -name __pycache__ -exec rm -rf {} +

distclean: clean ## also remove .venv and .tools
	rm -rf "$(VENV)" "$(TOOLS)"
