"""The cost of risk of a simulated scenario: the simulator's mean RTO and lost writes
priced by :func:`drsim.cost.cost_of_risk`.

:func:`risk_from_summary` reads the outcome of one disaster from a simulation
summary, and :func:`scenario_risk` is the one place that runs the simulator for it.
"""

from __future__ import annotations

import math

from drsim.cost.risk import RiskCost, UnboundedRisk, cost_of_risk
from drsim.errors import DrsimError
from drsim.sim import simulate
from drsim.summary import Summary


def outcome_from_summary(summary: Summary) -> tuple[float, float]:
    """``(expected downtime [s], expected lost writes)`` from a simulation summary.

    The downtime is the mean RTO (time until ``recovered_fraction`` of clients are
    served again); the lost writes are the mean lost writes summed over datastores.
    """
    if not isinstance(summary, Summary):
        raise DrsimError(f"expected a simulation summary (drsim.summary.Summary, as "
                         f"simulate(...).summary gives), not {type(summary).__name__}")
    downtime_s = float(summary.rto_s.mean)
    lost = sum(float(v.mean) for v in summary.lost_writes.values())
    if not math.isfinite(downtime_s):
        raise UnboundedRisk(f"the simulated mean RTO is {downtime_s}: some trials never recover, "
                            "so the expected cost of downtime is unbounded; fix the scenario "
                            "(e.g. dns.stuck_fraction against objectives.recovered_fraction) or "
                            "use --no-risk")
    if not math.isfinite(lost):
        raise UnboundedRisk("the simulated mean of lost writes is unbounded (e.g. clients that "
                            "never move keep writing to an unfenced old primary), so the "
                            "expected cost of lost writes is too; fix the scenario or use "
                            "--no-risk")
    return downtime_s, lost


def risk_from_summary(scenario, summary: Summary) -> RiskCost:
    """The cost of risk of ``scenario`` from its simulation ``summary``.

    Raises :class:`UnboundedRisk` when some trial never recovers or loses writes
    without bound.
    """
    downtime_s, lost = outcome_from_summary(summary)
    o = scenario.objectives
    return cost_of_risk(annual_disaster_probability=o.annual_disaster_probability,
                        expected_downtime_s=downtime_s,
                        downtime_cost_usd_per_h=o.downtime_cost_usd_per_h,
                        expected_lost_writes=lost, lost_write_cost_usd=o.lost_write_cost_usd)


def scenario_risk(scenario, *, trials: int = 2000, seed: int = 1) -> RiskCost:
    """The cost of risk of ``scenario``, its downtime and lost writes simulated."""
    result = simulate(scenario, trials=trials, seed=seed, workers=1, keep_trials=False)
    return risk_from_summary(scenario, result.summary)


def annual_risk_usd(scenario, summary: Summary) -> float:
    """Expected yearly cost of disasters from a simulation summary. [USD/year]

    inf when some trial never recovers or loses writes without bound.
    """
    try:
        return risk_from_summary(scenario, summary).expected_annual_usd
    except UnboundedRisk:
        return math.inf
