"""One chunk of trials on the fast path: every column of ``TrialPlan.columns`` at once.

The same model as :meth:`drsim.sim.trial.TrialPlan.run`, moment by moment, computed
for all trials of a chunk as arrays (see :mod:`drsim.fast` for what it covers). Each
component draws from its own stream (:mod:`drsim.fast.streams`).
"""

from __future__ import annotations

import numpy as np

from drsim.fast import capacity, clients, detection
from drsim.fast.runbook import run_steps
from drsim.fast.sampling import draw
from drsim.fast.streams import Streams
from drsim.rules import SHARE_EPS
from drsim.sim.faults import loses_primary_data
from drsim.sim.traffic import Clients, _affected_share, _fewest, client_counts

INF = np.inf


class FastPlan:
    """What the fast path needs of a scenario, fixed per configuration.

    Parameters
    ----------
    plan : the scenario's :class:`drsim.sim.trial.TrialPlan` (its steps, columns,
        check behaviour, alarm sight and datastores are the fast path's too).
    """

    def __init__(self, plan):
        self.plan = plan
        s = plan.scenario
        self.moving = client_counts(s.dns)[0]
        home = s.dns.clients - self.moving
        # A client population of the right counts (the delays do not matter here) for
        # the SimPy engine's own share rules.
        template = Clients(home=home, delay_s=np.zeros(self.moving))
        n, req, target = s.dns.clients, s.compute.required_tasks, (
            s.objectives.recovered_fraction - SHARE_EPS)
        self.share = lambda share: _affected_share(share, template)
        self.k_rto = _fewest(lambda k: self.share((home + k) / n) >= target, self.moving)
        self.k_first = _fewest(lambda k: self.share((home + k) / n) > 0, self.moving)
        self.j_rto = _fewest(lambda j: self.share(j / req) >= target, req)
        self.j_first = _fewest(lambda j: self.share(j / req) > 0, req)
        self.n_launch = max(req - s.compute.standby_tasks, 0)
        tasks = s.compute.standby_tasks + self.n_launch
        self.task_shares = np.array([capacity.share_of_tasks(j + 1, req, self.share)
                                     for j in range(tasks)])


def trial_columns(fp: FastPlan, seed: int, chunk: int, n: int, horizon_s: float) -> dict:
    """``{column: array of n trials}`` for chunk ``chunk`` of ``seed``."""
    plan, st = fp.plan, Streams(seed, chunk)
    s = plan.scenario
    d = s.decision
    health_s = detection.health_declared_s(s.health_check, plan.check, n, st("checkers"),
                                           horizon_s)
    alarm_s = detection.alarm_s(s.alarm, plan.alarm_sight, n, st("alarm.phase"),
                                st("alarm.metric_delay"), horizon_s)
    ack_s = draw(d.page_ack_s, st("decision.ack"), n)
    decide_draw_s = draw(d.decide_s, st("decision.decide"), n)
    decided_s = detection.decided_s(d, health_s, alarm_s, ack_s, decide_draw_s, horizon_s)
    steps = run_steps(plan.steps, decided_s, st, horizon_s)
    ends = {name: v[1] for name, v in steps.items()}

    def earliest(names, default):
        return np.min([ends[x] for x in names], axis=0) if names else np.full(n, default)

    if plan.steps:
        runbook_done_s = np.max([ends[x.name] for x in plan.steps], axis=0)
    else:
        runbook_done_s = decided_s
    db_writable_s = (np.max([ends[x] for x in plan.writable_steps], axis=0)
                     if plan.writable_steps else np.zeros(n))
    scale_s = earliest(plan.scale_steps, INF)
    fenced_s = earliest(plan.fence_steps, INF)
    propagation_s = draw(s.dns.propagation_s, st("dns.propagation"), n)
    flip_s = earliest(plan.switch_steps, INF)
    if s.dns.routing == "failover":
        flip_s = np.minimum(flip_s, health_s)
    dns_s = flip_s + propagation_s
    standby_ready_s, standby_at_s, capacity_ready_s, starts = _capacity(fp, n, st, scale_s,
                                                                         dns_s)
    first_s, rto_s = _recovery(fp, n, st, dns_s, db_writable_s, starts)
    probe_rto_s = _probe(fp, n, st, dns_s, db_writable_s, starts)
    detected_s = np.minimum(health_s, alarm_s)
    signalled = detection.signalled_s(d, health_s, alarm_s, decided_s)
    cols = {
        "health_detect_s": health_s, "alarm_s": alarm_s, "decided_s": decided_s,
        "runbook_done_s": runbook_done_s, "db_writable_s": db_writable_s,
        "capacity_ready_s": capacity_ready_s, "dns_switched_s": dns_s,
        "first_success_s": first_s, "rto_s": rto_s, "probe_rto_s": probe_rto_s,
        **_phases(detected_s, decided_s, runbook_done_s, rto_s, signalled),
        "dns_propagation_s": propagation_s,
        "standby_ready_s": np.where((standby_at_s > 0) & np.isfinite(standby_at_s),
                                    standby_ready_s, 0.0),
        "fenced_s": fenced_s, "flaps": np.zeros(n),
    }
    for step in plan.steps:
        start, end, attempts = steps[step.name]
        cols[f"step.{step.name}.start_s"] = start
        cols[f"step.{step.name}.end_s"] = end
        cols[f"step.{step.name}.attempts"] = attempts.astype(float)
    cols.update(_data_loss(plan, n, st))
    return {c: np.asarray(cols[c], dtype=float) for c in plan.columns}


