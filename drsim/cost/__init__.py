"""The cost model: monthly cost of a scenario from dated, sourced price tables,
and the expected yearly cost of regional disasters (the cost of risk) from the
expected downtime and lost writes as plain numbers.

The cost model knows nothing of the simulator: :mod:`drsim.compare` feeds it
simulated outcomes (:func:`drsim.compare.risk.scenario_risk`,
:func:`drsim.compare.cost_report.cost_report`).
"""

from drsim.cost.breakdown import CostBreakdown, CostLine
from drsim.cost.lines import price_scenario
from drsim.cost.prices import PriceBook, available_regions, load_prices
from drsim.cost.risk import DrValue, RiskCost, cost_of_risk, dr_value

__all__ = [
    "CostBreakdown",
    "CostLine",
    "DrValue",
    "PriceBook",
    "RiskCost",
    "available_regions",
    "cost_of_risk",
    "dr_value",
    "load_prices",
    "price_scenario",
]
