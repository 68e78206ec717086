"""One configuration simulated and priced: one row of a sweep's table.

Every configuration uses the spec's seed (common random numbers): two rows that
differ in one field see the same draws for everything else. A combination the
scenario checks refuse is a row too, with the checks' message in ``error`` and
NaN figures; it does not stop the sweep. So is a configuration the engine refuses
(``engine="fast"`` on a fault the fast path does not cover).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from drsim.compare.outcomes import price_outcome
from drsim.errors import DrsimError, ScenarioError
from drsim.scenario import Scenario
from drsim.sim import simulate
from drsim.sim.montecarlo import rto_column
from drsim.sweep.configurations import Configuration, build, overrides

RESULT_COLUMNS = {
    "strategy": "str",
    "monthly_usd": "float",
    "dr_monthly_usd": "float",
    "risk_annual_usd": "float",
    "risk_avoided_annual_usd": "float",
    "rto_p50_s": "float",
    "rto_p95_s": "float",
    "probe_rto_p50_s": "float",
    "probe_rto_p95_s": "float",
    "objective_rto_p95_s": "float",
    "rpo_p95_s": "float",
    "p_rto_met": "float",
    "p_rpo_met": "float",
    "p_objectives_met": "float",
    "confidence": "float",
    "engine": "str",
    "fallback": "str",
    "error": "str",
}
"""The columns every row has after its fields, with how they are stored.

monthly_usd, dr_monthly_usd : the bill and its DR part (NaN off AWS). [USD/month]
risk_annual_usd : expected yearly cost of disasters (inf when some trial never
    recovers). [USD/year]
risk_avoided_annual_usd : no-DR risk less risk_annual_usd. [USD/year]
rto_p50_s, rto_p95_s : RTO of the affected clients. [s]
probe_rto_p50_s, probe_rto_p95_s : RTO an external probe measures. [s]
objective_rto_p95_s : p95 of the RTO the objectives name (``objectives.rto_metric``). [s]
rpo_p95_s : the largest of the datastores' p95 RPO (NaN without datastores). [s]
p_rto_met, p_rpo_met : P(RTO objective met), P(every datastore's RPO met). [-]
p_objectives_met : P(the RTO and every datastore's RPO met in the same trial). [-]
confidence : ``objectives.confidence``: the objectives are met when
    p_objectives_met is at least this. [-]
engine : the engine that ran (simpy or fast); fallback : why auto fell back to simpy.
error : why the scenario checks refuse the combination (the row's figures are NaN).
"""


@dataclass(frozen=True)
class Task:
    """What a worker needs to evaluate one configuration (small, picklable)."""

    config: Configuration
    base: Scenario
    trials: int
    seed: int
    engine: str


def evaluate_task(task: Task) -> tuple[Configuration, dict]:
    """``(configuration, result columns)`` of one configuration (see :data:`RESULT_COLUMNS`)."""
    row = dict.fromkeys(RESULT_COLUMNS, math.nan)
    row.update(engine=None, fallback=None, error=None,
               strategy=overrides(task.base, task.config.values).get("strategy",
                                                                     task.base.strategy))
    try:
        scenario = build(task.base, task.config.values)
    except ScenarioError as err:
        row["error"] = _one_line(err)
        return task.config, row
    try:
        summary, engine, fallback = _simulate(scenario, task.trials, task.seed, task.engine)
        money = price_outcome(scenario, summary)
    except DrsimError as err:
        # A valid scenario the engine or the price tables still refuse (e.g. engine fast
        # on a fault the fast path does not cover): that row's reason, not the sweep's end.
        row["error"] = str(err)
        return task.config, row
    row.update(summary_columns(scenario, summary), engine=engine, fallback=fallback)
    row.update(monthly_usd=money.monthly_usd, dr_monthly_usd=money.dr_monthly_usd,
               risk_annual_usd=money.risk_annual_usd,
               risk_avoided_annual_usd=(money.dr_value.risk_avoided_annual_usd
                                        if money.dr_value else math.nan))
    return task.config, row


def evaluate_batch(configs: list[Configuration], base: Scenario, trials: int, seed: int,
                   engine: str) -> list[tuple[Configuration, dict]]:
    """:func:`evaluate_task` of several configurations of one base, the base passed once
    (so Dask can hand a worker the base it already holds)."""
    return [evaluate_task(Task(c, base, trials, seed, engine)) for c in configs]


def summary_columns(scenario: Scenario, summary) -> dict:
    """The RTO, RPO and objective columns of a row from a simulation summary."""
    probe = summary.probe_rto_s
    column = rto_column(scenario)
    return {
        "strategy": scenario.strategy,
        "rto_p50_s": summary.rto_s.p50,
        "rto_p95_s": summary.rto_s.p95,
        "probe_rto_p50_s": probe.p50 if probe else math.nan,
        "probe_rto_p95_s": probe.p95 if probe else math.nan,
        "objective_rto_p95_s": getattr(summary, column).p95,
        "rpo_p95_s": max((d.p95 for d in summary.rpo_s.values()), default=math.nan),
        "p_rto_met": summary.p_rto_met,
        "p_rpo_met": summary.p_rpo_met,
        # None in a summary made before the joint probability was counted
        "p_objectives_met": (math.nan if summary.p_objectives_met is None
                             else summary.p_objectives_met),
        "confidence": summary.objectives.confidence,
    }


def _simulate(scenario: Scenario, trials: int, seed: int, engine: str):
    """``(summary, engine that ran, why auto fell back)``; summary only, no progress bar."""
    result = simulate(scenario, trials=trials, seed=seed, workers=1, keep_trials=False,
                      progress=False, engine=engine)
    return result.summary, result.engine, result.fallback


def _one_line(err: ScenarioError) -> str:
    """The checks' problems on one line (a table cell)."""
    return "; ".join(p.strip() for p in err.problems) if err.problems else str(err)
