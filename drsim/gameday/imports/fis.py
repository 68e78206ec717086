"""AWS FIS experiments: the ``GetExperiment`` response (``aws fis get-experiment --id
ID``, or boto3's ``get_experiment`` saved as JSON).

Format: https://docs.aws.amazon.com/fis/latest/APIReference/API_GetExperiment.html --
``{"experiment": {"id", "state": {"status"}, "actions": {NAME: {"actionId",
"state": {"status"}, "startTime", "endTime"}}, "startTime", "endTime", ...}}``.
Timestamps are ISO-8601 with an offset (boto3, AWS CLI v2) or epoch seconds.

Default mapping: an action named like a step of the scenario's runbook (an
``aws:ssm:start-automation-execution`` that runs it) is that step
(``step_started``/``step_finished``); every other action that started is
``fault_injected`` at its ``startTime`` (component: the action's name, detail:
its ``actionId``); the
earliest is the fault moment (drsim's AWS game day takes the experiment's
``startTime``, moments earlier, while FIS resolves targets). An action that never
started (``pending``, ``cancelled``, ``skipped``) is unplaced; so is the
experiment's end. ``--map NAME=step:STEP`` makes any action a runbook step.
"""

from __future__ import annotations

import json
from pathlib import Path

from drsim.errors import DrsimError
from drsim.gameday.imports.mapping import Record, Target, normalised
from drsim.gameday.imports.times import aws_time

FORMAT = "fis"
DEFAULT_MAPPING = (("an action named like a runbook step of the scenario", ("`step_started` / "
                    "`step_finished`, component the step")),
                   ("every other action that started (`actions.NAME.startTime`)",
                    ("`fault_injected` at its start, component the action's name; the earliest "
                    "is the fault moment")),
                   ("an action that never started; the experiment's end", "unplaced"))
NO_FAULT_HINT = "no action of the experiment has a startTime"


def load_response(path: Path, key: str, what: str, doc: str) -> dict:
    """A saved AWS response (JSON object) that must have ``key``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise DrsimError(f"{path}: not JSON ({err})") from None
    if not isinstance(data, dict) or key not in data:
        raise DrsimError(f"{path}: no {key}; {what} ({doc})")
    return data


def read(path: Path) -> list[Record]:
    """The experiment's actions as records (kind ``action``), and its end."""
    data = load_response(path, "experiment", "an FIS GetExperiment response is "
                         "{\"experiment\": {\"id\", \"actions\", \"startTime\", ...}}",
                         "https://docs.aws.amazon.com/fis/latest/APIReference/API_GetExperiment.html")
    exp = data["experiment"]
    actions = exp.get("actions") if isinstance(exp, dict) else None
    if not isinstance(actions, dict):
        raise DrsimError(f"{path}: experiment.actions is not an object of actions by name")
    run_id = f"fis/{exp.get('id', path.stem)}"
    out = []
    for name, act in actions.items():
        where = f"{path}: experiment.actions.{name}"
        if not isinstance(act, dict):
            raise DrsimError(f"{where}: an action is an object with actionId, state, startTime")
        status = str((act.get("state") or {}).get("status", ""))
        start = act.get("startTime")
        end = act.get("endTime")
        out.append(Record(
            str(name), aws_time(start, f"{where}.startTime") if start is not None else
            float("nan"), where,
            end_t=aws_time(end, f"{where}.endTime") if end is not None else None,
            failed=status == "failed", kind="action" if start is not None else f"action {status}",
            component=str(name), detail=f"{act.get('actionId', '')} {status}".strip(),
            run_id=run_id, source="aws"))
    if exp.get("endTime") is not None:
        out.append(Record("experiment_end", aws_time(exp["endTime"], f"{path}: experiment.endTime"),
                          f"{path}: experiment.endTime", kind="experiment end",
                          detail=str((exp.get("state") or {}).get("status", "")),
                          run_id=run_id, source="aws"))
    return out


def default_target(rec: Record, steps: tuple[str, ...]) -> Target | None:
    if rec.kind != "action":
        return None
    name = normalised(rec.name)
    return Target("step", step=name) if name in steps else Target("fault_injected")
