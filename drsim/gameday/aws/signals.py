"""What each AWS poller's answers say happened, as timeline events on the UTC clock.

Every function here takes one API's polls (:class:`~drsim.gameday.aws.raw.Poll`,
sorted, exact repeats dropped) and returns :class:`Signal` rows with Unix epoch
seconds; :mod:`drsim.gameday.aws.convert` puts them on the fault's clock. The
same item seen by many polls (an alarm's history, an execution's events, a
checker's latest check) counts once. Where an API gives the moment itself (a
check's ``CheckedTime``, an alarm's ``Timestamp``, an execution event's
``timestamp``, an RDS event's ``Date``) that is the time; where only a state is
polled (target health, the global cluster's writer, the DNS answer) the time is
the first poll that saw it, later than the moment by up to the poll interval.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from drsim.gameday.aws.raw import Poll, epoch_s
from drsim.rules import endpoint_healthy


@dataclass(frozen=True)
class Signal:
    """One event on the UTC clock: ``t`` in Unix epoch seconds. [s]"""

    t: float
    event: str
    component: str = ""
    detail: str = ""


# --- Route 53 ------------------------------------------------------------------------


def _checks(polls: list[Poll], health_check_id: str) -> dict[tuple[str, str], list[tuple]]:
    """Per checker ``(Region, IPAddress)``: its distinct checks ``(t, failed, status)``."""
    checks: dict[tuple[str, str], dict[float, tuple]] = {}
    for p in polls:
        if p.request.get("HealthCheckId") != health_check_id:
            continue
        for obs in p.response.get("HealthCheckObservations", []):
            report = obs.get("StatusReport") or {}
            if "CheckedTime" not in report:
                continue
            t = epoch_s(report["CheckedTime"], f"{p.where}: StatusReport.CheckedTime")
            status = str(report.get("Status", ""))
            key = (str(obs.get("Region", "")), str(obs.get("IPAddress", "")))
            checks.setdefault(key, {})[t] = (t, status.startswith("Failure"), status)
    return {k: sorted(v.values()) for k, v in checks.items()}


def _checker_flips(checks: list[tuple], interval_s: float, threshold: int) -> list[tuple]:
    """``(t, healthy)`` each time one checker changes its mind: after ``threshold``
    consecutive checks the other way (Route 53's failure threshold, used both ways).

    Consecutive is counted in check intervals since the streak began, so a check the
    poller did not see (polled slower than the checks ran) still counts.
    """
    flips, healthy, streak_t = [], True, None
    for t, failed, _ in checks:
        if failed == (not healthy):  # agrees with the current state: no streak against it
            streak_t = None
            continue
        streak_t = t if streak_t is None else streak_t
        if round((t - streak_t) / interval_s) + 1 >= threshold:
            healthy = not healthy
            flips.append((t, healthy))
            streak_t = None
    return flips


def health_check_signals(polls: list[Poll], health_check_id: str, *, interval_s: float,
                         failure_threshold: int, healthy_fraction: float,
                         fault_t: float) -> list[Signal]:
    """``check_failed`` (each checker's first failed check after the fault),
    ``checker_unhealthy`` and ``unhealthy_declared``: the moment the share of checkers
    still saying healthy falls to ``healthy_fraction`` (Route 53's rule,
    :func:`drsim.rules.endpoint_healthy`, over the checkers the observations name).

    interval_s : the health check's request interval. [s]
    failure_threshold : consecutive checks that flip a checker. [-]
    """
    checks = _checks(polls, health_check_id)
    out: list[Signal] = []
    flips: list[tuple] = []
    for (region, ip), seq in checks.items():
        name = f"{region} {ip}".strip()
        failed = [(t, s) for t, f, s in seq if f and t >= fault_t]
        if failed:  # the status's first sentence; the rest is a link to the firewall docs
            out.append(Signal(failed[0][0], "check_failed", name,
                              failed[0][1].split(". ", 1)[0]))
        for t, healthy in _checker_flips(seq, interval_s, failure_threshold):
            flips.append((t, healthy, name))
            if not healthy and t >= fault_t:
                out.append(Signal(t, "checker_unhealthy", name, f"{failure_threshold} failed checks"))
    n, unhealthy = len(checks), set()
    for t, healthy, name in sorted(flips):
        (unhealthy.discard if healthy else unhealthy.add)(name)
        if t >= fault_t and not endpoint_healthy(n - len(unhealthy), n, healthy_fraction):
            out.append(Signal(t, "unhealthy_declared", "health_check",
                              f"{n - len(unhealthy)} of {n} checkers healthy"))
            break
    return out


def dns_signals(polls: list[Poll], record_name: str, secondary_answers: set[str],
                fault_t: float, secondary: str) -> list[Signal]:
    """``dns_switched``: the first TestDNSAnswer after the fault that answers the
    service name with the secondary (an answer in ``secondary_answers``)."""
    want = record_name.rstrip(".").lower()
    for p in polls:
        if p.t < fault_t or str(p.request.get("RecordName", "")).rstrip(".").lower() != want:
            continue
        data = {str(d).rstrip(".").lower() for d in p.response.get("RecordData", [])}
        if data & secondary_answers:
            return [Signal(p.t, "dns_switched", "dns",
                           f"{secondary} (route53.TestDNSAnswer: {', '.join(sorted(data))})")]
    return []


# --- CloudWatch -----------------------------------------------------------------------


def _new_state(item: dict) -> str:
    try:
        return str(json.loads(item.get("HistoryData") or "{}")["newState"]["stateValue"])
    except (ValueError, KeyError, TypeError):
        # The summary reads "Alarm updated from OK to ALARM".
        m = re.search(r"to (\w+)\s*$", str(item.get("HistorySummary", "")))
        return m.group(1) if m else ""


def _alarm_item(item: dict, fault_t: float, where: str) -> Signal | None:
    """An alarm history item as an event: a StateUpdate to ALARM is ``alarm``; an
    SNS action the alarm ran (the page it sent) is ``paged``."""
    t = epoch_s(item.get("Timestamp"), f"{where}: AlarmHistoryItems.Timestamp")
    kind, summary = item.get("HistoryItemType"), str(item.get("HistorySummary", ""))
    if t < fault_t:
        return None
    if kind == "StateUpdate" and _new_state(item) == "ALARM":
        return Signal(t, "alarm", str(item.get("AlarmName", "")), summary)
    if kind == "Action" and summary.startswith("Successfully executed") and ":sns:" in summary:
        return Signal(t, "paged", "on_call", f"{item.get('AlarmName', '')}: {summary}")
    return None


def alarm_signals(polls: list[Poll], fault_t: float) -> list[Signal]:
    """``alarm``: each StateUpdate to ALARM after the fault (component: the alarm);
    ``paged``: the first page an alarm's SNS action sent (the on-call's signal)."""
    seen, out = set(), []
    for p in polls:
        for item in p.response.get("AlarmHistoryItems", []):
            signal = _alarm_item(item, fault_t, p.where)
            if signal is None or (signal.event, signal.component, signal.t) in seen:
                continue
            if signal.event == "paged" and any(s.event == "paged" for s in out):
                continue
            seen.add((signal.event, signal.component, signal.t))
            out.append(signal)
    return out


# --- Step Functions -------------------------------------------------------------------


def execution_events(polls: list[Poll], fault_t: float) -> list[dict]:
    """The history of the first execution that started after the fault, by event id."""
    by_exec: dict[str, dict[int, dict]] = {}
    for p in polls:
        arn = str(p.request.get("executionArn", ""))
        for ev in p.response.get("events", []):
            e = dict(ev, t=epoch_s(ev.get("timestamp"), f"{p.where}: events.timestamp"))
            by_exec.setdefault(arn, {})[int(ev["id"])] = e
    started = sorted((e["t"], arn) for arn, evs in by_exec.items() for e in evs.values()
                     if e.get("type") == "ExecutionStarted" and e["t"] >= fault_t)
    if not started:
        return []
    events = by_exec[started[0][1]]
    return [events[i] for i in sorted(events)]


def step_of(state_name: str, steps: tuple[str, ...]) -> str | None:
    """The runbook step a state belongs to: the state ``promote_database`` or one of
    its helpers ``promote_database: wait`` (infra/'s naming); None for others."""
    head = state_name.split(":", 1)[0].strip()
    return head if head in steps else None


def _entered_state(events: dict[int, dict], ev: dict) -> str:
    """The state an event happened in: follow ``previousEventId`` back to its entry."""
    while ev is not None:
        details = ev.get("stateEnteredEventDetails")
        if details:
            return str(details.get("name", ""))
        ev = events.get(int(ev.get("previousEventId", 0) or 0))
    return ""


def runbook_signals(events: list[dict], steps: tuple[str, ...], decided_how: str) -> list[Signal]:
    """``failover_decided`` (ExecutionStarted), and per runbook step ``step_started``
    (its first state entered, and each retry's TaskScheduled), ``step_failed``
    (TaskFailed) and ``step_finished`` (its last state exited)."""
    by_id = {int(e["id"]): e for e in events}
    out, first, last, failed = [], {}, {}, set()
    for e in events:
        kind, t = e.get("type", ""), e["t"]
        if kind == "ExecutionStarted":
            out.append(Signal(t, "failover_decided", "stepfunctions", decided_how))
            continue
        name = _entered_state(by_id, e)
        step = step_of(name, steps)
        if step is None:
            continue
        if kind.endswith("StateEntered"):
            first.setdefault(step, t)
        elif kind.endswith("StateExited"):
            last[step] = t
        elif kind == "TaskFailed":
            failed.add(step)
            err = (e.get("taskFailedEventDetails") or {}).get("error", "")
            out.append(Signal(t, "step_failed", step, f"{name}: {err}"))
        elif kind == "TaskScheduled" and step in failed:
            failed.discard(step)
            out.append(Signal(t, "step_started", step, f"{name}: retry"))
    out += [Signal(t, "step_started", s, "") for s, t in first.items()]
    out += [Signal(t, "step_finished", s, "") for s, t in last.items()]
    return out


# --- the secondary's capacity: ELB target health, ECS --------------------------------


def target_signals(polls: list[Poll], target_group_arn: str, required_tasks: int,
                   fault_t: float, secondary: str) -> list[Signal]:
    """``task_healthy`` for each target first seen healthy after the fault that was not
    healthy at the fault, and ``capacity_ready`` at the first poll with
    ``required_tasks`` healthy targets."""
    out, healthy_before, seen = [], None, set()
    for p in polls:
        if p.request.get("TargetGroupArn") != target_group_arn:
            continue
        healthy = {str((d.get("Target") or {}).get("Id", ""))
                   for d in p.response.get("TargetHealthDescriptions", [])
                   if (d.get("TargetHealth") or {}).get("State") == "healthy"}
        if p.t < fault_t:
            healthy_before = healthy
            continue
        if healthy_before is None:
            healthy_before = healthy  # the first poll after the fault stands for the fault
        for target in sorted(healthy - healthy_before - seen):
            seen.add(target)
            out.append(Signal(p.t, "task_healthy", target, secondary))
        if len(healthy) >= required_tasks and not any(s.event == "capacity_ready" for s in out):
            out.append(Signal(p.t, "capacity_ready", secondary,
                              f"{len(healthy)} healthy targets (elbv2.DescribeTargetHealth)"))
    return out


def ecs_signals(polls: list[Poll], service: str, required_tasks: int, fault_t: float,
                secondary: str) -> list[Signal]:
    """``capacity_ready`` from ECS alone (when target health was not polled): the first
    poll after the fault with ``required_tasks`` running."""
    for p in polls:
        for svc in p.response.get("services", []):
            if service not in (svc.get("serviceName"), svc.get("serviceArn")) or p.t < fault_t:
                continue
            if int(svc.get("runningCount", 0)) >= required_tasks:
                return [Signal(p.t, "capacity_ready", secondary,
                               f"{svc['runningCount']} tasks running (ecs.DescribeServices)")]
    return []


# --- Aurora global database ------------------------------------------------------------

_COMPLETED = re.compile(r"global (failover|switchover)\b.*\bcompleted", re.IGNORECASE)


def rds_event_signals(polls: list[Poll], fault_t: float, secondary: str) -> list[Signal]:
    """``database_writable`` at each RDS event announcing a global failover (or
    switchover) completed, at its ``Date``."""
    out = []
    for p in polls:
        for ev in p.response.get("Events", []):
            t = epoch_s(ev.get("Date"), f"{p.where}: Events.Date")
            if t >= fault_t and _COMPLETED.search(str(ev.get("Message", ""))):
                out.append(Signal(t, "database_writable", secondary, f"rds event: {ev['Message']}"))
    return out


def writer_signals(polls: list[Poll], *, global_cluster_id: str, secondary_cluster_arn: str,
                   fault_t: float, secondary: str) -> list[Signal]:
    """``database_writable`` at the first DescribeGlobalClusters poll after the fault
    that names the secondary cluster the global database's writer."""
    for p in polls:
        if p.t < fault_t:
            continue
        for gc in p.response.get("GlobalClusters", []):
            if gc.get("GlobalClusterIdentifier") != global_cluster_id:
                continue
            writer = [m for m in gc.get("GlobalClusterMembers", []) if m.get("IsWriter")]
            if writer and writer[0].get("DBClusterArn") == secondary_cluster_arn:
                return [Signal(p.t, "database_writable", secondary,
                               "rds.DescribeGlobalClusters: the secondary cluster is the writer")]
    return []


def earliest(signals: list[Signal]) -> list[Signal]:
    """The earliest of several pieces of evidence for one moment (none: none)."""
    return [min(signals, key=lambda s: s.t)] if signals else []


# --- FIS --------------------------------------------------------------------------------


def fault_signal(polls: list[Poll], fault_t: float, kind: str) -> Signal:
    """``fault_injected`` at ``fault_t``, described from the experiment when polled."""
    for p in polls:
        exp = p.response.get("experiment") or {}
        if exp.get("startTime"):
            actions = ", ".join(sorted({str(a.get("actionId", "")) for a in
                                        (exp.get("actions") or {}).values()}))
            return Signal(fault_t, "fault_injected", "fis",
                          f"{kind}: experiment {exp.get('id', '')} ({actions})")
    return Signal(fault_t, "fault_injected", "fis",
                  f"{kind}: at the manifest's fault_injected_utc (no fis.GetExperiment lines)")
