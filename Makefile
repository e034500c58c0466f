# The two front-door commands (README): `make plan STACK=dev` and `make test`.
# Each creates the virtualenv from the pinned requirement files on first use.
# The real runs: `make toolchain` (the real Pulumi CLI, cached), `make test-real`, `make local-up`.
PYTHON ?= python3.11
VENV   := venv
PY     := $(VENV)/bin/python
STACK  ?= dev

POLICY_VENV := policies/venv
PIP_FLAGS := --quiet --retries 10 --timeout 60

.PHONY: plan test lint check bench bench-real toolchain test-real local-up clean-venv

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip==25.3
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	touch $@

$(POLICY_VENV)/.installed: policies/requirements.txt  ## the policy pack's own virtualenv (policies/PulumiPolicy.yaml)
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/python -m pip install $(PIP_FLAGS) -r policies/requirements.txt
	touch $@

plan: $(VENV)/.installed  ## offline plan of a stack under Pulumi mocks (no CLI, no credentials)
	$(PY) -m tools.plan --stack $(STACK)

check: $(VENV)/.installed  ## offline policy check: plan + every policy in-process; exit 1 on a mandatory violation
	$(PY) -m tools.plan --stack $(STACK) --policy

test: lint  ## the whole test suite (offline), after the lint and format checks
	$(PY) -m pytest

lint: $(VENV)/.installed  ## ruff (lint + format check; ruff.toml), then mypy (mypy.ini)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy bootstrap/ci-identities/*.py

bench: $(VENV)/.installed  ## benchmarks (print figures; not tests)
	$(PY) benchmarks/plan_benchmark.py

toolchain:  ## the real Pulumi CLI and its Python plugins, built once from the Go module proxy (cached)
	bash toolchain/pulumi.sh

test-real: $(VENV)/.installed $(POLICY_VENV)/.installed  ## the real suite: the real Pulumi CLI drives the program
	$(PY) -m pytest -m real tests/real

local-up: $(VENV)/.installed $(POLICY_VENV)/.installed  ## Polaris + S3 on 127.0.0.1, then `pulumi up --stack local`
	$(PY) -m tools.local_demo

bench-real: $(VENV)/.installed  ## real engine timings: toolchain, up/preview/refresh of the local and a 2,000-object stack
	$(PY) benchmarks/real_engine_benchmark.py

clean-venv:
	rm -rf $(VENV)
