"""The cost of risk of a simulated scenario: the simulator's mean RTO and lost writes
priced by :func:`drsim.cost.cost_of_risk`; and what DR is worth against no DR.

:func:`risk_from_summary` reads the outcome of one disaster from a simulation
summary, and :func:`scenario_risk` is the one place that runs the simulator for it.

No DR (:func:`no_dr_risk`): the service waits for the region to return, so one
disaster costs ``objectives.region_outage_s`` of downtime (its mean), and the writes
that no off-region copy holds. With no continuous replication, the newest copy off
the region is the newest backup whose cross-region copy had finished: backups run
every ``interval_s`` and the fault falls uniformly between two of them (as
:func:`drsim.sim.replication.draw_window_s` draws it), so its expected age is, in
closed form, ``interval_s / 2 + E[copy_s]`` (see :func:`expected_backup_age_s`).
A ``backup`` datastore loses its own writes over its own backup's age; every other
datastore (whose replication the no-DR service does not have) is taken to be
covered by the freshest backup (an assumption: one backup plan covers all data).
Writes are counted as lost, as the simulator counts a failover's unreplicated writes
as lost, so both sides of the comparison are charged alike. A scenario with no
backup at all gets no lost writes: the region's data is then counted as coming back
with the region (no published regional event has destroyed a region's data), which
makes its no-DR risk, and the risk its DR avoids, a lower bound.
"""

from __future__ import annotations

import math

from drsim import defaults
from drsim.cost.risk import DrValue, RiskCost, UnboundedRisk, cost_of_risk, dr_value
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


def scenario_risk(scenario, *, trials: int = defaults.TRIALS,
                  seed: int = defaults.SEED) -> RiskCost:
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


def expected_backup_age_s(backup) -> float:
    """Expected age at the fault of the newest backup whose off-region copy is usable. [s]

    ``interval_s / 2 + E[copy_s]``: with the fault at a uniform moment ``a`` after the
    newest backup and a copy time ``c = k * interval_s + r`` (``0 <= r < interval_s``),
    the newest usable backup is ``a + (k + 1) * interval_s`` old when ``a < r`` and
    ``a + k * interval_s`` when not, whose mean over ``a`` is ``interval_s / 2 + c``.
    """
    return backup.interval_s / 2 + float(backup.copy_s.mean)


def no_dr_windows_s(scenario) -> dict[str, float]:
    """Per datastore, the expected span of writes lost with no DR (see the module). [s]

    ``backup`` datastores: their own backup's expected age; the others: the freshest
    backup's; all zero when the scenario has no backup (the data comes back with the
    region).
    """
    ages = {ds.name: expected_backup_age_s(ds) for ds in scenario.datastores
            if ds.kind == "backup"}
    freshest = min(ages.values(), default=0.0)
    return {ds.name: ages.get(ds.name, freshest) for ds in scenario.datastores}


def no_dr_risk(scenario) -> RiskCost:
    """The cost of risk of ``scenario`` with no DR: the service waits for the region.

    Downtime: the mean of ``objectives.region_outage_s``; lost writes: each datastore's
    ``write_rate_per_s`` over its :func:`no_dr_windows_s`. Closed form, no simulation.
    """
    o = scenario.objectives
    windows = no_dr_windows_s(scenario)
    lost = sum(ds.write_rate_per_s * windows[ds.name] for ds in scenario.datastores)
    return cost_of_risk(annual_disaster_probability=o.annual_disaster_probability,
                        expected_downtime_s=float(o.region_outage_s.mean),
                        downtime_cost_usd_per_h=o.downtime_cost_usd_per_h,
                        expected_lost_writes=lost, lost_write_cost_usd=o.lost_write_cost_usd)


def scenario_dr_value(scenario, risk: RiskCost | None, dr_yearly_usd: float) -> DrValue:
    """What the DR of ``scenario`` is worth against no DR.

    ``risk`` is its cost of risk (:func:`risk_from_summary`), None when unbounded
    (some trial never recovers: then DR avoids nothing and never pays for itself).
    """
    per_disaster = math.inf if risk is None else risk.per_disaster_usd
    return dr_value(no_dr_risk(scenario), per_disaster_usd=per_disaster,
                    dr_yearly_usd=dr_yearly_usd)
