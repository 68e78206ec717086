"""ARC Region switch plan executions: the ``GetPlanExecution`` response (boto3
``arc-region-switch`` ``get_plan_execution``, or ``aws arc-region-switch
get-plan-execution``, saved as JSON).

Format: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_GetPlanExecution.html
-- ``{"planArn", "executionId", "startTime", "endTime", "mode", "executionState",
"executionAction", "executionRegion", "stepStates": [{"name", "status",
"startTime", "endTime", "stepMode"}], "actualRecoveryTime": "PT7M42S", ...}``.

Default mapping:

================================  ===============================================
the execution's ``startTime``     ``failover_decided`` (the plan starts the runbook)
each step that started            ``step_started`` / ``step_finished`` (``step_failed``
                                  if it failed), component the step's name, which
                                  must be a runbook step of the scenario (else
                                  ``--map 'NAME=step:STEP'``)
``startTime + actualRecoveryTime``  ``probe_recovered``: Region switch's own measure of
                                  recovery (the plan's run, then the application's
                                  health alarms healthy again): a probe's RTO
a step that never started; the    unplaced
execution's ``endTime``
================================  ===============================================

A plan execution does not record the fault: give ``--fault-at``, or import the
FIS experiment that injected it and use its moment.
"""

from __future__ import annotations

from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.imports.fis import load_response
from drsim.gameday.imports.mapping import Record, Target
from drsim.gameday.imports.times import aws_time, iso_duration_s

FORMAT = "arc"
DOC = "https://docs.aws.amazon.com/arc-region-switch/latest/api/API_GetPlanExecution.html"
DEFAULT_MAPPING = (
    ("the execution's `startTime`", "`failover_decided`"),
    ("each step that started (`stepStates[]`)", ("`step_started` / `step_finished` "
     "(`step_failed` if it failed), component the step's name (a runbook step of the scenario)")),
    ("`startTime` + `actualRecoveryTime`", ("`probe_recovered` (Region switch's recovery: the "
     "plan, then the health alarms healthy)")),
    ("a step that never started; the execution's `endTime`", "unplaced"),
    ("the fault", "not in the record: `--fault-at`"))
NO_FAULT_HINT = "a plan execution does not record the fault"


def _step(state, i: int, path: Path, run_id: str) -> Record:
    where = f"{path}: stepStates[{i}]"
    if not isinstance(state, dict) or "name" not in state:
        raise DrsimError(f"{where}: a step state is an object with name, status, startTime, "
                         "endTime")
    status = str(state.get("status", ""))
    start, end = state.get("startTime"), state.get("endTime")
    return Record(str(state["name"]),
                  aws_time(start, f"{where}.startTime") if start is not None else float("nan"),
                  f"{where} ({state['name']})",
                  end_t=aws_time(end, f"{where}.endTime") if end is not None else None,
                  failed=status in ("failed", "canceled"),
                  kind="step" if start is not None else f"step {status}",
                  detail=f"{status} {state.get('stepMode', '')}".strip(), run_id=run_id,
                  source="aws")


def read(path: Path) -> list[Record]:
    """The execution's start, its steps, its recovery and its end as records."""
    data = load_response(path, "executionId", "an ARC Region switch GetPlanExecution response "
                         "has planArn, executionId, startTime, executionState, stepStates", DOC)
    if "startTime" not in data:
        raise DrsimError(f"{path}: no startTime; a plan execution has one ({DOC})")
    run_id = f"arc/{data['executionId']}"
    start = aws_time(data["startTime"], f"{path}: startTime")
    detail = f"{data.get('executionAction', '')} {data.get('mode', '')}".strip()
    out = [Record("execution", start, f"{path}: startTime", kind="execution start",
                  component="region_switch", detail=detail, run_id=run_id, source="aws")]
    states = data.get("stepStates") or []
    if not isinstance(states, list):
        raise DrsimError(f"{path}: stepStates is not a list of step states")
    out += [_step(s, i, path, run_id) for i, s in enumerate(states)]
    if data.get("actualRecoveryTime") is not None:
        rec_s = iso_duration_s(data["actualRecoveryTime"], f"{path}: actualRecoveryTime")
        out.append(Record("actualRecoveryTime", start + rec_s, f"{path}: actualRecoveryTime",
                          kind="recovery", component="region_switch",
                          detail=f"actualRecoveryTime {data['actualRecoveryTime']}",
                          run_id=run_id, source="aws"))
    if data.get("endTime") is not None:
        out.append(Record("execution_end", aws_time(data["endTime"], f"{path}: endTime"),
                          f"{path}: endTime", kind="execution end",
                          detail=str(data.get("executionState", "")), run_id=run_id,
                          source="aws"))
    return out


def default_target(rec: Record, steps: tuple[str, ...]) -> Target | None:
    return {"execution start": Target("failover_decided"), "step": Target("step"),
            "recovery": Target("probe_recovered")}.get(rec.kind)
