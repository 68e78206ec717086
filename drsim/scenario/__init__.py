"""Scenario files: YAML -> validated, frozen :class:`Scenario` objects."""

from drsim.scenario.loader import load_scenario, scenario_from_dict, scenario_from_yaml
from drsim.scenario.model import Scenario, Step

__all__ = ["Scenario", "Step", "load_scenario", "scenario_from_dict", "scenario_from_yaml"]
