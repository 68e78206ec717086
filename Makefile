# drsim: the two commands of the README.
#   make report   create .venv, install drsim, run the report notebooks on the bundled scenarios
#   make test     create/update .venv with the test extras and system parts, run pytest
#
# Installs use uv (`uv pip install`, installed into the venv from PyPI: about 10 s for the
# test extras against about 75 s for pip) and fall back to pip when uv cannot be had or
# cannot install (e.g. a machine that reaches only a pip mirror configured in pip.conf).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
UV     := $(VENV)/bin/uv
EXTRAS_REPORT := lab
EXTRAS_TEST   := test,lab,aws,infra,gameday

# install SPEC: uv when it is in the venv and succeeds, otherwise pip.
define install
	if [ -x $(UV) ] && $(UV) pip install -q --python $(PY) $(1); then :; \
	else echo "drsim: installing with pip"; $(PIP) install --upgrade pip setuptools wheel \
	  && $(PIP) install $(1); fi
endef

.PHONY: report test test-fast venv bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install uv || echo "drsim: uv is not available; installing with pip"

# Reinstall when pyproject.toml changes; one stamp per set of extras.
$(VENV)/.stamp-report: pyproject.toml | $(PY)
	$(call install,-e ".[$(EXTRAS_REPORT)]")
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(PY)
	$(call install,-e ".[$(EXTRAS_TEST)]")
	touch $@

venv: $(VENV)/.stamp-test

# Every bundled scenario through the notebooks (papermill): reports/index.html links an
# HTML report per scenario, the trade-off sweep and the strategy comparison.
REPORT_ARGS ?=
report: $(VENV)/.stamp-report
	$(VENV)/bin/drsim report --out reports $(REPORT_ARGS)

# Everything (what .ci/run calls).
test: $(VENV)/.stamp-test
	bash scripts/install-system-deps.sh
	$(PY) -m pytest $(PYTEST_ARGS)

# The fast part for a developer: no PostgreSQL, notebooks, CDK synthesis or slow runs.
test-fast: $(VENV)/.stamp-test
	$(PY) -m pytest -m "not slow and not postgres and not notebook and not infra" $(PYTEST_ARGS)

bench: $(VENV)/.stamp-test
	$(PY) benchmarks/bench_simulate.py
	$(PY) benchmarks/bench_engines.py
	$(PY) benchmarks/bench_fast.py
	$(PY) benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) reports .pytest_cache
