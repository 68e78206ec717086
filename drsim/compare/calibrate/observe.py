"""What measured timelines say about a scenario's uncertain durations: one value per
run (or per attempt) for each field that calibration can fit.

Which events measure which field (the simulator logs them the same way, see
:mod:`drsim.sim.trial`, :mod:`drsim.sim.decision`, :mod:`drsim.sim.runbook`):

``decision.page_ack_s``
    ``paged`` to ``acknowledged`` (the first of each in a run).
``decision.decide_s``
    ``acknowledged`` to ``failover_decided``, only where people decided (the
    decision's detail starts with ``manual``): after an automatic decision the
    acknowledgement comes late and measures nothing.
``runbook.<step>.duration_s``
    each attempt of the step: ``step_started`` to the next ``step_failed`` or
    ``step_finished``; a retry starts at its own ``step_started`` where the timeline
    logs one (the AWS collector does), else at the end of the retry wait after the
    ``step_failed`` (:func:`drsim.rules.retry_wait_s` with the scenario's settings,
    as the simulator waits). A step finished by
    its ``manual fallback`` contributes its failed attempts only.
``runbook.<step>.failure_probability``
    ``step_failed`` events among the attempts.
``dns.propagation_s``
    the flip of the record (the first ``unhealthy_declared`` with ``dns.routing:
    failover``, or the end of a ``switch_traffic`` step, whichever first) to
    ``dns_switched``.
``compute.standby_ready_s``
    ``dns_switched`` to the first ``task_healthy`` of a ``standby-*`` task.

Health-check and alarm timing are configuration (intervals, thresholds), not
fitted; the tasks' start and target-group times show only as their sum, so they
are not fitted either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from drsim.errors import DrsimError
from drsim.rules import retry_wait_s
from drsim.timeline import check_frame

STEP_EVENTS = ("step_started", "step_failed", "step_finished")


@dataclass
class Observations:
    """Observed values per scenario field, from the runs of a timeline.

    runs : the run ids, in the order they appear. [-]
    durations : field path -> ``(run_id, value)`` pairs, one per observation. [s]
    step_attempts : step name -> ``(run_id, attempts, failed attempts)`` per run. [-]
    """

    runs: list[str]
    durations: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    step_attempts: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)

    def add(self, path: str, run_id: str, value: float) -> None:
        if np.isfinite(value):
            self.durations.setdefault(path, []).append((run_id, float(value)))

    def values(self, path: str) -> np.ndarray:
        """The observed values of ``path``. [s]"""
        return np.array([v for _, v in self.durations.get(path, [])], dtype=float)

    def attempts(self, step: str) -> tuple[int, int]:
        """``(attempts, failed)`` of ``step`` over all runs. [-]"""
        rows = self.step_attempts.get(step, [])
        return sum(a for _, a, _ in rows), sum(f for _, _, f in rows)

    def restricted(self, runs) -> Observations:
        """The observations of the runs in ``runs`` only (a fold's training set)."""
        keep = set(runs)
        return Observations(
            [r for r in self.runs if r in keep],
            {p: [(r, v) for r, v in pairs if r in keep] for p, pairs in self.durations.items()},
            {n: [row for row in rows if row[0] in keep] for n, rows in self.step_attempts.items()})


def check_steps(df: pd.DataFrame, scenario, name: str = "timeline") -> None:
    """Raise :class:`DrsimError` when ``df`` names runbook steps ``scenario`` does not
    have (a timeline of another scenario), naming the file, the row and the steps allowed."""
    known = {s.name for s in scenario.runbook}
    rows = df[df["event"].isin(STEP_EVENTS) & ~df["component"].isin(known)]
    if len(rows):
        first = rows.index[0]
        allowed = ", ".join(sorted(known)) or "none: the runbook is empty"
        raise DrsimError(
            f"{name}: row {int(first) + 1}: runbook step {rows.loc[first, 'component']!r} "
            f"(run {rows.loc[first, 'run_id']}) is not a step of scenario {scenario.name!r} "
            f"(its steps: {allowed}); is this a timeline of another scenario?")


def observe(df: pd.DataFrame, scenario, name: str = "timeline") -> Observations:
    """The values each fitted field takes in the runs of ``df`` (module docstring).

    Parameters
    ----------
    df : a timeline in drsim's format (:data:`drsim.timeline.COLUMNS`), any number of runs.
    scenario : the :class:`drsim.Scenario` the runs played (its runbook names the steps,
        its retry settings place the attempts).
    name : what to call ``df`` in messages (its file).
    """
    df = check_frame(df, name)
    check_steps(df, scenario, name)
    obs = Observations(list(dict.fromkeys(df["run_id"])))
    obs.step_attempts = {s.name: [] for s in scenario.runbook}
    for run_id, g in df.sort_values("t_s", kind="stable").groupby("run_id", sort=False):
        _decision(obs, run_id, g)
        for step in scenario.runbook:
            _step(obs, run_id, g[g["component"] == step.name], step)
        _dns(obs, run_id, g, scenario)
    return obs


def _first(g: pd.DataFrame, event: str) -> float:
    t = g.loc[g["event"] == event, "t_s"]
    return float(t.min()) if len(t) else np.nan


def _decision(obs: Observations, run_id: str, g: pd.DataFrame) -> None:
    paged, acked = _first(g, "paged"), _first(g, "acknowledged")
    obs.add("decision.page_ack_s", run_id, acked - paged)
    decided = g[g["event"] == "failover_decided"]
    if len(decided) and str(decided["detail"].iloc[0]).startswith("manual"):
        obs.add("decision.decide_s", run_id, float(decided["t_s"].iloc[0]) - acked)


def _step(obs: Observations, run_id: str, g: pd.DataFrame, step) -> None:
    """Each attempt of ``step`` in one run, and how many failed."""
    g = g[g["event"].isin(STEP_EVENTS)].reset_index(drop=True)  # in time order
    started = np.flatnonzero(g["event"].to_numpy() == "step_started")
    if not len(started):
        return
    begin = float(g["t_s"].iloc[started[0]])
    after = g.iloc[started[0] + 1:]
    path = f"runbook.{step.name}.duration_s"
    attempts = failed = 0
    for row in after.itertuples(index=False):
        if row.event == "step_started":
            # A retry's own start (the AWS collector logs one per retry) beats the
            # scenario's retry wait.
            if failed:
                begin = row.t_s
            continue
        if row.event == "step_failed":
            attempts += 1
            failed += 1
            obs.add(path, run_id, row.t_s - begin)
            begin = row.t_s + retry_wait_s(step, failed)
            continue
        if not str(row.detail).startswith("manual fallback"):
            attempts += 1
            obs.add(path, run_id, row.t_s - begin)
        break  # the step's first step_finished ends it
    obs.step_attempts[step.name].append((run_id, attempts, failed))


def _dns(obs: Observations, run_id: str, g: pd.DataFrame, scenario) -> None:
    switched = _first(g, "dns_switched")
    flips = [float(g.loc[(g["event"] == "step_finished") & (g["component"] == s.name), "t_s"].min())
             for s in scenario.runbook if s.action == "switch_traffic"]
    if scenario.dns.routing == "failover":
        flips.append(_first(g, "unhealthy_declared"))
    flips = [t for t in flips if np.isfinite(t)]
    if flips:
        obs.add("dns.propagation_s", run_id, switched - min(flips))
    standby = g.loc[(g["event"] == "task_healthy")
                    & g["component"].astype(str).str.startswith("standby-"), "t_s"]
    if len(standby) and scenario.compute.standby_tasks:
        obs.add("compute.standby_ready_s", run_id, float(standby.min()) - switched)
