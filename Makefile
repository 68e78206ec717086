# drsim: the two commands of the README.
#   make report   create .venv, install drsim, run the report notebooks on the bundled scenarios
#   make test     create/update .venv with the test extras and system parts, run pytest
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
EXTRAS_REPORT := lab
EXTRAS_TEST   := test,lab,aws,infra,gameday

.PHONY: report test venv bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

# Reinstall when pyproject.toml changes; one stamp per set of extras.
$(VENV)/.stamp-report: pyproject.toml | $(PY)
	$(PIP) install -e ".[$(EXTRAS_REPORT)]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[$(EXTRAS_TEST)]"
	touch $@

venv: $(VENV)/.stamp-test

# Every bundled scenario through the notebooks (papermill): reports/index.html links an
# HTML report per scenario, the trade-off sweep and the strategy comparison.
REPORT_ARGS ?=
report: $(VENV)/.stamp-report
	$(VENV)/bin/drsim report --out reports $(REPORT_ARGS)

test: $(VENV)/.stamp-test
	bash scripts/install-system-deps.sh
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.stamp-test
	$(PY) benchmarks/bench_simulate.py

clean:
	rm -rf $(VENV) reports .pytest_cache
