"""The cost of risk: what regional disasters are expected to cost per year.

expected annual loss = annual disaster probability
                       x (expected downtime [h] x downtime cost [USD/h]
                          + expected lost writes x cost per lost write [USD])

The expected downtime and lost writes of one disaster come from the simulator
(mean RTO; mean lost writes summed over datastores). :func:`cost_of_risk` takes
them as plain numbers so it can be checked by hand; :func:`risk_from_summary`
reads them from a simulation summary, and :func:`scenario_risk` is the one place
that runs the simulator for it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from drsim.errors import DrsimError
from drsim.summary import Summary

SECONDS_PER_HOUR = 3600


class UnboundedRisk(DrsimError):
    """Some simulated trials never recover, or lose writes without bound, so the
    expected cost of a disaster is infinite."""


@dataclass(frozen=True)
class RiskCost:
    """Expected yearly cost of regional disasters.

    annual_disaster_probability : chance per year of a disaster that needs the
        failover. [1/year]
    expected_downtime_s : mean downtime of one disaster (the mean RTO). [s]
    downtime_cost_usd_per_h : cost of an hour of outage. [USD/h]
    expected_lost_writes : mean writes lost in one disaster, all datastores. [-]
    lost_write_cost_usd : cost of one lost write. [USD]
    downtime_usd_per_disaster : expected_downtime_s / 3600 x downtime_cost_usd_per_h. [USD]
    lost_writes_usd_per_disaster : expected_lost_writes x lost_write_cost_usd. [USD]
    per_disaster_usd : the two above added. [USD]
    expected_annual_usd : annual_disaster_probability x per_disaster_usd. [USD/year]
    """

    annual_disaster_probability: float
    expected_downtime_s: float
    downtime_cost_usd_per_h: float
    expected_lost_writes: float
    lost_write_cost_usd: float
    downtime_usd_per_disaster: float
    lost_writes_usd_per_disaster: float
    per_disaster_usd: float
    expected_annual_usd: float

    def as_dict(self) -> dict:
        return asdict(self)


def cost_of_risk(*, annual_disaster_probability: float, expected_downtime_s: float,
                 downtime_cost_usd_per_h: float, expected_lost_writes: float = 0.0,
                 lost_write_cost_usd: float = 0.0) -> RiskCost:
    """Expected yearly cost of regional disasters (see the module's formula).

    Parameters
    ----------
    annual_disaster_probability : chance per year, 0..1. [1/year]
    expected_downtime_s : mean downtime of one disaster. [s]
    downtime_cost_usd_per_h : cost of an hour of outage. [USD/h]
    expected_lost_writes : mean writes lost in one disaster. [-]
    lost_write_cost_usd : cost of one lost write. [USD]
    """
    for name, value in (("annual_disaster_probability", annual_disaster_probability),
                        ("expected_downtime_s", expected_downtime_s),
                        ("downtime_cost_usd_per_h", downtime_cost_usd_per_h),
                        ("expected_lost_writes", expected_lost_writes),
                        ("lost_write_cost_usd", lost_write_cost_usd)):
        if not value >= 0 or value == float("inf"):
            raise DrsimError(f"{name}: {value!r} must be a finite number >= 0")
    if annual_disaster_probability > 1:
        raise DrsimError(f"annual_disaster_probability: {annual_disaster_probability} is a "
                         "probability; it must be <= 1")
    downtime_usd = expected_downtime_s / SECONDS_PER_HOUR * downtime_cost_usd_per_h
    lost_usd = expected_lost_writes * lost_write_cost_usd
    per_disaster = downtime_usd + lost_usd
    return RiskCost(
        annual_disaster_probability=annual_disaster_probability,
        expected_downtime_s=expected_downtime_s,
        downtime_cost_usd_per_h=downtime_cost_usd_per_h,
        expected_lost_writes=expected_lost_writes,
        lost_write_cost_usd=lost_write_cost_usd,
        downtime_usd_per_disaster=downtime_usd,
        lost_writes_usd_per_disaster=lost_usd,
        per_disaster_usd=per_disaster,
        expected_annual_usd=annual_disaster_probability * per_disaster,
    )


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
    from drsim.sim import simulate

    result = simulate(scenario, trials=trials, seed=seed, workers=1, keep_trials=False)
    return risk_from_summary(scenario, result.summary)
