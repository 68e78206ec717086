"""drsim: a lab for disaster-recovery decisions on multi-region cloud architectures.

Describe a configuration once as a scenario file; simulate a regional failure
as Monte Carlo trials (RTO and RPO as distributions), price it, report on it,
and hold game days against it.
"""

from importlib import import_module

from drsim.errors import DrsimError, ScenarioError

# The public API, imported on first use: `import drsim` (and so `python -m drsim`,
# before its command line can answer a Ctrl-C) does not wait for numpy and pandas.
_LAZY = {
    "cost_of_risk": "drsim.cost",
    "price_scenario": "drsim.cost",
    "Scenario": "drsim.scenario",
    "load_scenario": "drsim.scenario",
    "scenario_from_dict": "drsim.scenario",
    "scenario_from_yaml": "drsim.scenario",
    "simulate": "drsim.sim",
    "Summary": "drsim.summary",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'drsim' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DrsimError",
    "Scenario",
    "ScenarioError",
    "Summary",
    "cost_of_risk",
    "load_scenario",
    "price_scenario",
    "scenario_from_dict",
    "scenario_from_yaml",
    "simulate",
]

__version__ = "0.1.0"
