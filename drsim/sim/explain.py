"""One trial told event by event: the trial at a percentile, or any trial by its index.

A summary says the p95 RTO is 1,436 s; an architect then asks *what happened* in
that trial. Trial ``i`` of seed ``s`` draws only from its own generator
(:func:`drsim.sim.montecarlo.trial_rng`), so it can be re-run alone, with its
events logged, and give exactly the row it gave inside the Monte Carlo run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.errors import DrsimError
from drsim.rules import DELAY_TERMS, PHASES
from drsim.sim.montecarlo import simulate, trial_rng
from drsim.sim.trial import DEFAULT_HORIZON_S, TrialPlan
from drsim.timeline import Event, to_frame

METRICS = ("rto_s", "probe_rto_s", "first_success_s", "detect_s")
"""Trial columns a percentile can be taken of (and ``rpo_s.<datastore>``)."""


@dataclass(frozen=True)
class TrialStory:
    """One trial: its row of figures and its event timeline.

    trial : index of the trial in the run of ``seed``. [-]
    row : the trial's figures (the columns of ``drsim simulate --out``). [s], [-]
    timeline : its events in the shared timeline format, in time order.
    percentile, metric, trials : how the trial was chosen (None when by index). [%]
    """

    scenario: str
    seed: int
    trial: int
    row: dict
    timeline: pd.DataFrame
    metric: str | None = None
    percentile: float | None = None
    trials: int | None = None

    @property
    def phases(self) -> dict[str, float]:
        """The phase durations and delay terms of this trial. [s]"""
        return {c: float(self.row[c]) for c in (*PHASES, *DELAY_TERMS)}


def check_metric(metric: str, plan: TrialPlan) -> None:
    """Raise DrsimError unless ``metric`` is a column a percentile can be taken of."""
    allowed = [*METRICS, *(f"rpo_s.{ds.name}" for ds in plan.recovery_datastores)]
    if metric not in allowed:
        raise DrsimError(f"--metric: {metric!r} is not one of {', '.join(allowed)}")


def trial_at_percentile(values, percentile: float) -> int:
    """Index of the trial whose value is the ``percentile``-th percentile of ``values``.

    The order statistic of rank ``ceil(p/100 * n)`` (at least 1): the smallest
    value with at least ``p`` % of the trials at or below it, so the answer is a
    trial that happened, never an interpolation between two. Ties go to the
    lowest index (a stable sort), so the choice is reproducible.
    """
    if not 0 <= percentile <= 100 or math.isnan(percentile):
        raise DrsimError(f"--percentile: {percentile!r} is outside 0..100")
    values = np.asarray(values, dtype=float)
    rank = max(math.ceil(percentile / 100 * len(values) - 1e-9), 1)
    order = np.argsort(values, kind="stable")
    return int(order[rank - 1])


def explain_trial(scenario, trial: int, seed: int = defaults.SEED, *,
                  horizon_s: float = DEFAULT_HORIZON_S) -> TrialStory:
    """Re-run trial ``trial`` of ``seed`` alone, with its events. [s]"""
    if not isinstance(trial, (int, np.integer)) or trial < 0:
        raise DrsimError(f"--trial: {trial!r} is not a whole number >= 0")
    plan = TrialPlan(scenario, horizon_s=horizon_s)
    run_id = f"{scenario.name}/seed-{seed}/trial-{trial}"
    events: list[Event] = []

    def log(t_s, event, component="", detail=""):
        events.append(Event(run_id, "sim", float(t_s), event, component, detail))

    # The same generator as in the Monte Carlo run, so the same row; logging draws nothing.
    row = plan.run(trial_rng(seed, int(trial)), log=log)
    return TrialStory(scenario.name, int(seed), int(trial), row, to_frame(events))


def explain_percentile(scenario, percentile: float, *, metric: str = "rto_s",
                       trials: int = defaults.TRIALS, seed: int = defaults.SEED,
                       workers: int = 1,
                       horizon_s: float = DEFAULT_HORIZON_S) -> TrialStory:
    """The trial at ``percentile`` of ``metric`` among ``trials`` trials of ``seed``."""
    check_metric(metric, TrialPlan(scenario, horizon_s=horizon_s))
    trial_at_percentile([0.0], percentile)  # refuse a bad percentile before simulating
    result = simulate(scenario, trials=trials, seed=seed, workers=workers, horizon_s=horizon_s)
    table = result.trials
    index = int(table["trial"].iloc[trial_at_percentile(table[metric], percentile)])
    story = explain_trial(scenario, index, seed, horizon_s=horizon_s)
    return TrialStory(story.scenario, story.seed, story.trial, story.row, story.timeline,
                      metric=metric, percentile=float(percentile), trials=int(trials))


def collapsed_events(timeline: pd.DataFrame) -> list[dict]:
    """The timeline as lines to read: a run of the same event from several
    components (fifteen checkers failing their checks) becomes one line with a
    count, its first and last time and the components, instead of dozens. [s]"""
    lines: list[dict] = []
    for ev in timeline.sort_values("t_s", kind="stable").itertuples(index=False):
        last = lines[-1] if lines else None
        if last is not None and last["event"] == ev.event and last["detail"] == ev.detail:
            last["count"] += 1
            last["until_s"] = float(ev.t_s)
            if ev.component not in last["components"]:
                last["components"].append(ev.component)
            continue
        lines.append({"t_s": float(ev.t_s), "until_s": float(ev.t_s), "event": ev.event,
                      "components": [ev.component], "detail": ev.detail, "count": 1})
    return lines
