"""How much the TTL violators weigh in the RTO: the scenario simulated with the
violators' share at 0, as given and doubled, every other setting and draw the same.

The share ``dns.ttl_violation_fraction`` is measured on resolvers (8.74 % of them
extend TTLs) and the violators' extra delay has no measured shape, so both are
uncertain; this shows what the RTO owes them. The three runs use the same seed and
trials, and a trial draws the same numbers whatever the share
(:func:`drsim.sim.traffic.draw_clients`): each trial differs only in which clients
violate, and a larger share keeps the smaller share's violators and adds more. So
``probe_rto_s``, whose probe resolves through a TTL-honouring resolver, is the same
in the three runs, trial by trial.
"""

from __future__ import annotations

import math

import pandas as pd

from drsim.errors import DrsimError
from drsim.sim import SimulationResult, simulate

VIOLATOR_CASES = (("no violators", 0.0), ("as given", 1.0), ("doubled", 2.0))
"""``(case, factor)``: each run's share is ``min(1, factor x the scenario's share)``."""

SENSITIVITY_COLUMNS = ["case", "share", "rto_p50_s", "rto_p95_s", "probe_rto_p50_s",
                       "probe_rto_p95_s", "p_rto_met"]


def violator_shares(scenario) -> dict[str, float]:
    """``{case: share}`` for :data:`VIOLATOR_CASES`; doubling is capped at 1. [-]"""
    given = scenario.dns.ttl_violation_fraction
    return {case: min(1.0, factor * given) for case, factor in VIOLATOR_CASES}


def violator_runs(scenario, *, trials: int, seed: int, workers: int = 1,
                  given: SimulationResult | None = None,
                  keep_trials: bool = False) -> dict[str, SimulationResult]:
    """Simulate ``scenario`` at each of :func:`violator_shares`, same seed and trials.

    Parameters
    ----------
    scenario : a drsim.Scenario.
    trials : trials per run. [-]
    seed : the root seed of every run (common random numbers).
    workers : processes per run; the numbers do not depend on it.
    given : a run of ``scenario`` itself with the same ``trials`` and ``seed`` (the
        report's own), reused as the "as given" run instead of simulating it again.
    keep_trials : keep each run's trials table (``given`` keeps what it has).

    Raises
    ------
    DrsimError
        if ``given`` is not a run of this scenario, seed and number of trials.
    """
    if given is not None and (given.seed != seed or given.trials_count != trials
                              or given.scenario != scenario):
        raise DrsimError(f"given: a run of {given.scenario.name!r} with seed {given.seed} and "
                         f"{given.trials_count} trials; the sensitivity needs one of "
                         f"{scenario.name!r} with seed {seed} and {trials} trials")
    runs, by_share = {}, {}
    if given is not None:
        by_share[scenario.dns.ttl_violation_fraction] = given
    for case, share in violator_shares(scenario).items():
        if share in by_share:  # "doubled" of a share of 1, or the given run
            runs[case] = by_share[share]
            continue
        variant = scenario.with_overrides({"dns.ttl_violation_fraction": share})
        runs[case] = by_share[share] = simulate(variant, trials=trials, seed=seed,
                                                workers=workers, keep_trials=keep_trials,
                                                progress=False)
    return runs


def violator_sensitivity(scenario, *, trials: int, seed: int, workers: int = 1,
                         given: SimulationResult | None = None) -> pd.DataFrame:
    """The RTO with the TTL violators' share at 0, as given and doubled: one row per run.

    Columns: ``case``, ``share`` [-], ``rto_p50_s``, ``rto_p95_s``, ``probe_rto_p50_s``,
    ``probe_rto_p95_s`` [s] (inf where more than that share of trials never recovers),
    ``p_rto_met`` [-] (for the metric ``objectives.rto_metric`` names). Parameters as
    :func:`violator_runs`.
    """
    runs = violator_runs(scenario, trials=trials, seed=seed, workers=workers, given=given)
    shares = violator_shares(scenario)
    rows = []
    for case, run in runs.items():
        s = run.summary
        probe = s.probe_rto_s
        rows.append({"case": case, "share": shares[case],
                     "rto_p50_s": s.rto_s.p50, "rto_p95_s": s.rto_s.p95,
                     "probe_rto_p50_s": probe.p50 if probe else math.nan,
                     "probe_rto_p95_s": probe.p95 if probe else math.nan,
                     "p_rto_met": s.p_rto_met})
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
