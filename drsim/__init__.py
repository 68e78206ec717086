"""drsim: a lab for disaster-recovery decisions on multi-region cloud architectures.

Describe a configuration once as a scenario file; simulate a regional failure
as Monte Carlo trials (RTO and RPO as distributions), price it, report on it,
and hold game days against it.
"""

from drsim.errors import DrsimError, ScenarioError
from drsim.scenario import Scenario, load_scenario, scenario_from_dict, scenario_from_yaml

__all__ = [
    "DrsimError",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_dict",
    "scenario_from_yaml",
]

__version__ = "0.1.0"
