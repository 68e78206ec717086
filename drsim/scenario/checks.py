"""Checks that span several fields and catch real configuration mistakes.

Each check returns ``(path, message)`` pairs; the message says what is wrong
and how to fix it. :class:`~drsim.scenario.model.Scenario` runs them all when
it is built, so a scenario object that exists has passed them.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from drsim.scenario.alarm_sources import ALARM_SOURCES, alarm_sight, health_check_sees
from drsim.scenario.derive import pinned_rate_warnings

if TYPE_CHECKING:  # pragma: no cover
    from drsim.scenario.model import Scenario

Problem = tuple[tuple, str]

ROUTE53_INTERVALS_S = (10, 30)
ROUTE53_MAX_THRESHOLD = 10
CLOUDWATCH_SHORT_PERIODS_S = (10, 20, 30)
AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$")
ACM_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-fA-F-]+$")
# Which datastores each platform can run.
PLATFORM_DATASTORES = {
    "aws": ("aurora_global", "dynamodb_global", "s3_crr", "backup"),
    "local": ("postgres_streaming", "backup"),
}
LIVE_REPLICAS = ("aurora_global", "dynamodb_global", "postgres_streaming")


def find_problems(s: "Scenario") -> list[Problem]:
    """Every cross-field problem of scenario ``s`` (empty when it is sound)."""
    problems: list[Problem] = []
    for check in (
        _platform_limits,
        _protocol_port,
        _runbook_graph,
        _fencing,
        _datastores,
        _strategy_shape,
        _capacity,
        _traffic,
        _standby_readiness,
        _alarm_source,
        _certificates,
        _sources,
    ):
        problems.extend(check(s))
    return problems


def _platform_limits(s):
    hc = s.health_check
    if s.platform == "aws":
        if hc.interval_s not in ROUTE53_INTERVALS_S:
            yield (("health_check", "interval_s"),
                   f"{_num(hc.interval_s)} is not one of 10, 30 (Route 53 allows only these; "
                   "a platform: local scenario allows any positive value)")
        if hc.failure_threshold > ROUTE53_MAX_THRESHOLD:
            yield (("health_check", "failure_threshold"),
                   f"{hc.failure_threshold} is outside 1..10, the range Route 53 allows")
        p = s.alarm.period_s
        if p not in CLOUDWATCH_SHORT_PERIODS_S and (p < 60 or p % 60):
            yield (("alarm", "period_s"),
                   f"{_num(p)} is not a CloudWatch period: use 10, 20, 30 or a multiple of 60")
        for key in ("primary", "secondary"):
            region = getattr(s.regions, key)
            if not AWS_REGION.match(region):
                yield (("regions", key),
                       f"{region!r} is not an AWS region name such as 'us-east-1'")
    if s.regions.primary == s.regions.secondary:
        yield (("regions", "secondary"),
               f"is the same as the primary ({s.regions.primary!r}); a regional failover "
               "needs two regions")


def _protocol_port(s):
    hc = s.health_check
    if hc.protocol == "HTTPS" and hc.port == 80:
        yield (("health_check", "port"),
               "HTTPS health check on port 80 (the seed's failure 4): the checker opens TLS "
               "against a plain-HTTP listener and every check fails; use protocol: HTTP with "
               "port: 80, or protocol: HTTPS with port: 443")
    elif hc.protocol == "HTTP" and hc.port == 443:
        yield (("health_check", "port"),
               "HTTP health check on port 443: the checker sends plain HTTP to a TLS listener "
               "and every check fails; use protocol: HTTPS with port: 443, or protocol: HTTP "
               "with port: 80")
    if hc.protocol == "TCP" and hc.string_match:
        yield (("health_check", "string_match"),
               "string matching needs protocol HTTP or HTTPS; a TCP check reads no body")


def _certificates(s):
    arns = s.security.certificate_arns
    if not arns:
        return
    path = ("security", "certificate_arns")
    if s.platform != "aws":
        yield (path, "certificates are for the AWS stack; a platform: local scenario has none")
        return
    regions = {s.regions.primary, s.regions.secondary}
    if set(arns) != regions:
        yield (path, f"names regions {', '.join(sorted(arns))}; give one ACM certificate ARN "
                     f"for each of the scenario's regions: {', '.join(sorted(regions))}")
    for region, arn in arns.items():
        match = ACM_CERTIFICATE_ARN.match(arn)
        if match is None:
            yield ((*path, region), f"{arn!r} is not an ACM certificate ARN "
                                    "(arn:aws:acm:REGION:ACCOUNT:certificate/ID)")
        elif match["region"] != region:
            yield ((*path, region), f"the certificate is in {match['region']}; an ALB in "
                                    f"{region} needs a certificate of its own region")
    if s.health_check.protocol == "HTTP":
        yield (("health_check", "protocol"),
               "HTTP with security.certificate_arns: port 80 then only redirects to HTTPS and "
               "Route 53 counts the redirect as healthy, so the check passes with every task "
               "down; use protocol: HTTPS with port: 443")


def _runbook_graph(s):
    names = [step.name for step in s.runbook]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield (("runbook", i, "name"), f"step name {name!r} is used twice; names must be unique")
        seen.add(name)
    for i, step in enumerate(s.runbook):
        for j, dep in enumerate(step.after):
            if dep == step.name:
                yield (("runbook", i, "after", j), f"step {step.name!r} waits for itself")
            elif dep not in seen:
                yield (("runbook", i, "after", j),
                       f"unknown step {dep!r}{_did_you_mean(dep, names)}; "
                       f"steps are: {', '.join(names)}")
    cycle = _find_cycle({st.name: [d for d in st.after if d in seen and d != st.name]
                         for st in s.runbook})
    if cycle:
        i = names.index(cycle[0])
        yield (("runbook", i, "after"),
               "the steps wait for each other in a cycle: " + " -> ".join(cycle + [cycle[0]])
               + "; remove one of these 'after' entries")


def _fencing(s):
    for i, step in enumerate(s.runbook):
        if step.fences_primary and step.action != "promote_database":
            yield (("runbook", i, "fences_primary"),
                   f"only a promote_database step can fence the old primary on promotion, but "
                   f"step {step.name!r} has action: {step.action}; allowed: fences_primary on a "
                   "promote_database step, or a separate step with action: fence_primary")


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle in ``graph`` (step -> steps it waits for) as a list of names, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for dep in graph.get(node, ()):
            if state.get(dep) == 1:
                return path[path.index(dep):]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return list(reversed(found))
    return None


def _datastores(s):
    names: set[str] = set()
    allowed = PLATFORM_DATASTORES[s.platform]
    for i, ds in enumerate(s.datastores):
        if ds.name in names:
            yield (("datastores", i, "name"), f"datastore name {ds.name!r} is used twice")
        names.add(ds.name)
        if ds.kind not in allowed:
            yield (("datastores", i, "kind"),
                   f"{ds.kind!r} does not run on platform {s.platform}; "
                   f"use one of {', '.join(allowed)}")
        if ds.kind == "s3_crr":
            yield from _rtc_bound(i, ds)
    actions = {step.action for step in s.runbook}
    kinds = {ds.kind for ds in s.datastores}
    if s.strategy == "backup_restore":
        for i, ds in enumerate(s.datastores):
            if ds.kind in LIVE_REPLICAS:
                yield (("datastores", i, "kind"),
                       f"backup_restore keeps no live replica, but {ds.name!r} is {ds.kind}; "
                       "use kind: backup, or strategy: pilot_light (or warmer)")
        if "backup" not in kinds:
            yield (("datastores",),
                   "backup_restore needs at least one datastore of kind: backup to restore from")
        if "restore_database" not in actions:
            yield (("runbook",),
                   "backup_restore needs a runbook step with action: restore_database")
    relational = [ds.name for ds in s.datastores if ds.kind in ("aurora_global", "postgres_streaming")]
    if relational and "promote_database" not in actions:
        yield (("runbook",),
               f"the secondary copy of {', '.join(relational)} stays read-only: add a runbook "
               "step with action: promote_database")


def _rtc_bound(i, ds):
    """rtc: true truncates the lag at 900 s: the lag must keep some probability there."""
    from pydantic import ValidationError

    try:
        _ = ds.simulated_lag_s  # builds the bounded lag, which validates it
    except ValidationError as err:
        why = err.errors()[0]["msg"].split("; allowed")[0]
        yield (("datastores", i, "rtc"),
               f"rtc: true bounds the lag at 900 s (S3 RTC: 99.99 % within 15 min), but for "
               f"replication_lag_s the {why}; allowed: a lag distribution with probability "
               "below 900 s, or rtc: false")


def _strategy_shape(s):
    c, strategy = s.compute, s.strategy
    if strategy in ("backup_restore", "pilot_light") and c.standby_tasks > 0:
        yield (("compute", "standby_tasks"),
               f"{strategy} runs no compute in the secondary; set standby_tasks: 0, "
               "or use strategy: warm_standby")
    if strategy == "warm_standby" and not 0 < c.standby_tasks < c.required_tasks:
        yield (("compute", "standby_tasks"),
               f"warm_standby runs a scaled-down copy: 0 < standby_tasks < required_tasks "
               f"({c.required_tasks}); {c.standby_tasks} is "
               + ("pilot_light" if c.standby_tasks == 0 else "hot_standby"))
    if strategy in ("hot_standby", "active_active") and c.standby_tasks < c.required_tasks:
        yield (("compute", "standby_tasks"),
               f"{strategy} runs full capacity in the secondary: standby_tasks must be at least "
               f"required_tasks ({c.required_tasks}); or use strategy: warm_standby")
    if strategy == "active_active" and s.dns.primary_share >= 1:
        yield (("dns", "primary_share"),
               "active_active serves clients from both regions; set primary_share below 1 "
               "(0.5 for an even split)")
    if strategy != "active_active" and s.dns.primary_share < 1:
        yield (("dns", "primary_share"),
               f"{strategy} sends every client to the primary; primary_share below 1 is "
               "active_active")


def _capacity(s):
    c = s.compute
    if c.ceiling_tasks < c.required_tasks:
        yield (("compute", "max_tasks"),
               f"{c.max_tasks} is below required_tasks ({c.required_tasks}): the secondary can "
               "never carry the load; raise max_tasks or lower required_tasks")
    if c.standby_tasks > c.ceiling_tasks:
        yield (("compute", "standby_tasks"),
               f"{c.standby_tasks} is above the secondary's ceiling max_tasks ({c.ceiling_tasks})")
    scales = any(step.action == "scale_standby" for step in s.runbook)
    if c.standby_tasks < c.required_tasks and not scales:
        yield (("compute", "standby_tasks"),
               f"{c.standby_tasks} standby tasks never reach required_tasks ({c.required_tasks}) "
               "because no runbook step scales them; add a step with action: scale_standby")


def _traffic(s):
    # recovered_fraction counts the affected clients (those on the primary), and
    # stuck_fraction is a share of them, whatever share of all clients they are.
    allowed = 1 - s.objectives.recovered_fraction
    if s.dns.stuck_fraction > allowed + 1e-12:
        yield (("dns", "stuck_fraction"),
               f"{s.dns.stuck_fraction} of clients never move, so recovered_fraction "
               f"({s.objectives.recovered_fraction}) can never be reached; lower one of them")
    if s.dns.routing == "manual" and not any(st.action == "switch_traffic" for st in s.runbook):
        yield (("dns", "routing"),
               "manual routing moves traffic only in a step with action: switch_traffic, and "
               "the runbook has none")


def _standby_readiness(s):
    c = s.compute
    if c.standby_ready_s.mean <= 0:
        return
    if s.dns.primary_share < 1:
        yield (("compute", "standby_ready_s"),
               "the secondary of active_active serves clients before the fault, so its "
               "targets are already healthy; set standby_ready_s: 0")
    elif c.standby_tasks == 0:
        yield (("compute", "standby_ready_s"),
               "there are no standby tasks to become ready (standby_tasks: 0); the tasks a "
               "scale-up launches pass their health checks after target_healthy_s")


def _alarm_source(s):
    # "An alarm source no fault can change" (issue 11): ``none`` is the one source no
    # fault changes. A scenario may have no alarm, but not one whose failover then
    # waits for it, since no fault could ever start that failover.
    d = s.decision
    if s.alarm.source != "none" or (d.mode == "automatic" and d.trigger == "health_check"):
        return
    waits = ("decision.mode: manual pages on the alarm" if d.mode == "manual"
             else "decision.trigger: alarm starts the failover on it")
    allowed = ", ".join(a for a in ALARM_SOURCES if a != "none")
    yield (("alarm", "source"),
           f"'none' is an alarm no fault can change, but {waits}, so no failover ever "
           f"starts; allowed: {allowed}, or decision: {{mode: automatic, trigger: health_check}}")


def find_warnings(s: "Scenario", *, deployment: bool = True) -> list[Problem]:
    """What makes scenario ``s`` valid but doubtful, as ``(path, message)`` pairs.

    An alarm that cannot see the scenario's fault never fires (it pages no one, and
    triggers nothing), and where the health check cannot see the fault either, no
    trial detects it: the simulation reports P(never detected) = 1. An explicit
    ``alarm.source: none`` is not warned about by itself, only when nothing else
    detects the fault. With ``deployment``, also what is doubtful about the stack
    ``infra/`` builds from it (plain HTTP without certificates), which changes no
    simulated or priced figure: ``validate`` and ``gameday aws plan`` show those, the
    commands that simulate or price do not.
    """
    warnings: list[Problem] = []
    sight = alarm_sight(s)
    mode = s.failure.mode
    if not sight.fires and s.alarm.source != "none":
        warnings.append((("alarm", "source"),
                         f"{s.alarm.source} cannot see {mode} ({sight.why}): the alarm "
                         "never fires"))
    if not sight.fires and not health_check_sees(s):
        warnings.append((("failure", "mode"),
                         f"neither the alarm ({s.alarm.source}) nor the health check sees a "
                         f"{mode}: no trial detects it (P(never detected) = 1)"
                         + ("; a health path that queries the database "
                            "(health_check.checks_database) would" if mode == "db_primary_loss"
                            else "")))
    if deployment:
        warnings.extend(_plain_http(s))
    warnings.extend(pinned_rate_warnings(s))
    return warnings


def _plain_http(s):
    """An AWS scenario without certificates: infra/ serves it over plain HTTP."""
    if s.platform != "aws" or s.security.certificate_arns:
        return
    if s.health_check.protocol == "HTTPS":
        yield (("security", "certificate_arns"),
               "empty, so infra/ cannot build the HTTPS listener the health check probes; "
               "give an ACM certificate ARN per region")
        return
    yield (("security", "certificate_arns"),
           "empty: infra/ deploys plain-HTTP listeners, so client traffic and the health "
           "check cross the internet unencrypted; give an ACM certificate ARN per region "
           "for HTTPS on 443 (HTTP redirected) and health_check protocol HTTPS, port 443")


def _sources(s):
    from drsim.scenario.paths import PathError, resolve

    for key in s.sources:
        try:
            resolve(s, key)
        except PathError as err:
            yield (("sources", key), f"names no field of the scenario: {err}")


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _num(x: float) -> str:
    return f"{x:g}"
