"""Polling the AWS signals a run's replay reads, at the plan's intervals, into ``polls/``.

Each of the plan's pollers (:func:`drsim.gameday.aws.plan.pollers`) becomes one job per
region, asking about this run's resources only (the manifest's ids and the run's
stack resources); a poller whose resource the stacks do not have is skipped and said
so. :func:`poll_until` calls each job when it is due, through
:class:`~drsim.gameday.aws.polls.PollLog` (one JSON line per answer), until ``done()``
or the timeout. A call AWS refuses (throttling, a resource not there yet) is written to
``poll-errors.log`` and asked again at the next interval: one bad answer does not end a
game day. Polls only read; nothing here changes the account.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drsim.gameday.aws.plan import Poller
from drsim.gameday.aws.polls import PollLog

Requests = Callable[[object], list[dict]]
"""Given the service's client, the requests one poll makes (a list: some ask per item)."""


@dataclass(frozen=True)
class Job:
    """One poller in one region."""

    poller: Poller
    region: str
    requests: Requests

    @property
    def api(self) -> str:
        return f"{self.poller.service}.{self.poller.operation}"


def _const(*requests: dict) -> Requests:
    return lambda client: list(requests)


def _executions(state_machine_arn: str, since: datetime) -> Requests:
    """The history of every execution of the runbook started since ``since``."""
    def requests(client) -> list[dict]:
        runs = client.list_executions(stateMachineArn=state_machine_arn,
                                      maxResults=100)["executions"]
        return [{"executionArn": r["executionArn"], "maxResults": 1000}
                for r in runs if r["startDate"] >= since]
    return requests


def _by_region(rows: list[dict], rtype: str, region: str) -> list[str]:
    return [r["physical_id"] for r in rows
            if r["type"] == rtype and r["region"] == region and r.get("physical_id")]


def make_jobs(pollers: tuple[Poller, ...], resources: dict, rows: list[dict], *,
              since: datetime, fis_region: str | None) -> tuple[list[Job], list[str]]:
    """The jobs of ``pollers`` for this run, and one line per poller that was skipped."""
    jobs, skipped = [], []
    for p in pollers:
        for region in p.regions:
            made = _requests(p, region, resources, rows, since, fis_region)
            if isinstance(made, str):
                skipped.append(f"{p.service}.{p.operation} ({region}): {made}")
            elif made is not None:
                jobs.append(Job(p, region, made))
    return jobs, skipped


def _requests(p: Poller, region: str, res: dict, rows: list[dict], since: datetime,
              fis_region: str | None) -> Requests | str | None:
    """The requests of ``p`` in ``region``, or why it cannot run (text), or None (not here)."""
    api = f"{p.service}.{p.operation}"
    if api == "route53.GetHealthCheckStatus":
        hc = res.get("health_check_id")
        return _const({"HealthCheckId": hc}) if hc else "no Route 53 health check in the stacks"
    if api == "route53.TestDNSAnswer":
        if not (res.get("record_name") and res.get("hosted_zone_id")):
            return "no service record (and hosted zone) in the stacks"
        return _const({"HostedZoneId": res["hosted_zone_id"], "RecordName": res["record_name"],
                       "RecordType": "A"})
    if api == "cloudwatch.DescribeAlarmHistory":
        return _const({"HistoryItemType": "StateUpdate", "StartDate": since, "MaxRecords": 100})
    if api == "stepfunctions.GetExecutionHistory":
        sm = res.get("state_machine_arn")
        return _executions(sm, since) if sm else "no state machine in the stacks"
    if api == "elbv2.DescribeTargetHealth":
        tgs = _by_region(rows, "AWS::ElasticLoadBalancingV2::TargetGroup", region)
        return _const(*({"TargetGroupArn": t} for t in tgs)) if tgs else "no target group"
    if api == "ecs.DescribeServices":
        clusters = _by_region(rows, "AWS::ECS::Cluster", region)
        services = _by_region(rows, "AWS::ECS::Service", region)
        if not (clusters and services):
            return "no ECS service"
        return _const({"cluster": clusters[0], "services": services[:10]})
    if api == "rds.DescribeGlobalClusters":
        gc = res.get("global_cluster_id")
        return _const({"GlobalClusterIdentifier": gc}) if gc else "no Aurora global cluster"
    if api == "rds.DescribeEvents":
        if not _by_region(rows, "AWS::RDS::DBCluster", region):
            return "no Aurora cluster"
        return _const({"SourceType": "db-cluster", "StartTime": since})
    if api == "fis.GetExperiment":
        exp = res.get("experiment_id")
        if not exp:
            return "no experiment started"
        return _const({"id": exp}) if region == fis_region else None
    return f"no requests known for {api}"


def poll_until(jobs: list[Job], log: PollLog, session, *, done: Callable[[], bool],
               timeout_s: float, errors: Path, sleep: Callable[[float], None] = time.sleep,
               monotonic: Callable[[], float] = time.monotonic,
               on_poll: Callable[[int], None] | None = None) -> bool:
    """Call each job when due until ``done()`` (True returned) or ``timeout_s`` (False). [s]

    ``on_poll(round)`` is called after each round of due jobs (progress, tests).
    """
    from botocore.exceptions import BotoCoreError, ClientError

    clients = {}
    t0 = monotonic()
    due = [t0] * len(jobs)
    rounds = 0
    while True:
        now = monotonic()
        for i, job in enumerate(jobs):
            if due[i] > now:
                continue
            key = (job.poller.service, job.region)
            if key not in clients:
                clients[key] = session.client(job.poller.service, region_name=job.region)
            client = clients[key]
            try:
                for request in job.requests(client):
                    log.call(client, job.poller.operation, **request)
            except (BotoCoreError, ClientError) as err:
                with open(errors, "a") as f:
                    # One line per refusal (a proxy's HTML error page would span many).
                    why = " ".join(str(err).split())[:300]
                    f.write(f"{datetime.now(UTC).isoformat()} {job.api} ({job.region}): {why}\n")
            due[i] = now + job.poller.interval_s
        rounds += 1
        if on_poll is not None:
            on_poll(rounds)
        if done():
            return True
        if monotonic() - t0 >= timeout_s:
            return False
        # With no job due (or none at all) the fleet's state is looked at once a second.
        sleep(max(0.0, min([*due, monotonic() + 1.0]) - monotonic()))
