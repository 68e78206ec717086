"""Tearing a run down from its tag alone: ``drsim:run-id`` = R is all it needs.

:func:`teardown_run` acts only on what carries the run's tag, in this order: stop the
run's FIS experiments (so no action goes on acting), delete its CloudFormation stacks
(newest first: a CDK app's later stacks import from the earlier ones), then delete
what a stack does not own but the run tagged (FIS experiment templates, Route 53
health checks), and last ask the Resource Groups Tagging API what is still tagged.
Every delete is logged before it is made. Run twice, the second finds nothing and
calls nothing destructive: it is idempotent, so it can finish any teardown that was
cut short (``drsim gameday aws teardown --run-id R``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drsim.errors import DrsimError
from drsim.gameday.aws.actions import ActionLog
from drsim.gameday.aws.deploy import GONE, run_stacks
from drsim.gameday.aws.plan import RUN_ID_TAG

RUN_ID = re.compile(r"^drsim-\d{8}T\d{6}Z-[0-9a-f]{6}$")
"""A run id as :func:`drsim.gameday.aws.run.new_run_id` makes it."""
LIVE_EXPERIMENT = ("pending", "initiating", "running")
STACK_DELETE_TIMEOUT_S = 3600.0
"""How long one stack may take to delete (Aurora global clusters take tens of minutes). [s]"""
STACK_POLL_S = 15.0
"""Time between two looks at a stack being deleted. [s]"""


@dataclass
class Teardown:
    """What a teardown did: each list names what it stopped or deleted; ``left`` is what
    the Tagging API still reports tagged with the run id afterwards (ARNs)."""

    run_id: str
    stopped_experiments: list[str] = field(default_factory=list)
    deleted_stacks: list[str] = field(default_factory=list)
    deleted_templates: list[str] = field(default_factory=list)
    deleted_health_checks: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

    @property
    def acted(self) -> bool:
        return bool(self.stopped_experiments or self.deleted_stacks or self.deleted_templates
                    or self.deleted_health_checks)


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is one a run made, else DrsimError: a teardown deletes what carries
    the tag's value, so a typo must not match anything else."""
    if not RUN_ID.match(run_id or ""):
        raise DrsimError(f"--run-id: {run_id!r} is not a run id (drsim-YYYYmmddTHHMMSSZ-xxxxxx, "
                         "as in the run's directory name); nothing was done")
    return run_id


def account_regions(session) -> list[str]:
    """The regions enabled for the account (EC2 DescribeRegions), where a run may have left
    something when its regions are not known."""
    ec2 = session.client("ec2")
    return sorted(r["RegionName"] for r in ec2.describe_regions()["Regions"])


def _tagged(tags, run_id: str) -> bool:
    if isinstance(tags, dict):
        return tags.get(RUN_ID_TAG) == run_id
    return any(t.get("Key") == RUN_ID_TAG and t.get("Value") == run_id for t in tags or ())


def teardown_run(run_id: str, session, *, regions=None, actions: ActionLog | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 stack_timeout_s: float = STACK_DELETE_TIMEOUT_S,
                 stack_poll_s: float = STACK_POLL_S) -> Teardown:
    """Stop and delete everything tagged ``drsim:run-id`` = ``run_id`` in ``regions``
    (default: every region enabled for the account).

    Raises DrsimError, naming what is left, when a stack fails to delete or something
    tagged remains; running it again retries exactly what is left.
    """
    check_run_id(run_id)
    actions = actions or ActionLog(None)
    regions = list(regions) if regions else account_regions(session)
    done = Teardown(run_id)
    for region in regions:
        _stop_experiments(session, region, run_id, actions, done)
    failed = _delete_stacks(session, regions, run_id, actions, done, sleep=sleep,
                            monotonic=monotonic, timeout_s=stack_timeout_s, poll_s=stack_poll_s)
    for region in regions:
        _delete_templates(session, region, run_id, actions, done)
    _delete_health_checks(session, run_id, actions, done)
    for region in regions:
        tagging = session.client("resourcegroupstaggingapi", region_name=region)
        for page in tagging.get_paginator("get_resources").paginate(
                TagFilters=[{"Key": RUN_ID_TAG, "Values": [run_id]}]):
            done.left += [r["ResourceARN"] for r in page["ResourceTagMappingList"]]
    if failed or done.left:
        raise DrsimError(f"teardown of {run_id} is incomplete: "
                         + "; ".join(failed + [f"still tagged: {a}" for a in done.left])
                         + f"; fix the cause, then run drsim gameday aws teardown --run-id "
                           f"{run_id} again (it acts only on what is left)")
    return done


