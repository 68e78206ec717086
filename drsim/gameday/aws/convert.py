"""One AWS game day's raw record -> the shared timeline (``source: aws``) and its figures.

The mapping (each signal's reading is in :mod:`drsim.gameday.aws.signals`):

====================================  =================================================
FIS experiment ``startTime``          ``fault_injected`` (t = 0)
a checker's first failed check        ``check_failed`` (component: checker region + IP)
Route 53's 18 % rule over checkers    ``checker_unhealthy``, ``unhealthy_declared``
alarm StateUpdate to ALARM            ``alarm`` (component: the alarm)
the alarm's SNS action (its page)     ``paged``
Step Functions ExecutionStarted       ``failover_decided`` (``automatic (TRIGGER)``)
a step's states entered / exited      ``step_started`` / ``step_finished`` (component:
                                      the runbook step), TaskFailed ``step_failed``
Aurora global failover completed      ``database_writable`` (RDS event or writer change)
secondary targets healthy             ``task_healthy``, ``capacity_ready`` (ELB, else ECS)
TestDNSAnswer names the secondary     ``dns_switched`` (else the probe's first answer)
probe fleet's journals                ``first_success``, ``recovered``, ``probe_recovered``
                                      (:mod:`drsim.gameday.measure`, the local rules)
acked writes vs the promoted database ``write_lost`` (:mod:`drsim.gameday.reconcile`)
====================================  =================================================

Phases come from the timeline by :func:`drsim.timeline.phases`, as for every
source. A phase whose poller did not run is NaN, and the run's ``unmeasured``
says which record it needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import pandas as pd

from drsim.errors import DrsimError
from drsim.gameday.aws import signals as sig
from drsim.gameday.aws.raw import RawRun
from drsim.gameday.measure import client_recovery_s, probe_recovery_s, recovery_times
from drsim.gameday.reconcile import Reconciliation, reconcile
from drsim.scenario.model import Scenario
from drsim.timeline import PHASE_COLUMNS, Event, phases, to_frame

NEEDS = {
    "detect_s": ("route53.GetHealthCheckStatus", "cloudwatch.DescribeAlarmHistory"),
    "alarm_lag_s": ("cloudwatch.DescribeAlarmHistory",),
    "decide_s": ("stepfunctions.GetExecutionHistory",),
    "recover_s": ("stepfunctions.GetExecutionHistory",),
    "cutover_s": ("stepfunctions.GetExecutionHistory", "probe/journal.csv"),
    "first_success_s": ("probe/journal.csv",),
    "rto_s": ("probe/journal.csv",),
    "probe_rto_s": ("probe/probe.csv",),
    "rpo_s": ("probe/acked.csv", "database/present.csv"),
}
"""Each measured figure and the records it is read from (a poller's api or a file)."""


@dataclass(frozen=True, eq=False, repr=False)
class AwsRunSummary:
    """One AWS run in figures; times are seconds since the fault, NaN when the moment
    never came or was not recorded (``unmeasured`` says which). [s]

    fault : the AWS fault kind (``region_isolation``, ...); ``failure_mode`` the
        scenario's mode it plays.
    detect_s ... rto_s, probe_rto_s : as :class:`drsim.gameday.local.run.RunSummary`'s.
    clients : the probe fleet's clients; ``clients_served_by_secondary`` of them. [-]
    rpo_s, lost_writes, writes : the write accounting (NaN / None without the
        promoted database's dump).
    wall_s : the record's span, first to last poll or journal line. [s]
    unmeasured : figure -> why it is NaN (which record was missing or silent).
    provenance : ``recorded`` or ``constructed: ...`` (the manifest's).
    """

    run_id: str
    fault: str
    failure_mode: str
    recovered: bool
    detect_s: float
    decide_s: float
    recover_s: float
    cutover_s: float
    first_success_s: float
    rto_s: float
    probe_rto_s: float
    probe_attempts: int
    clients: int
    clients_served_by_secondary: int
    database_promoted: bool
    rpo_s: float
    lost_writes: int | float
    writes: dict | None
    wall_s: float
    unmeasured: dict[str, str]
    provenance: str

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __repr__(self) -> str:
        return (f"AwsRunSummary({self.run_id!r}, rto_s={self.rto_s:.1f}, "
                f"probe_rto_s={self.probe_rto_s:.1f}, detect_s={self.detect_s:.1f}, "
                f"lost_writes={self.lost_writes})")


@dataclass(frozen=True, eq=False)
class AwsRunResult:
    """One AWS run's records, shaped as a local run's so the game-day report and the
    comparison take either (:func:`drsim.gameday.write_report`,
    :func:`drsim.compare.gameday.beside_simulation`)."""

    run_id: str
    fault: str
    summary: AwsRunSummary
    timeline: pd.DataFrame = field(repr=False)
    journal: pd.DataFrame = field(repr=False)
    acked: pd.DataFrame = field(repr=False)
    probe: pd.DataFrame = field(default=None, repr=False)
    reconciliation: Reconciliation | None = field(default=None, repr=False)


def _res(raw: RawRun, key: str) -> str:
    return str(raw.resources.get(key, ""))


def _read(api: str, polls: list, extract) -> list[sig.Signal]:
    """``extract(polls)``; a response that is not the boto3 shape (a key missing, a
    list where an object belongs) becomes a DrsimError naming its file and line."""
    shape_errors = (KeyError, TypeError, ValueError, AttributeError)
    try:
        return extract(polls)
    except shape_errors as err:
        def fails(p) -> bool:
            try:
                extract([p])
            except shape_errors:
                return True
            return False

        where = next((p.where for p in polls if fails(p)), api)
        raise DrsimError(f"{where}: {api}: the response is not the boto3 shape "
                         f"({type(err).__name__}: {err})") from None


def _aws_signals(raw: RawRun, scenario: Scenario) -> list[sig.Signal]:
    """Every poller's signals (a poller absent from the record gives none)."""
    t0, secondary, hc, d = raw.fault_t, scenario.regions.secondary, scenario.health_check, \
        scenario.decision
    how = "manual" if d.mode == "manual" else f"automatic ({d.trigger})"
    required, steps = scenario.compute.required_tasks, tuple(s.name for s in scenario.runbook)

    def read(api, extract):
        return _read(api, raw.polls.get(api, []), extract)

    out = read("fis.GetExperiment", lambda ps: [sig.fault_signal(ps, t0, raw.manifest["fault"])])
    out += read("route53.GetHealthCheckStatus", lambda ps: sig.health_check_signals(
        ps, _res(raw, "health_check_id"), interval_s=hc.interval_s,
        failure_threshold=hc.failure_threshold, healthy_fraction=hc.healthy_fraction, fault_t=t0))
    out += read("cloudwatch.DescribeAlarmHistory", lambda ps: sig.alarm_signals(ps, t0))
    out += read("stepfunctions.GetExecutionHistory", lambda ps: sig.runbook_signals(
        sig.execution_events(ps, t0), steps, how))
    capacity = read("elbv2.DescribeTargetHealth", lambda ps: sig.target_signals(
        ps, _res(raw, "secondary_target_group_arn"), required, t0, secondary))
    if not any(s.event == "capacity_ready" for s in capacity):
        capacity += read("ecs.DescribeServices", lambda ps: sig.ecs_signals(
            ps, _res(raw, "secondary_ecs_service"), required, t0, secondary))
    writable = read("rds.DescribeEvents", lambda ps: sig.rds_event_signals(ps, t0, secondary))
    writable += read("rds.DescribeGlobalClusters", lambda ps: sig.writer_signals(
        ps, global_cluster_id=_res(raw, "global_cluster_id"),
        secondary_cluster_arn=_res(raw, "secondary_cluster_arn"), fault_t=t0,
        secondary=secondary))
    out += capacity + sig.earliest(writable)
    out += read("route53.TestDNSAnswer", lambda ps: sig.dns_signals(
        ps, _res(raw, "record_name"), _secondary_answers(raw), t0, secondary))
    return out


def _secondary_answers(raw: RawRun) -> set[str]:
    """The DNS answers that mean "the secondary": its ALB name and the addresses the
    run saw it resolve to (``resources.secondary_addresses``)."""
    answers = [_res(raw, "secondary_alb_dns"), *raw.resources.get("secondary_addresses", [])]
    return {str(a).rstrip(".").lower() for a in answers if a}


def _probe_dns_signal(raw: RawRun, secondary: str) -> list[sig.Signal]:
    """Without TestDNSAnswer: the probe's first attempt answered with a secondary address
    (an upper bound: the probe's cached answer lags the record by up to the TTL)."""
    pr, answers = raw.probe, _secondary_answers(raw)
    hit = pr[(pr["t_attempt"] >= raw.fault_t) & pr["address"].astype(str).str.lower().isin(answers)]
    if not len(hit):
        return []
    return [sig.Signal(float(hit["t_end"].min()), "dns_switched", "dns",
                       f"{secondary} (the probe's first answer naming it; no route53.TestDNSAnswer)")]


def _client_events(raw: RawRun, scenario: Scenario, run_id: str,
                   recovery_s: tuple[float, float, float], per_client: pd.Series) -> list[Event]:
    first_s, rto_s, probe_s = recovery_s
    secondary, clients = scenario.regions.secondary, len(per_client)
    events = []
    if not math.isnan(first_s):
        events.append(Event(run_id, "aws", first_s, "first_success", "clients",
                            f"client {int(per_client.idxmin())}"))
    if not math.isnan(rto_s):
        events.append(Event(run_id, "aws", rto_s, "recovered", "clients",
                            f"{int(per_client.notna().sum())} of {clients} clients served by "
                            f"{secondary}"))
    if not math.isnan(probe_s):
        events.append(Event(run_id, "aws", probe_s, "probe_recovered", "probe",
                            f"served by {secondary}"))
    return events


def database_name(scenario: Scenario) -> str:
    """The reconciled datastore: the scenario's Aurora global database (else its first)."""
    kinds = [ds for ds in scenario.datastores if ds.kind == "aurora_global"] or scenario.datastores
    return kinds[0].name if kinds else "database"


def convert(raw: RawRun, scenario: Scenario) -> AwsRunResult:
    """The timeline and figures of one run; ``scenario`` is the one the run played
    (its ``failure.mode`` the fault's, :func:`drsim.gameday.aws.faults.failure_mode`)."""
    run_id, t0 = str(raw.manifest["run_id"]), raw.fault_t
    secondary = scenario.regions.secondary
    signals = _aws_signals(raw, scenario)
    if not any(s.event == "dns_switched" for s in signals):
        signals += _probe_dns_signal(raw, secondary)
    clients = int(raw.manifest["probe_fleet"]["clients"])
    per_client = client_recovery_s(raw.journal, t0, clients, secondary=secondary)
    first_s, rto_s = recovery_times(per_client, scenario.objectives.recovered_fraction)
    probe_s = probe_recovery_s(raw.probe, t0, secondary=secondary)
    events = [Event(run_id, "aws", round(s.t - t0, 6), s.event, s.component, s.detail)
              for s in signals if s.t >= t0]
    events += _client_events(raw, scenario, run_id, (first_s, rto_s, probe_s), per_client)
    recon = None
    if raw.present is not None and len(raw.acked):
        recon = reconcile(raw.acked, raw.present, t0)
        events += [Event(run_id, "aws", float(w.t_s), "write_lost", database_name(scenario),
                         f"client {w.client} seq {w.seq} acknowledged by {w.region}")
                   for w in recon.lost_writes.itertuples()]
    timeline = to_frame(events)
    ph = phases(timeline).iloc[0].to_dict()
    summary = AwsRunSummary(
        run_id=run_id, fault=str(raw.manifest["fault"]), failure_mode=scenario.failure.mode,
        recovered=not math.isnan(rto_s), detect_s=ph["detect_s"], decide_s=ph["decide_s"],
        recover_s=ph["recover_s"], cutover_s=ph["cutover_s"], first_success_s=first_s,
        rto_s=rto_s, probe_rto_s=probe_s,
        probe_attempts=int((raw.probe["t_attempt"] >= t0).sum()), clients=clients,
        clients_served_by_secondary=int(per_client.notna().sum()),
        database_promoted=any(s.event == "database_writable" for s in signals),
        rpo_s=recon.rpo_s if recon else math.nan, lost_writes=recon.lost if recon else math.nan,
        writes=recon.as_dict() if recon else None, wall_s=_span_s(raw),
        unmeasured=_unmeasured(raw, {**ph, "rpo_s": recon.rpo_s if recon else math.nan}),
        provenance=str(raw.manifest.get("provenance", "recorded")))
    return AwsRunResult(run_id, summary.fault, summary, timeline, raw.journal, raw.acked,
                        raw.probe, recon)


def _span_s(raw: RawRun) -> float:
    """First to last moment in the record (polls and journal lines). [s]"""
    times = [p.t for polls in raw.polls.values() for p in polls]
    for df, cols in ((raw.journal, ("t_start", "t_end")), (raw.probe, ("t_attempt", "t_end"))):
        for c in cols:
            if len(df):
                times += [float(df[c].min()), float(df[c].max())]
    return max(times) - min(times) if times else math.nan


def _unmeasured(raw: RawRun, figures: dict) -> dict[str, str]:
    """Figure -> why it is NaN: which of the records it needs are missing, or that
    they were there and the moment never came."""
    have = set(raw.polls)
    for name, df in (("probe/journal.csv", raw.journal), ("probe/probe.csv", raw.probe),
                     ("probe/acked.csv", raw.acked)):
        if len(df):
            have.add(name)
    if raw.present is not None:
        have.add("database/present.csv")
    out = {}
    for name in (*PHASE_COLUMNS, "rpo_s"):
        v = figures.get(name, math.nan)
        if v is None or not (isinstance(v, float) and math.isnan(v)):
            continue
        missing = [r for r in NEEDS.get(name, ()) if r not in have]
        if name == "detect_s" and len(missing) < len(NEEDS[name]):
            missing = []  # either record detects
        out[name] = (f"not measured: no {', '.join(missing)} in the record" if missing
                     else "not reached: the records are there, the moment is not")
    return out
