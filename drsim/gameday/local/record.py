"""The record of one local game day: its timeline, journals and summary, typed.

:func:`build_record` turns what a run left (the event log, the load
generator's journals, the write accounting, the stack's timings) into a
:class:`RunResult`. Its :class:`RunSummary` is the ``summary.json`` of a run
and its entry in ``drsim gameday local --json`` (:meth:`RunSummary.as_dict`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from drsim.gameday.local.config import scenario_db_name
from drsim.gameday.local.injection import Injection
from drsim.gameday.local.recorder import Recorder
from drsim.gameday.local.stack import Collected, LocalStack, Resources
from drsim.gameday.measure import client_recovery_s, probe_recovery_s, recovery_times
from drsim.gameday.reconcile import Reconciliation
from drsim.scenario.model import Scenario
from drsim.timeline import Event, phases, to_frame


@dataclass(frozen=True, eq=False, repr=False)
class RunSummary:
    """One run in figures. Times are seconds since the fault, NaN when the moment
    never came (or, for ``rpo_s``/``lost_writes``, when B's database did not
    survive to be reconciled). [s]

    recovered : ``recovered_fraction`` of the clients were served by B before the timeout.
    detect_s, decide_s, recover_s, cutover_s : the phases (:func:`drsim.timeline.phases`).
    first_success_s, rto_s : first client served by B; ``recovered_fraction`` of them.
    probe_rto_s : the external probe's first attempt served by B (its answer), the
        figure the simulator's ``probe_rto_s`` is held against
        (:mod:`~drsim.gameday.local.probe`).
    probe_attempts : the probe's attempts after the fault; ``probe_interval_s`` their
        scheduled spacing. [-], [s]
    fenced_s : fault to ``primary_fenced`` (A's database shut down by a ``fence_primary``
        step or a promotion that ``fences_primary``); NaN when A was not fenced. [s]
    writes : the write accounting (:meth:`Reconciliation.as_dict`), or None.
    steps_s : each runbook step's last attempt, start to finish.
    task_launch_s : from the end of ``scale_standby`` to each new task's readiness, sorted.
    checks_failed_before_fault : failed checks in the ``failure_threshold`` intervals
        before the fault (a slow machine can time a check out; such a streak shortens detection).
    startup_parts_s : cumulative: primary up, standby up, workers ready, load generator ready.
    replay_lag_s : PostgreSQL's own measure under the load before the fault, commit on A to
        the standby's reply that it replayed it (one link trip each way): ``p50``, ``max``.
    stack_set : None when the stack ran the scenario as written; else how it deliberately
        differed (``--stack-set``: the overrides and each field's model and stack value,
        :meth:`~drsim.gameday.local.stackset.StackDifference.as_dict`).
    stack_waits_s : per step, the waits drawn before its real action on such a stack. [s]
    """

    run_id: str
    fault: str
    recovered: bool
    detect_s: float
    decide_s: float
    recover_s: float
    cutover_s: float
    first_success_s: float
    rto_s: float
    probe_rto_s: float
    probe_attempts: int
    probe_interval_s: float
    fenced_s: float
    clients: int
    clients_served_by_b: int
    database_promoted: bool
    rpo_s: float
    lost_writes: int | float
    writes: dict | None
    steps_s: dict[str, float]
    task_launch_s: list[float]
    failed_steps: list[str]
    requests: int
    requests_after_fault: int
    failed_requests_after_fault: int
    checks: int
    checks_failed_before_fault: int
    startup_s: float
    startup_parts_s: dict[str, float]
    teardown_s: float
    wall_s: float
    link_latency_s: float
    replay_lag_s: dict[str, float]
    stack_set: dict | None = None
    stack_waits_s: dict[str, list[float]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The record as plain data, in the order of ``summary.json``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __repr__(self) -> str:
        return (f"RunSummary({self.run_id!r}, recovered={self.recovered}, "
                f"rto_s={self.rto_s:.3f}, probe_rto_s={self.probe_rto_s:.3f}, detect_s={self.detect_s:.3f}, "
                f"lost_writes={self.lost_writes}, wall_s={self.wall_s:.1f})")



@dataclass(frozen=True, eq=False)
class RunResult:
    """One game day's records: its timeline (shared format), journals and summary.

    probe : the external probe's attempts (:data:`~drsim.gameday.local.journals.PROBE_COLUMNS`).
    injection : what was injected and when it took effect (the proxy's cuts).
    resources : what the run held and let go (for cleanup checks).
    """

    run_id: str
    fault: str
    summary: RunSummary
    timeline: pd.DataFrame = field(repr=False)
    journal: pd.DataFrame = field(repr=False)
    acked: pd.DataFrame = field(repr=False)
    probe: pd.DataFrame = field(default=None, repr=False)
    reconciliation: Reconciliation | None = field(default=None, repr=False)
    resources: Resources | None = field(default=None, repr=False)
    injection: Injection | None = field(default=None, repr=False)


def build_record(run_id: str, stack: LocalStack, injection: Injection,
                 replay_lags_s: tuple[float, ...], collected: Collected, *,
                 wall0: float, stack_set: dict | None = None) -> RunResult:
    """The record of a run on ``stack`` (which has been left), from what it collected.

    replay_lags_s : the standby's replay lags seen during warm-up. [s]
    wall0 : monotonic time the run began. [s]
    stack_set : how the stack deliberately differed from the model, or None.
    """
    scenario, journal, recon = stack.scenario, collected.journal, collected.reconciliation
    clients, t_fault = scenario.dns.clients, injection.fault_mono
    per_client = client_recovery_s(journal, t_fault, clients)
    first_s, rto_s = recovery_times(per_client, scenario.objectives.recovered_fraction)
    probe_s = probe_recovery_s(collected.probe, t_fault)
    timeline = _timeline(run_id, scenario, stack.rec, per_client, (first_s, rto_s, probe_s), recon)
    ph = phases(timeline).iloc[0].to_dict() if len(timeline) else {}
    after = journal[journal["t_start"] >= t_fault]
    hcfg, timings = scenario.health_check, stack.timings
    summary = RunSummary(
        run_id=run_id, fault=injection.kind, recovered=not math.isnan(rto_s),
        detect_s=ph.get("detect_s", math.nan), decide_s=ph.get("decide_s", math.nan),
        recover_s=ph.get("recover_s", math.nan), cutover_s=ph.get("cutover_s", math.nan),
        first_success_s=first_s, rto_s=rto_s, probe_rto_s=probe_s,
        probe_attempts=int((collected.probe["t_attempt"] >= t_fault).sum()),
        probe_interval_s=float(scenario.probe.interval_s),
        fenced_s=_first_s(timeline, "primary_fenced"),
        clients=clients, clients_served_by_b=int(per_client.notna().sum()),
        database_promoted=collected.database_promoted,
        rpo_s=recon.rpo_s if recon else math.nan,
        lost_writes=recon.lost if recon else math.nan,
        writes=recon.as_dict() if recon else None,
        steps_s=_step_durations(timeline), task_launch_s=_task_launch_s(timeline),
        failed_steps=list(stack.orch.failed),
        requests=len(journal), requests_after_fault=len(after),
        failed_requests_after_fault=int((after["status"] != 200).sum()),
        checks=stack.hc.checks,
        checks_failed_before_fault=stack.rec.count_before_fault(
            "check_failed", hcfg.failure_threshold * hcfg.interval_s),
        startup_s=timings.get("startup_s", math.nan),
        startup_parts_s={k: round(timings[k], 3) for k in
                         ("primary_s", "standby_s", "workers_s", "loadgen_s") if k in timings},
        teardown_s=timings.get("teardown_s", math.nan),
        wall_s=time.monotonic() - wall0,
        link_latency_s=stack.options.link_latency_s,
        replay_lag_s={"p50": float(np.median(replay_lags_s)) if replay_lags_s else math.nan,
                      "max": float(np.max(replay_lags_s)) if replay_lags_s else math.nan},
        stack_set=stack_set,
        stack_waits_s={k: [round(x, 6) for x in v] for k, v in stack.orch.waited_s.items()},
    )
    return RunResult(run_id, injection.kind, summary, timeline, journal, collected.acked,
                     collected.probe, recon, stack.resources(), injection)


def _timeline(run_id: str, scenario: Scenario, rec: Recorder, per_client: pd.Series,
              recovery_s: tuple[float, float, float], recon: Reconciliation | None) -> pd.DataFrame:
    """The recorder's events since the fault, and what the journals tell: the first
    client served, recovery, the probe served, each lost write at its acknowledgement.

    recovery_s : first success, RTO and the probe's RTO (NaN: never). [s]
    """
    first_s, rto_s, probe_s = recovery_s
    events = rec.events(run_id)
    if not math.isnan(first_s):
        events.append(Event(run_id, "local", first_s, "first_success", "clients",
                            f"client {int(per_client.idxmin())}"))
    if not math.isnan(rto_s):
        events.append(Event(run_id, "local", rto_s, "recovered", "clients",
                            f"{int(per_client.notna().sum())} of {scenario.dns.clients} clients "
                            f"served by {scenario.regions.secondary}"))
    if not math.isnan(probe_s):
        events.append(Event(run_id, "local", probe_s, "probe_recovered", "probe",
                            f"served by {scenario.regions.secondary}; one attempt every "
                            f"{scenario.probe.interval_s:g} s"))
    if recon is not None:
        for w in recon.lost_writes.itertuples():
            events.append(Event(run_id, "local", float(w.t_s), "write_lost",
                                scenario_db_name(scenario),
                                f"client {w.client} seq {w.seq} acknowledged by {w.region}"))
    return to_frame(events)


def _first_s(timeline: pd.DataFrame, event: str) -> float:
    """The first ``event``'s time, NaN when there is none. [s]"""
    t = timeline.loc[timeline["event"] == event, "t_s"]
    return float(t.min()) if len(t) else math.nan


def _step_durations(timeline: pd.DataFrame) -> dict:
    """Each runbook step's last attempt, from its last start to its finish. [s]"""
    out = {}
    for name, g in timeline[timeline["event"].isin(["step_started", "step_finished"])].groupby(
            "component"):
        starts = g.loc[g["event"] == "step_started", "t_s"]
        ends = g.loc[g["event"] == "step_finished", "t_s"]
        if len(starts) and len(ends):
            out[name] = float(ends.max() - starts.max())
    return out


def _task_launch_s(timeline: pd.DataFrame) -> list[float]:
    """From the end of ``scale_standby`` to each new task's readiness, sorted. [s]"""
    scale_end = timeline.loc[(timeline["event"] == "step_finished")
                             & (timeline["component"] == "scale_standby"), "t_s"]
    if not len(scale_end):
        return []
    ready = timeline.loc[timeline["event"] == "task_healthy", "t_s"]
    return sorted((ready - float(scale_end.min())).round(4).tolist())
