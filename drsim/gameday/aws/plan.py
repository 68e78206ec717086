"""The plan of an AWS game day, from a scenario and its synthesized stacks: what a run
would deploy, inject, watch and cost, worked out offline with no credentials.

Everything listed comes from the synthesized cloud assembly (:mod:`drsim.gameday.aws.synth`)
or the scenario: the stacks in the order their dependencies give, their resources by type,
the FIS experiment templates tagged ``drsim:fault`` = the fault (or a plain "not in this
synthesis" when infra/ has none), the in-stack probes (Route 53 health checks, canaries),
drsim's own probe, the pollers with their intervals, and the steps. The cost estimate is
the cost model's and is joined in by :func:`drsim.compare.aws_plan.aws_plan` (the game day
and the cost model do not know each other); it arrives here as a :class:`CostEstimate`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drsim.errors import DrsimError
from drsim.gameday.aws.faults import AWS_FAULTS, failure_mode

if TYPE_CHECKING:  # pragma: no cover
    from drsim.gameday.aws.synth import CloudAssembly, SynthStack
    from drsim.scenario.model import Scenario

FAULTS = tuple(AWS_FAULTS)
"""Faults an AWS game day injects through FIS (the ``drsim:fault`` tag's values)."""
DEFAULT_FAULT = "region_isolation"
FAULT_TAG = "drsim:fault"
"""Tag key on infra/'s FIS experiment templates naming the fault each injects."""
RUN_ID_TAG = "drsim:run-id"
"""Tag a run puts on every stack (``cdk deploy --tags``); teardown acts on it alone."""
FIS_TEMPLATE_TYPE = "AWS::FIS::ExperimentTemplate"
DEFAULT_HOURS = 2.0
"""Hours the stack is assumed to live for the estimate when --hours is not given: a working
guess for deploy, one run and teardown, not a measurement (none can be made here). [h]"""
NOT_SYNTHESIZED = "not in this synthesis"
UNSTAMPED_POLL_S = 5.0
"""Poll interval of a state AWS reports without a timestamp (target health, a cluster's
status): its time is the poll's, so this is the resolution of the measured time. [s]"""
STAMPED_POLL_S = 15.0
"""Poll interval of a history whose entries carry their own UTC timestamps (alarm history,
execution history, RDS events, FIS action times): polling only delays seeing them. [s]"""


def check_fault(fault: str) -> str:
    """``fault`` if it is one of :data:`FAULTS`, else DrsimError listing them."""
    failure_mode(fault, "--fault")
    return fault


def check_hours(hours: float) -> float:
    """``hours`` if it is a finite number > 0, else DrsimError. [h]"""
    if not (isinstance(hours, (int, float)) and math.isfinite(hours) and hours > 0):
        raise DrsimError(f"--hours: {hours:g} must be a number of hours > 0")
    return float(hours)


def check_platform(scenario: Scenario, source: str) -> None:
    """DrsimError unless ``scenario`` is ``platform: aws`` (infra/ deploys no other)."""
    if scenario.platform != "aws":
        raise DrsimError(f"{source}: platform: {scenario.platform} runs on this machine, not "
                         "on AWS; use drsim gameday local for it, or give a platform: aws "
                         "scenario (e.g. seed-warm-standby)")


@dataclass(frozen=True)
class Poller:
    """One AWS API the run polls for its timeline.

    interval_s : time between two calls. [s]
    stamped : the answer carries its own UTC timestamps (else the poll's time is the event's).
    """

    service: str
    operation: str
    regions: tuple[str, ...]
    interval_s: float
    stamped: bool
    what: str

    def as_dict(self) -> dict:
        return {"service": self.service, "operation": self.operation,
                "regions": list(self.regions), "interval_s": self.interval_s,
                "stamped": self.stamped, "what": self.what}


def pollers(scenario: Scenario, fis_regions: tuple[str, ...] = ()) -> tuple[Poller, ...]:
    """The pollers of a run of ``scenario``, with their intervals: one per API the replay
    reads (:data:`drsim.gameday.aws.raw.POLLED_APIS`). ``fis_regions``: where the fault's
    FIS templates are (an experiment lives in its template's region; default the primary)."""
    both = (scenario.regions.primary, scenario.regions.secondary)
    # Each Route 53 checker reports once per interval; polling at half of it sees every
    # report of every checker (GetHealthCheckStatus returns each checker's latest).
    r53_s = scenario.health_check.interval_s / 2
    return (
        Poller("route53", "GetHealthCheckStatus", ("us-east-1",), r53_s, True,
               "each checker's latest observation of the primary's endpoint (Route 53's API "
               "is served from us-east-1)"),
        Poller("route53", "TestDNSAnswer", ("us-east-1",), UNSTAMPED_POLL_S, False,
               "what Route 53 answers for the service name (the switch to the secondary)"),
        Poller("cloudwatch", "DescribeAlarmHistory", both, STAMPED_POLL_S, True,
               "alarm state changes (the failover alarm, unhealthy hosts, 5xx)"),
        Poller("stepfunctions", "GetExecutionHistory", (scenario.regions.secondary,),
               STAMPED_POLL_S, True, "the failover runbook's steps as they start and finish"),
        Poller("elbv2", "DescribeTargetHealth", both, UNSTAMPED_POLL_S, False,
               "each region's healthy targets behind its ALB"),
        Poller("ecs", "DescribeServices", both, UNSTAMPED_POLL_S, False,
               "running and desired task counts (service events carry timestamps)"),
        Poller("rds", "DescribeGlobalClusters", both, UNSTAMPED_POLL_S, False,
               "which cluster is the global database's writer, and its status"),
        Poller("rds", "DescribeEvents", both, STAMPED_POLL_S, True,
               "cluster events: failover started and completed"),
        Poller("fis", "GetExperiment", fis_regions or (scenario.regions.primary,),
               UNSTAMPED_POLL_S, True,
               "the experiment's and each action's state, start and end times"),
    )


# ---- reading the templates -------------------------------------------------------------

def show(value) -> object:
    """A template value for a person: intrinsics as short text (``Ref X``, ``X.Arn``)."""
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return f"Ref {arg}"
        if key == "Fn::GetAtt":
            return ".".join(map(str, arg)) if isinstance(arg, list) else str(arg)
        if key == "Fn::Join":
            sep, parts = arg
            return sep.join(str(show(p)) for p in parts)
        if key == "Fn::ImportValue":
            return f"import {show(arg)}"
        if key.startswith("Fn::"):
            return f"{key}(...)"
    if isinstance(value, dict):
        return {k: show(v) for k, v in value.items()}
    if isinstance(value, list):
        return [show(v) for v in value]
    return value


def tags_of(resource: dict) -> dict[str, str]:
    """A resource's tags as a dict: FIS takes a map, most types a list of ``{Key, Value}``."""
    tags = resource.get("Properties", {}).get("Tags") or {}
    if isinstance(tags, list):
        return {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
    return dict(tags)


_ISO_DURATION = re.compile(r"^PT(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
                           r"(?:(?P<s>\d+(?:\.\d+)?)S)?$")


def duration_min(text: str) -> float | None:
    """An FIS action's ``duration`` (ISO 8601, ``PT10M``) in minutes, or None if it is not one."""
    m = _ISO_DURATION.match(text) if isinstance(text, str) else None
    if not m or not any(m.groupdict().values()):
        return None
    h, mi, s = (float(m[k] or 0) for k in ("h", "m", "s"))
    return h * 60 + mi + s / 60


def fis_templates(assembly: CloudAssembly, fault: str) -> list[dict]:
    """The FIS experiment templates tagged ``drsim:fault`` = ``fault``, in stack order.

    Each: ``stack``, ``logical_id``, ``description``, ``actions`` (name, action id,
    duration, targets), ``targets``, ``stop_conditions``, ``role``, ``action_minutes``
    (the actions' durations added up; None when an action has none).
    """
    found = []
    for stack in assembly.stacks:
        for lid, res in stack.of_type(FIS_TEMPLATE_TYPE).items():
            if tags_of(res).get(FAULT_TAG) != fault:
                continue
            found.append(_fis_template(stack, lid, res.get("Properties", {})))
    return found


def _fis_template(stack: SynthStack, lid: str, props: dict) -> dict:
    actions, minutes = [], 0.0
    for name, action in (props.get("Actions") or {}).items():
        duration = (action.get("Parameters") or {}).get("duration")
        mins = duration_min(duration)
        minutes = None if minutes is None or mins is None else minutes + mins
        actions.append({"name": name, "action_id": action.get("ActionId"),
                        "duration": duration, "targets": show(action.get("Targets") or {})})
    targets = {name: {"resource_type": t.get("ResourceType"),
                      "selection_mode": t.get("SelectionMode"),
                      "resource_tags": show(t.get("ResourceTags") or {})}
               for name, t in (props.get("Targets") or {}).items()}
    stops = [{"source": s.get("Source"), "value": show(s.get("Value"))}
             for s in props.get("StopConditions") or ()]
    return {"stack": stack.artifact, "region": stack.region, "logical_id": lid,
            "description": props.get("Description"), "actions": actions, "targets": targets,
            "stop_conditions": stops, "role": show(props.get("RoleArn")),
            "action_minutes": minutes if actions else None}


def in_stack_probes(assembly: CloudAssembly) -> list[dict]:
    """The probes infra/ deploys: Route 53 health checks and Synthetics canaries."""
    out = []
    for stack in assembly.stacks:
        for lid, res in stack.of_type("AWS::Route53::HealthCheck").items():
            c = res.get("Properties", {}).get("HealthCheckConfig", {})
            out.append({"kind": "route53_health_check", "stack": stack.artifact,
                        "logical_id": lid, "type": c.get("Type"), "port": c.get("Port"),
                        "path": c.get("ResourcePath"), "interval_s": c.get("RequestInterval"),
                        "failure_threshold": c.get("FailureThreshold"),
                        "inverted": c.get("Inverted", False)})
        for lid, res in stack.of_type("AWS::Synthetics::Canary").items():
            p = res.get("Properties", {})
            out.append({"kind": "synthetics_canary", "stack": stack.artifact,
                        "region": stack.region, "logical_id": lid, "name": p.get("Name"),
                        "schedule": (p.get("Schedule") or {}).get("Expression"),
                        "target_url": show((p.get("RunConfig") or {})
                                           .get("EnvironmentVariables", {}).get("TARGET_URL"))})
    return out


def service_names(assembly: CloudAssembly) -> list[str]:
    """The names of the Route 53 records the service answers on (what clients resolve)."""
    names = [res.get("Properties", {}).get("Name")
             for stack in assembly.stacks
             for res in stack.of_type("AWS::Route53::RecordSet").values()]
    return sorted({str(n).rstrip(".") for n in names if isinstance(n, str)})


def drsim_probe(scenario: Scenario, assembly: CloudAssembly) -> dict:
    """drsim's own probe, run on this machine (what ``probe_rto_s`` is measured with)."""
    hc = scenario.health_check
    return {"kind": "drsim_probe", "where": "the machine running drsim",
            "resolves": service_names(assembly),
            "port": hc.port, "protocol": hc.protocol, "interval_s": scenario.probe.interval_s,
            "writes": scenario.probe.writes,
            "resolver": "a fresh resolution each attempt, through a cache that honours the TTL",
            "journal": "one line per attempt, UTC timestamps"}


# ---- the estimate and the plan ----------------------------------------------------------

@dataclass(frozen=True)
class CostEstimate:
    """What a run's stack costs for ``hours``, from the cost model's monthly bill.

    hours : how long the stack lives. [h]
    hours_per_month : the cost model's billing month. [h]
    monthly_usd : the cost model's monthly total. [USD/month]
    fis_action_minutes : the fault's FIS action-minutes, None if unknown. [min]
    fis_usd_per_action_minute : FIS's price from the price table, None if it has none.
    missing : what is not in the estimate, one sentence each.
    """

    hours: float
    hours_per_month: float
    monthly_usd: float
    by_service_monthly_usd: dict
    fis_action_minutes: float | None
    fis_usd_per_action_minute: float | None
    missing: tuple[str, ...]
    price_tables: dict

    @property
    def stack_usd(self) -> float:
        """The monthly bill prorated to ``hours``: monthly x hours / hours_per_month. [USD]"""
        return self.monthly_usd * self.hours / self.hours_per_month

    @property
    def fis_usd(self) -> float | None:
        """FIS action-minutes x their price, None when either is unknown. [USD]"""
        if self.fis_action_minutes is None or self.fis_usd_per_action_minute is None:
            return None
        return self.fis_action_minutes * self.fis_usd_per_action_minute

    @property
    def total_usd(self) -> float:
        """What is priced: the stack, plus FIS when priced (see ``missing``). [USD]"""
        return self.stack_usd + (self.fis_usd or 0.0)

    def as_dict(self) -> dict:
        r = 6
        return {"hours": self.hours, "hours_per_month": self.hours_per_month,
                "monthly_usd": round(self.monthly_usd, r),
                "stack_usd": round(self.stack_usd, r),
                "by_service_usd": {k: round(v * self.hours / self.hours_per_month, r)
                                   for k, v in self.by_service_monthly_usd.items()},
                "fis_action_minutes": self.fis_action_minutes,
                "fis_usd_per_action_minute": self.fis_usd_per_action_minute,
                "fis_usd": None if self.fis_usd is None else round(self.fis_usd, r),
                "total_usd": round(self.total_usd, r), "missing": list(self.missing),
                "price_tables": dict(self.price_tables)}


@dataclass(frozen=True)
class AwsPlan:
    """An AWS game day's plan: see :func:`make_plan`. ``as_dict()`` is ``--json``'s object."""

    scenario: str
    scenario_file: str
    regions: dict
    fault: str
    stacks: tuple[dict, ...]
    fis_templates: tuple[dict, ...]
    probes: tuple[dict, ...]
    pollers: tuple[Poller, ...]
    steps: tuple[dict, ...]
    estimate: CostEstimate
    synth_s: float

    @property
    def estimated_usd(self) -> float:
        return self.estimate.total_usd

    @property
    def fis_status(self) -> str:
        """``found`` or why there is no template (infra/ may not have one yet)."""
        if self.fis_templates:
            return f"found {len(self.fis_templates)}"
        return (f"{NOT_SYNTHESIZED}: no {FIS_TEMPLATE_TYPE} tagged {FAULT_TAG}={self.fault} "
                "in any stack")

    def as_dict(self) -> dict:
        return {"scenario": self.scenario, "scenario_file": self.scenario_file,
                "regions": dict(self.regions), "fault": self.fault,
                "stacks": list(self.stacks),
                "fis_templates": list(self.fis_templates),
                "fis_status": self.fis_status,
                "probes": list(self.probes), "pollers": [p.as_dict() for p in self.pollers],
                "steps": list(self.steps), "estimated_usd": round(self.estimated_usd, 6),
                "estimate": self.estimate.as_dict(), "synth_s": round(self.synth_s, 1)}

    def to_frame(self):
        """Resources by type (rows) and stack (columns, in deployment order), 0 where none."""
        import pandas as pd

        counts = {s["name"]: s["resource_types"] for s in self.stacks}
        frame = pd.DataFrame(counts).fillna(0).astype(int)
        frame.index.name = "resource_type"
        return frame.loc[frame.sum(axis=1).sort_values(ascending=False, kind="stable").index]

    def __repr__(self) -> str:
        return (f"AwsPlan({self.scenario!r}, {self.fault}: {len(self.stacks)} stacks, "
                f"{len(self.fis_templates)} FIS template(s), {self.estimated_usd:.2f} USD "
                f"for {self.estimate.hours:g} h)")


def stack_rows(assembly: CloudAssembly) -> list[dict]:
    """One row per stack in deployment order: names, region, dependencies, resources by type."""
    return [{"name": s.artifact, "stack_name": s.stack_name, "region": s.region,
             "depends_on": list(s.depends_on), "resources": sum(s.resource_counts().values()),
             "resource_types": s.resource_counts()} for s in assembly.stacks]


def run_steps(scenario: Scenario, scenario_file: str, assembly: CloudAssembly,
              fault: str, templates: list[dict], watch: tuple[Poller, ...]) -> list[dict]:
    """The steps a run takes, in order, each with what it calls."""
    order = [s.artifact for s in assembly.stacks]
    fis = ([f"{t['stack']}/{t['logical_id']} (stop: "
            f"{', '.join(str(c['value']) for c in t['stop_conditions']) or 'none'})"
            for t in templates] or [NOT_SYNTHESIZED])
    return [
        {"step": "deploy", "what": "deploy the stacks in this order, each tagged with the run id",
         "calls": [f"cdk deploy {' '.join(order)} --require-approval never "
                   f"--tags {RUN_ID_TAG}=<run-id> -c scenario={scenario_file}"]},
        {"step": "wait_healthy",
         "what": "wait until both ALBs' targets are healthy, the ECS services run their desired "
                 "tasks, the Route 53 health check reports healthy and the global database is "
                 "available", "calls": ["elbv2 DescribeTargetHealth", "ecs DescribeServices",
                                        "route53 GetHealthCheckStatus",
                                        "rds DescribeGlobalClusters"]},
        {"step": "start_probes",
         "what": f"start drsim's probe on this machine: one attempt every "
                 f"{scenario.probe.interval_s:g} s through the service record", "calls": []},
        {"step": "inject",
         "what": f"start the FIS experiment for {fault}, with its stop condition",
         "calls": [f"fis StartExperiment {t}" for t in fis]},
        {"step": "poll", "what": "poll until recovered or the run's timeout",
         "calls": [f"{p.service} {p.operation} every {p.interval_s:g} s" for p in watch]},
        {"step": "collect", "what": "write the raw observations (JSONL, UTC) and convert them "
                                    "to the shared timeline (source: aws)", "calls": []},
        {"step": "teardown",
         "what": "destroy the stacks in reverse order, in a finally (also on Ctrl-C and "
                 "SIGTERM), then check that nothing tagged with the run id is left",
         "calls": [f"cdk destroy {' '.join(reversed(order))} --force",
                   f"resourcegroupstaggingapi GetResources {RUN_ID_TAG}=<run-id>"]},
    ]


def make_plan(scenario: Scenario, scenario_file: str, assembly: CloudAssembly, *,
              fault: str, estimate: CostEstimate) -> AwsPlan:
    """The plan of a game day of ``fault`` on ``assembly`` (synthesized from ``scenario``)."""
    check_fault(fault)
    templates = fis_templates(assembly, fault)
    watch = pollers(scenario, tuple(dict.fromkeys(t["region"] for t in templates)))
    return AwsPlan(
        scenario=scenario.name, scenario_file=scenario_file,
        regions={"primary": scenario.regions.primary, "secondary": scenario.regions.secondary},
        fault=fault, stacks=tuple(stack_rows(assembly)), fis_templates=tuple(templates),
        probes=(drsim_probe(scenario, assembly), *in_stack_probes(assembly)), pollers=watch,
        steps=tuple(run_steps(scenario, scenario_file, assembly, fault, templates, watch)),
        estimate=estimate, synth_s=assembly.synth_s)
