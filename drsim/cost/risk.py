"""The cost of risk: what regional disasters are expected to cost per year.

expected annual loss = annual disaster probability
                       x (expected downtime [h] x downtime cost [USD/h]
                          + expected lost writes x cost per lost write [USD])

The expected downtime and lost writes of one disaster come from the simulator
(mean RTO; mean lost writes summed over datastores). :func:`cost_of_risk` takes
them as plain numbers, so it can be checked by hand and knows nothing of the
simulator; :mod:`drsim.compare.risk` reads them from a simulation and calls it.

What DR is worth (:func:`dr_value`) sets that cost against the cost of the same
disasters with no DR (the service waits for the region to return):

risk avoided = no-DR expected annual loss - expected annual loss with DR [USD/year]
DR pays for itself when risk avoided >= yearly DR spend, i.e. from the break-even
annual disaster probability = DR spend / (no-DR - DR cost per disaster) on.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class DrValue:
    """What a DR configuration is worth: the yearly cost of disasters it avoids against
    no DR, beside what it costs.

    no_dr : the cost of risk with no DR (the service waits for the region). [USD]
    risk_annual_usd : the expected yearly cost of disasters with this configuration
        (inf when some trial never recovers). [USD/year]
    dr_yearly_usd : the yearly DR spend (the bill's DR lines x 12). [USD/year]
    avoided_per_disaster_usd : no-DR cost of one disaster minus this configuration's,
        i.e. the risk avoided per unit of annual disaster probability. [USD]
    risk_avoided_annual_usd : no_dr.expected_annual_usd - risk_annual_usd. [USD/year]
    break_even_annual_disaster_probability : the disaster probability from which on the
        risk avoided covers the DR spend, dr_yearly_usd / avoided_per_disaster_usd
        (inf when DR avoids nothing; above 1 when no probability makes it pay). [1/year]
    pays_for_itself : risk_avoided_annual_usd >= dr_yearly_usd at the scenario's
        probability (the same as the probability being at least the break-even one).
    """

    no_dr: RiskCost
    risk_annual_usd: float
    dr_yearly_usd: float
    avoided_per_disaster_usd: float
    risk_avoided_annual_usd: float
    break_even_annual_disaster_probability: float
    pays_for_itself: bool

    @property
    def no_dr_risk_annual_usd(self) -> float:
        """The expected yearly cost of disasters with no DR. [USD/year]"""
        return self.no_dr.expected_annual_usd

    def as_dict(self) -> dict:
        """Plain data; the no-DR cost of risk nested under ``no_dr``."""
        out = asdict(self)
        out["no_dr_risk_annual_usd"] = self.no_dr_risk_annual_usd
        return out


def dr_value(no_dr: RiskCost, *, per_disaster_usd: float, dr_yearly_usd: float) -> DrValue:
    """What DR is worth: the risk it avoids against ``no_dr``, and when it pays for itself.

    Parameters
    ----------
    no_dr : the cost of risk with no DR, at the scenario's disaster probability.
    per_disaster_usd : the expected cost of one disaster with this configuration
        (``RiskCost.per_disaster_usd``; inf when some trial never recovers). [USD]
    dr_yearly_usd : the yearly DR spend. [USD/year]

    Both risks scale with the same annual disaster probability ``p``, so the risk
    avoided is ``p x (no-DR cost - DR cost) per disaster``, and DR pays for itself
    from ``p* = dr_yearly_usd / (no-DR cost - DR cost per disaster)`` on.
    """
    if not per_disaster_usd >= 0:
        raise DrsimError(f"per_disaster_usd: {per_disaster_usd!r} must be a number >= 0")
    if not (dr_yearly_usd >= 0 and math.isfinite(dr_yearly_usd)):
        raise DrsimError(f"dr_yearly_usd: {dr_yearly_usd!r} must be a finite number >= 0")
    p = no_dr.annual_disaster_probability
    avoided = no_dr.per_disaster_usd - per_disaster_usd  # -inf when DR never recovers
    avoided_annual = no_dr.expected_annual_usd - (p * per_disaster_usd if p else 0.0)
    if avoided > 0:
        break_even = dr_yearly_usd / avoided
    else:  # DR avoids nothing: it pays only if it costs nothing
        break_even = 0.0 if dr_yearly_usd == 0 else math.inf
    return DrValue(no_dr=no_dr, risk_annual_usd=p * per_disaster_usd if p else 0.0,
                   dr_yearly_usd=dr_yearly_usd, avoided_per_disaster_usd=avoided,
                   risk_avoided_annual_usd=avoided_annual,
                   break_even_annual_disaster_probability=break_even,
                   pays_for_itself=bool(avoided_annual >= dr_yearly_usd))
