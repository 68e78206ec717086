"""Measured game days beside the simulation of the identical scenario.

The simulator's trials are the model's distribution; each measured run is
placed in it as a percentile, and the phases (derived the same way for both,
:func:`drsim.rules.phase_durations`) are compared one by one.
:func:`beside_simulation` takes what :func:`drsim.gameday.local_gamedays`
returns and simulates the scenario the runs played, with the same seed.

Known differences between the local stack and the model (measured on local-lab,
2026-11-28), which a comparison shows and nothing here hides:

- Clients re-resolve DNS only when they send a request. When the fault makes
  requests hang (app_hang, partition, region_outage), each client's last lookup
  before the DNS flip is older than the model's "cached answer expires uniformly
  within the TTL after the flip" assumes, so clients move sooner: measured RTO
  sits at about the simulated p1 for those faults.
- In a brownout the old primary keeps acknowledging writes from clients that
  have not moved yet after B is promoted; those writes are lost (counted as
  ``lost_after_fault``); the model counts them too (split brain, see
  :func:`drsim.sim.replication.split_brain_s`). A ``fence_primary`` step (or
  ``fences_primary`` on the promotion) shuts A's database down and ends that
  (``primary_fenced`` in the timeline). The model fences at the instant the
  promotion step ends, which is also when B becomes writable, so with
  ``fences_primary`` it loses nothing; the lab's B takes writes up to 100 ms
  before ``pg_promote`` answers and the fast shutdown takes about 0.1 s more,
  so A still acknowledges a few writes in between (1-2 at 0.8 brownout, 2026-11-29).
- The local probe is served by B's standby worker as soon as DNS names B and B
  takes writes; the model's probe also waits for ``capacity_ready`` (all the
  required tasks), so when B's second worker is slow the measured probe RTO can
  come before the simulated one.
- ``pg_promote(wait => true)`` polls every 100 ms, so B can accept a write a few
  milliseconds before the promote step (and ``database_writable``) ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from drsim import defaults
from drsim.errors import DrsimError
from drsim.gameday import GamedayReport
from drsim.jsontext import to_json
from drsim.sim import simulate
from drsim.summary import Summary
from drsim.timeline import PHASE_COLUMNS, phases

SIM_TRIALS = defaults.TRIALS
"""Trials of the simulation a game day is set beside, by default (:mod:`drsim.defaults`). [-]"""


@dataclass
class GamedayComparison:
    """Game days beside the simulation of the scenario they played.

    gamedays : the measured runs (:class:`drsim.gameday.GamedayReport`).
    simulated : the simulator's summary of the identical scenario, or None when
        not simulated.
    measured_rto_percentiles : each run's RTO as a percentile of the simulated RTOs
        (a run that never recovered counts as inf). [%]
    measured_probe_rto_percentiles : each run's probe RTO (its external probe's first
        attempt served by the secondary) as a percentile of the simulated ``probe_rto_s``. [%]
    phases : measured against simulated phase medians (:func:`phase_table`), or None.
    simulated_trials : the simulator's trials table, or None.

    ``scenario``, ``runs``, ``measured`` and ``timeline`` are the game days'.
    """

    gamedays: GamedayReport
    simulated: Summary | None = None
    measured_rto_percentiles: list[float] = field(default_factory=list)
    measured_probe_rto_percentiles: list[float] = field(default_factory=list)
    phases: pd.DataFrame | None = None
    simulated_trials: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def scenario(self):
        return self.gamedays.scenario

    @property
    def runs(self):
        return self.gamedays.runs

    @property
    def measured(self) -> dict:
        return self.gamedays.measured

    @property
    def timeline(self) -> pd.DataFrame:
        """Every run's timeline, one frame."""
        return self.gamedays.timeline

    def as_json(self) -> dict:
        """The game days' report (``scenario, fault, runs, measured``), then ``simulated``,
        ``measured_rto_percentiles``, ``measured_probe_rto_percentiles`` and ``phases``
        (None, [], [] and None when not simulated)."""
        return {
            **self.gamedays.as_json(),
            "simulated": self.simulated.as_dict() if self.simulated is not None else None,
            "measured_rto_percentiles": self.measured_rto_percentiles,
            "measured_probe_rto_percentiles": self.measured_probe_rto_percentiles,
            "phases": self.phases.to_dict(orient="records") if self.phases is not None else None,
        }


