"""The cost of risk: what regional disasters are expected to cost per year.

expected annual loss = annual disaster probability
                       x (expected downtime [h] x downtime cost [USD/h]
                          + expected lost writes x cost per lost write [USD])

The expected downtime and lost writes of one disaster come from the simulator
(mean RTO; mean lost writes summed over datastores). :func:`cost_of_risk` takes
them as plain numbers, so it can be checked by hand and knows nothing of the
simulator; :mod:`drsim.compare.risk` reads them from a simulation and calls it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from drsim.errors import DrsimError

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
