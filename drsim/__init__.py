"""drsim: a lab for disaster-recovery decisions on multi-region cloud architectures.

Describe a configuration once as a scenario file; simulate a regional failure
as Monte Carlo trials (RTO and RPO as distributions), price it, report on it,
and hold game days against it.
"""

from drsim.cost import cost_of_risk, price_scenario
from drsim.errors import DrsimError, ScenarioError
from drsim.scenario import Scenario, load_scenario, scenario_from_dict, scenario_from_yaml
from drsim.sim import simulate
from drsim.summary import Summary

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
