"""Everything the scenario report (02-scenario-report) shows, computed in one place.

:func:`scenario_report` loads the scenario (with overrides), simulates it once
(the same call and numbers as ``drsim simulate --seed S --trials N``), re-runs
the median and the p95 trial alone to record their timelines, prices the
scenario and sets the risk its DR avoids against the DR spend. The notebook then
only draws and tabulates what this returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drsim.errors import DrsimError
from drsim.scenario.model import Scenario
from drsim.sim import SimulationResult, record_timelines, simulate
from drsim.summary import Stats, Summary


@dataclass
class ScenarioReport:
    """The data of one scenario report.

    path : the scenario file.
    scenario : the validated scenario, overrides applied.
    result : the simulation (summary, trials table).
    picked : ``{"median": trial index, "p95": trial index}``, the trials whose
        RTO is nearest the p50 and the p95 RTO.
    timeline : the event timelines of the picked trials (shared format).
    breakdown : the monthly cost (``drsim.cost.CostBreakdown``), None off AWS.
    risk : the cost of risk (``drsim.cost.RiskCost``), None off AWS or when a
        trial never recovers (then the mean downtime is unbounded).
    no_cost_reason : why ``breakdown`` or ``risk`` is None (empty otherwise).
    dr_value : what its DR is worth against no DR (``drsim.cost.DrValue``: risk
        avoided, break-even disaster probability), None off AWS.
    overrides : the overrides applied, as given.
    """

    path: Path
    scenario: Scenario
    result: SimulationResult
    picked: dict[str, int]
    timeline: pd.DataFrame
    breakdown: Any = None
    risk: Any = None
    no_cost_reason: str = ""
    overrides: dict = field(default_factory=dict)
    dr_value: Any = None

    @property
    def summary(self) -> Summary:
        """The summary ``drsim simulate`` prints for the same scenario and seed."""
        return self.result.summary

    @property
    def trials(self) -> pd.DataFrame:
        return self.result.trials

    def headline(self) -> dict:
        """The figures the report index shows, as plain JSON-able data."""
        s = self.summary
        rpo_p95 = [d.p95 for d in s.rpo_s.values()]
        b, r, w = self.breakdown, self.risk, self.dr_value
        return {
            "scenario": self.scenario.name,
            "strategy": self.scenario.strategy,
            "platform": self.scenario.platform,
            "trials": s.trials,
            "seed": s.seed,
            "rto_p50_s": s.rto_s.p50,
            "rto_p95_s": s.rto_s.p95,
            "probe_rto_p50_s": s.probe_rto_s.p50 if s.probe_rto_s else None,
            "rto_metric": s.objectives.rto_metric,
            "rpo_p95_s": max(rpo_p95) if rpo_p95 else None,
            "p_rto_met": s.p_rto_met,
            "p_rpo_met": s.p_rpo_met,
            "rto_objective_s": s.objectives.rto_s,
            "rpo_objective_s": s.objectives.rpo_s,
            "monthly_usd": b.monthly_usd if b else None,
            "dr_yearly_usd": b.dr_yearly_usd if b else None,
            "risk_annual_usd": r.expected_annual_usd if r else None,
            "no_dr_risk_annual_usd": w.no_dr_risk_annual_usd if w else None,
            "risk_avoided_annual_usd": w.risk_avoided_annual_usd if w else None,
            "break_even_annual_disaster_probability":
                w.break_even_annual_disaster_probability if w else None,
            "pays_for_itself": w.pays_for_itself if w else None,
        }


def scenario_report(scenario: str | Path, *, trials: int, seed: int, overrides=(),
                    objectives: dict | None = None, workers: int = 1) -> ScenarioReport:
    """Compute the scenario report of ``scenario`` (a file, or a bundled scenario's name).

    Parameters
    ----------
    scenario : scenario YAML path or bundled name (``seed-warm-standby``).
    trials : Monte Carlo trials. [-]
    seed : root seed (trial ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``).
    overrides : ``{dotted path: value}`` (or ``"dotted.path=value"`` strings, as
        ``--set`` takes them).
    objectives : objective overrides, e.g. ``{"rto_s": 600, "rpo_s": 30}``
        (fields of the scenario's ``objectives`` section).
    workers : processes for the simulation; the numbers do not depend on it.

    Raises
    ------
    DrsimError (ScenarioError)
        for a missing file, a bad override or objective.
    """
    from drsim.scenario import load_scenario
    from drsim.scenario.loader import parse_override
    from drsim.scenario.locate import scenario_file

    path = scenario_file(scenario)
    if isinstance(overrides, str):
        overrides = [overrides]
    if not isinstance(overrides, dict):
        try:
            overrides = dict(parse_override(item) for item in overrides)
        except ValueError as err:
            raise DrsimError(f"overrides: {err}") from None
    objectives = dict(objectives or {})
    sc = load_scenario(path, {**overrides, **{f"objectives.{k}": v for k, v in objectives.items()}})
    result = simulate(sc, trials=trials, seed=seed, workers=workers, keep_trials=True)
    picked = pick_trials(result.trials, result.summary.rto_s)
    timeline = record_timelines(sc, seed, list(dict.fromkeys(picked.values())))
    report = ScenarioReport(path, sc, result, picked, timeline, overrides={
        "set": dict(overrides), "objectives": objectives})
    if sc.platform != "aws":
        report.no_cost_reason = (f"platform: {sc.platform} runs on this machine and has no "
                                 "AWS bill; the cost model prices platform: aws scenarios")
        return report
    from drsim.compare.risk import risk_from_summary, scenario_dr_value
    from drsim.cost import price_scenario
    from drsim.cost.risk import UnboundedRisk

    report.breakdown = price_scenario(sc)
    try:
        report.risk = risk_from_summary(sc, result.summary)
    except UnboundedRisk as err:
        report.no_cost_reason = str(err)
    report.dr_value = scenario_dr_value(sc, report.risk, report.breakdown.dr_yearly_usd)
    return report


def pick_trials(trials: pd.DataFrame, rto_s: Stats) -> dict[str, int]:
    """The trial whose RTO is nearest the p50 RTO, and the one nearest the p95 RTO
    (``rto_s``: the summary's RTO, ``summary.rto_s``).

    Where the percentile is infinite (those trials never recover), the first
    trial that never recovers stands for it.
    """
    rto = trials["rto_s"].to_numpy(dtype=float)
    idx = trials["trial"].to_numpy()
    if len(rto) == 0:
        raise DrsimError("no trials to pick from")
    out = {}
    for name, key in (("median", "p50"), ("p95", "p95")):
        target = getattr(rto_s, key)
        if math.isinf(target):
            never = np.flatnonzero(np.isinf(rto))
            out[name] = int(idx[never[0]])
        else:
            dist = np.abs(np.where(np.isinf(rto), np.inf, rto - target))
            out[name] = int(idx[int(np.argmin(dist))])
    return out
