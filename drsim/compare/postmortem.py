"""Measured runs from any source, phase by phase, beside the simulation of their scenario.

A postmortem takes imported timelines (:func:`drsim.gameday.imports.import_timeline`),
derives each run's phases the one way (:func:`drsim.timeline.phases`) and places
each measured duration in the simulated distribution of the same phase as a
percentile, with the very function and simulation the game day's comparison uses
(:func:`drsim.compare.gameday.percentile_in`, :func:`drsim.compare.gameday.phase_table`,
:func:`drsim.sim.simulate` with the same trials and seed): on a game day's own
timeline the two agree exactly.

**Most deviant phase.** Of the chain :data:`drsim.rules.PHASES` (detect, alarm lag,
decide, recover, cut over), the phase whose measured percentile lies farthest from
50 (``|percentile - 50|``); a phase within :data:`MIN_DEVIATION_S` of its simulated
median does not count (a phase the model holds at a constant, such as an automatic
decision's 0 s, puts a measured 0.003 s at the 100th percentile); ties go to the
larger difference in seconds. None when no phase counts.

**RTO had that phase behaved as modelled** (``rto_if_modelled_s``). The phases are a
chain of moments: fault -> detected -> alarm (signalled) -> decided -> runbook end ->
recovered. Replace the deviant phase's measured duration by its simulated median
and move every later moment by the difference; for ``cutover_s``, recovery comes
at the end of the runbook (or the decision, if later) plus the simulated median
cut-over. The moved moments go through :func:`drsim.rules.phase_durations`, the
formula every source's phases come from, and its ``rto_s`` is the answer. [s]

**Missing moments.** A phase whose events are not in the record (an incident
CSV without an alarm) is not measured: its percentile is None. The game day's
comparison counts a missing moment as never reached (inf), because its own
recorder saw the whole run; an imported record may simply not say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.compare.gameday import percentile_in, phase_table
from drsim.gameday.imports import Imported
from drsim.rules import PHASES, phase_durations
from drsim.sim import simulate
from drsim.summary import Summary
from drsim.timeline import phases

MIN_DEVIATION_S = 1.0
"""A phase within this of its simulated median is not called deviant, whatever its
percentile. [s]"""
EXTRA = ("first_success_s", "rto_s", "probe_rto_s")
"""What is placed in the simulation besides the phases: fault to first client served,
to recovery (the RTO) and to the external probe's recovery. [s]"""


@dataclass(frozen=True, repr=False)
class Postmortem:
    """Imported runs beside the simulation of their scenario.

    scenario : the scenario's name; ``trials`` and ``seed`` of its simulation. [-]
    runs : one dict per run (:meth:`as_json` documents the keys).
    imports : the files read (:class:`drsim.gameday.imports.Imported`).
    phases : measured against simulated phase medians over all runs
        (:func:`drsim.compare.gameday.phase_table`, as the game day reports it).
    simulated : the simulation's summary; ``simulated_trials`` its trials table.
    """

    scenario: str
    trials: int
    seed: int
    runs: list[dict] = field(repr=False)
    imports: list[Imported] = field(repr=False)
    phases: pd.DataFrame = field(repr=False)
    simulated: Summary = field(repr=False)
    simulated_trials: pd.DataFrame = field(repr=False)

    @property
    def timeline(self) -> pd.DataFrame:
        """Every imported run's timeline, one frame."""
        return pd.concat([i.timeline for i in self.imports], ignore_index=True)

    @property
    def unplaced_events(self) -> list[dict]:
        return [u for i in self.imports for u in i.unplaced]

    def to_frame(self) -> pd.DataFrame:
        """One row per run and phase: run_id, phase, measured_s, percentile,
        simulated_p50_s, difference_s, rto_if_modelled_s, most_deviant. [s], [%]"""
        rows = [{"run_id": run["run_id"], "phase": name, **ph,
                 "most_deviant": name == run["most_deviant_phase"]}
                for run in self.runs for name, ph in run["phases"].items()]
        return pd.DataFrame(rows, columns=["run_id", "phase", "measured_s", "percentile",
                                           "simulated_p50_s", "difference_s",
                                           "rto_if_modelled_s", "most_deviant"])

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario}</b>: {len(self.runs)} run(s) beside {self.trials:,} "
                f"simulated trials (seed {self.seed}); {len(self.unplaced_events)} record(s) "
                "not placed</p>")
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:.1f}")

    def __repr__(self) -> str:
        return (f"Postmortem({self.scenario!r}, runs={len(self.runs)}, trials={self.trials}, "
                f"seed={self.seed}, unplaced={len(self.unplaced_events)})")

    def as_json(self) -> dict:
        """``scenario``, ``trials``, ``seed``, ``files`` (path, format, runs, and the
        files ``merged_with`` it into one run), ``runs``
        (each: ``run_id``, ``source``, ``file``, ``fault_utc``, ``phases`` {phase:
        {``measured_s``, ``percentile``, ``simulated_p50_s``, ``difference_s``,
        ``rto_if_modelled_s`` (the RTO had this phase taken its simulated median)}},
        ``rto_s``, ``rto_percentile``, ``probe_rto_s``, ``probe_rto_percentile``,
        ``first_success_s``, ``first_success_percentile``, ``most_deviant_phase``,
        ``rto_if_modelled_s``), ``phases`` (the table over all runs) and
        ``unplaced_events``. Seconds [s], percentiles [%]; None where not measured."""
        return {
            "scenario": self.scenario, "trials": self.trials, "seed": self.seed,
            "files": [{"path": str(i.path), "format": i.format, "runs": i.run_ids,
                       "merged_with": [str(p) for p in i.merged_with]}
                      for i in self.imports],
            "runs": self.runs,
            "phases": self.phases.to_dict(orient="records"),
            "unplaced_events": self.unplaced_events,
        }


