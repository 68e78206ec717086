"""Held-out validation: does the fit predict runs it did not see?

k-fold cross-validation over the measured runs -- leave-one-out for up to
:data:`LOO_MAX_RUNS` runs, else :data:`FOLDS` folds: each fold's runs are held
out, the scenario is calibrated on the others and simulated, and each held-out
run's RTO (the one the scenario's objectives name, ``rto_s`` or ``probe_rto_s``)
is set against the simulation -- whether it falls in the simulated [p5, p95],
and how far the simulated median is from it. The original scenario is simulated
once with the same seed (common random numbers), so "before" and "after" differ
only by the fitted fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from drsim import defaults

from drsim.compare.calibrate.calibration import MIN_RUNS, calibrate_fields
from drsim.compare.calibrate.observe import Observations
from drsim.sim import simulate
from drsim.sim.montecarlo import rto_column
from drsim.timeline import phases

LOO_MAX_RUNS = 10
"""Up to this many runs, leave-one-out; beyond, :data:`FOLDS` folds. [-]"""
FOLDS = 5
"""Folds of the cross-validation beyond :data:`LOO_MAX_RUNS` runs. [-]"""
TRIALS = defaults.VALIDATION_TRIALS
"""Trials of each simulation of a validation, by default (see
:data:`drsim.defaults.VALIDATION_TRIALS`). [-]"""
BAND = (0.05, 0.50, 0.95)
"""The simulated percentiles a held-out run is set against: [p5, p95] and the median."""


@dataclass
class Holdout:
    """The held-out validation of a calibration.

    method : ``leave-one-out`` or ``5-fold``.
    metric : the RTO compared (``rto_s`` or ``probe_rto_s``).
    runs : one row per held-out run: its measured RTO [s], its fold, and before/after
        the simulated p5, p50, p95 [s], whether it lies in [p5, p95], and the absolute
        error of the simulated median [s].
    trials, seed : of each simulation.
    left_out : ``(run_id, why)`` of runs without the RTO measured.
    """

    method: str
    metric: str
    runs: pd.DataFrame
    trials: int
    seed: int
    left_out: list[tuple[str, str]]

    def coverage(self, when: str) -> float:
        """Share of held-out runs inside the simulated [p5, p95], ``before`` or ``after``. [-]"""
        return float(self.runs[f"{when}_covered"].mean())

    def median_abs_error_s(self, when: str) -> float:
        """Median over held-out runs of |simulated median - measured RTO|. [s]"""
        return float(self.runs[f"{when}_abs_error_s"].median())

    def as_dict(self) -> dict:
        return {"method": self.method, "metric": self.metric, "trials": self.trials,
                "seed": self.seed, "folds": int(self.runs["fold"].nunique()),
                "coverage_p5_p95": {w: self.coverage(w) for w in ("before", "after")},
                "median_abs_error_s": {w: self.median_abs_error_s(w) for w in ("before", "after")},
                "runs": self.runs.to_dict(orient="records"),
                "left_out": [{"run_id": r, "why": w} for r, w in self.left_out]}


def folds_of(runs: list[str], seed: int) -> list[list[str]]:
    """The held-out runs of each fold: one each up to :data:`LOO_MAX_RUNS` runs, else
    :data:`FOLDS` folds of a shuffle drawn from ``SeedSequence(seed)``."""
    if len(runs) <= LOO_MAX_RUNS:
        return [[r] for r in runs]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    order = rng.permutation(len(runs))
    return [[runs[i] for i in order[k::FOLDS]] for k in range(FOLDS)]


def validate_holdout(timeline: pd.DataFrame, obs: Observations, scenario, *,
                     trials: int = TRIALS, seed: int = defaults.SEED) -> Holdout | str:
    """Cross-validate calibration on the runs of ``timeline`` (module docstring).

    Returns the :class:`Holdout`, or why there is none (fewer than
    ``MIN_RUNS + 1`` runs with the RTO measured: each fold must keep
    :data:`~drsim.compare.calibrate.calibration.MIN_RUNS` to fit on).
    """
    metric = rto_column(scenario)
    measured = phases(timeline).set_index("run_id")[metric]
    left_out = [(r, f"no {metric} measured (its recovery event is missing)")
                for r in obs.runs if not np.isfinite(measured.get(r, np.nan))]
    runs = [r for r in obs.runs if np.isfinite(measured.get(r, np.nan))]
    if len(runs) < MIN_RUNS + 1:
        return (f"held-out validation needs at least {MIN_RUNS + 1} runs with {metric} "
                f"measured (each fold fits on {MIN_RUNS}); there are {len(runs)}")
    before = _band(scenario, trials, seed, metric)
    rows = []
    for k, held in enumerate(folds_of(runs, seed)):
        train = obs.restricted([r for r in obs.runs if r not in held])
        fitted = calibrate_fields(train, scenario, rng=None, strict=False).calibrated()
        after = _band(fitted, trials, seed, metric) if fitted is not scenario else before
        rows += [{"run_id": r, "fold": k, "rto_s": float(measured[r]),
                  **_score("before", before, measured[r]), **_score("after", after, measured[r])}
                 for r in held]
    method = "leave-one-out" if len(runs) <= LOO_MAX_RUNS else f"{FOLDS}-fold"
    return Holdout(method, metric, pd.DataFrame(rows), trials, seed, left_out)


def _band(scenario, trials: int, seed: int, metric: str) -> tuple[float, float, float]:
    """Simulated p5, p50, p95 of ``metric``; inf where trials never recovered. [s]"""
    values = simulate(scenario, trials=trials, seed=seed, progress=False).trials[metric]
    # inverted_cdf picks an order statistic: no interpolation between a finite value and inf.
    return tuple(float(v) for v in np.quantile(values.to_numpy(), BAND, method="inverted_cdf"))


def _score(when: str, band, rto_s: float) -> dict:
    p5, p50, p95 = band
    return {f"{when}_p5_s": p5, f"{when}_p50_s": p50, f"{when}_p95_s": p95,
            f"{when}_covered": bool(p5 <= rto_s <= p95),
            f"{when}_abs_error_s": abs(p50 - rto_s)}
