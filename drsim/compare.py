"""Compare configurations: one-at-a-time sweeps of a scenario's settings, and
strategies side by side on cost against p95 RTO (the frontier) with a ranking.

Every configuration is simulated with the same seed. Because each trial draws
its random values in a fixed order (see :mod:`drsim.sim.montecarlo`), two
configurations that differ in one setting see the same draws for everything
else (common random numbers): the difference between them is the setting's
effect, not noise.

The cost of a configuration is its monthly bill (:func:`drsim.cost.price_scenario`,
``platform: aws`` only) and its cost of risk (:func:`drsim.cost.cost_of_risk`, from
the simulated mean RTO and lost writes); a ``platform: local`` scenario has no bill,
so its money columns are NaN and it stays off the frontier.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drsim.errors import DrsimError
from drsim.scenario.locate import bundled_scenario_paths
from drsim.scenario.locate import scenario_file as scenario_path
from drsim.sim import simulate
from drsim.summary import Summary

STRATEGY_ORDER = ("backup_restore", "pilot_light", "warm_standby", "hot_standby", "active_active")
"""From the cheapest and slowest to the dearest and fastest."""

SWEEP_SETTINGS = {
    "health_check.interval_s": "health-check interval [s]",
    "health_check.failure_threshold": "health-check failure threshold [checks]",
    "dns.ttl_s": "DNS TTL [s]",
    "compute.standby_tasks": "standby tasks [-]",
    "decision.mode": "failover decision",
}
"""The settings 01-explore-tradeoffs sweeps, with their axis labels. Any other
dotted scenario path can be swept too; these are the ones the labels know."""


def load(scenario: str | Path, overrides=()):
    """The scenario at a path or of a bundled name, with overrides: ``"dotted.path=value"``
    strings or a ``{dotted path: value}`` mapping (as notebook parameters give them)."""
    from drsim.scenario import load_scenario

    if isinstance(overrides, str):
        overrides = [overrides]
    return load_scenario(scenario_path(scenario), overrides)


def load_all(scenarios=(), overrides=(), platform: str | None = "aws") -> list:
    """Several scenarios (paths or bundled names) with the same overrides; with none
    given, every bundled scenario of ``platform`` (None: all of them)."""
    paths = list(scenarios) or bundled_scenario_paths(platform)
    if not paths:
        raise DrsimError("no scenarios to compare")
    return [load(p, overrides) for p in paths]


def common_objectives(outcomes) -> dict | None:
    """The objectives (``rto_s``, ``rpo_s``) shared by every configuration, or None if
    they differ (then no single objective line belongs on a shared chart)."""
    objs = {(o.scenario.objectives.rto_s, o.scenario.objectives.rpo_s) for o in outcomes}
    if len(objs) != 1:
        return None
    rto_s, rpo_s = objs.pop()
    return {"rto_s": rto_s, "rpo_s": rpo_s}


def standby_overrides(scenario, standby_tasks: int) -> dict[str, Any]:
    """Overrides that set ``compute.standby_tasks`` and the strategy that size implies.

    0 tasks is pilot light, fewer than ``compute.required_tasks`` warm standby, at
    least that many hot standby (the scenario checks insist on this pairing, and
    the cost model prices by it). Active/active and backup-and-restore keep their
    strategy: their standby size is part of what they are.
    """
    n = int(standby_tasks)
    if scenario.strategy in ("active_active", "backup_restore"):
        return {"compute.standby_tasks": n}
    required = scenario.compute.required_tasks
    strategy = "pilot_light" if n == 0 else ("warm_standby" if n < required else "hot_standby")
    return {"compute.standby_tasks": n, "strategy": strategy}


def setting_overrides(scenario, setting: str, value) -> dict[str, Any]:
    """The overrides that give ``scenario`` the ``value`` of ``setting`` (a dotted path)."""
    if setting == "compute.standby_tasks":
        return standby_overrides(scenario, value)
    return {setting: value}


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


def evaluate(scenario, trials: int, seed: int, *, label: str | None = None,
             setting: str | None = None, value: Any = None, is_base: bool = False) -> Outcome:
    """Simulate ``trials`` failures of ``scenario`` and price it (one configuration)."""
    from drsim.cost import price_scenario

    result = simulate(scenario, trials=trials, seed=seed, workers=1, keep_trials=True)
    t = result.trials
    rpo_cols = [c for c in t.columns if c.startswith("rpo_s.")]
    rpo = t[rpo_cols].max(axis=1).to_numpy() if rpo_cols else np.zeros(len(t))
    monthly = dr_monthly = risk = math.nan
    unconfirmed = 0
    if scenario.platform == "aws":
        bill = price_scenario(scenario)
        monthly, dr_monthly = bill.monthly_usd, bill.dr_monthly_usd
        unconfirmed = len(bill.unconfirmed_lines)
        risk = annual_risk_usd(scenario, result.summary)
    return Outcome(label or scenario.name, setting, value, is_base, scenario, result.summary,
                   t["rto_s"].to_numpy(), rpo, monthly, dr_monthly, risk, unconfirmed)


def annual_risk_usd(scenario, summary: Summary) -> float:
    """Expected yearly cost of disasters from a simulation summary. [USD/year]

    inf when some trial never recovers or loses writes without bound.
    """
    from drsim.cost.risk import UnboundedRisk, risk_from_summary

    try:
        return risk_from_summary(scenario, summary).expected_annual_usd
    except UnboundedRisk:
        return math.inf


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


def sweep(scenario, settings: dict[str, list], *, trials: int, seed: int,
          workers: int = 1) -> list[Outcome]:
    """Vary one setting at a time from ``scenario``; every other setting keeps its value.

    Parameters
    ----------
    scenario : the base configuration.
    settings : ``{dotted path: [values]}``, e.g. ``{"dns.ttl_s": [10, 60, 300]}``;
        ``compute.standby_tasks`` also sets the strategy that size implies
        (:func:`standby_overrides`). The base's own value is added when missing,
        so each setting is seen against the base.
    trials : trials per configuration. [-]
    seed : the same for every configuration (common random numbers).
    workers : processes to simulate configurations in.

    Raises DrsimError (naming the setting and value) for a value the scenario
    checks refuse, e.g. a 15 s Route 53 interval.
    """
    from drsim.scenario.paths import PathError, resolve

    jobs = []
    for setting, values in settings.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise DrsimError(f"sweep {setting}: expected a list of values, got {values!r}")
        try:
            base_value = resolve(scenario, setting)
        except PathError as err:
            raise DrsimError(f"sweep {setting}: {err}") from None
        values = list(values)
        if base_value not in values:
            values.append(base_value)
        values = _sorted_values(values)
        for value in values:
            try:
                variant = scenario.with_overrides(setting_overrides(scenario, setting, value))
            except DrsimError as err:
                raise DrsimError(f"sweep {setting}={value!r}: {err}") from None
            jobs.append({"scenario": variant, "trials": trials, "seed": seed,
                         "label": f"{setting}={value}", "setting": setting, "value": value,
                         "is_base": value == base_value})
    return evaluate_many(jobs, workers)


def _sorted_values(values: list) -> list:
    try:
        return sorted(values)
    except TypeError:
        return values


def compare_scenarios(scenarios: list, *, trials: int, seed: int, workers: int = 1) -> list[Outcome]:
    """Simulate and price whole scenarios (e.g. the bundled strategies), same seed for all."""
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DrsimError(f"scenario name {dup[0]!r} appears twice; names label the comparison")
    return evaluate_many([{"scenario": s, "trials": trials, "seed": seed} for s in scenarios],
                         workers)


def outcomes_table(outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per configuration: RTO/RPO percentiles, P(objectives met), cost and risk.

    Columns (units in the names): label, setting, value, base, scenario, strategy,
    rto_p50_s, rto_p95_s, rpo_p95_s (the largest of the datastores' p95 RPO, as
    ``drsim simulate`` prints them), p_rto_met, p_rpo_met,
    monthly_usd, dr_monthly_usd, risk_annual_usd, total_annual_usd (the yearly
    bill plus the expected yearly cost of disasters), unconfirmed_lines.
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
            "rpo_p95_s": max((d.p95 for d in s.rpo_s.values()), default=math.nan),
            "p_rto_met": s.p_rto_met,
            "p_rpo_met": s.p_rpo_met,
            "monthly_usd": o.monthly_usd,
            "dr_monthly_usd": o.dr_monthly_usd,
            "risk_annual_usd": o.risk_annual_usd,
            "total_annual_usd": o.monthly_usd * 12 + o.risk_annual_usd,
            "unconfirmed_lines": o.unconfirmed_lines,
        })
    return pd.DataFrame(rows)


def frontier(table: pd.DataFrame, cost: str = "monthly_usd", risk: str = "rto_p95_s") -> pd.Series:
    """Which rows are on the cost-versus-risk frontier (Pareto-efficient).

    A row is on it when no other row is at most as costly and at most as risky
    while strictly better in one of the two. Rows without a cost (NaN, e.g.
    ``platform: local``) are never on it.
    """
    for col in (cost, risk):
        if col not in table.columns:
            raise DrsimError(f"frontier: no column {col!r}; columns are {', '.join(table.columns)}")
    c = table[cost].to_numpy(dtype=float)
    r = table[risk].to_numpy(dtype=float)
    on = np.zeros(len(table), dtype=bool)
    for i in range(len(table)):
        if math.isnan(c[i]) or math.isnan(r[i]):
            continue
        other = ~np.isnan(c) & ~np.isnan(r)
        dominated = other & (c <= c[i]) & (r <= r[i]) & ((c < c[i]) | (r < r[i]))
        on[i] = not dominated.any()
    return pd.Series(on, index=table.index, name="frontier")


RANK_COLUMNS = ("total_annual_usd", "rto_p95_s", "rpo_p95_s", "monthly_usd", "risk_annual_usd")


def rank(table: pd.DataFrame, by: str = "total_annual_usd") -> pd.DataFrame:
    """``table`` ranked by ``by`` (smallest first), with ``rank`` and ``frontier`` columns.

    The default ranks by what a year costs in all: the bill plus the expected
    cost of disasters; ties keep the table's order. Rows without a value of
    ``by`` come last, unranked.
    """
    if by not in RANK_COLUMNS:
        raise DrsimError(f"rank by {by!r}: choose one of {', '.join(RANK_COLUMNS)}")
    out = table.copy()
    out["frontier"] = frontier(out)
    out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
    ranks = pd.Series(range(1, len(out) + 1), dtype="Int64")
    ranks[out[by].isna().to_numpy()] = pd.NA
    out.insert(0, "rank", ranks)
    return out