def _pct(sample: np.ndarray, measured: float) -> float | None:
    p = percentile_in(sample, measured)
    return None if math.isnan(p) else p


def most_deviant(run_phases: dict[str, dict]) -> str | None:
    """The phase of :data:`drsim.rules.PHASES` farthest from the simulated median by
    percentile (module docstring), or None."""
    best, key = None, None
    for name in PHASES:
        ph = run_phases[name]
        if ph["percentile"] is None or not abs(ph["difference_s"]) >= MIN_DEVIATION_S:
            continue
        k = (abs(ph["percentile"] - 50.0), abs(ph["difference_s"]))
        if key is None or k > key:
            best, key = name, k
    return best


def rto_if_modelled(measured: dict[str, float], phase: str, simulated_s: float) -> float:
    """The RTO had ``phase`` taken ``simulated_s`` instead of its measured duration
    (module docstring). ``measured`` holds :data:`drsim.rules.PHASES` and ``rto_s``. [s]"""
    detected = measured["detect_s"]
    signalled = detected + measured["alarm_lag_s"]
    decided = signalled + measured["decide_s"]
    end = decided + measured["recover_s"]
    recovered = measured["rto_s"]
    moments = [detected, signalled, decided, end]
    i = PHASES.index(phase)
    if phase == "cutover_s":
        recovered = max(end, decided) + simulated_s
    else:
        delta = simulated_s - measured[phase]
        moments = [m + delta if j >= i else m for j, m in enumerate(moments)]
        recovered += delta
    detected, signalled, decided, end = moments
    return phase_durations(detected_s=detected, decided_s=decided, runbook_end_s=end,
                           recovered_s=recovered, first_success_s=math.nan,
                           signalled_s=signalled)["rto_s"]


def _run(row: dict, sim: pd.DataFrame, medians: dict[str, float], where: dict) -> dict:
    run_phases = {}
    for name in PHASES:
        m = float(row[name])
        run_phases[name] = {
            "measured_s": m, "percentile": _pct(sim[name].to_numpy(float), m),
            "simulated_p50_s": medians[name],
            "difference_s": m - medians[name]}
    out = {"run_id": row["run_id"], "source": row["source"], **where, "phases": run_phases}
    for name in EXTRA:
        key = name.removesuffix("_s")
        out[name] = float(row[name])
        out[f"{key}_percentile"] = _pct(sim[name].to_numpy(float), out[name])
    measured = {**{p: run_phases[p]["measured_s"] for p in PHASES}, "rto_s": out["rto_s"]}
    complete = all(math.isfinite(v) for v in measured.values())
    for name in PHASES:  # each phase's own what-if, so a reader can weigh them in seconds
        run_phases[name]["rto_if_modelled_s"] = (
            rto_if_modelled(measured, name, medians[name]) if complete else None)
    deviant = most_deviant(run_phases)
    out["most_deviant_phase"] = deviant
    out["rto_if_modelled_s"] = run_phases[deviant]["rto_if_modelled_s"] if deviant else None
    return out


def postmortem(imports: list[Imported], scenario, *, trials: int = defaults.TRIALS,
               seed: int = defaults.SEED) -> Postmortem:
    """Simulate ``scenario`` and set every imported run beside it.

    Parameters
    ----------
    imports : the imported files (each may hold several runs).
    scenario : the scenario the runs played (a :class:`drsim.scenario.Scenario`).
    trials, seed : of the simulation (the defaults of every command). [-]
    """
    result = simulate(scenario, trials=trials, seed=seed, workers=1)
    sim = result.trials
    medians = {name: float(np.median(sim[name].to_numpy(float))) for name in PHASES}
    runs = []
    for imp in imports:
        for row in phases(imp.timeline).to_dict(orient="records"):
            files = " + ".join(str(p) for p in (imp.path, *imp.merged_with))
            where = {"file": files, "fault_utc": imp.fault_utc.get(row["run_id"])}
            runs.append(_run(row, sim, medians, where))
    timeline = pd.concat([i.timeline for i in imports], ignore_index=True)
    return Postmortem(scenario.name, int(trials), int(seed), runs, list(imports),
                      phase_table(timeline, sim), result.summary, sim)