def beside_simulation(gamedays: GamedayReport, *, seed: int = defaults.SEED,
                      trials: int = SIM_TRIALS) -> GamedayComparison:
    """Simulate the scenario the game days played and set the runs beside it.

    Parameters
    ----------
    gamedays : what :func:`drsim.gameday.local_gamedays` returned.
    seed : root seed of the simulation (the CLI passes the game days' seed). [-]
    trials : trials of the simulation. [-]
    """
    sim = simulate(gamedays.scenario, trials=trials, seed=seed, workers=1)
    sim_rto = sim.trials["rto_s"].to_numpy(dtype=float)
    sim_probe = sim.trials["probe_rto_s"].to_numpy(dtype=float)
    return GamedayComparison(
        gamedays, simulated=sim.summary,
        measured_rto_percentiles=[percentile_in(sim_rto, _reached_s(r.summary.rto_s))
                                  for r in gamedays.runs],
        measured_probe_rto_percentiles=[
            percentile_in(sim_probe, _reached_s(r.summary.probe_rto_s)) for r in gamedays.runs],
        phases=phase_table(gamedays.timeline, sim.trials), simulated_trials=sim.trials)


def write_comparison(comparison: GamedayComparison, out_dir: str | Path) -> Path:
    """Write the comparison beside the game days' records in ``out_dir``; returns it.

    ``report.json`` (:meth:`GamedayComparison.as_json`, replacing the game days'
    own) and ``phases.csv`` when simulated; the runs' records are
    :func:`drsim.gameday.write_report`'s.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if comparison.phases is not None:
            comparison.phases.to_csv(out / "phases.csv", index=False)
        (out / "report.json").write_text(to_json(comparison.as_json()) + "\n")
    except OSError as err:
        raise DrsimError(f"cannot write the game day report to {out}: {err.strerror}") from None
    return out


def _reached_s(t_s) -> float:
    """A measured moment, inf if the run ended before it came. [s]"""
    return math.inf if t_s is None or math.isnan(t_s) else float(t_s)


def percentile_in(sample, value: float) -> float:
    """Where ``value`` falls in ``sample``, in percent (ties count half). NaN for NaN. [%]

    Infinite sample values (trials that never recovered) sort above every finite value.
    """
    x = np.asarray(sample, dtype=float)
    if value is None or math.isnan(value) or len(x) == 0:
        return math.nan
    below = np.count_nonzero(x < value)
    equal = np.count_nonzero(x == value)
    return float(100.0 * (below + 0.5 * equal) / len(x))


def phase_table(measured_timeline: pd.DataFrame, simulated_trials: pd.DataFrame) -> pd.DataFrame:
    """Per phase (and first success, RTO and the probe's RTO): measured median,
    simulated median, their difference, and where the measured median falls in the
    simulated distribution.

    Columns: phase, measured_p50_s, simulated_p50_s, difference_s (measured minus
    simulated), difference_pct, measured_percentile. [s], [%]
    """
    measured = phases(measured_timeline)
    rows = []
    for col in PHASE_COLUMNS:
        m = pd.to_numeric(measured[col], errors="coerce").to_numpy(dtype=float)
        # A phase a run never finished (it ended first) counts as inf, as in the
        # simulation, rather than dropping the run from the median.
        m = np.where(np.isnan(m), math.inf, m)
        s = simulated_trials[col].to_numpy(dtype=float) if col in simulated_trials else np.array([])
        m_p50 = float(np.median(m)) if len(m) else math.nan
        s_p50 = float(np.median(s)) if len(s) else math.nan
        diff = m_p50 - s_p50
        rows.append({
            "phase": col, "measured_p50_s": m_p50, "simulated_p50_s": s_p50,
            "difference_s": diff,
            "difference_pct": 100.0 * diff / s_p50 if s_p50 and math.isfinite(s_p50) else math.nan,
            "measured_percentile": percentile_in(s, m_p50),
        })
    return pd.DataFrame(rows)


def plot_rto(measured_rto_s, simulated_rto_s, ax=None, title: str = "",
             xlabel: str = "RTO [s]"):
    """The simulated RTO distribution (histogram, density: share of trials per second) with
    each measured RTO as a line; ``xlabel`` names the figure drawn (e.g. the probe RTO).

    Needs matplotlib (the ``lab`` extra). Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    sim = np.asarray(simulated_rto_s, dtype=float)
    sim = sim[np.isfinite(sim)]
    ax.hist(sim, bins=60, density=True, color="#9ab", label=f"simulated ({len(sim)} trials)")
    for i, x in enumerate(v for v in measured_rto_s if v is not None and math.isfinite(v)):
        ax.axvline(x, color="#c33", lw=1.2, label="measured" if i == 0 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of trials per second [1/s]")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return ax
