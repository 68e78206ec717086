"""Injecting a run's fault: the FIS experiment template tagged ``drsim:fault`` = KIND that
belongs to this run, started with the run's tag.

A template belongs to the run when it carries ``drsim:run-id`` = R (CloudFormation
passes the stack's tags on) or when one of the run's stacks owns it (its id is a
physical id of an ``AWS::FIS::ExperimentTemplate`` in them). A template without a stop
condition is refused: FIS stops an experiment when its stop condition's alarm fires,
and a run does not act on an account without that brake.
"""

from __future__ import annotations

import uuid

from drsim.errors import DrsimError
from drsim.gameday.aws.actions import ActionLog
from drsim.gameday.aws.plan import FAULT_TAG, FIS_TEMPLATE_TYPE, RUN_ID_TAG


def find_template(session, regions, run_id: str, fault: str, stack_rows: list[dict]) -> tuple:
    """``(region, template)`` of this run's template for ``fault``; DrsimError if none or
    several."""
    owned = {r["physical_id"] for r in stack_rows if r["type"] == FIS_TEMPLATE_TYPE}
    hits = []
    for region in regions:
        fis = session.client("fis", region_name=region)
        for page in fis.get_paginator("list_experiment_templates").paginate():
            for t in page["experimentTemplates"]:
                tags = t.get("tags") or {}
                if tags.get(FAULT_TAG) != fault:
                    continue
                if tags.get(RUN_ID_TAG) == run_id or t["id"] in owned:
                    hits.append((region, t))
    if not hits:
        raise DrsimError(f"inject: no FIS experiment template tagged {FAULT_TAG}={fault} in "
                         f"this run's stacks ({', '.join(regions)}); does infra/ synthesize "
                         f"one? (drsim gameday aws plan SCENARIO --fault {fault})")
    if len(hits) > 1:
        raise DrsimError(f"inject: {len(hits)} FIS templates tagged {FAULT_TAG}={fault} in "
                         f"this run ({', '.join(t['id'] for _, t in hits)}); expected one")
    return hits[0]


def start_fault(session, region: str, template: dict, run_id: str,
                actions: ActionLog) -> dict:
    """Start the experiment of ``template`` tagged with the run id; returns the experiment."""
    fis = session.client("fis", region_name=region)
    full = fis.get_experiment_template(id=template["id"])["experimentTemplate"]
    stops = [s for s in full.get("stopConditions") or () if s.get("source") != "none"]
    if not stops:
        raise DrsimError(f"inject: FIS template {template['id']} has no stop condition (an "
                         "alarm that stops the experiment); refusing to start it")
    actions.before("inject", f"fis StartExperiment {template['id']} ({region}), stop "
                             f"condition {', '.join(s.get('value', '') for s in stops)}")
    return fis.start_experiment(clientToken=str(uuid.uuid4()), experimentTemplateId=template["id"],
                                tags={RUN_ID_TAG: run_id})["experiment"]
