"""Where simulated outcomes meet money and measurements, and nowhere else.

The simulator (:mod:`drsim.sim`), the cost model (:mod:`drsim.cost`) and the
game days (:mod:`drsim.gameday`) do not know each other; this package joins them:

- :mod:`drsim.compare.risk` — the cost of risk of a simulated scenario;
- :mod:`drsim.compare.cost_report` — ``drsim cost``: the bill and the cost of risk;
- :mod:`drsim.compare.outcomes` — one configuration simulated and priced, and the table;
- :mod:`drsim.compare.sweeps` — one-at-a-time sweeps of a scenario's settings;
- :mod:`drsim.compare.strategies` — whole scenarios side by side, frontier and ranking;
- :mod:`drsim.compare.sensitivity` — the RTO with the TTL violators' share at 0, as given, doubled;
- :mod:`drsim.compare.gameday` — measured game days beside the simulation;
- :mod:`drsim.compare.aws_plan` — an AWS game day's plan with the cost model's estimate,
  and the run's guards (the budget among them).

``from drsim import compare`` gives the names a notebook needs (below); the game
day comparison is imported from :mod:`drsim.compare.gameday` itself.
"""

from drsim.compare.cost_report import cost_report
from drsim.compare.outcomes import (
    Outcome,
    common_objectives,
    evaluate,
    evaluate_many,
    outcomes_table,
)
from drsim.compare.risk import annual_risk_usd, risk_from_summary, scenario_risk
from drsim.compare.sensitivity import (
    VIOLATOR_CASES,
    violator_runs,
    violator_sensitivity,
    violator_shares,
)
from drsim.compare.strategies import (
    RANK_COLUMNS,
    STRATEGY_ORDER,
    compare_scenarios,
    frontier,
    load_all,
    rank,
)
from drsim.compare.sweeps import SWEEP_SETTINGS, setting_overrides, standby_overrides, sweep

__all__ = [
    "RANK_COLUMNS",
    "STRATEGY_ORDER",
    "SWEEP_SETTINGS",
    "VIOLATOR_CASES",
    "Outcome",
    "annual_risk_usd",
    "common_objectives",
    "compare_scenarios",
    "cost_report",
    "evaluate",
    "evaluate_many",
    "frontier",
    "load_all",
    "outcomes_table",
    "rank",
    "risk_from_summary",
    "scenario_risk",
    "setting_overrides",
    "standby_overrides",
    "sweep",
    "violator_runs",
    "violator_sensitivity",
    "violator_shares",
]