def _capacity(fp: FastPlan, n: int, st, scale_s, dns_s):
    """``(standby_ready_s, standby_at_s, capacity_ready_s, starts)``: the standby's
    readiness drawn, when its tasks are healthy, when the capacity is whole, and every
    task's healthy moment (:func:`drsim.fast.capacity.task_starts`). [s]"""
    s = fp.plan.scenario
    standby_ready_s = draw(s.compute.standby_ready_s, st("compute.standby_ready"), n)
    launch = st("compute.launch")
    ready_s = np.empty((n, fp.n_launch))
    for j in range(fp.n_launch):  # a column per task, so more tasks keep these draws
        ready_s[:, j] = scale_s + (
            draw(s.compute.task_start_s, launch, n)
            + draw(s.compute.target_healthy_s, launch, n))
    if s.dns.primary_share < 1:
        standby_at_s = np.zeros(n)
    else:
        standby_at_s = np.where(standby_ready_s <= 0.0, 0.0, dns_s + standby_ready_s)
    capacity_ready_s = ready_s.max(axis=1) if fp.n_launch else np.zeros(n)
    if s.compute.standby_tasks:
        capacity_ready_s = np.maximum(capacity_ready_s, standby_at_s)
    starts = capacity.task_starts(s.compute.standby_tasks, standby_at_s, ready_s)
    return standby_ready_s, standby_at_s, capacity_ready_s, starts


def _data_loss(plan, n: int, st) -> dict:
    """RPO and lost writes per datastore (:func:`drsim.sim.replication.data_loss`). [s], [-]"""
    cols = {}
    for ds in plan.recovery_datastores:
        window_s = _window_s(ds, n, st(f"datastore.{ds.name}"))
        if loses_primary_data(plan.scenario.failure.mode, ds.kind):
            cols[f"rpo_s.{ds.name}"] = window_s
            cols[f"lost_writes.{ds.name}"] = window_s * ds.write_rate_per_s
        else:
            cols[f"rpo_s.{ds.name}"] = np.zeros(n)
            cols[f"lost_writes.{ds.name}"] = np.zeros(n)
    return cols


def _recovery(fp: FastPlan, n: int, st, dns_s, db_writable_s, starts):
    """``(first_success_s, rto_s)`` (:func:`drsim.sim.traffic.recovery_s` with no primary
    still serving). [s]"""
    if fp.moving == 0:
        return np.zeros(n), np.zeros(n)
    dns = fp.plan.scenario.dns
    if fp.k_first != 1:  # pragma: no cover - one client is always a positive share
        raise AssertionError(f"the first client served needs {fp.k_first} clients")
    ranked = fp.k_rto is not None and fp.k_rto >= 1
    first_delay_s, kth_delay_s = clients.delays(dns, fp.k_rto if ranked else 1, n, st)
    if fp.k_rto is None:
        kth_cut_s = np.full(n, INF)
    elif fp.k_rto <= 0:
        kth_cut_s = np.zeros(n)
    else:
        kth_cut_s = dns_s + kth_delay_s
    rto_s = np.maximum(np.maximum(db_writable_s, kth_cut_s),
                       capacity.time_to_tasks(starts, fp.j_rto))
    first_s = np.maximum(np.maximum(db_writable_s, dns_s + first_delay_s),
                         capacity.time_to_tasks(starts, fp.j_first))
    return first_s, rto_s


def _probe(fp: FastPlan, n: int, st, dns_s, db_writable_s, starts):
    """``probe_rto_s`` (:func:`drsim.sim.probe.probe_served_s`). [s]"""
    s = fp.plan.scenario
    rng = st("probe")
    cache_phase, attempt_phase, u = rng.random(n), rng.random(n), rng.random(n)
    writable_s = db_writable_s if s.probe.writes else np.zeros(n)
    eligible_s = np.maximum(dns_s + cache_phase * s.dns.ttl_s, writable_s)
    return capacity.probe_served_s(eligible_s=eligible_s, starts=starts, shares=fp.task_shares,
                                   interval_s=s.probe.interval_s, attempt_phase=attempt_phase,
                                   luck=1.0 - u)


def _phases(detected_s, decided_s, runbook_end_s, rto_s, signalled_s) -> dict:
    """:func:`drsim.rules.phase_durations` over arrays, inf where it gives inf. [s]"""
    with np.errstate(invalid="ignore"):
        cutover = np.where(np.isfinite(rto_s),
                           np.maximum(rto_s - np.maximum(runbook_end_s, decided_s), 0.0), rto_s)
        lag = np.where(signalled_s != detected_s, signalled_s - detected_s, 0.0)
        decide = np.where(np.isinf(decided_s) & np.isinf(signalled_s), INF,
                          decided_s - signalled_s)
        recover = np.where(np.isinf(runbook_end_s) & np.isinf(decided_s), INF,
                           runbook_end_s - decided_s)
    return {"detect_s": detected_s, "alarm_lag_s": lag, "decide_s": decide,
            "recover_s": recover, "cutover_s": cutover}


def _window_s(ds, n: int, rng) -> np.ndarray:
    """The data-loss window at the fault (:func:`drsim.sim.replication.draw_window_s`). [s]"""
    if ds.kind == "backup":
        age_s = rng.uniform(0.0, ds.interval_s, n)
        copy_s = draw(ds.copy_s, rng, n)
        late = copy_s > age_s  # the newest copy is not there yet: an older backup
        return np.where(late, age_s + ds.interval_s * np.ceil((copy_s - age_s) / ds.interval_s),
                        age_s)
    return draw(ds.simulated_lag_s, rng, n)


def chunk_index(start: int, chunk_trials: int) -> int:
    """The index of the chunk that starts at trial ``start``. [-]"""
    if start % chunk_trials:
        raise ValueError(f"a chunk starts at a multiple of {chunk_trials}, not at {start}")
    return start // chunk_trials


