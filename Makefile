# The two front-door commands (README): `make plan STACK=dev` and `make test`.
# Each creates the virtualenv from the pinned requirement files on first use.
PYTHON ?= python3.11
VENV   := venv
PY     := $(VENV)/bin/python
STACK  ?= dev

.PHONY: plan test check bench clean-venv

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.3
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

plan: $(VENV)/.installed  ## offline plan of a stack under Pulumi mocks (no CLI, no credentials)
	$(PY) -m tools.plan --stack $(STACK)

check: $(VENV)/.installed  ## offline policy check: plan + every policy in-process; exit 1 on a mandatory violation
	$(PY) -m tools.plan --stack $(STACK) --policy

test: $(VENV)/.installed  ## the whole test suite (offline)
	$(PY) -m pytest

bench: $(VENV)/.installed  ## benchmarks (print figures; not tests)
	$(PY) benchmarks/plan_benchmark.py

clean-venv:
	rm -rf $(VENV)
