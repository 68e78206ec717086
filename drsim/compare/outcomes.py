"""Configurations simulated and priced: one :class:`Outcome` each, and their table.

Every configuration is simulated with the same seed. Because each trial draws
its random values in a fixed order (see :mod:`drsim.sim.montecarlo`), two
configurations that differ in one setting see the same draws for everything
else (common random numbers): the difference between them is the setting's
effect, not noise.

The cost of a configuration is its monthly bill (:func:`drsim.cost.price_scenario`,
``platform: aws`` only) and its cost of risk (:func:`drsim.compare.risk.risk_from_summary`,
from the simulated mean RTO and lost writes); a ``platform: local`` scenario has no
bill, so its money columns are NaN and it stays off the frontier.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drsim.compare.risk import risk_from_summary, scenario_dr_value
from drsim.cost import DrValue, price_scenario
from drsim.cost.risk import UnboundedRisk
from drsim.errors import DrsimError
from drsim.sim import simulate
from drsim.summary import Summary


@dataclass(frozen=True)
class Outcome:
    """One simulated and priced configuration.

    label : what distinguishes it (``dns.ttl_s=10``, or the scenario's name).
    setting, value : the swept setting and its value (None for a whole scenario).
    is_base : the value is the base scenario's own.
    summary : the simulation summary (what ``drsim simulate`` prints).
    rto_s : RTO of every trial. [s]
    rpo_s : worst RPO over the datastores, every trial (zeros without datastores). [s]
    monthly_usd, dr_monthly_usd : the bill and its DR part (NaN off AWS). [USD/month]
    risk_annual_usd : expected yearly cost of disasters (inf if some trial never
        recovers; NaN off AWS). [USD/year]
    unconfirmed_lines : price lines no retrieved source confirms. [-]
    dr_value : what its DR is worth against no DR (risk avoided, break-even
        disaster probability; :func:`drsim.cost.dr_value`), None off AWS.
    """

    label: str
    setting: str | None
    value: Any
    is_base: bool
    scenario: Any
    summary: Summary
    rto_s: np.ndarray
    rpo_s: np.ndarray
    monthly_usd: float
    dr_monthly_usd: float
    risk_annual_usd: float
    unconfirmed_lines: int
    dr_value: DrValue | None = None


def evaluate(scenario, trials: int, seed: int, *, label: str | None = None,
             setting: str | None = None, value: Any = None, is_base: bool = False) -> Outcome:
    """Simulate ``trials`` failures of ``scenario`` and price it (one configuration)."""
    result = simulate(scenario, trials=trials, seed=seed, workers=1, keep_trials=True)
    t = result.trials
    rpo_cols = [c for c in t.columns if c.startswith("rpo_s.")]
    rpo = t[rpo_cols].max(axis=1).to_numpy() if rpo_cols else np.zeros(len(t))
    money = price_outcome(scenario, result.summary)
    return Outcome(label or scenario.name, setting, value, is_base, scenario, result.summary,
                   t["rto_s"].to_numpy(), rpo, money.monthly_usd, money.dr_monthly_usd,
                   money.risk_annual_usd, money.unconfirmed_lines, money.dr_value)


@dataclass(frozen=True)
class Money:
    """What a simulated configuration costs (the money columns of :class:`Outcome`).

    monthly_usd, dr_monthly_usd : the bill and its DR part (NaN off AWS). [USD/month]
    risk_annual_usd : expected yearly cost of disasters (inf if some trial never
        recovers; NaN off AWS). [USD/year]
    unconfirmed_lines : price lines no retrieved source confirms. [-]
    dr_value : what its DR is worth against no DR, None off AWS.
    """

    monthly_usd: float = math.nan
    dr_monthly_usd: float = math.nan
    risk_annual_usd: float = math.nan
    unconfirmed_lines: int = 0
    dr_value: DrValue | None = None


def price_outcome(scenario, summary: Summary) -> Money:
    """The bill, cost of risk and DR value of ``scenario`` given its simulation ``summary``
    (all NaN for a ``platform: local`` scenario, which has no bill)."""
    if scenario.platform != "aws":
        return Money()
    bill = price_scenario(scenario)
    try:
        with_dr = risk_from_summary(scenario, summary)
    except UnboundedRisk:  # some trial never recovers
        with_dr = None
    return Money(bill.monthly_usd, bill.dr_monthly_usd,
                 with_dr.expected_annual_usd if with_dr else math.inf,
                 len(bill.unconfirmed_lines),
                 scenario_dr_value(scenario, with_dr, bill.dr_yearly_usd))


def _evaluate_job(job: dict) -> Outcome:
    return evaluate(**job)


def evaluate_many(jobs: list[dict], workers: int = 1) -> list[Outcome]:
    """:func:`evaluate` each job (its keyword arguments), in processes when ``workers`` > 1.

    The results are in the order of ``jobs`` and do not depend on ``workers``.
    """
    if not isinstance(workers, int) or workers < 1:
        raise DrsimError(f"workers: {workers!r} is not a whole number >= 1")
    if workers == 1 or len(jobs) <= 1:
        return [_evaluate_job(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(_evaluate_job, jobs))


def outcomes_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per configuration: RTO/RPO percentiles, P(objectives met), cost and risk.

    Columns (units in the names): label, setting, value, base, scenario, strategy,
    rto_p50_s, rto_p95_s, probe_rto_p50_s (what an external probe times), rpo_p95_s (the largest of the datastores' p95 RPO, as
    ``drsim simulate`` prints them), p_rto_met, p_rpo_met,
    monthly_usd, dr_monthly_usd, risk_annual_usd, total_annual_usd (the yearly
    bill plus the expected yearly cost of disasters), unconfirmed_lines, and what DR
    is worth (NaN off AWS): no_dr_risk_annual_usd (the expected yearly cost of
    disasters with no DR: the service waits for the region), risk_avoided_annual_usd
    (that minus risk_annual_usd), break_even_annual_disaster_probability (from which
    on the risk avoided covers the yearly DR spend, dr_monthly_usd x 12),
    pays_for_itself (at the scenario's own disaster probability).
    """
    rows = []
    for o in outcomes:
        s = o.summary
        rows.append({
            "label": o.label,
            "setting": o.setting,
            "value": o.value,
            "base": o.is_base,
            "scenario": o.scenario.name,
            "strategy": o.scenario.strategy,
            "rto_p50_s": s.rto_s.p50,
            "rto_p95_s": s.rto_s.p95,
            "probe_rto_p50_s": s.probe_rto_s.p50 if s.probe_rto_s else math.nan,
            "rpo_p95_s": max((d.p95 for d in s.rpo_s.values()), default=math.nan),
            "p_rto_met": s.p_rto_met,
            "p_rpo_met": s.p_rpo_met,
            "monthly_usd": o.monthly_usd,
            "dr_monthly_usd": o.dr_monthly_usd,
            "risk_annual_usd": o.risk_annual_usd,
            "total_annual_usd": o.monthly_usd * 12 + o.risk_annual_usd,
            "unconfirmed_lines": o.unconfirmed_lines,
            **_worth_columns(o.dr_value),
        })
    return pd.DataFrame(rows)


def _worth_columns(worth: DrValue | None) -> dict:
    """The :func:`outcomes_table` columns of what DR is worth (NaN when not priced)."""
    if worth is None:
        return {"no_dr_risk_annual_usd": math.nan, "risk_avoided_annual_usd": math.nan,
                "break_even_annual_disaster_probability": math.nan, "pays_for_itself": None}
    return {"no_dr_risk_annual_usd": worth.no_dr_risk_annual_usd,
            "risk_avoided_annual_usd": worth.risk_avoided_annual_usd,
            "break_even_annual_disaster_probability": worth.break_even_annual_disaster_probability,
            "pays_for_itself": worth.pays_for_itself}


def common_objectives(outcomes) -> dict | None:
    """The objectives (``rto_s``, ``rpo_s``) shared by every configuration, or None if
    they differ (then no single objective line belongs on a shared chart)."""
    objs = {(o.scenario.objectives.rto_s, o.scenario.objectives.rpo_s) for o in outcomes}
    if len(objs) != 1:
        return None
    rto_s, rpo_s = objs.pop()
    return {"rto_s": rto_s, "rpo_s": rpo_s}
