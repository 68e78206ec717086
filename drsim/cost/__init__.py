"""The cost model: monthly cost of a scenario from dated, sourced price tables,
and the expected yearly cost of regional disasters (the cost of risk)."""

from drsim.cost.breakdown import CostBreakdown, CostLine
from drsim.cost.lines import price_scenario
from drsim.cost.prices import PriceBook, available_regions, load_prices
from drsim.cost.report import cost_report
from drsim.cost.risk import RiskCost, cost_of_risk

__all__ = [
    "CostBreakdown",
    "CostLine",
    "PriceBook",
    "RiskCost",
    "available_regions",
    "cost_of_risk",
    "cost_report",
    "load_prices",
    "price_scenario",
]
