"""One trial: a regional failure and the failover after it, as SimPy processes.

Time 0 is the fault; idle time before it is never simulated. Every random
value except the health checkers' is drawn before the processes run, always
in the same order and number, so two configurations that differ in one
setting see the same draws for everything else (common random numbers) and
each trial is reproducible from its own generator alone. The delays that act
only after the processes (DNS propagation, the standby's readiness) are drawn
after them, so that giving them a distribution leaves every other draw where
it was. The external probe's two phases come last of all, so adding the probe
changed no other figure of a trial: keep them last.

Health checking stops once the runbook is done and the DNS record names the
secondary for the rest of the trial: pinned by a ``switch_traffic`` step, or
declared unhealthy where it cannot fail back (``dns.failback: manual``, a fault
whose every check fails, or an old primary fenced, whose checks then all fail).
With automatic failback of an unfenced brownout and nothing to pin the record,
checking stops at the first declaration after the runbook, and later flaps are
not simulated (an assumption: the state at that moment holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from drsim.rules import phase_durations
from drsim.scenario.model import RELATIONAL_KINDS
from drsim.sim.alarm import alarm, alarm_delay_s, periods_to_alarm
from drsim.sim.capacity import draw_launch_s, standby_healthy_s
from drsim.sim.decision import decision
from drsim.sim.dnsrecord import record_intervals, unfenced_primary_s
from drsim.sim.faults import alarm_sight, check_behaviour, primary_served_share
from drsim.sim.health import Route53HealthCheck
from drsim.sim.probe import capacity_steps, probe_served_s
from drsim.sim.replication import data_loss, draw_window_s
from drsim.sim.runbook import Runbook, draw_step, topological
from drsim.sim.traffic import draw_clients, recovery_s

INF = math.inf
WRITABLE_ACTIONS = ("promote_database", "restore_database")
DEFAULT_HORIZON_S = 30 * 86400.0


@dataclass(frozen=True, slots=True)
class _Draws:
    windows_s: tuple[float, ...]
    clients: object
    alarm_delay_s: float
    ack_s: float
    decide_s: float
    steps: dict
    launch_s: np.ndarray


@dataclass(frozen=True, slots=True)
class _LateDraws:
    propagation_s: float
    standby_ready_s: float


class TrialPlan:
    """Everything about a scenario that does not change between trials, and :meth:`run`.

    Parameters
    ----------
    scenario : drsim.Scenario
    horizon_s : a trial stops here; what has not happened by then never happens. [s]
    """

    def __init__(self, scenario, horizon_s: float = DEFAULT_HORIZON_S):
        self.scenario = scenario
        self.horizon_s = horizon_s
        self.steps = topological(scenario.runbook)
        self.check = check_behaviour(scenario)
        self.alarm_sight = alarm_sight(scenario)
        self.primary_share = primary_served_share(scenario)
        self.writable_steps = [s.name for s in self.steps if s.action in WRITABLE_ACTIONS]
        self.scale_steps = [s.name for s in self.steps if s.action == "scale_standby"]
        self.switch_steps = [s.name for s in self.steps if s.action == "switch_traffic"]
        self.fence_steps = [s.name for s in self.steps if s.action == "fence_primary"
                            or (s.action == "promote_database" and s.fences_primary)]
        # Only a check that sometimes passes (a brownout) can declare the primary
        # healthy again, and so flap.
        self.can_flap = 0 < self.check.p_fail < 1
        # Backups matter to a failover only when it restores from them; otherwise
        # the data comes from the replicas and backups guard against other losses.
        restores = any(s.action == "restore_database" for s in self.steps)
        self.recovery_datastores = [ds for ds in scenario.datastores
                                    if ds.kind != "backup" or restores]
        self.columns = self._columns()

    def _columns(self) -> list[str]:
        cols = ["health_detect_s", "alarm_s", "detect_s", "decided_s", "runbook_done_s",
                "db_writable_s", "capacity_ready_s", "dns_switched_s", "first_success_s",
                "rto_s", "probe_rto_s", "alarm_lag_s", "decide_s", "recover_s", "cutover_s",
                "dns_propagation_s", "standby_ready_s", "fenced_s", "flaps"]
        for step in self.steps:
            cols += [f"step.{step.name}.start_s", f"step.{step.name}.end_s",
                     f"step.{step.name}.attempts"]
        for ds in self.recovery_datastores:
            cols += [f"rpo_s.{ds.name}", f"lost_writes.{ds.name}"]
        return cols

    def _draw(self, rng) -> _Draws:
        s = self.scenario
        windows = tuple(draw_window_s(ds, rng) for ds in self.recovery_datastores)
        clients = draw_clients(s.dns, rng)
        # Drawn whether or not the alarm can see the fault (common random numbers).
        delay = alarm_delay_s(period_s=s.alarm.period_s,
                              datapoints_to_alarm=s.alarm.datapoints_to_alarm,
                              phase_s=rng.uniform(0.0, s.alarm.period_s),
                              metric_delay_s=float(s.alarm.metric_delay_s.sample(rng)))
        delay = self._alarm_s(delay, rng)
        ack = float(s.decision.page_ack_s.sample(rng))
        decide = float(s.decision.decide_s.sample(rng))
        steps = {step.name: draw_step(step, rng) for step in self.steps}
        launch = draw_launch_s(s.compute, rng)
        return _Draws(windows, clients, delay, ack, decide, steps, launch)

    def _alarm_s(self, delay_s: float, rng) -> float:
        """The alarm's delay where every period breaches (``delay_s``), for what the
        alarm sees of the fault: inf if nothing, a period later on missing data, and
        later still where a period breaches only by chance (a canary in a brownout). [s]"""
        sight, a = self.alarm_sight, self.scenario.alarm
        if not sight.fires:
            return INF
        delay_s += sight.late_periods * a.period_s
        if sight.breach_probability < 1:
            # Its own stream (the trial's, jumped ahead): the breaches drawn depend on
            # the outcome, and every draw from ``rng`` stays where it was.
            k = periods_to_alarm(
                breach_probability=sight.breach_probability,
                datapoints_to_alarm=a.datapoints_to_alarm, evaluation_periods=a.evaluation_periods,
                rng=np.random.Generator(rng.bit_generator.jumped()),
                max_periods=math.ceil(self.horizon_s / a.period_s))
            delay_s += (k - a.datapoints_to_alarm) * a.period_s
        return delay_s

    def run(self, rng: np.random.Generator, log=None) -> dict:
        """Simulate one trial; returns one row (see ``self.columns``).

        Parameters
        ----------
        rng : the trial's own generator.
        log : callable ``log(t_s, event, component, detail)`` to record the
            event timeline, or None.
        """
        s, d = self.scenario, self._draw(rng)
        env = simpy.Environment()
        if log:
            log(0.0, "fault_injected", s.regions.primary, s.failure.mode)
        hc = s.health_check
        health = Route53HealthCheck(
            env, checkers=hc.checkers, interval_s=hc.interval_s,
            failure_threshold=hc.failure_threshold, healthy_fraction=hc.healthy_fraction,
            p_fail=self.check.p_fail, result_delay_s=self.check.result_delay_s, rng=rng, log=log)
        alarmed = env.process(alarm(env, d.alarm_delay_s, log))
        decided = env.process(decision(
            env, mode=s.decision.mode, trigger=s.decision.trigger, detected=health.declared,
            alarmed=alarmed, ack_s=d.ack_s, decide_s=d.decide_s, log=log))
        runbook = Runbook(env, self.steps, d.steps, start=decided, log=log)
        if self.fence_steps:
            env.process(self._fence(env, runbook, health))
        env.process(self._stop_checking(runbook, health))
        env.run(until=self.horizon_s)
        late = _LateDraws(propagation_s=float(s.dns.propagation_s.sample(rng)),
                          standby_ready_s=float(s.compute.standby_ready_s.sample(rng)))
        # The last draws of a trial (see the module's docstring): the probe's cache and
        # attempt phases, then its luck with partial capacity (drsim.sim.probe).
        probe_phases = rng.random(3)
        return self._record(d, late, health, alarmed, decided, runbook, log, probe_phases)

    def _fence(self, env, runbook, health):
        # The first fence to finish fences the old primary; it then fails every check.
        yield simpy.AnyOf(env, [runbook.finished[name] for name in self.fence_steps])
        health.fence()

    def _stop_checking(self, runbook, health):
        # Once the runbook is over, later checks can only matter if the failover
        # record is still the one thing that can move DNS (see the module docstring).
        yield runbook.done
        if self.scenario.dns.routing == "failover" and not self.switch_steps:
            if self.scenario.dns.failback == "manual" or not self.can_flap:
                yield health.declared
            else:
                while not health.unhealthy:
                    yield health.next_declared
        health.stop()

    def _record_of(self, health, ends, propagation_s: float):
        """When the DNS record names the secondary (:func:`record_intervals`). [s]"""
        dns = self.scenario.dns
        declared, recovered = health.declarations_s()
        if dns.routing != "failover":
            declared, recovered = [], []
        elif dns.failback == "manual":
            declared, recovered = declared[:1], []
        pin_s = min((ends.get(n, INF) for n in self.switch_steps), default=INF)
        return record_intervals(declared_s=declared, recovered_s=recovered, pin_s=pin_s,
                                propagation_s=propagation_s)

    def _record(self, d: _Draws, late: _LateDraws, health, alarmed, decided, runbook,
                log, probe_phases) -> dict:
        s = self.scenario
        value = _time_of
        health_s, alarm_s, decided_s = value(health.declared), value(alarmed), value(decided)
        ends = runbook.finished_s
        runbook_done_s = max(ends.values()) if len(ends) == len(self.steps) and ends else (
            decided_s if not self.steps else INF)
        db_writable_s = max((ends.get(n, INF) for n in self.writable_steps), default=0.0)
        scale_s = min((ends.get(n, INF) for n in self.scale_steps), default=INF)
        fenced_s = min((ends.get(n, INF) for n in self.fence_steps), default=INF)
        record = self._record_of(health, ends, late.propagation_s)
        ready_s = scale_s + d.launch_s
        flips = [ends.get(n, INF) for n in self.switch_steps]
        if s.dns.routing == "failover":
            flips.append(health_s)
        dns_s = min(flips, default=INF) + late.propagation_s
        standby_at_s = standby_healthy_s(
            dns_switched_s=dns_s, standby_ready_s=late.standby_ready_s,
            serves_before_fault=s.dns.primary_share < 1)
        capacity_ready_s = float(ready_s.max()) if len(ready_s) else 0.0
        if s.compute.standby_tasks:
            capacity_ready_s = max(capacity_ready_s, standby_at_s)
        first_s, rto_s = recovery_s(
            clients=d.clients, flip_s=dns_s, db_writable_s=db_writable_s, compute=s.compute,
            ready_s=ready_s, recovered_fraction=s.objectives.recovered_fraction,
            primary_served_share=self.primary_share, standby_at_s=standby_at_s,
            record=record, fenced_s=fenced_s)
        row = {
            "health_detect_s": health_s, "alarm_s": alarm_s,
            "decided_s": decided_s, "runbook_done_s": runbook_done_s,
            "db_writable_s": db_writable_s, "capacity_ready_s": capacity_ready_s,
            "dns_switched_s": dns_s,
            "probe_rto_s": self._probe_s(dns_s, db_writable_s, probe_phases, capacity_steps(
                compute=s.compute, ready_s=ready_s, standby_at_s=standby_at_s,
                clients=d.clients)),
            **phase_durations(detected_s=min(health_s, alarm_s), decided_s=decided_s,
                              runbook_end_s=runbook_done_s, recovered_s=rto_s,
                              first_success_s=first_s,
                              signalled_s=self._signal_s(health_s, alarm_s, decided_s)),
            "dns_propagation_s": late.propagation_s,
            # What the standby's readiness added: none where it served before the fault.
            "standby_ready_s": late.standby_ready_s if 0 < standby_at_s < INF else 0.0,
            "fenced_s": fenced_s, "flaps": health.flaps,
        }
        for step in self.steps:
            row[f"step.{step.name}.start_s"] = runbook.started_s.get(step.name, INF)
            row[f"step.{step.name}.end_s"] = ends.get(step.name, INF)
            row[f"step.{step.name}.attempts"] = runbook.attempts.get(step.name, 0)
        self._data_loss(row, d, record, db_writable_s, fenced_s)
        if log:
            self._log_outcome(log, row, ready_s, standby_at_s)
        return row

    def _data_loss(self, row, d: _Draws, record, db_writable_s: float, fenced_s: float) -> None:
        """RPO and lost writes per datastore, into ``row``: replication lag at the fault,
        and in a brownout the writes the unfenced old primary takes after the promotion."""
        diverged = None
        if self.primary_share > 0:  # the old primary still takes writes
            diverged = unfenced_primary_s(d.clients.delay_s, record, db_writable_s, fenced_s)
        for ds, window_s in zip(self.recovery_datastores, d.windows_s):
            rpo, lost = data_loss(ds, self.scenario.failure.mode, window_s)
            if diverged is not None and len(diverged[0]) and ds.kind in RELATIONAL_KINDS:
                # Each client carries 1/clients of the write rate, and the old primary
                # acknowledges primary_share of its writes.
                time_s, last_s = diverged
                rpo = max(rpo, float(last_s.max()))
                lost += (ds.write_rate_per_s * self.primary_share * float(time_s.sum())
                         / d.clients.total)
            row[f"rpo_s.{ds.name}"] = rpo
            row[f"lost_writes.{ds.name}"] = lost

    def _probe_s(self, dns_s, db_writable_s, phases, steps) -> float:
        """The external probe's recovery (``probe_rto_s``) from the moments of the trial. [s]"""
        s = self.scenario
        return probe_served_s(
            flip_s=dns_s, db_writable_s=db_writable_s if s.probe.writes else 0.0,
            steps=steps, ttl_s=s.dns.ttl_s, interval_s=s.probe.interval_s,
            cache_phase=float(phases[0]), attempt_phase=float(phases[1]),
            luck=1.0 - float(phases[2]))

    def _signal_s(self, health_s: float, alarm_s: float, decided_s: float) -> float | None:
        """The alarm, when the decision waited for it: an automatic failover on the
        alarm, or people paged by it (also when the automatic trigger never fired);
        None when the decision followed the health check. [s]"""
        d = self.scenario.decision
        if d.mode == "automatic" and d.trigger == "health_check" and health_s <= decided_s:
            return None
        return alarm_s

    def _log_outcome(self, log, row, ready_s, standby_at_s) -> None:
        s = self.scenario
        if math.isfinite(row["db_writable_s"]):
            log(row["db_writable_s"], "database_writable", s.regions.secondary, "")
        if standby_at_s > 0 and math.isfinite(standby_at_s):
            for k in range(s.compute.standby_tasks):
                log(standby_at_s, "task_healthy", f"standby-{k}", s.regions.secondary)
        for k, t in enumerate(np.sort(ready_s)):
            if math.isfinite(t):
                log(float(t), "task_healthy", f"task-{k}", s.regions.secondary)
        if math.isfinite(row["capacity_ready_s"]):
            log(row["capacity_ready_s"], "capacity_ready", s.regions.secondary,
                f"{s.compute.required_tasks} tasks")
        if math.isfinite(row["fenced_s"]):
            log(row["fenced_s"], "primary_fenced", s.regions.primary, "")
        if math.isfinite(row["dns_switched_s"]):
            log(row["dns_switched_s"], "dns_switched", "dns", s.regions.secondary)
        if math.isfinite(row["first_success_s"]):
            log(row["first_success_s"], "first_success", "clients", "")
        if math.isfinite(row["rto_s"]):
            log(row["rto_s"], "recovered", "clients",
                f"{s.objectives.recovered_fraction:g} of the affected clients served")
        if math.isfinite(row["probe_rto_s"]):
            log(row["probe_rto_s"], "probe_recovered", "probe",
                f"served; one attempt every {s.probe.interval_s:g} s")
        for ds in self.recovery_datastores:
            lost, window_s = row[f"lost_writes.{ds.name}"], row[f"rpo_s.{ds.name}"]
            if window_s > 0:
                # Unreplicated writes are lost at the fault; writes the old primary
                # takes after the promotion (a brownout) from then on.
                diverged = self.primary_share > 0 and ds.kind in RELATIONAL_KINDS
                log(row["db_writable_s"] if diverged else 0.0, "write_lost", ds.name,
                    f"{lost:.1f} writes lost over a {window_s:.3f} s window")


def _time_of(event) -> float:
    """The time an event fired with as its value, or inf if it never fired. [s]"""
    return float(event.value) if event.triggered and event.ok else INF
