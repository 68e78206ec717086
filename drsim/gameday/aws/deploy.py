"""Deploying and destroying a run's stacks with the CDK CLI, and finding them again by tag.

The CLI runs in infra/ (where ``cdk.json`` says how to run ``app.py``) with the
caller's environment, so it uses the same credentials and region as boto3 does;
its output goes to ``cdk.log`` in the run directory, never to the terminal (CDK
prints account ids and asset URLs, and a run's log is the place to read them).
Every call is written to the :class:`~drsim.gameday.aws.actions.ActionLog` first.
The CLI's process group is ended when the run is interrupted, so no deploy goes on
after drsim stopped watching it.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.aws.actions import ActionLog
from drsim.gameday.aws.plan import RUN_ID_TAG

GONE = ("DELETE_COMPLETE",)
"""CloudFormation stack states of a stack that no longer exists."""
STOP_GRACE_S = 10.0
"""How long the CDK CLI gets to stop after SIGTERM before SIGKILL. [s]"""


def deploy_argv(cdk: str, run_id: str, scenario_file: str) -> list[str]:
    """``cdk deploy`` of every stack, tagged with the run id, without prompts."""
    return [cdk, "deploy", "--all", "--require-approval", "never",
            "--tags", f"{RUN_ID_TAG}={run_id}", "-c", f"scenario={scenario_file}"]


def destroy_argv(cdk: str, scenario_file: str) -> list[str]:
    """``cdk destroy`` of every stack of the app, without prompts."""
    return [cdk, "destroy", "--all", "--force", "-c", f"scenario={scenario_file}"]


def run_cdk(argv: list[str], *, infra: Path, log_path: Path, actions: ActionLog,
            step: str) -> None:
    """Run the CDK CLI in ``infra``; its output is appended to ``log_path``.

    Raises DrsimError (naming the log) when it exits non-zero. On any interruption
    (Ctrl-C, SIGTERM as KeyboardInterrupt) its process group is stopped, then re-raised.
    """
    actions.before(step, shlex.join(argv))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        log.write(f"$ {shlex.join(argv)}\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(argv, cwd=infra, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as err:
            raise DrsimError(f"{step}: cannot run {argv[0]} ({err.strerror})") from None
        try:
            rc = proc.wait()
        except BaseException:
            _stop_group(proc)
            raise
    if rc != 0:
        raise DrsimError(f"{step}: {' '.join(argv[:2])} exited with status {rc}; see "
                         f"{log_path}")


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the CLI's process group (node and its children), SIGKILL after a grace."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass(frozen=True)
class RunStack:
    """A CloudFormation stack carrying a run's tag."""

    region: str
    name: str
    stack_id: str
    status: str
    outputs: dict


def run_stacks(session, regions, run_id: str) -> list[RunStack]:
    """The live stacks in ``regions`` tagged ``drsim:run-id`` = ``run_id``."""
    found = []
    for region in regions:
        cfn = session.client("cloudformation", region_name=region)
        for page in cfn.get_paginator("describe_stacks").paginate():
            for s in page["Stacks"]:
                tags = {t["Key"]: t["Value"] for t in s.get("Tags") or ()}
                if tags.get(RUN_ID_TAG) != run_id or s["StackStatus"] in GONE:
                    continue
                outputs = {o["OutputKey"]: o.get("OutputValue") for o in s.get("Outputs") or ()}
                found.append(RunStack(region, s["StackName"], s["StackId"], s["StackStatus"],
                                      outputs))
    return found


def stack_resources(session, stacks: list[RunStack]) -> list[dict]:
    """Every resource of ``stacks``: region, stack, type, logical_id, physical_id."""
    rows = []
    for st in stacks:
        cfn = session.client("cloudformation", region_name=st.region)
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=st.stack_id):
            for r in page["StackResourceSummaries"]:
                rows.append({"region": st.region, "stack": st.name,
                             "type": r["ResourceType"], "logical_id": r["LogicalResourceId"],
                             "physical_id": r.get("PhysicalResourceId")})
    return rows
