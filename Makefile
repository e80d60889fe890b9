# The commands of the README. Each creates .venv if missing and installs into it what
# it needs: the demo mtmk and its dependencies only, the tests also the test extras.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test test-fast lint docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# --no-compile: byte-compiling all of numpy, scipy, scikit-learn and cvxpy at install
# takes longer than the demo itself; Python compiles the modules the demo imports.
$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install --quiet --no-compile -e .
	touch $(STAMP)

# The test extras include mtmk itself, so they also stand for $(STAMP).
$(TEST_STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(TEST_STAMP) $(STAMP)

$(DOCS_STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

demo: $(STAMP)
	$(PY) -m mtmk demo

lint: $(TEST_STAMP)
	$(PY) -m ruff check .

# pytest-xdist runs the tests on every core (-n auto); tests/conftest.py gives each
# worker its share of the BLAS threads.
test: lint
	$(PY) -m pytest -n auto

# Everything but the tests marked slow (reference sweeps, dask clusters, notebooks).
test-fast: lint
	$(PY) -m pytest -n auto -m "not slow"

# Builds the site into docs/_build/html; any Sphinx warning fails the build, and
# the gallery runs every script in examples/.
docs: $(DOCS_STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build *.egg-info docs/_build docs/auto_examples docs/generated

# The oldest scikit-learn that setup.cfg allows (its lower bound, latest patch
# release) in its own virtualenv: the compatibility tests and scikit-learn's
# common estimator checks (pandas for the checks on pandas input). The newest
# supported release is what `make test` installs.
OLDEST := .venv-oldest
SKLEARN_OLDEST := $(shell sed -n 's/^ *scikit-learn>=\([0-9.]*\),.*/\1/p' setup.cfg)

$(OLDEST)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet "scikit-learn==$(SKLEARN_OLDEST).*" -e . pytest "pandas>=2"
	touch $@

.PHONY: test-sklearn-oldest
test-sklearn-oldest: $(OLDEST)/.installed
	$(OLDEST)/bin/python -m pytest tests/test_sklearn_compat.py tests/estimators/test_common.py