def _stop_experiments(session, region, run_id, actions, done) -> None:
    fis = session.client("fis", region_name=region)
    for page in fis.get_paginator("list_experiments").paginate():
        for exp in page["experiments"]:
            state = (exp.get("state") or {}).get("status")
            if _tagged(exp.get("tags"), run_id) and state in LIVE_EXPERIMENT:
                actions.before("teardown", f"fis StopExperiment {exp['id']} ({region})")
                fis.stop_experiment(id=exp["id"])
                done.stopped_experiments.append(exp["id"])


def _delete_stacks(session, regions, run_id, actions, done, *, sleep, monotonic, timeout_s,
                   poll_s) -> list[str]:
    """Delete the run's stacks newest first, each waited for; returns what failed."""
    failed = []
    stacks = run_stacks(session, regions, run_id)
    created = {}
    for st in stacks:
        cfn = session.client("cloudformation", region_name=st.region)
        created[st.stack_id] = cfn.describe_stacks(StackName=st.stack_id)["Stacks"][0][
            "CreationTime"]
    for st in sorted(stacks, key=lambda s: created[s.stack_id], reverse=True):
        cfn = session.client("cloudformation", region_name=st.region)
        if not st.status.startswith("DELETE_IN_PROGRESS"):
            actions.before("teardown", f"cloudformation DeleteStack {st.name} ({st.region})")
            cfn.delete_stack(StackName=st.stack_id)
        status = _await_gone(cfn, st.stack_id, sleep=sleep, monotonic=monotonic,
                             timeout_s=timeout_s, poll_s=poll_s)
        if status in GONE:
            done.deleted_stacks.append(f"{st.name} ({st.region})")
        else:
            failed.append(f"stack {st.name} ({st.region}) is {status}")
    return failed


def _await_gone(cfn, stack_id, *, sleep, monotonic, timeout_s, poll_s) -> str:
    t_end = monotonic() + timeout_s
    while True:
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if status in GONE or status == "DELETE_FAILED" or monotonic() >= t_end:
            return status
        sleep(poll_s)


def _delete_templates(session, region, run_id, actions, done) -> None:
    fis = session.client("fis", region_name=region)
    for page in fis.get_paginator("list_experiment_templates").paginate():
        for t in page["experimentTemplates"]:
            if _tagged(t.get("tags"), run_id):
                actions.before("teardown", f"fis DeleteExperimentTemplate {t['id']} ({region})")
                fis.delete_experiment_template(id=t["id"])
                done.deleted_templates.append(t["id"])


def _delete_health_checks(session, run_id, actions, done) -> None:
    r53 = session.client("route53")
    ids = [hc["Id"] for page in r53.get_paginator("list_health_checks").paginate()
           for hc in page["HealthChecks"]]
    for i in range(0, len(ids), 10):  # ListTagsForResources takes at most 10 ids
        sets = r53.list_tags_for_resources(ResourceType="healthcheck",
                                           ResourceIds=ids[i:i + 10])["ResourceTagSets"]
        for s in sets:
            if _tagged(s.get("Tags"), run_id):
                actions.before("teardown", f"route53 DeleteHealthCheck {s['ResourceId']}")
                r53.delete_health_check(HealthCheckId=s["ResourceId"])
                done.deleted_health_checks.append(s["ResourceId"])
